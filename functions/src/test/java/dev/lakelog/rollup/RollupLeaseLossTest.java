package dev.lakelog.rollup;

import dev.lakelog.testing.MutableClock;
import dev.lakelog.aws.DynamoTenantLock;
import dev.lakelog.lake.TenantLock;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lakelog.auth.Tier;
import dev.lakelog.config.LakelogConfig;
import dev.lakelog.segment.SegmentCodec;
import dev.lakelog.testing.LakelogFixture;
import dev.lakelog.testing.TestServers;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * A rollup whose DynamoDB lease expires while it works (its holder stalled) and is taken by
 * another stops before its next commit; the new holder finishes; every event lands once.
 */
class RollupLeaseLossTest {

    @Test
    void a_rollup_that_lost_its_lease_stops_before_its_next_commit_and_the_new_holder_finishes() throws Exception {
        try (LakelogFixture fx = LakelogFixture.aws(Map.of("LAKELOG_ROLLUP_MIN_AGE_SECONDS", "0"), Clock.systemUTC())) {
            var t = fx.createTenant("stall", Tier.PAID);
            List<String> acked = RollupTesting.ingest(fx, t, "s", 3, 4);
            MutableClock clock = new MutableClock(Instant.now());
            String table = fx.env().get("LAKELOG_LEASES_TABLE");
            var dynamo = TestServers.dynamo().client();
            LakelogConfig.RollupLimits oneSegmentBatches = new LakelogConfig.RollupLimits(1L << 30, 1, Duration.ofSeconds(780), Duration.ofSeconds(120));
            RollupService stalled = new RollupService(fx.app().blobs(), fx.app()::lake,
                    new DynamoTenantLock(dynamo, table, clock, Duration.ofSeconds(120), false), new SegmentCodec(), clock, oneSegmentBatches);
            DynamoTenantLock other = new DynamoTenantLock(dynamo, table, clock, Duration.ofSeconds(120), false);
            TenantLock.Held[] taken = new TenantLock.Held[1];
            stalled.beforeCommit(() -> {
                if (taken[0] == null) {
                    clock.set(clock.instant().plusSeconds(200)); // the holder stalls past its lease
                    taken[0] = other.tryAcquire("stall").orElseThrow(); // and another container takes it
                }
            });
            RollupReport r = stalled.rollup(new RollupRequest("test", Optional.of("stall"), Duration.ZERO, true));
            assertThat(r.segmentsProcessed()).as("the batch already in its commit completes").isEqualTo(1);
            assertThat(r.errors()).anySatisfy(e -> assertThat(e).contains("lease lost before commit"));
            taken[0].close();
            RollupReport rest = fx.app().rollup().rollup(new RollupRequest("test", Optional.of("stall"), Duration.ZERO, true));
            assertThat(rest.segmentsProcessed()).isEqualTo(2);
            RollupTesting.assertExactlyOnce(fx.app(), "stall", acked);
            assertThat(RollupTesting.segmentCount(fx, "stall")).isZero();
        }
    }
}
