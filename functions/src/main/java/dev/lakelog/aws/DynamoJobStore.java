package dev.lakelog.aws;

import dev.lakelog.backend.JobStore;
import dev.lakelog.backend.QueryJob;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

/**
 * {@link JobStore} on a DynamoDB table with string hash key {@code pk} = {@code <tenant>#<job id>}
 * (so one tenant's key can never name another's job) and TTL attribute {@code expires_at} (epoch
 * seconds). Reads are consistent, so the state a worker saved is the state the next GET answers.
 */
public final class DynamoJobStore implements JobStore {
    private final DynamoDbClient ddb;
    private final String table;

    public DynamoJobStore(DynamoDbClient ddb, String table) {
        this.ddb = ddb;
        this.table = table;
    }

    static String key(String tenantId, String id) {
        return tenantId + "#" + id;
    }

    @Override
    public void create(QueryJob job) {
        try {
            ddb.putItem(b -> b.tableName(table).item(item(job)).conditionExpression("attribute_not_exists(pk)"));
        } catch (ConditionalCheckFailedException e) {
            throw new IllegalStateException("job " + job.id() + " of tenant " + job.tenantId() + " exists already", e);
        }
    }

    @Override
    public Optional<QueryJob> get(String tenantId, String id) {
        var r = ddb.getItem(b -> b.tableName(table).consistentRead(true).key(Map.of("pk", AttributeValue.fromS(key(tenantId, id)))));
        if (!r.hasItem() || r.item().isEmpty()) return Optional.empty();
        QueryJob job = job(r.item());
        if (job.expiresAt().isBefore(Instant.now())) return Optional.empty(); // past its TTL, not yet swept
        return Optional.of(job);
    }

    @Override
    public void save(QueryJob job) {
        ddb.putItem(b -> b.tableName(table).item(item(job)));
    }

    private static Map<String, AttributeValue> item(QueryJob j) {
        Map<String, AttributeValue> m = new HashMap<>();
        m.put("pk", AttributeValue.fromS(key(j.tenantId(), j.id())));
        m.put("tenant_id", AttributeValue.fromS(j.tenantId()));
        m.put("job_id", AttributeValue.fromS(j.id()));
        m.put("type", AttributeValue.fromS(j.type()));
        m.put("request", AttributeValue.fromS(j.request()));
        m.put("format", AttributeValue.fromS(j.format()));
        m.put("state", AttributeValue.fromS(j.state()));
        m.put("created_at", AttributeValue.fromS(j.createdAt().toString()));
        m.put("updated_at", AttributeValue.fromS(j.updatedAt().toString()));
        if (j.errorCode() != null) m.put("error_code", AttributeValue.fromS(j.errorCode()));
        if (j.errorDetail() != null) m.put("error_detail", AttributeValue.fromS(j.errorDetail()));
        if (j.resultKey() != null) m.put("result_key", AttributeValue.fromS(j.resultKey()));
        m.put("row_count", AttributeValue.fromN(Long.toString(j.rowCount())));
        m.put("bytes", AttributeValue.fromN(Long.toString(j.bytes())));
        m.put("expires_at", AttributeValue.fromN(Long.toString(j.expiresAt().getEpochSecond())));
        return m;
    }

    private static QueryJob job(Map<String, AttributeValue> i) {
        return new QueryJob(i.get("tenant_id").s(), i.get("job_id").s(), i.get("type").s(), i.get("request").s(), i.get("format").s(),
                i.get("state").s(), Instant.parse(i.get("created_at").s()), Instant.parse(i.get("updated_at").s()), s(i, "error_code"),
                s(i, "error_detail"), s(i, "result_key"), Long.parseLong(i.get("row_count").n()), Long.parseLong(i.get("bytes").n()),
                Instant.ofEpochSecond(Long.parseLong(i.get("expires_at").n())));
    }

    private static String s(Map<String, AttributeValue> i, String k) {
        AttributeValue v = i.get(k);
        return v == null ? null : v.s();
    }

    /** Creates the table (tests, and a stack-less set-up); the CDK stack makes the real one. */
    public static void createTable(DynamoDbClient ddb, String table) {
        ddb.createTable(b -> b.tableName(table)
                .billingMode(software.amazon.awssdk.services.dynamodb.model.BillingMode.PAY_PER_REQUEST)
                .attributeDefinitions(a -> a.attributeName("pk").attributeType("S"))
                .keySchema(k -> k.attributeName("pk").keyType("HASH")));
        ddb.updateTimeToLive(b -> b.tableName(table)
                .timeToLiveSpecification(t -> t.attributeName("expires_at").enabled(true)));
    }
}
