package dev.lakelog.aws;

import dev.lakelog.throttle.RateLimit;
import dev.lakelog.throttle.RateLimitStore;
import dev.lakelog.throttle.TokenBucket;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.GetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;

/**
 * Per-tenant token buckets in DynamoDB, shared by every instance of every function: one item per
 * bucket ({@code bucket_key} = "&lt;limit&gt;#&lt;tenant&gt;", {@code tokens}, {@code updated_ms}, a
 * {@code version} counter, {@code expires_at} for TTL). A take reads the item (strongly consistent),
 * applies {@link TokenBucket#take} and writes it back on the condition that its version is unchanged;
 * a lost race is retried, and after {@link #ATTEMPTS} lost races the request is refused (so many
 * concurrent writers on one tenant's bucket means the tenant is far past its rate). Two requests per
 * take, a few milliseconds on the ingest path.
 */
public final class DynamoRateLimitStore implements RateLimitStore {
    public static final String KEY = "bucket_key";
    static final int ATTEMPTS = 4;
    private final DynamoDbClient dynamo;
    private final String table;

    public DynamoRateLimitStore(DynamoDbClient dynamo, String table) {
        this.dynamo = dynamo;
        this.table = table;
    }

    /** Creates the table (tests, local tooling; the stack creates it in AWS). */
    public static void createTable(DynamoDbClient dynamo, String table) {
        dynamo.createTable(b -> b.tableName(table).billingMode(BillingMode.PAY_PER_REQUEST)
                .attributeDefinitions(AttributeDefinition.builder().attributeName(KEY).attributeType(ScalarAttributeType.S).build())
                .keySchema(KeySchemaElement.builder().attributeName(KEY).keyType(KeyType.HASH).build()));
    }

    @Override
    public TokenBucket.Take take(String key, RateLimit limit, long nowMillis) {
        TokenBucket.Take last = null;
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            GetItemResponse got = dynamo.getItem(b -> b.tableName(table).consistentRead(true)
                    .key(Map.of(KEY, AttributeValue.fromS(key))));
            boolean exists = got.hasItem() && !got.item().isEmpty();
            TokenBucket bucket = exists
                    ? new TokenBucket(Double.parseDouble(got.item().get("tokens").n()), Long.parseLong(got.item().get("updated_ms").n()))
                    : TokenBucket.full(limit, nowMillis);
            last = bucket.take(limit, Math.max(nowMillis, bucket.updatedMillis()));
            if (!last.allowed()) return last; // nothing to write: a refusal does not change the bucket
            // idle for a full refill, the item is the same as no item: let TTL remove it
            long refillSeconds = (long) Math.ceil(limit.burst() / limit.ratePerSecond());
            // the version, not the time, guards the write: two takes in one millisecond must not both succeed
            long version = exists && got.item().containsKey("version") ? Long.parseLong(got.item().get("version").n()) : 0;
            Map<String, AttributeValue> item = Map.of(
                    KEY, AttributeValue.fromS(key),
                    "tokens", AttributeValue.fromN(Double.toString(last.next().tokens())),
                    "updated_ms", AttributeValue.fromN(Long.toString(last.next().updatedMillis())),
                    "version", AttributeValue.fromN(Long.toString(version + 1)),
                    "expires_at", AttributeValue.fromN(Long.toString(nowMillis / 1000 + refillSeconds + 3600)));
            try {
                if (exists && version == 0) { // an item written before versions
                    dynamo.putItem(b -> b.tableName(table).item(item).conditionExpression("attribute_not_exists(version)"));
                } else if (exists) {
                    dynamo.putItem(b -> b.tableName(table).item(item).conditionExpression("version = :v")
                            .expressionAttributeValues(Map.of(":v", AttributeValue.fromN(Long.toString(version)))));
                } else {
                    dynamo.putItem(b -> b.tableName(table).item(item).conditionExpression("attribute_not_exists(" + KEY + ")"));
                }
                return last;
            } catch (ConditionalCheckFailedException raced) {
                // another instance took a token meanwhile: read again
            }
        }
        return new TokenBucket.Take(last.next(), false, 1000);
    }
}
