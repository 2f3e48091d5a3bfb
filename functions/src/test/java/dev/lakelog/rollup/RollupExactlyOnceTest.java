package dev.lakelog.rollup;

import dev.lakelog.lake.LeaseHeldException;
import static dev.lakelog.rollup.RollupTesting.assertExactlyOnce;
import static dev.lakelog.rollup.RollupTesting.ingest;
import static dev.lakelog.rollup.RollupTesting.segmentCount;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lakelog.Lakelog;
import dev.lakelog.auth.Tier;
import dev.lakelog.testing.LakelogFixture;
import dev.lakelog.testing.S3Faults;
import dev.lakelog.testing.TestServers;
import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Faults at every step of a rollup, on the real servers, and rollups racing each other: after
 * recovery the lake holds each acknowledged event exactly once.
 */
class RollupExactlyOnceTest {
    private static LakelogFixture fx;
    private final S3Faults faults = TestServers.s3().faults();

    @BeforeAll
    static void start() {
        fx = LakelogFixture.aws(Map.of("LAKELOG_ROLLUP_MIN_AGE_SECONDS", "0"), Clock.systemUTC());
    }

    @AfterAll
    static void stop() {
        fx.close();
    }

    @AfterEach
    void clearFaults() {
        faults.clear();
    }

    private static RollupReport rollup(Lakelog app, String tenant, boolean delete) {
        return app.rollup().rollup(new RollupRequest("test", Optional.of(tenant), Duration.ZERO, delete));
    }

    private static long ledgerRows(String tenant) throws Exception {
        try (Connection c = fx.app().lake().connect(); Statement st = c.createStatement();
                var rs = st.executeQuery("SELECT count(*) FROM lake.main.rollup_ledger WHERE tenant_id = '" + tenant + "'")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void s3_failing_on_get_leaves_the_unread_segments_for_the_next_rollup() throws Exception {
        var t = fx.createTenant("getfault", Tier.PAID);
        List<String> acked = ingest(fx, t, "g", 6, 5);
        // Fail the GETs of every other segment, in listing order (deterministic, at least one of six).
        List<String> keys = dev.lakelog.testing.TestServers.s3().client()
                .listObjectsV2(b -> b.bucket(fx.bucket()).prefix("segments/tenant=getfault/")).contents().stream()
                .map(software.amazon.awssdk.services.s3.model.S3Object::key).sorted().toList();
        java.util.Set<String> failing = new java.util.HashSet<>();
        for (int i = 0; i < keys.size(); i += 2) failing.add(keys.get(i));
        faults.failWhen(c -> c.op() == S3Faults.Op.GET && failing.contains(c.key()));
        RollupReport first = rollup(fx.app(), "getfault", true);
        faults.clear();
        assertThat(first.errors()).isNotEmpty().allSatisfy(e -> assertThat(e).startsWith("Failed to read"));
        assertThat(first.errors()).hasSize(failing.size());
        assertThat(segmentCount(fx, "getfault")).isEqualTo(failing.size());
        RollupReport second = rollup(fx.app(), "getfault", true);
        assertThat(second.errors()).isEmpty();
        assertThat(first.segmentsProcessed() + second.segmentsProcessed()).isEqualTo(6);
        assertExactlyOnce(fx.app(), "getfault", acked);
        assertThat(segmentCount(fx, "getfault")).isZero();
    }

    @Test
    void a_failure_during_the_parquet_upload_commits_nothing_and_the_rerun_inserts_each_event_once() throws Exception {
        var t = fx.createTenant("upfault", Tier.PAID);
        List<String> acked = ingest(fx, t, "u", 4, 25);
        faults.failWhen(c -> (c.op() == S3Faults.Op.PUT || c.op() == S3Faults.Op.UPLOAD_PART || c.op() == S3Faults.Op.CREATE_MULTIPART)
                && c.key().startsWith("lake/") && c.key().contains("tenant_id=upfault"));
        RollupReport failed = rollup(fx.app(), "upfault", true);
        faults.clear();
        assertThat(failed.errors()).hasSize(1).first().asString().contains("Failed to roll up 4 segments");
        assertThat(failed.logsInserted()).isZero();
        assertThat(failed.segmentsDeleted()).isZero();
        assertThat(RollupTesting.count(fx.app(), "upfault").rows()).isZero();
        assertThat(ledgerRows("upfault")).isZero();
        assertThat(segmentCount(fx, "upfault")).as("segments kept").isEqualTo(4);

        RollupReport rerun = rollup(fx.app(), "upfault", true);
        assertThat(rerun.errors()).isEmpty();
        assertThat(rerun.logsInserted()).isEqualTo(100);
        assertExactlyOnce(fx.app(), "upfault", acked);
    }

    @Test
    void a_crash_between_commit_and_delete_leaves_segments_that_the_next_rollup_only_deletes() throws Exception {
        var t = fx.createTenant("delfault", Tier.PAID);
        List<String> acked = ingest(fx, t, "d", 3, 10);
        faults.failWhen(c -> c.op() == S3Faults.Op.DELETE && c.key().startsWith("segments/tenant=delfault/"));
        RollupReport first = rollup(fx.app(), "delfault", true);
        faults.clear();
        assertThat(first.logsInserted()).isEqualTo(30);
        assertThat(first.segmentsDeleted()).isZero();
        assertThat(first.errors()).hasSize(3).allSatisfy(e -> assertThat(e).contains("already in the lake"));
        assertThat(segmentCount(fx, "delfault")).isEqualTo(3);

        RollupReport second = rollup(fx.app(), "delfault", true);
        assertThat(second.errors()).isEmpty();
        assertThat(second.segmentsProcessed()).as("nothing inserted again").isZero();
        assertThat(second.logsInserted()).isZero();
        assertThat(second.segmentsDeleted()).isEqualTo(3);
        assertThat(segmentCount(fx, "delfault")).isZero();
        assertExactlyOnce(fx.app(), "delfault", acked);
        assertThat(ledgerRows("delfault")).isEqualTo(3);
    }

    @Test
    void a_rollup_that_cannot_reach_postgresql_changes_nothing_and_a_later_one_completes() throws Exception {
        var t = fx.createTenant("pgdown", Tier.PAID);
        List<String> acked = ingest(fx, t, "p", 3, 4);
        Map<String, String> env = new HashMap<>(fx.env());
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            env.put("LAKELOG_PG_PORT", Integer.toString(s.getLocalPort())); // listens, never speaks PostgreSQL
        }
        try (Lakelog cut = RollupTesting.another(env)) {
            RollupReport r = rollup(cut, "pgdown", true);
            assertThat(r.errors()).hasSize(1).first().asString().contains("Failed to roll up");
            assertThat(r.logsInserted()).isZero();
            assertThat(r.segmentsDeleted()).isZero();
        }
        assertThat(segmentCount(fx, "pgdown")).isEqualTo(3);
        RollupReport ok = rollup(fx.app(), "pgdown", true);
        assertThat(ok.errors()).isEmpty();
        assertExactlyOnce(fx.app(), "pgdown", acked);
    }

    @Test
    void postgresql_refusing_connections_in_the_middle_of_a_warm_container_fails_the_batch_and_the_container_recovers() throws Exception {
        var t = fx.createTenant("pgcut", Tier.PAID);
        List<String> acked = ingest(fx, t, "c", 2, 5);
        String db = fx.env().get("LAKELOG_PG_DATABASE");
        try (Lakelog warm = RollupTesting.another(fx.env())) {
            warm.lake(); // attached, connections open
            admin("ALTER DATABASE " + db + " ALLOW_CONNECTIONS false");
            admin("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + db + "' AND pid <> pg_backend_pid()");
            RollupReport down;
            try {
                down = rollup(warm, "pgcut", true);
            } finally {
                admin("ALTER DATABASE " + db + " ALLOW_CONNECTIONS true");
            }
            assertThat(down.errors()).isNotEmpty();
            assertThat(down.logsInserted()).isZero();
            assertThat(segmentCount(fx, "pgcut")).isEqualTo(2);
            RollupReport up = rollup(warm, "pgcut", true);
            assertThat(up.errors()).as("the same warm container recovers once PostgreSQL is back").isEmpty();
            assertExactlyOnce(warm, "pgcut", acked);
        }
    }

    @Test
    void two_and_four_rollups_at_once_on_the_same_tenant_insert_each_event_once() throws Exception {
        for (int n : new int[] {2, 4}) {
            String tenant = "race" + n;
            var t = fx.createTenant(tenant, Tier.PAID);
            List<String> acked = ingest(fx, t, "r", 12, 20);
            List<Lakelog> apps = new ArrayList<>();
            for (int i = 0; i < n; i++) apps.add(RollupTesting.another(fx.env()));
            ExecutorService pool = Executors.newFixedThreadPool(n);
            CountDownLatch go = new CountDownLatch(1);
            List<Object> outcomes = new CopyOnWriteArrayList<>();
            try {
                for (Lakelog a : apps) a.lake(); // warm, as Lambda containers would be
                List<Future<?>> fs = new ArrayList<>();
                for (Lakelog a : apps) {
                    fs.add(pool.submit(() -> {
                        go.await();
                        try {
                            outcomes.add(rollup(a, tenant, true));
                        } catch (LeaseHeldException e) {
                            outcomes.add(e);
                        }
                        return null;
                    }));
                }
                go.countDown();
                for (Future<?> f : fs) f.get();
                long inserted = outcomes.stream().filter(o -> o instanceof RollupReport).mapToLong(o -> ((RollupReport) o).logsInserted()).sum();
                assertThat(outcomes).as("each rollup either ran or was told the lease is held").hasSize(n);
                RollupReport last = rollup(fx.app(), tenant, true);
                assertThat(inserted + last.logsInserted()).isEqualTo(acked.size());
                assertExactlyOnce(fx.app(), tenant, acked);
                assertThat(segmentCount(fx, tenant)).isZero();
            } finally {
                pool.shutdownNow();
                for (Lakelog a : apps) a.close();
            }
        }
    }

    @Test
    void an_ingest_running_during_rollups_is_neither_lost_nor_doubled() throws Exception {
        var t = fx.createTenant("live", Tier.PAID);
        List<String> acked = new CopyOnWriteArrayList<>(ingest(fx, t, "pre", 3, 10));
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<?> producer = pool.submit(() -> {
                for (int i = 0; i < 15; i++) acked.addAll(ingest(fx, t, "live" + i, 1, 7));
            });
            long inserted = 0;
            while (!producer.isDone()) inserted += rollup(fx.app(), "live", true).logsInserted();
            producer.get();
            inserted += rollup(fx.app(), "live", true).logsInserted();
            assertThat(inserted).isEqualTo(acked.size());
            assertExactlyOnce(fx.app(), "live", List.copyOf(acked));
            assertThat(segmentCount(fx, "live")).isZero();
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void a_corrupt_segment_is_quarantined_with_a_note_and_does_not_stop_the_others() throws Exception {
        var t = fx.createTenant("corrupt", Tier.PAID);
        List<String> acked = ingest(fx, t, "ok", 2, 3);
        String bad = dev.lakelog.segment.SegmentKeys.newKey("corrupt", java.time.Instant.now().minusSeconds(5));
        byte[] good = new dev.lakelog.segment.SegmentCodec().encode("corrupt", 0, List.of());
        byte[] tampered = java.util.Arrays.copyOf(good, good.length);
        tampered[tampered.length - 2] ^= 0x01;
        fx.app().blobs().put(bad, tampered);
        RollupReport r = rollup(fx.app(), "corrupt", true);
        assertThat(r.errors()).hasSize(1).first().asString().contains(bad).contains("quarantine/");
        assertThat(r.logsInserted()).isEqualTo(6);
        String q = "quarantine/" + bad.substring("segments/".length());
        assertThat(fx.app().blobs().get(q)).isPresent();
        String note = new String(fx.app().blobs().get(q + ".error.json").orElseThrow(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(note).contains("\"segment_key\"").contains("\"error\"");
        assertThat(segmentCount(fx, "corrupt")).isZero();
        assertExactlyOnce(fx.app(), "corrupt", acked);
    }

    private static void admin(String sql) throws Exception {
        var pg = TestServers.postgres();
        // The test server trusts its superuser on loopback; only this fault test uses it.
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl("postgres"), "postgres", ""); Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }
}
