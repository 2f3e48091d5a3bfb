package dev.lakelog.rollup;

import dev.lakelog.local.InProcessTenantLock;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lakelog.Lakelog;
import dev.lakelog.auth.Tier;
import dev.lakelog.segment.SegmentCodec;
import dev.lakelog.testing.LakelogFixture;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The last line of defence behind the lease: two rollups of the same tenant in two containers
 * whose commits overlap (as when a lease holder stalls past its expiry and another takes over).
 * Each has its own in-process lock, so no lease keeps them apart; rollup A is held inside its
 * transaction, just before COMMIT, while rollup B runs whole and commits. A's commit must then
 * fail on DuckLake's conflict check, and its retry must insert nothing B already inserted.
 */
class RollupCommitFenceTest {

    @Test
    void overlapping_commits_of_two_rollups_without_a_lease_still_insert_each_event_once() throws Exception {
        try (LakelogFixture fx = LakelogFixture.aws(Map.of("LAKELOG_ROLLUP_MIN_AGE_SECONDS", "0"), Clock.systemUTC());
                Lakelog containerA = RollupTesting.another(fx.env());
                Lakelog containerB = RollupTesting.another(fx.env())) {
            var t = fx.createTenant("fence", Tier.PAID);
            List<String> acked = RollupTesting.ingest(fx, t, "f", 4, 6);
            RollupService a = new RollupService(containerA.blobs(), containerA::lake, new InProcessTenantLock(), new SegmentCodec(),
                    Clock.systemUTC());
            RollupService b = new RollupService(containerB.blobs(), containerB::lake, new InProcessTenantLock(), new SegmentCodec(),
                    Clock.systemUTC());
            RollupRequest req = new RollupRequest("test", Optional.of("fence"), Duration.ZERO, false);
            AtomicReference<RollupReport> bReport = new AtomicReference<>();
            a.beforeCommit(() -> {
                if (bReport.get() == null) bReport.set(b.rollup(req)); // B commits while A's transaction is open
            });
            RollupReport aReport = a.rollup(req);
            assertThat(bReport.get().logsInserted()).as("B committed everything").isEqualTo(acked.size());
            assertThat(aReport.errors()).isEmpty();
            assertThat(aReport.logsInserted()).as("A's retry found every segment in the ledger").isZero();
            RollupTesting.assertExactlyOnce(fx.app(), "fence", acked);
        }
    }
}
