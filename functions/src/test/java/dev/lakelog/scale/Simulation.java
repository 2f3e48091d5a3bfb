package dev.lakelog.scale;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lakelog.Lakelog;
import dev.lakelog.auth.Tenant;
import dev.lakelog.auth.Tier;
import dev.lakelog.config.LakelogConfig;
import dev.lakelog.generate.EventGenerator;
import dev.lakelog.handler.RollupWorkerHandler;
import dev.lakelog.ingest.IngestResult;
import dev.lakelog.local.PrometheusMetrics;
import dev.lakelog.segment.SegmentKeys;
import dev.lakelog.testing.ElasticMqServer;
import dev.lakelog.testing.LakelogFixture;
import dev.lakelog.testing.PostgresServer;
import dev.lakelog.testing.SqsEventSource;
import dev.lakelog.testing.TestServers;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The fan-out at 1,000 tenants on this machine: the event generator's skewed corpus (Zipf over
 * tenants: a few tenants have most of the events) ingested through the ingest core into the S3
 * server while the {@link dev.lakelog.rollup.RollupPlanner} runs every few seconds and
 * {@code workers} rollup workers, each its own {@link Lakelog} (a Lambda container: its own DuckDB
 * and catalog connection), take the tenants from a real SQS API (ElasticMQ, with a DLQ) through
 * {@link SqsEventSource} and commit into one PostgreSQL catalog. Prints events/s end to end, the
 * ingest-to-queryable delay (p50/p99, from each segment's creation time in its key to its ledger
 * row's commit time, weighted by events), commits/s, commit conflicts (each one retried),
 * catalog growth, and checks that every acknowledged event is in the lake exactly once. Run
 * (docs/benchmarks.md, "Fan-out simulation"):
 * <pre>cd functions && mvn -q -o test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=dev.lakelog.scale.Simulation \
 *     -Dsim.tenants=1000 -Dsim.events=100000 -Dsim.workers=4</pre>
 */
public final class Simulation {
    public static void main(String[] args) throws Exception {
        int tenants = Integer.getInteger("sim.tenants", 1000);
        long events = Long.getLong("sim.events", 100_000);
        int workers = Integer.getInteger("sim.workers", 4);
        int producers = Integer.getInteger("sim.producers", 4);
        int perRequest = Integer.getInteger("sim.batch", 200);
        int planEvery = Integer.getInteger("sim.planSeconds", 10);
        int batchSize = Integer.getInteger("sim.sqsBatch", 5);
        dev.lakelog.aws.AwsClients.noInstanceMetadata();

        ElasticMqServer sqs = TestServers.sqs();
        // a failed message (a commit that conflicted past its retries) comes back after 30 s here; the stack's
        // visibility timeout is twice the worker's 15 minutes, and its planner re-enqueues every tenant each run
        ElasticMqServer.Queue q = sqs.newQueue("sim-rollup", 5, Integer.getInteger("sim.visibilitySeconds", 30));
        Map<String, String> env = LakelogFixture.awsEnv(Map.of("LAKELOG_ROLLUP_MIN_AGE_SECONDS", "0",
                "LAKELOG_ROLLUP_QUEUE_URL", q.url(), "LAKELOG_SQS_ENDPOINT", sqs.endpoint().toString()));
        PostgresServer pg = TestServers.postgres();
        String jdbc = pg.jdbcUrl(env.get("LAKELOG_PG_DATABASE"));
        Lakelog app = Lakelog.start(LakelogConfig.from(env), Clock.systemUTC());
        app.lake(); // the catalog is created once, before the workers start (as a deployed stack has it)
        List<Lakelog> containers = new ArrayList<>();
        for (int i = 0; i < workers; i++) {
            Lakelog c = Lakelog.start(LakelogConfig.from(env), Clock.systemUTC());
            c.lake();
            containers.add(c);
        }
        long catalogBytesBefore = pgLong(jdbc, pg, "SELECT pg_database_size(current_database())");
        Map<String, Long> catalogRowsBefore = catalogRows(jdbc, pg);

        String[] names = new String[tenants];
        for (int i = 0; i < tenants; i++) {
            names[i] = EventGenerator.tenantName(i, tenants);
            app.tenants().ensureTenant(new Tenant(names[i], Tier.PAID));
        }
        System.err.printf("simulation: %d tenants, %d events, %d workers, %d producers; load %s%n", tenants, events, workers, producers, load());

        // ---- workers and planner -----------------------------------------------------------------
        AtomicBoolean stop = new AtomicBoolean();
        AtomicBoolean ingestDone = new AtomicBoolean();
        SqsEventSource esm = new SqsEventSource(sqs.client(), q.url(), batchSize, workers, () -> Duration.ofMinutes(15));
        java.util.concurrent.atomic.AtomicInteger turn = new java.util.concurrent.atomic.AtomicInteger();
        ExecutorService background = Executors.newFixedThreadPool(2);
        Future<?> workerRun = background.submit(() -> {
            esm.runUntil((event, ctx) -> new RollupWorkerHandler(containers.get(Math.floorMod(turn.getAndIncrement(), workers)))
                    .handleRequest(event, ctx), stop::get);
            return null;
        });
        AtomicLong plans = new AtomicLong();
        AtomicLong enqueued = new AtomicLong();
        Future<?> plannerRun = background.submit(() -> {
            while (!stop.get()) {
                if (sqs.depth(q.url()) == 0) {
                    var plan = app.rollupPlanner().plan("schedule");
                    plans.incrementAndGet();
                    enqueued.addAndGet(plan.tenants().size());
                    if (plan.tenants().isEmpty() && ingestDone.get()) {
                        stop.set(true);
                        break;
                    }
                }
                Thread.sleep(planEvery * 1000L);
            }
            return null;
        });

        // ---- ingest ---------------------------------------------------------------------------------
        Map<String, Set<String>> acked = new ConcurrentHashMap<>();
        long[] perTenant = new long[tenants];
        AtomicLong ackedCount = new AtomicLong();
        AtomicLong rejected = new AtomicLong();
        ExecutorService ingestPool = Executors.newFixedThreadPool(producers);
        List<Future<?>> sends = new ArrayList<>();
        @SuppressWarnings("unchecked")
        List<JsonNode>[] buffers = new List[tenants];
        Instant ingestStart = Instant.now();
        new EventGenerator(new EventGenerator.Spec(14, events, 1, tenants, Instant.now())).generate((idx, node) -> {
            perTenant[idx]++;
            if (buffers[idx] == null) buffers[idx] = new ArrayList<>();
            buffers[idx].add(node);
            if (buffers[idx].size() >= perRequest) {
                List<JsonNode> batch = buffers[idx];
                buffers[idx] = null;
                sends.add(ingestPool.submit(() -> send(app, names[idx], batch, acked, ackedCount, rejected)));
            }
        });
        for (int i = 0; i < tenants; i++) {
            if (buffers[i] != null) {
                List<JsonNode> batch = buffers[i];
                int idx = i;
                sends.add(ingestPool.submit(() -> send(app, names[idx], batch, acked, ackedCount, rejected)));
            }
        }
        for (Future<?> f : sends) f.get();
        ingestPool.shutdown();
        Instant ingestEnd = Instant.now();
        ingestDone.set(true);
        System.err.printf("simulation: ingest done, %d events acknowledged in %.1f s; rolling up%n", ackedCount.get(),
                Duration.between(ingestStart, ingestEnd).toMillis() / 1000.0);
        plannerRun.get();
        workerRun.get();
        background.shutdown();

        // ---- measure ----------------------------------------------------------------------------------
        List<long[]> delays = new ArrayList<>(); // {delay ms, rows}
        Instant firstCommit = null;
        Instant lastCommit = null;
        long commits;
        long segments = 0;
        // when each rollup's snapshot was committed: DuckLake's snapshot time, found by the rollup_id in the commit's extra info
        Map<String, Instant> committedAt = new HashMap<>();
        try (Connection c = DriverManager.getConnection(jdbc, pg.user(), pg.password()); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT (c.commit_extra_info::json)->>'rollup_id', (extract(epoch from s.snapshot_time) * 1000)::bigint "
                        + "FROM ducklake_snapshot_changes c JOIN ducklake_snapshot s USING (snapshot_id) WHERE c.commit_extra_info LIKE '{%'")) {
            while (rs.next()) if (rs.getString(1) != null) committedAt.put(rs.getString(1), Instant.ofEpochMilli(rs.getLong(2)));
        }
        try (Connection c = app.lake().connect(); Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT segment_key, row_count, epoch_ms(rolled_up_at), rollup_id FROM " + dev.lakelog.lake.LakeSchema.LEDGER)) {
                while (rs.next()) {
                    Instant committed = committedAt.getOrDefault(rs.getString(4), Instant.ofEpochMilli(rs.getLong(3)));
                    Instant created = SegmentKeys.createdAt(rs.getString(1)).orElseThrow();
                    delays.add(new long[] {Duration.between(created, committed).toMillis(), rs.getLong(2)});
                    if (firstCommit == null || committed.isBefore(firstCommit)) firstCommit = committed;
                    if (lastCommit == null || committed.isAfter(lastCommit)) lastCommit = committed;
                    segments++;
                }
            }
            try (ResultSet rs = st.executeQuery("SELECT count(DISTINCT rollup_id) FROM " + dev.lakelog.lake.LakeSchema.LEDGER)) {
                rs.next();
                commits = rs.getLong(1);
            }
        }
        // exactly once: every acknowledged log_id once, nothing else
        long rows = 0;
        long dupes = 0;
        long missing = 0;
        long unexpected = 0;
        Map<String, Set<String>> seen = new HashMap<>();
        try (Connection c = app.lake().connect(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT tenant_id, log_id FROM lake.main.logs")) {
            while (rs.next()) {
                rows++;
                if (!seen.computeIfAbsent(rs.getString(1), k -> new HashSet<>()).add(rs.getString(2))) dupes++;
            }
        }
        for (var e : acked.entrySet()) {
            Set<String> s = seen.getOrDefault(e.getKey(), Set.of());
            for (String id : e.getValue()) if (!s.contains(id)) missing++;
        }
        for (var e : seen.entrySet()) {
            Set<String> a = acked.getOrDefault(e.getKey(), Set.of());
            for (String id : e.getValue()) if (!a.contains(id)) unexpected++;
        }
        long catalogBytesAfter = pgLong(jdbc, pg, "SELECT pg_database_size(current_database())");
        Map<String, Long> catalogRowsAfter = catalogRows(jdbc, pg);
        double conflicts = 0;
        for (Lakelog c : containers) conflicts += counter(c, "lakelog_commit_conflicts_total");
        long[] sortedPerTenant = perTenant.clone();
        Arrays.sort(sortedPerTenant);
        long top10 = 0;
        for (int i = 0; i < Math.min(10, tenants); i++) top10 += sortedPerTenant[tenants - 1 - i];

        double e2eSeconds = Duration.between(ingestStart, lastCommit).toMillis() / 1000.0;
        double rollupSeconds = Duration.between(firstCommit, lastCommit).toMillis() / 1000.0;
        System.out.println();
        System.out.println("| figure | value |");
        System.out.println("|---|---|");
        row("tenants / events generated / events acknowledged", tenants + " / " + events + " / " + ackedCount.get()
                + (rejected.get() > 0 ? " (" + rejected.get() + " rejected)" : ""));
        row("skew: events of the busiest tenant / of the 10 busiest / median tenant",
                sortedPerTenant[tenants - 1] + " / " + top10 + " (" + Math.round(100.0 * top10 / events) + "%) / " + sortedPerTenant[tenants / 2]);
        row("workers (containers) / SQS batch size / planner runs / messages enqueued",
                workers + " / " + batchSize + " / " + plans.get() + " / " + enqueued.get());
        row("ingest: events/s (in-process ingest core, " + producers + " producers, " + perRequest + " events a request)",
                String.format("%.0f", ackedCount.get() / (Duration.between(ingestStart, ingestEnd).toMillis() / 1000.0)));
        row("end to end: events/s (first ingest to last commit)", String.format("%.0f (%.1f s)", ackedCount.get() / e2eSeconds, e2eSeconds));
        row("ingest-to-queryable delay p50 / p99 / max (events weighted)", pct(delays, 0.50) + " / " + pct(delays, 0.99) + " / " + pct(delays, 1.0));
        row("rollup commits / segments / commits per second (first to last commit)",
                String.format("%d / %d / %.2f", commits, segments, commits / Math.max(rollupSeconds, 0.001)));
        row("commit conflicts (each retried) / conflicts per commit", String.format("%.0f / %.2f", conflicts, conflicts / Math.max(commits, 1)));
        row("worker invocations / failed invocations / failed messages / DLQ depth",
                esm.invocations() + " / " + esm.failedInvocations() + " / " + esm.itemFailures() + " / " + sqs.depth(q.dlqUrl()));
        row("catalog database size before / after (MB)", String.format("%.1f / %.1f", catalogBytesBefore / 1e6, catalogBytesAfter / 1e6));
        for (String table : catalogRowsAfter.keySet()) {
            row("catalog rows: " + table + " (before / after)", catalogRowsBefore.getOrDefault(table, 0L) + " / " + catalogRowsAfter.get(table));
        }
        row("exactly once: rows / acknowledged / duplicates / missing / unexpected",
                rows + " / " + ackedCount.get() + " / " + dupes + " / " + missing + " / " + unexpected);
        row("machine load (uptime) at the end", load());
        boolean ok = rows == ackedCount.get() && dupes == 0 && missing == 0 && unexpected == 0;
        System.out.println();
        System.out.println(ok ? "EXACTLY ONCE: every acknowledged event is in the lake once" : "EXACTLY ONCE VIOLATED");
        for (Lakelog c : containers) c.close();
        app.close();
        System.exit(ok ? 0 : 1);
    }

    private static Void send(Lakelog app, String tenant, List<JsonNode> batch, Map<String, Set<String>> acked, AtomicLong count, AtomicLong rejected) {
        try {
            IngestResult r = app.ingest().ingestNodes(new Tenant(tenant, Tier.PAID), batch);
            acked.computeIfAbsent(tenant, k -> ConcurrentHashMap.newKeySet()).addAll(r.logIds());
            count.addAndGet(r.logIds().size());
        } catch (RuntimeException e) {
            rejected.addAndGet(batch.size());
            System.err.println("simulation: ingest of " + batch.size() + " events for " + tenant + " failed: " + e);
        }
        return null;
    }

    private static void row(String k, String v) {
        System.out.println("| " + k + " | " + v + " |");
    }

    private static String pct(List<long[]> delays, double p) {
        List<long[]> s = new ArrayList<>(delays);
        s.sort((a, b) -> Long.compare(a[0], b[0]));
        long total = s.stream().mapToLong(d -> d[1]).sum();
        long want = (long) Math.ceil(total * p);
        long acc = 0;
        for (long[] d : s) {
            acc += d[1];
            if (acc >= want) return String.format("%.1f s", d[0] / 1000.0);
        }
        return "-";
    }

    private static double counter(Lakelog app, String name) {
        if (!(app.metrics() instanceof PrometheusMetrics p)) return Double.NaN;
        double sum = 0;
        for (String line : new String(p.scrape(), StandardCharsets.UTF_8).split("\n")) {
            if (line.startsWith(name)) sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        }
        return sum;
    }

    private static long pgLong(String jdbc, PostgresServer pg, String sql) throws Exception {
        try (Connection c = DriverManager.getConnection(jdbc, pg.user(), pg.password()); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static Map<String, Long> catalogRows(String jdbc, PostgresServer pg) throws Exception {
        Map<String, Long> out = new java.util.TreeMap<>();
        for (String t : List.of("ducklake_snapshot", "ducklake_data_file", "ducklake_delete_file", "ducklake_file_column_stats")) {
            try {
                out.put(t, pgLong(jdbc, pg, "SELECT count(*) FROM " + t));
            } catch (java.sql.SQLException e) {
                // a DuckLake version without that table
            }
        }
        return out;
    }

    private static String load() {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).trim();
        } catch (java.io.IOException e) {
            return "?";
        }
    }
}
