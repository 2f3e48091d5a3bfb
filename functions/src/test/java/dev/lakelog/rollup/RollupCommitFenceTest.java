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

    /**
     * The other side of the fence: commits of two DIFFERENT tenants in two containers, the second
     * committing while the first's transaction is open, both commit at their first attempt (each
     * tenant's fence is its own lane head table; DuckLake finds no logical conflict and only
     * renumbers the snapshot), each event once, and the lake verifies.
     */
    @Test
    void overlapping_commits_of_two_tenants_both_commit_at_their_first_attempt() throws Exception {
        try (LakelogFixture fx = LakelogFixture.aws(Map.of("LAKELOG_ROLLUP_MIN_AGE_SECONDS", "0"), Clock.systemUTC());
                Lakelog containerA = RollupTesting.another(fx.env());
                Lakelog containerB = RollupTesting.another(fx.env())) {
            var acme = fx.createTenant("acme", Tier.PAID);
            var globex = fx.createTenant("globex", Tier.PAID);
            List<String> ackedA = RollupTesting.ingest(fx, acme, "a", 3, 5);
            List<String> ackedG = RollupTesting.ingest(fx, globex, "g", 3, 5);
            java.util.concurrent.atomic.AtomicInteger conflicts = new java.util.concurrent.atomic.AtomicInteger();
            dev.lakelog.metrics.Metrics counting = (dev.lakelog.metrics.Metrics) java.lang.reflect.Proxy.newProxyInstance(
                    dev.lakelog.metrics.Metrics.class.getClassLoader(), new Class<?>[] {dev.lakelog.metrics.Metrics.class}, (p, m, args) -> {
                        if (m.getName().equals("commitConflict")) conflicts.incrementAndGet();
                        return m.getReturnType() == boolean.class ? false : null;
                    });
            var limits = dev.lakelog.config.LakelogConfig.from(fx.env()).rollupLimits();
            RollupService a = new RollupService(containerA.blobs(), containerA::lake, new InProcessTenantLock(), new SegmentCodec(),
                    Clock.systemUTC(), limits, counting);
            RollupService b = new RollupService(containerB.blobs(), containerB::lake, new InProcessTenantLock(), new SegmentCodec(),
                    Clock.systemUTC(), limits, counting);
            AtomicReference<RollupReport> bReport = new AtomicReference<>();
            a.beforeCommit(() -> {
                if (bReport.get() == null) bReport.set(b.rollup(new RollupRequest("test", Optional.of("globex"), Duration.ZERO, false)));
            });
            RollupReport aReport = a.rollup(new RollupRequest("test", Optional.of("acme"), Duration.ZERO, false));
            assertThat(bReport.get().logsInserted()).as("globex committed while acme's transaction was open").isEqualTo(ackedG.size());
            assertThat(aReport.errors()).isEmpty();
            assertThat(aReport.logsInserted()).isEqualTo(ackedA.size());
            assertThat(conflicts.get()).as("commit attempts retried after a conflict").isZero();
            RollupTesting.assertExactlyOnce(fx.app(), "acme", ackedA);
            RollupTesting.assertExactlyOnce(fx.app(), "globex", ackedG);
            var report = dev.lakelog.lake.IntegrityVerifier.verify(fx.app().lake(),
                    new dev.lakelog.lake.IntegrityVerifier.Options(Optional.empty(), Optional.empty()), m -> {});
            assertThat(report.problems()).isEmpty();
        }
    }
}
