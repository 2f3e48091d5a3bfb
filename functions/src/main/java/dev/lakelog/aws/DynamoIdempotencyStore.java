package dev.lakelog.aws;

import dev.lakelog.idempotency.IdempotencyStore;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.GetItemResponse;

/**
 * {@link IdempotencyStore} on a DynamoDB table with string hash key {@code pk} and TTL attribute
 * {@code expires_at} (epoch seconds). A claim is a conditional put, so two concurrent requests
 * with the same key cannot both proceed. Records past {@code expires_at} count as absent even
 * before DynamoDB's TTL sweeper removes them.
 */
public final class DynamoIdempotencyStore implements IdempotencyStore {
    private final DynamoDbClient ddb;
    private final String table;

    public DynamoIdempotencyStore(DynamoDbClient ddb, String table) {
        this.ddb = ddb;
        this.table = table;
    }

    private static AttributeValue s(String v) {
        return AttributeValue.fromS(v);
    }

    private static AttributeValue n(long v) {
        return AttributeValue.fromN(Long.toString(v));
    }

    @Override
    public Optional<Entry> claim(String pk, String fingerprint, Instant now, Instant lockUntil, Instant expiresAt) {
        for (int attempt = 0; attempt < 3; attempt++) {
            try {
                ddb.putItem(b -> b.tableName(table)
                        .item(Map.of("pk", s(pk), "fingerprint", s(fingerprint), "state", s("IN_PROGRESS"),
                                "lock_until", n(lockUntil.getEpochSecond()), "expires_at", n(expiresAt.getEpochSecond())))
                        .conditionExpression("attribute_not_exists(pk) OR expires_at < :now OR (#st = :ip AND lock_until < :now)")
                        .expressionAttributeNames(Map.of("#st", "state"))
                        .expressionAttributeValues(Map.of(":now", n(now.getEpochSecond()), ":ip", s("IN_PROGRESS"))));
                return Optional.empty();
            } catch (ConditionalCheckFailedException e) {
                GetItemResponse r = ddb.getItem(b -> b.tableName(table).consistentRead(true).key(Map.of("pk", s(pk))));
                if (r.hasItem() && !r.item().isEmpty()) return Optional.of(entry(r.item()));
                // Deleted between the two calls (a released claim): try to claim again.
            }
        }
        throw new IllegalStateException("idempotency record " + pk + " changed three times during one claim");
    }

    private static Entry entry(Map<String, AttributeValue> i) {
        boolean done = "COMPLETED".equals(i.get("state").s());
        return new Entry(i.get("fingerprint").s(), done,
                done ? Integer.parseInt(i.get("http_status").n()) : 0,
                done ? i.get("response").b().asByteArray() : null,
                Instant.ofEpochSecond(Long.parseLong(i.get("expires_at").n())),
                i.containsKey("lock_until") ? Instant.ofEpochSecond(Long.parseLong(i.get("lock_until").n())) : null);
    }

    @Override
    public void complete(String pk, String fingerprint, int status, byte[] body, Instant expiresAt) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put("pk", s(pk));
        item.put("fingerprint", s(fingerprint));
        item.put("state", s("COMPLETED"));
        item.put("http_status", n(status));
        item.put("response", AttributeValue.fromB(SdkBytes.fromByteArray(body)));
        item.put("expires_at", n(expiresAt.getEpochSecond()));
        ddb.putItem(b -> b.tableName(table).item(item));
    }

    @Override
    public void release(String pk) {
        try {
            ddb.deleteItem(b -> b.tableName(table).key(Map.of("pk", s(pk)))
                    .conditionExpression("#st = :ip")
                    .expressionAttributeNames(Map.of("#st", "state"))
                    .expressionAttributeValues(Map.of(":ip", s("IN_PROGRESS"))));
        } catch (ConditionalCheckFailedException e) {
            // Already completed or gone: nothing to release.
        }
    }

    /** Creates the table with TTL on {@code expires_at} (tests, DynamoDB Local); in AWS the CDK stack does. */
    public static void createTable(DynamoDbClient ddb, String table) {
        ddb.createTable(b -> b.tableName(table)
                .billingMode(software.amazon.awssdk.services.dynamodb.model.BillingMode.PAY_PER_REQUEST)
                .attributeDefinitions(a -> a.attributeName("pk").attributeType("S"))
                .keySchema(k -> k.attributeName("pk").keyType("HASH")));
        ddb.updateTimeToLive(b -> b.tableName(table)
                .timeToLiveSpecification(t -> t.attributeName("expires_at").enabled(true)));
    }
}
