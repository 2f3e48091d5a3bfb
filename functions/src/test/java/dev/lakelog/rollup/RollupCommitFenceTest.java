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
     * tenant's fence is its lane head table, and acme's and globex's are different ones; DuckLake finds no logical conflict and only
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

    /**
     * A tenant's first commit into a head table another tenant already created has no head row of
     * its own to delete; it deletes the table's fence row, so two such first commits of one tenant
     * (no lease) still conflict and the retry inserts nothing twice. ("fence" and "fence-mate-775"
     * share head table 87.)
     */
    @Test
    void the_first_commits_of_one_tenant_into_a_head_table_that_already_exists_still_conflict() throws Exception {
        assertThat(dev.lakelog.lake.IntegrityChain.laneHeadTable("fence"))
                .isEqualTo(dev.lakelog.lake.IntegrityChain.laneHeadTable("fence-mate-775"));
        try (LakelogFixture fx = LakelogFixture.aws(Map.of("LAKELOG_ROLLUP_MIN_AGE_SECONDS", "0"), Clock.systemUTC());
                Lakelog containerA = RollupTesting.another(fx.env());
                Lakelog containerB = RollupTesting.another(fx.env())) {
            var mate = fx.createTenant("fence-mate-775", Tier.PAID);
            List<String> ackedMate = RollupTesting.ingest(fx, mate, "m", 1, 3);
            assertThat(fx.app().rollup().rollup(new RollupRequest("test", Optional.of("fence-mate-775"), Duration.ZERO, false)).errors()).isEmpty();
            var t = fx.createTenant("fence", Tier.PAID);
            List<String> acked = RollupTesting.ingest(fx, t, "f", 3, 4);
            RollupService a = new RollupService(containerA.blobs(), containerA::lake, new InProcessTenantLock(), new SegmentCodec(),
                    Clock.systemUTC());
            RollupService b = new RollupService(containerB.blobs(), containerB::lake, new InProcessTenantLock(), new SegmentCodec(),
                    Clock.systemUTC());
            RollupRequest req = new RollupRequest("test", Optional.of("fence"), Duration.ZERO, false);
            AtomicReference<RollupReport> bReport = new AtomicReference<>();
            a.beforeCommit(() -> {
                if (bReport.get() == null) bReport.set(b.rollup(req));
            });
            RollupReport aReport = a.rollup(req);
            assertThat(bReport.get().logsInserted()).isEqualTo(acked.size());
            assertThat(aReport.errors()).isEmpty();
            assertThat(aReport.logsInserted()).as("A's retry found every segment in the ledger").isZero();
            RollupTesting.assertExactlyOnce(fx.app(), "fence", acked);
            RollupTesting.assertExactlyOnce(fx.app(), "fence-mate-775", ackedMate);
            var report = dev.lakelog.lake.IntegrityVerifier.verify(fx.app().lake(),
                    new dev.lakelog.lake.IntegrityVerifier.Options(Optional.empty(), Optional.empty()), m -> {});
            assertThat(report.problems()).isEmpty();
        }
    }

    /**
     * Two tenants whose heads share a table ("acme" and "acme-mate-45": head table 82) are fenced
     * like one tenant: the commit that overlaps the other's conflicts, the rollup retries it, and
     * both tenants end with each event once. The price of a bounded catalog; with 256 head tables
     * and w workers on distinct tenants a commit meets a neighbour with probability about (w-1)/256.
     */
    @Test
    void two_tenants_that_share_a_head_table_conflict_and_the_retry_commits_each_event_once() throws Exception {
        assertThat(dev.lakelog.lake.IntegrityChain.laneHeadTable("acme"))
                .isEqualTo(dev.lakelog.lake.IntegrityChain.laneHeadTable("acme-mate-45"));
        try (LakelogFixture fx = LakelogFixture.aws(Map.of("LAKELOG_ROLLUP_MIN_AGE_SECONDS", "0"), Clock.systemUTC());
                Lakelog containerA = RollupTesting.another(fx.env());
                Lakelog containerB = RollupTesting.another(fx.env())) {
            var acme = fx.createTenant("acme", Tier.PAID);
            var mate = fx.createTenant("acme-mate-45", Tier.PAID);
            // both tenants have a head row already: the overlap below is two ordinary commits
            List<String> ackedA = new java.util.ArrayList<>(RollupTesting.ingest(fx, acme, "a0", 1, 2));
            List<String> ackedM = new java.util.ArrayList<>(RollupTesting.ingest(fx, mate, "m0", 1, 2));
            assertThat(fx.app().rollup().rollup(new RollupRequest("test", Optional.empty(), Duration.ZERO, false)).errors()).isEmpty();
            ackedA.addAll(RollupTesting.ingest(fx, acme, "a", 2, 3));
            ackedM.addAll(RollupTesting.ingest(fx, mate, "m", 2, 3));
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
                if (bReport.get() == null) bReport.set(b.rollup(new RollupRequest("test", Optional.of("acme-mate-45"), Duration.ZERO, false)));
            });
            RollupReport aReport = a.rollup(new RollupRequest("test", Optional.of("acme"), Duration.ZERO, false));
            assertThat(bReport.get().errors()).isEmpty();
            assertThat(aReport.errors()).isEmpty();
            assertThat(conflicts.get()).as("acme's commit met acme-mate-45's in their shared head table and was retried").isGreaterThanOrEqualTo(1);
            RollupTesting.assertExactlyOnce(fx.app(), "acme", ackedA);
            RollupTesting.assertExactlyOnce(fx.app(), "acme-mate-45", ackedM);
            var report = dev.lakelog.lake.IntegrityVerifier.verify(fx.app().lake(),
                    new dev.lakelog.lake.IntegrityVerifier.Options(Optional.empty(), Optional.empty()), m -> {});
            assertThat(report.problems()).isEmpty();
        }
    }
}
