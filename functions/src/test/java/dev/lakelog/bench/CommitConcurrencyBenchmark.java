package dev.lakelog.bench;

import dev.lakelog.Lakelog;
import dev.lakelog.auth.Tenant;
import dev.lakelog.auth.Tier;
import dev.lakelog.config.LakelogConfig;
import dev.lakelog.lake.IntegrityVerifier;
import dev.lakelog.local.InProcessTenantLock;
import dev.lakelog.metrics.Metrics;
import dev.lakelog.rollup.RollupReport;
import dev.lakelog.rollup.RollupRequest;
import dev.lakelog.rollup.RollupService;
import dev.lakelog.segment.LogEvent;
import dev.lakelog.segment.SegmentCodec;
import dev.lakelog.segment.SegmentKeys;
import dev.lakelog.testing.LakelogFixture;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Rollup commits per second into ONE PostgreSQL catalog (the test PostgreSQL, Parquet in the test
 * S3 server), with 1, 2, 3, 4 and 8 concurrent workers, each a {@link Lakelog} of its own (a
 * Lambda container: its own DuckDB, its own attachment), on distinct tenants and on the same
 * tenant. Every segment is one commit ({@code LAKELOG_ROLLUP_BATCH_MAX_SEGMENTS=1}), 100 commits
 * per row ({@code -Dbench.commits}), {@code -Dbench.events} events per segment (10),
 * {@code -Dbench.modes=distinct,same} (the default: both). "Same
 * tenant" runs the workers WITHOUT a lease (each its own in-process lock), so they race for the
 * same segments and only the commit fence keeps them apart: the worst case the lease normally
 * prevents. Counted: commit conflicts (a commit attempt DuckLake aborted and rollup retried, from
 * the rollup's own conflict metric), seal conflicts (the small lake-chain transaction per tenant
 * per run, retried without rewriting rows), rollups that gave up. After each row: rows in the lake
 * == events written, no log_id twice, and (at the end) {@link IntegrityVerifier} says ok.
 *
 * <pre>
 * cd functions && LAKELOG_DUCKDB_EXTENSION_DIR=$PWD/target/duckdb-extensions MAVEN_OPTS=-Xmx3g \
 *   mvn -q -o test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=dev.lakelog.bench.CommitConcurrencyBenchmark
 * </pre>
 */
public final class CommitConcurrencyBenchmark {
    public static void main(String[] args) {
        try {
            run();
        } catch (Throwable t) {
            t.printStackTrace();
            System.exit(1);
        }
        System.exit(0);
    }

    private static final AtomicLong COMMIT_CONFLICTS = new AtomicLong();

    private static void run() throws Exception {
        int commits = Integer.getInteger("bench.commits", 100);
        int perSegment = Integer.getInteger("bench.events", 10);
        int[] workerCounts = java.util.Arrays.stream(System.getProperty("bench.workers", "1,2,3,4,8").split(","))
                .mapToInt(Integer::parseInt).toArray();
        int maxWorkers = java.util.Arrays.stream(workerCounts).max().orElse(1);
        Map<String, String> extra = Map.of("LAKELOG_ROLLUP_MIN_AGE_SECONDS", "0", "LAKELOG_ROLLUP_BATCH_MAX_SEGMENTS", "1");
        SegmentCodec codec = new SegmentCodec();
        Metrics counting = (Metrics) Proxy.newProxyInstance(Metrics.class.getClassLoader(), new Class<?>[] {Metrics.class},
                (p, m, a) -> {
                    if (m.getName().equals("commitConflict")) COMMIT_CONFLICTS.incrementAndGet();
                    if (m.getReturnType() == boolean.class) return false;
                    return null;
                });
        List<String> table = new ArrayList<>();
        table.add("| workers | tenants | commits | seconds | commits/s | commit conflicts (retried) | seal conflicts | rollups failed | exactly once |");
        table.add("|---|---|---|---|---|---|---|---|---|");
        try (LakelogFixture fx = LakelogFixture.aws(extra, Clock.systemUTC())) {
            LakelogConfig config = LakelogConfig.from(fx.env());
            List<Lakelog> containers = new ArrayList<>();
            for (int i = 0; i < maxWorkers; i++) {
                Lakelog l = Lakelog.start(config, Clock.systemUTC());
                l.lake(); // warm: DuckDB started, lake attached
                containers.add(l);
            }
            try {
                int round = 0;
                for (String mode : System.getProperty("bench.modes", "distinct,same").split(",")) {
                    for (int w : workerCounts) {
                        round++;
                        List<String> tenants = new ArrayList<>();
                        int nTenants = mode.equals("distinct") ? w : 1;
                        for (int t = 0; t < nTenants; t++) {
                            String id = "cc" + round + "t" + t;
                            tenants.add(id);
                            fx.app().tenants().createTenant(new Tenant(id, Tier.PAID));
                        }
                        // the backlog: `commits` segments spread evenly over the tenants
                        Instant base = Instant.now().minusSeconds(3600);
                        Map<String, Long> expected = new HashMap<>();
                        for (int s = 0; s < commits; s++) {
                            String tenant = tenants.get(s % nTenants);
                            List<LogEvent> events = new ArrayList<>();
                            for (int i = 0; i < perSegment; i++) events.add(RollupBenchmark.event(tenant, (long) s * perSegment + i, base));
                            Instant created = base.plus(s, ChronoUnit.MILLIS);
                            fx.app().blobs().put(SegmentKeys.newKey(tenant, created),
                                    codec.encode(tenant, ChronoUnit.MICROS.between(Instant.EPOCH, created), events));
                            expected.merge(tenant, (long) perSegment, Long::sum);
                        }
                        long conflicts0 = COMMIT_CONFLICTS.get();
                        long seal0 = sealConflicts();
                        CyclicBarrier start = new CyclicBarrier(w + 1);
                        ExecutorService pool = Executors.newFixedThreadPool(w);
                        List<Future<RollupReport>> done = new ArrayList<>();
                        for (int i = 0; i < w; i++) {
                            Lakelog c = containers.get(i);
                            String tenant = tenants.get(i % nTenants);
                            RollupService rs = new RollupService(c.blobs(), c::lake, new InProcessTenantLock(), codec, Clock.systemUTC(),
                                    config.rollupLimits(), counting);
                            done.add(pool.submit(() -> {
                                start.await();
                                return rs.rollup(new RollupRequest("bench", Optional.of(tenant), Duration.ZERO, true));
                            }));
                        }
                        start.await();
                        long t0 = System.nanoTime();
                        int failed = 0;
                        for (Future<RollupReport> f : done) {
                            RollupReport r = f.get();
                            if (!r.errors().isEmpty()) {
                                failed++;
                                System.out.println("  errors: " + r.errors());
                            }
                        }
                        double sec = (System.nanoTime() - t0) / 1e9;
                        pool.shutdown();
                        boolean once = true;
                        for (String t : tenants) {
                            long[] n = count(fx.app(), t);
                            if (n[0] != expected.get(t) || n[1] != expected.get(t)) {
                                once = false;
                                System.out.println("  tenant " + t + ": " + n[0] + " rows, " + n[1] + " distinct log_ids, expected " + expected.get(t));
                            }
                        }
                        // workers that finished early retry nothing; a worker whose rollup failed leaves segments: take them now
                        String row = String.format("| %d | %s | %d | %.2f | %.1f | %d | %d | %d | %s |", w,
                                mode.equals("distinct") ? w + " (one each)" : "1 (all, no lease)", commits, sec, commits / sec,
                                COMMIT_CONFLICTS.get() - conflicts0, sealConflicts() - seal0, failed, once ? "yes" : "NO");
                        System.out.println(row);
                        table.add(row);
                    }
                }
                var report = IntegrityVerifier.verify(fx.app().lake(), new IntegrityVerifier.Options(Optional.empty(), Optional.empty()), m -> {});
                System.out.println();
                for (String line : table) System.out.println(line);
                System.out.println("verify: " + (report.ok() ? "ok" : "BROKEN: " + report.firstBroken()) + " (" + report.entries()
                        + " entries)" + (report.notes().isEmpty() ? "" : " notes: " + report.notes().size()));
                System.out.println("load average: " + java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).trim());
            } finally {
                for (Lakelog l : containers) l.close();
            }
        }
    }

    private static long sealConflicts() {
        try {
            return ((AtomicLong) Class.forName("dev.lakelog.lake.IntegrityChain").getField("sealConflicts").get(null)).get();
        } catch (ReflectiveOperationException e) {
            return 0; // a layout without lanes (the "before" run) has no seals
        }
    }

    private static long[] count(Lakelog app, String tenant) throws Exception {
        try (Connection c = app.lake().connect(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT count(*), count(DISTINCT log_id) FROM lake.main.logs WHERE tenant_id = '" + tenant + "'")) {
            rs.next();
            return new long[] {rs.getLong(1), rs.getLong(2)};
        }
    }
}
