package dev.lakelog.aws;

import dev.lakelog.testing.MutableClock;
import dev.lakelog.aws.DynamoTenantLock;
import dev.lakelog.lake.TenantLock;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lakelog.testing.DynamoServer;
import dev.lakelog.testing.TestServers;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** The DynamoDB lease on DynamoDB Local: exclusive, renewable, released, and taken over once expired. */
class DynamoTenantLockTest {
    private final DynamoServer dynamo = TestServers.dynamo();
    private String table;

    @BeforeEach
    void table() {
        table = dynamo.newTablePrefix() + "leases";
        DynamoTenantLock.createTable(dynamo.client(), table);
    }

    private DynamoTenantLock lock(Clock clock, boolean heartbeat) {
        return new DynamoTenantLock(dynamo.client(), table, clock, Duration.ofSeconds(60), heartbeat);
    }

    /**
     * A start time a day ahead of the wall clock. The table has TTL on {@code expires_at}, and
     * DynamoDB Local deletes expired items in the background: a lease test on a clock in the past
     * would race that sweep.
     */
    private static Instant future() {
        return Instant.now().plus(Duration.ofDays(1)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
    }

    private Map<String, AttributeValue> item(String key) {
        return dynamo.client().getItem(b -> b.tableName(table).key(Map.of("lease_key", AttributeValue.builder().s(key).build()))).item();
    }

    @Test
    void a_held_lease_keeps_a_second_holder_out_until_it_is_released() {
        DynamoTenantLock a = lock(Clock.systemUTC(), true);
        DynamoTenantLock b = lock(Clock.systemUTC(), true);
        Optional<TenantLock.Held> held = a.tryAcquire("acme");
        assertThat(held).isPresent();
        assertThat(b.tryAcquire("acme")).as("second container").isEmpty();
        assertThat(b.tryAcquire("other")).as("another tenant is free").isPresent().get().satisfies(TenantLock.Held::close);
        Map<String, AttributeValue> it = item("acme");
        assertThat(it).containsKeys("owner", "expires_at");
        assertThat(Long.parseLong(it.get("expires_at").n())).isGreaterThan(Instant.now().getEpochSecond());
        assertThat(held.get().renew()).isTrue();
        held.get().close();
        assertThat(item("acme")).as("released").isEmpty();
        assertThat(b.tryAcquire("acme")).isPresent();
    }

    @Test
    void the_lease_of_a_holder_that_died_is_taken_over_after_expiry_and_the_dead_holder_cannot_renew() {
        Instant t0 = future();
        DynamoTenantLock dead = lock(Clock.fixed(t0, ZoneOffset.UTC), false);
        TenantLock.Held deadHeld = dead.tryAcquire("acme").orElseThrow();
        // 30 s later the lease (60 s) still holds
        assertThat(lock(Clock.fixed(t0.plusSeconds(30), ZoneOffset.UTC), false).tryAcquire("acme")).isEmpty();
        // 61 s later its holder has not renewed: it is taken over
        DynamoTenantLock next = lock(Clock.fixed(t0.plusSeconds(61), ZoneOffset.UTC), false);
        TenantLock.Held nextHeld = next.tryAcquire("acme").orElseThrow();
        assertThat(deadHeld.renew()).as("the old holder learns it lost the lease").isFalse();
        deadHeld.close(); // must not delete the new holder's lease
        assertThat(item("acme").get("owner")).isNotNull();
        assertThat(nextHeld.renew()).isTrue();
        nextHeld.close();
        assertThat(item("acme")).isEmpty();
    }

    @Test
    void renewing_pushes_the_expiry_forward_so_a_working_holder_is_not_taken_over() {
        Instant t0 = future();
        MutableClock clock = new MutableClock(t0);
        DynamoTenantLock holder = lock(clock, false);
        TenantLock.Held h = holder.tryAcquire("acme").orElseThrow();
        clock.set(t0.plusSeconds(50));
        assertThat(h.renew()).isTrue();
        assertThat(lock(Clock.fixed(t0.plusSeconds(90), ZoneOffset.UTC), false).tryAcquire("acme"))
                .as("renewed at +50 s, valid until +110 s").isEmpty();
        h.close();
    }
}
