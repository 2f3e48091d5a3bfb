package dev.lakelog.aws;

import dev.lakelog.lake.TenantLock;
import dev.lakelog.log.JsonLog;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.TimeToLiveSpecification;

/**
 * A lease per tenant in a DynamoDB table (LAKELOG_LEASES_TABLE), so two rollups in two Lambda
 * containers never work on the same tenant.
 *
 * <p>Item: {@code lease_key} (S, the tenant id or a lake-wide key such as {@code __maintenance__}),
 * {@code owner} (S, a random id per acquisition), {@code expires_at} (N, epoch seconds; also the
 * table's TTL attribute, so DynamoDB eventually removes leases of dead holders). Acquire is a
 * conditional put that succeeds only when no lease exists or the existing one has expired (its
 * holder died or stalled). {@link Held#renew()} pushes {@code expires_at} forward on condition
 * that we are still the owner; a background heartbeat renews every third of the duration while
 * the lease is held. {@link Held#close()} deletes the item on the same condition.
 */
public final class DynamoTenantLock implements TenantLock {
    private static final JsonLog LOG = JsonLog.get(DynamoTenantLock.class);
    public static final String KEY = "lease_key";
    public static final String OWNER = "owner";
    public static final String EXPIRES_AT = "expires_at";

    private final DynamoDbClient dynamo;
    private final String table;
    private final Clock clock;
    private final Duration duration;
    private final boolean heartbeat;
    private static final ScheduledExecutorService HEARTBEATS = Executors.newScheduledThreadPool(1, r -> {
        Thread t = new Thread(r, "lakelog-lease-heartbeat");
        t.setDaemon(true);
        return t;
    });

    /**
     * @param heartbeat renew in the background while held (production: true; a test simulating a
     *     holder that died turns it off)
     */
    public DynamoTenantLock(DynamoDbClient dynamo, String table, Clock clock, Duration duration, boolean heartbeat) {
        this.dynamo = dynamo;
        this.table = table;
        this.clock = clock;
        this.duration = duration;
        this.heartbeat = heartbeat;
    }

    /** Creates the leases table (on-demand, TTL on {@code expires_at}); for tests and local setups. */
    public static void createTable(DynamoDbClient dynamo, String table) {
        dynamo.createTable(b -> b.tableName(table).billingMode(BillingMode.PAY_PER_REQUEST)
                .attributeDefinitions(AttributeDefinition.builder().attributeName(KEY).attributeType(ScalarAttributeType.S).build())
                .keySchema(KeySchemaElement.builder().attributeName(KEY).keyType(KeyType.HASH).build()));
        dynamo.updateTimeToLive(b -> b.tableName(table)
                .timeToLiveSpecification(TimeToLiveSpecification.builder().attributeName(EXPIRES_AT).enabled(true).build()));
    }

    @Override
    public Optional<Held> tryAcquire(String leaseKey) {
        String owner = UUID.randomUUID().toString();
        long now = clock.instant().getEpochSecond();
        try {
            dynamo.putItem(b -> b.tableName(table)
                    .item(Map.of(KEY, s(leaseKey), OWNER, s(owner), EXPIRES_AT, n(now + duration.toSeconds())))
                    .conditionExpression("attribute_not_exists(#k) OR #e < :now")
                    .expressionAttributeNames(Map.of("#k", KEY, "#e", EXPIRES_AT))
                    .expressionAttributeValues(Map.of(":now", n(now))));
        } catch (ConditionalCheckFailedException e) {
            return Optional.empty();
        } catch (SdkException e) {
            throw Unavailable.translate("the DynamoDB leases table", e);
        }
        LOG.info("lease_acquired", "lease_key", leaseKey, "owner", owner);
        return Optional.of(new DynamoHeld(leaseKey, owner));
    }

    private final class DynamoHeld implements Held {
        private final String leaseKey;
        private final String owner;
        private final AtomicBoolean lost = new AtomicBoolean();
        private final AtomicBoolean closed = new AtomicBoolean();
        private final ScheduledFuture<?> beat;

        DynamoHeld(String leaseKey, String owner) {
            this.leaseKey = leaseKey;
            this.owner = owner;
            long period = Math.max(1, duration.toMillis() / 3);
            this.beat = heartbeat ? HEARTBEATS.scheduleWithFixedDelay(() -> {
                try {
                    renew();
                } catch (RuntimeException e) {
                    LOG.warn("lease_heartbeat_failed", "lease_key", leaseKey, "error", e.getMessage());
                }
            }, period, period, TimeUnit.MILLISECONDS) : null;
        }

        @Override
        public synchronized boolean renew() {
            if (lost.get() || closed.get()) return false;
            long now = clock.instant().getEpochSecond();
            try {
                dynamo.updateItem(b -> b.tableName(table).key(Map.of(KEY, s(leaseKey)))
                        .updateExpression("SET #e = :exp")
                        .conditionExpression("#o = :owner AND #e >= :now")
                        .expressionAttributeNames(Map.of("#o", OWNER, "#e", EXPIRES_AT))
                        .expressionAttributeValues(Map.of(":owner", s(owner), ":now", n(now),
                                ":exp", n(now + duration.toSeconds()))));
                return true;
            } catch (ConditionalCheckFailedException e) {
                lost.set(true);
                LOG.warn("lease_lost", "lease_key", leaseKey, "owner", owner);
                return false;
            } catch (SdkException e) {
                throw Unavailable.translate("the DynamoDB leases table", e);
            }
        }

        @Override
        public synchronized void close() {
            if (!closed.compareAndSet(false, true)) return;
            if (beat != null) beat.cancel(false);
            if (lost.get()) return;
            try {
                dynamo.deleteItem(b -> b.tableName(table).key(Map.of(KEY, s(leaseKey)))
                        .conditionExpression("#o = :owner")
                        .expressionAttributeNames(Map.of("#o", OWNER))
                        .expressionAttributeValues(Map.of(":owner", s(owner))));
            } catch (ConditionalCheckFailedException e) {
                // taken over after expiry: the new holder's lease stays
            } catch (RuntimeException e) {
                // DynamoDB unreachable: the lease expires by itself
                LOG.warn("lease_release_failed", "lease_key", leaseKey, "error", e.getMessage());
            }
        }
    }

    private static AttributeValue s(String v) {
        return AttributeValue.builder().s(v).build();
    }

    private static AttributeValue n(long v) {
        return AttributeValue.builder().n(Long.toString(v)).build();
    }
}
