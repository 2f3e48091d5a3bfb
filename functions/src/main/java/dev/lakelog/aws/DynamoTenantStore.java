package dev.lakelog.aws;

import dev.lakelog.auth.Tier;
import dev.lakelog.auth.TenantStore;
import dev.lakelog.auth.Tenant;
import dev.lakelog.auth.HmacKey;
import dev.lakelog.auth.IngestToken;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.GetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.ScanRequest;

/**
 * {@link TenantStore} on one DynamoDB table with string keys {@code pk} and {@code sk}:
 * <ul>
 *   <li>{@code TENANT#<id>} / {@code META}: tier, status, created_at</li>
 *   <li>{@code TENANT#<id>} / {@code KEY#<keyId>} and {@code KEY#<keyId>} / {@code KEY}: an HMAC key</li>
 *   <li>{@code TENANT#<id>} / {@code TOKEN#<hash>} and {@code TOKEN#<hash>} / {@code TOKEN}: a token hash</li>
 * </ul>
 * Lookups by key id and token hash are single gets (consistent reads).
 */
public final class DynamoTenantStore implements TenantStore {
    private final DynamoDbClient ddb;
    private final String table;

    public DynamoTenantStore(DynamoDbClient ddb, String table) {
        this.ddb = ddb;
        this.table = table;
    }

    private static AttributeValue s(String v) {
        return AttributeValue.fromS(v);
    }

    private Optional<Map<String, AttributeValue>> get(String pk, String sk) {
        GetItemResponse r = ddb.getItem(b -> b.tableName(table).consistentRead(true).key(Map.of("pk", s(pk), "sk", s(sk))));
        return r.hasItem() && !r.item().isEmpty() ? Optional.of(r.item()) : Optional.empty();
    }

    @Override
    public Optional<Tenant> tenant(String tenantId) {
        return get("TENANT#" + tenantId, "META")
                .filter(i -> !"revoked".equals(i.getOrDefault("status", s("active")).s()))
                .map(i -> new Tenant(tenantId, Tier.parse(i.get("tier").s())));
    }

    @Override
    public Optional<Tenant> tenantByTokenHash(String tokenHash) {
        return get("TOKEN#" + tokenHash, "TOKEN").flatMap(i -> tenant(i.get("tenant_id").s()));
    }

    @Override
    public Optional<HmacKey> hmacKey(String keyId) {
        return get("KEY#" + keyId, "KEY").map(i -> new HmacKey(keyId, i.get("tenant_id").s(), i.get("secret").s(),
                "active".equals(i.get("status").s())));
    }

    @Override
    public List<Tenant> tenants() {
        List<Tenant> out = new ArrayList<>();
        ScanRequest req = ScanRequest.builder().tableName(table)
                .filterExpression("sk = :meta")
                .expressionAttributeValues(Map.of(":meta", s("META"))).build();
        ddb.scanPaginator(req).items().forEach(i -> {
            if (!"revoked".equals(i.getOrDefault("status", s("active")).s())) {
                out.add(new Tenant(i.get("pk").s().substring("TENANT#".length()), Tier.parse(i.get("tier").s())));
            }
        });
        out.sort(java.util.Comparator.comparing(Tenant::id));
        return out;
    }

    @Override
    public List<HmacKey> keysOf(String tenantId) {
        List<HmacKey> out = new ArrayList<>();
        QueryRequest q = QueryRequest.builder().tableName(table).consistentRead(true)
                .keyConditionExpression("pk = :pk AND begins_with(sk, :k)")
                .expressionAttributeValues(Map.of(":pk", s("TENANT#" + tenantId), ":k", s("KEY#"))).build();
        ddb.queryPaginator(q).items().forEach(i -> hmacKey(i.get("sk").s().substring(4)).ifPresent(out::add));
        return out;
    }

    @Override
    public void createTenant(Tenant tenant) {
        try {
            ddb.putItem(b -> b.tableName(table)
                    .item(Map.of("pk", s("TENANT#" + tenant.id()), "sk", s("META"), "tier", s(tenant.tier().wireName()),
                            "status", s("active"), "created_at", s(Instant.now().toString())))
                    .conditionExpression("attribute_not_exists(pk)"));
        } catch (ConditionalCheckFailedException e) {
            throw new IllegalStateException("tenant '" + tenant.id() + "' already exists");
        }
    }

    @Override
    public void addToken(String tenantId, String tokenHash) {
        ddb.putItem(b -> b.tableName(table).item(Map.of("pk", s("TOKEN#" + tokenHash), "sk", s("TOKEN"),
                "tenant_id", s(tenantId))));
        ddb.putItem(b -> b.tableName(table).item(Map.of("pk", s("TENANT#" + tenantId), "sk", s("TOKEN#" + tokenHash))));
    }

    @Override
    public void addHmacKey(HmacKey key) {
        String status = key.active() ? "active" : "inactive";
        ddb.putItem(b -> b.tableName(table).item(Map.of("pk", s("KEY#" + key.keyId()), "sk", s("KEY"),
                "tenant_id", s(key.tenantId()), "secret", s(key.secret()), "status", s(status),
                "created_at", s(Instant.now().toString()))));
        ddb.putItem(b -> b.tableName(table).item(Map.of("pk", s("TENANT#" + key.tenantId()), "sk", s("KEY#" + key.keyId()))));
    }

    @Override
    public void deactivateKey(String keyId) {
        ddb.updateItem(b -> b.tableName(table).key(Map.of("pk", s("KEY#" + keyId), "sk", s("KEY")))
                .updateExpression("SET #st = :inactive")
                .conditionExpression("attribute_exists(pk)")
                .expressionAttributeNames(Map.of("#st", "status"))
                .expressionAttributeValues(Map.of(":inactive", s("inactive"))));
    }

    @Override
    public void revokeTenant(String tenantId) {
        QueryRequest q = QueryRequest.builder().tableName(table).consistentRead(true)
                .keyConditionExpression("pk = :pk")
                .expressionAttributeValues(Map.of(":pk", s("TENANT#" + tenantId))).build();
        ddb.queryPaginator(q).items().forEach(i -> {
            String sk = i.get("sk").s();
            if (sk.startsWith("INGEST#")) {
                ddb.deleteItem(b -> b.tableName(table).key(Map.of("pk", s("INGEST#" + i.get("token_hash").s()), "sk", s("INGEST"))));
                ddb.deleteItem(b -> b.tableName(table).key(Map.of("pk", s("TENANT#" + tenantId), "sk", s(sk))));
            } else if (sk.startsWith("TOKEN#")) {
                ddb.deleteItem(b -> b.tableName(table).key(Map.of("pk", s(sk), "sk", s("TOKEN"))));
            } else if (sk.startsWith("KEY#")) {
                ddb.deleteItem(b -> b.tableName(table).key(Map.of("pk", s(sk), "sk", s("KEY"))));
            }
        });
        ddb.updateItem(b -> b.tableName(table).key(Map.of("pk", s("TENANT#" + tenantId), "sk", s("META")))
                .updateExpression("SET #st = :revoked")
                .expressionAttributeNames(Map.of("#st", "status"))
                .expressionAttributeValues(Map.of(":revoked", s("revoked"))));
    }

    @Override
    public void addOperatorToken(String tokenHash, String name) {
        ddb.putItem(b -> b.tableName(table).item(Map.of("pk", s("OPERATOR#" + tokenHash), "sk", s("OPERATOR"),
                "name", s(name), "created_at", s(Instant.now().toString()))));
    }

    @Override
    public Optional<String> operatorByTokenHash(String tokenHash) {
        return get("OPERATOR#" + tokenHash, "OPERATOR").map(i -> i.get("name").s());
    }

    @Override
    public int revokeOperatorTokens(String name) {
        ScanRequest req = ScanRequest.builder().tableName(table).consistentRead(true)
                .filterExpression("sk = :op AND #n = :name")
                .expressionAttributeNames(Map.of("#n", "name"))
                .expressionAttributeValues(Map.of(":op", s("OPERATOR"), ":name", s(name))).build();
        int[] n = {0};
        ddb.scanPaginator(req).items().forEach(i -> {
            ddb.deleteItem(b -> b.tableName(table).key(Map.of("pk", i.get("pk"), "sk", i.get("sk"))));
            n[0]++;
        });
        return n[0];
    }

    // Ingest tokens: the lookup item pk INGEST#<hash>, sk INGEST (tenant_id, token_id, name, created_at),
    // and the tenant's index item pk TENANT#<id>, sk INGEST#<token id> (token_hash, name, created_at).

    @Override
    public void addIngestToken(IngestToken token, String tokenHash) {
        ddb.putItem(b -> b.tableName(table).item(Map.of("pk", s("INGEST#" + tokenHash), "sk", s("INGEST"),
                "tenant_id", s(token.tenantId()), "token_id", s(token.id()), "name", s(token.name()),
                "created_at", s(token.createdAt().toString()))));
        ddb.putItem(b -> b.tableName(table).item(Map.of("pk", s("TENANT#" + token.tenantId()), "sk", s("INGEST#" + token.id()),
                "token_hash", s(tokenHash), "name", s(token.name()), "created_at", s(token.createdAt().toString()))));
    }

    @Override
    public Optional<IngestToken> ingestTokenByHash(String tokenHash) {
        return get("INGEST#" + tokenHash, "INGEST")
                .filter(i -> tenant(i.get("tenant_id").s()).isPresent())
                .map(i -> new IngestToken(i.get("token_id").s(), i.get("tenant_id").s(), i.get("name").s(), Instant.parse(i.get("created_at").s())));
    }

    @Override
    public List<IngestToken> ingestTokensOf(String tenantId) {
        List<IngestToken> out = new ArrayList<>();
        QueryRequest q = QueryRequest.builder().tableName(table).consistentRead(true)
                .keyConditionExpression("pk = :pk AND begins_with(sk, :k)")
                .expressionAttributeValues(Map.of(":pk", s("TENANT#" + tenantId), ":k", s("INGEST#"))).build();
        ddb.queryPaginator(q).items().forEach(i -> out.add(new IngestToken(i.get("sk").s().substring("INGEST#".length()), tenantId,
                i.get("name").s(), Instant.parse(i.get("created_at").s()))));
        out.sort(java.util.Comparator.comparing(IngestToken::createdAt).thenComparing(IngestToken::id));
        return out;
    }

    @Override
    public boolean revokeIngestToken(String tenantId, String tokenId) {
        Optional<Map<String, AttributeValue>> index = get("TENANT#" + tenantId, "INGEST#" + tokenId);
        if (index.isEmpty()) return false;
        ddb.deleteItem(b -> b.tableName(table).key(Map.of("pk", s("INGEST#" + index.get().get("token_hash").s()), "sk", s("INGEST"))));
        ddb.deleteItem(b -> b.tableName(table).key(Map.of("pk", s("TENANT#" + tenantId), "sk", s("INGEST#" + tokenId))));
        return true;
    }

    @Override
    public boolean requiresSignature(String tenantId) {
        return get("TENANT#" + tenantId, "META").map(i -> i.containsKey("require_signature") && Boolean.TRUE.equals(i.get("require_signature").bool()))
                .orElse(false);
    }

    @Override
    public void setRequireSignature(String tenantId, boolean required) {
        try {
            ddb.updateItem(b -> b.tableName(table).key(Map.of("pk", s("TENANT#" + tenantId), "sk", s("META")))
                    .updateExpression("SET require_signature = :r")
                    .conditionExpression("attribute_exists(pk)")
                    .expressionAttributeValues(Map.of(":r", AttributeValue.builder().bool(required).build())));
        } catch (ConditionalCheckFailedException e) {
            throw new IllegalStateException("no tenant '" + tenantId + "'");
        }
    }

    /** Creates the table (tests and local DynamoDB); in AWS the CDK stack creates it. */
    public static void createTable(DynamoDbClient ddb, String table) {
        ddb.createTable(b -> b.tableName(table)
                .billingMode(software.amazon.awssdk.services.dynamodb.model.BillingMode.PAY_PER_REQUEST)
                .attributeDefinitions(
                        a -> a.attributeName("pk").attributeType("S"),
                        a -> a.attributeName("sk").attributeType("S"))
                .keySchema(
                        k -> k.attributeName("pk").keyType("HASH"),
                        k -> k.attributeName("sk").keyType("RANGE")));
    }
}
