package dev.lakelog.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lakelog.api.StrictJson;
import dev.lakelog.auth.Authenticator;
import dev.lakelog.auth.Tier;
import dev.lakelog.generate.EventGenerator;
import dev.lakelog.lake.LakeCatalog;
import dev.lakelog.lake.LakeEngine;
import dev.lakelog.lake.Sandbox;
import dev.lakelog.local.LocalServer;
import dev.lakelog.query.CustomQueryService;
import dev.lakelog.query.SqlGuard;
import dev.lakelog.rollup.RollupRequest;
import dev.lakelog.testing.LakelogFixture;
import dev.lakelog.testing.TestDuckDb;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Every benchmark of issue 13 in one run, each figure next to its baseline measured in the same run,
 * printed as one table (Markdown). {@code ./lakelog bench} runs it; {@code ./lakelog bench --full}
 * uses the full sizes. Directly:
 * <pre>cd functions && mvn -q -o test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=dev.lakelog.bench.Bench [-Dbench.full=true]</pre>
 * {@code -Dbench.only=ingest,queries,rollup,coldstart} picks parts ({@code single}: the single-event request alone); {@code -Dzip=...} names the Lambda zip for the cold start.
 *
 * <ul>
 *   <li>rollup vs bare DuckDB {@code COPY (read_ndjson) TO parquet} of the same rows ({@link RollupBenchmark});</li>
 *   <li>ingest core events/s at batch 1,000 (per CPU-second of the thread) vs Jackson's strict parse alone of the same bodies;</li>
 *   <li>single-event {@code POST /v1/log} p50 through the local HTTP server (local files) vs {@code GET /healthz} on it;</li>
 *   <li>custom SQL over HTTP vs the same SQL in a bare DuckDB over the same Parquet files (the generator's corpus, aggregate);</li>
 *   <li>sandbox set-up p50: a reused sandbox vs a fresh one;</li>
 *   <li>lake bytes per event vs the corpus as raw NDJSON;</li>
 *   <li>cold start (fresh JVM from the unpacked Lambda zip to the first answered query) with the deployed JIT flags vs the JVM's defaults,
 *       when the zip is built ({@link ColdStartBenchmark}).</li>
 * </ul>
 */
public final class Bench {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String[]> ROWS = new ArrayList<>();

    private Bench() {}

    public static void main(String[] args) {
        try {
            run();
        } catch (Throwable t) {
            t.printStackTrace();
            System.exit(1);
        }
        System.exit(0);
    }

    private static void run() throws Exception {
        boolean full = Boolean.getBoolean("bench.full");
        long queryRows = Long.getLong("bench.queryRows", full ? 1_000_000L : 200_000L);
        int rollupSegments = Integer.getInteger("bench.segments", full ? 1000 : 100);
        double ingestSeconds = full ? 10 : 4;
        int iterations = full ? 50 : 25;
        long started = System.nanoTime();
        String load = Files.readString(Path.of("/proc/loadavg")).trim();
        System.out.printf("lakelog bench (%s): %d cores, %s, Java %s, load average at start %s%n", full ? "full" : "short",
                Runtime.getRuntime().availableProcessors(), System.getProperty("os.arch"), System.getProperty("java.version"), load);

        // -Dbench.only=ingest,queries,rollup,coldstart runs a subset
        List<String> only = List.of(System.getProperty("bench.only", "ingest,queries,rollup,coldstart").split(","));
        if (only.contains("ingest")) ingest(ingestSeconds);
        if (only.contains("queries")) queries(queryRows, iterations);
        if (only.contains("single")) single(iterations); // the single-event figure alone (no corpus, no rollup)
        if (only.contains("rollup")) rollup(rollupSegments);
        if (only.contains("coldstart")) coldStart(full ? 5 : 3);

        System.out.printf("%n| figure | lakelog | baseline (same run) | ratio | goal |%n|---|---|---|---|---|%n");
        for (String[] r : ROWS) System.out.printf("| %s | %s | %s | %s | %s |%n", (Object[]) r);
        System.out.printf("%nload average at end %s; whole run %.0f s%n", Files.readString(Path.of("/proc/loadavg")).trim(),
                (System.nanoTime() - started) / 1e9);
    }

    private static void row(String figure, String value, String baseline, String ratio, String goal) {
        ROWS.add(new String[] {figure, value, baseline, ratio, goal});
        System.out.printf("  %s: %s (baseline %s, ratio %s; goal %s)%n", figure, value, baseline, ratio, goal);
    }

    // ---------------------------------------------------------------- ingest core

    private static void ingest(double seconds) throws Exception {
        System.out.println("ingest core ...");
        IngestCoreBenchmark.Result core = IngestCoreBenchmark.measure(1000, seconds);
        // baseline: the strict JSON parse alone of the same bodies (what any JSON ingest pays)
        byte[] body = IngestBenchmark.batch(1000, Instant.now().minusSeconds(3600));
        ObjectMapper strict = StrictJson.mapper();
        var threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long end = System.nanoTime() + (long) (seconds * 1e9);
        while (System.nanoTime() < end) strict.readTree(body);
        long c0 = threads.getCurrentThreadCpuTime();
        long n = 0;
        end = System.nanoTime() + (long) (seconds * 1e9);
        while (System.nanoTime() < end) {
            strict.readTree(body);
            n += 1000;
        }
        double parsePerCpuSecond = n / ((threads.getCurrentThreadCpuTime() - c0) / 1e9);
        row("ingest core, batch 1,000, local files (events per CPU-second)", String.format("%,.0f ev/s (%,.0f wall)", core.eventsPerCpuSecond(), core.eventsPerSecond()),
                String.format("strict JSON parse alone: %,.0f ev/s", parsePerCpuSecond), String.format("%.2f", core.eventsPerCpuSecond() / parsePerCpuSecond),
                ">= 150,000 ev/s");
        row("ingest core, bytes allocated per event", String.format("%,.0f B", core.allocatedBytesPerEvent()),
                String.format("the event as JSON: %.0f B", core.bytesPerEventJson()), String.format("%.1f", core.allocatedBytesPerEvent() / core.bytesPerEventJson()), "low");
    }

    // ---------------------------------------------------------------- queries, HTTP

    private static void queries(long rows, int iterations) throws Exception {
        System.out.printf("generator corpus: %,d events into a local-mode lake ...%n", rows);
        try (LakelogFixture fx = LakelogFixture.local(LakelogFixture.UNTHROTTLED);
                LocalServer server = new LocalServer(fx.app().router(), 0)) {
            LakelogFixture.TenantCredentials t = fx.createTenant("bench", Tier.PAID);
            EventGenerator gen = new EventGenerator(new EventGenerator.Spec(13, rows, 7, 1, Instant.now().minusSeconds(7200)));
            long[] jsonBytes = {0};
            List<JsonNode> batch = new ArrayList<>(1000);
            dev.lakelog.auth.Tenant tenant = new dev.lakelog.auth.Tenant("bench", Tier.PAID);
            gen.generate((i, e) -> {
                jsonBytes[0] += e.toString().getBytes(StandardCharsets.UTF_8).length + 1; // NDJSON line
                batch.add(e);
                if (batch.size() == 1000) {
                    fx.app().ingest().ingestNodes(tenant, batch);
                    batch.clear();
                }
            });
            if (!batch.isEmpty()) fx.app().ingest().ingestNodes(tenant, batch);
            long r0 = System.nanoTime();
            var report = fx.app().rollup().rollup(new RollupRequest("bench", Optional.empty(), Duration.ZERO, true));
            if (!report.errors().isEmpty() || report.logsInserted() != rows) throw new IllegalStateException("rollup: " + report);
            System.out.printf("  rolled up %,d rows in %.1f s%n", rows, (System.nanoTime() - r0) / 1e9);
            LakeEngine lake = fx.app().lake();
            List<String> files = new ArrayList<>();
            try (Connection c = lake.connect()) {
                for (LakeCatalog.DataFile f : LakeCatalog.tenantDataFiles(c, "bench")) files.add(f.path());
            }
            long lakeBytes = 0;
            for (String f : files) lakeBytes += Files.size(Path.of(f));
            row("lake bytes per event (generator corpus)", String.format("%.1f B", lakeBytes / (double) rows),
                    String.format("raw NDJSON %.1f B", jsonBytes[0] / (double) rows), String.format("%.1fx smaller", jsonBytes[0] / (double) lakeBytes), ">= 25x");

            singleEvent(server, t, iterations * 20);
            customSql(server, fx, t, files, iterations);
            sandboxSetUp(lake, files, iterations);
        }
    }

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    private static double p50(List<Double> xs) {
        double[] a = xs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return a[a.length / 2];
    }

    private static double timedMs(Runnable r) {
        long t0 = System.nanoTime();
        r.run();
        return (System.nanoTime() - t0) / 1e6;
    }

    private static HttpResponse<String> send(HttpRequest req) {
        try {
            HttpResponse<String> r = HTTP.send(req, HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) throw new IllegalStateException(req.uri() + " answered " + r.statusCode() + ": " + r.body());
            return r;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void single(int iterations) throws Exception {
        try (LakelogFixture fx = LakelogFixture.local(LakelogFixture.UNTHROTTLED);
                LocalServer server = new LocalServer(fx.app().router(), 0)) {
            singleEvent(server, fx.createTenant("bench", Tier.PAID), iterations * 20);
        }
    }

    private static void singleEvent(LocalServer server, LakelogFixture.TenantCredentials t, int n) {
        System.out.println("single-event POST /v1/log over HTTP ...");
        List<Double> post = new ArrayList<>();
        List<Double> health = new ArrayList<>();
        HttpRequest healthz = HttpRequest.newBuilder(URI.create(server.url() + "/healthz")).timeout(Duration.ofSeconds(30)).build();
        for (int i = 0; i < n + n / 5; i++) {
            byte[] body = IngestBenchmark.event(i, Instant.now().minusSeconds(60)).getBytes(StandardCharsets.UTF_8);
            HttpRequest req = HttpRequest.newBuilder(URI.create(server.url() + "/v1/log")).timeout(Duration.ofSeconds(30))
                    .header("Content-Type", "application/json").header("X-Key-Id", t.keyId())
                    .header("X-Signature", Authenticator.signatureHeader(t.hmacSecret(), Instant.now().getEpochSecond(), body))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
            double p = timedMs(() -> send(req));
            double h = timedMs(() -> send(healthz));
            if (i >= n / 5) { // the first fifth warms up
                post.add(p);
                health.add(h);
            }
        }
        row("single-event POST /v1/log p50, local server, local files", String.format("%.2f ms", p50(post)),
                String.format("GET /healthz p50 %.2f ms", p50(health)), String.format("%.2f", p50(post) / p50(health)), "< 1 ms");
    }

    static final String SQL = "SELECT severity, count(*) AS n, count(DISTINCT actor_id) AS actors, max(timestamp) AS last_seen "
            + "FROM logs GROUP BY severity ORDER BY severity";

    private static void customSql(LocalServer server, LakelogFixture fx, LakelogFixture.TenantCredentials t, List<String> files, int iterations) throws Exception {
        System.out.println("custom SQL over HTTP vs bare DuckDB ...");
        ObjectNode body = JSON.createObjectNode().put("query", SQL);
        HttpRequest req = HttpRequest.newBuilder(URI.create(server.url() + "/v1/analytics/query")).timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer " + t.token()).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build();
        StringBuilder list = new StringBuilder("[");
        for (int i = 0; i < files.size(); i++) list.append(i > 0 ? ", " : "").append(LakeEngine.literal(files.get(i)));
        String bare = SQL.replace("FROM logs", "FROM read_parquet(" + list.append("]") + ")");
        List<Double> http = new ArrayList<>();
        List<Double> duck = new ArrayList<>();
        // where the difference goes: the same request through the router without HTTP, and the SQL
        // alone inside the tenant's reused sandbox (its views over the same files)
        List<Double> routed = new ArrayList<>();
        List<Double> inSandbox = new ArrayList<>();
        dev.lakelog.api.ApiRequest direct = new dev.lakelog.api.ApiRequest("POST", "/v1/analytics/query", Map.of(),
                Map.of("Authorization", "Bearer " + t.token(), "Content-Type", "application/json"), body.toString().getBytes(StandardCharsets.UTF_8));
        List<String> setup = new ArrayList<>(SqlGuard.SANDBOX_MACROS);
        setup.add(CustomQueryService.viewSql(t.tenantId(), files, List.of()));
        List<String> allowed = new ArrayList<>(files);
        CustomQueryService.metricsViews(fx.app().lake(), t.tenantId(), allowed, setup);
        try (Connection c = TestDuckDb.open(); Statement st = c.createStatement()) {
            String[] httpAnswer = new String[1];
            long[] bareRows = new long[1];
            for (int i = 0; i < iterations + 3; i++) {
                double h = timedMs(() -> httpAnswer[0] = send(req).body());
                double r = timedMs(() -> {
                    if (fx.app().router().handle(direct).status() != 200) throw new IllegalStateException("the router did not answer 200");
                });
                double b = timedMs(() -> {
                    try (Sandbox box = fx.app().lake().sandbox(t.tenantId(), allowed, CustomQueryService.SANDBOX_MEMORY, CustomQueryService.SANDBOX_THREADS, setup);
                            Statement s = box.connection().createStatement(); ResultSet rs = s.executeQuery(SQL)) {
                        while (rs.next()) { }
                        box.keep();
                    } catch (java.sql.SQLException e) {
                        throw new IllegalStateException(e);
                    }
                });
                double d = timedMs(() -> {
                    try (ResultSet rs = st.executeQuery(bare)) {
                        long k = 0;
                        while (rs.next()) k++;
                        bareRows[0] = k;
                    } catch (java.sql.SQLException e) {
                        throw new IllegalStateException(e);
                    }
                });
                if (i >= 3) {
                    http.add(h);
                    duck.add(d);
                    routed.add(r);
                    inSandbox.add(b);
                }
            }
            long rowsOverHttp = JSON.readTree(httpAnswer[0]).path("count").asLong();
            if (rowsOverHttp != bareRows[0]) throw new IllegalStateException("HTTP answered " + rowsOverHttp + " rows, bare DuckDB " + bareRows[0]);
        }
        row("custom SQL (aggregate) over HTTP p50 vs bare DuckDB over the same files", String.format("%.1f ms", p50(http)),
                String.format("%.1f ms", p50(duck)), String.format("%.2f", p50(http) / p50(duck)), "<= 1.5x");
        row("  of which: the same request through the router, no HTTP", String.format("%.1f ms", p50(routed)),
                String.format("%.1f ms", p50(duck)), String.format("%.2f", p50(routed) / p50(duck)), "-");
        row("  of which: the SQL alone in the tenant's reused sandbox", String.format("%.1f ms", p50(inSandbox)),
                String.format("%.1f ms", p50(duck)), String.format("%.2f", p50(inSandbox) / p50(duck)), "-");
    }

    private static void sandboxSetUp(LakeEngine lake, List<String> files, int iterations) {
        System.out.println("sandbox set-up ...");
        List<String> setup = new ArrayList<>(SqlGuard.SANDBOX_MACROS);
        setup.add(CustomQueryService.viewSql("bench", files, List.of()));
        List<Double> fresh = new ArrayList<>();
        List<Double> reused = new ArrayList<>();
        for (int i = 0; i < iterations + 3; i++) {
            double f = timedMs(() -> lake.openSandbox(files, CustomQueryService.SANDBOX_MEMORY, CustomQueryService.SANDBOX_THREADS, setup).close());
            double r = timedMs(() -> {
                try (Sandbox s = lake.sandbox("bench", files, CustomQueryService.SANDBOX_MEMORY, CustomQueryService.SANDBOX_THREADS, setup)) {
                    s.keep();
                }
            });
            if (i >= 3) {
                fresh.add(f);
                reused.add(r);
            }
        }
        row("sandbox set-up p50 (reused, warm container)", String.format("%.2f ms", p50(reused)),
                String.format("fresh sandbox %.1f ms", p50(fresh)), String.format("%.3f", p50(reused) / p50(fresh)), "<= 5 ms");
    }

    // ---------------------------------------------------------------- rollup

    private static void rollup(int segments) throws Exception {
        System.out.printf("rollup of %d segments x 1,000 events of the generator's corpus (S3 + PostgreSQL test servers) vs bare DuckDB COPY ...%n", segments);
        System.setProperty("bench.segments", Integer.toString(segments));
        System.setProperty("bench.perSegment", "1000");
        System.setProperty("bench.corpus", System.getProperty("bench.corpus", "generator"));
        RollupBenchmark.Figures r = RollupBenchmark.run();
        row(String.format("rollup %,d events (s3proxy + PostgreSQL) vs bare DuckDB COPY NDJSON->Parquet", r.events()),
                String.format("%.2f s (%,.0f rows/s)", r.rollupSeconds(), r.events() / r.rollupSeconds()),
                String.format("%.2f s", r.copySeconds()), String.format("%.2f", r.ratio()), "<= 1.0x");
        row("lake bytes per event vs raw JSON (" + r.corpus() + " corpus)", String.format("%.1f B", r.lakeBytesPerEvent()),
                String.format("%.1f B raw JSON", r.jsonBytesPerEvent()), String.format("%.1fx smaller", r.jsonBytesPerEvent() / r.lakeBytesPerEvent()), ">= 25x");
    }

    // ---------------------------------------------------------------- cold start

    private static void coldStart(int runs) throws Exception {
        Path zip = Path.of(System.getProperty("zip", "../lambda-package/target/lakelog-lambda-x86_64.zip")).toAbsolutePath();
        if (!Files.isRegularFile(zip)) {
            row("cold start to first answered query (fresh JVM, unpacked zip)", "not measured: build the zip first "
                    + "(mvn -q -B -pl lambda-package -am package -DskipTests)", "-", "-", "< 1.0 s as deployed");
            return;
        }
        System.out.println("cold start ...");
        Map<String, Long> t = ColdStartBenchmark.measure(zip, runs);
        long deflt = t.get("default (C2 tiered)");
        long deployed = t.get("-XX:TieredStopAtLevel=1");
        long cds = t.get("TieredStopAtLevel=1 + AppCDS archive");
        row("cold start to first answered query, deployed JIT flags (C1 only)", deployed + " ms", "JVM defaults " + deflt + " ms",
                String.format("%.2f", deployed / (double) deflt), "< 1.0 s as deployed");
        row("cold start, C1 + AppCDS archive (not deployable from here, see docs)", cds + " ms", "JVM defaults " + deflt + " ms",
                String.format("%.2f", cds / (double) deflt), "-");
        Long restored = t.get("SnapStart restore side (after-restore hook to answer)");
        if (restored != null) {
            row("SnapStart restore side: after-restore hook to first answered query (warm primed JVM)", restored + " ms",
                    "fresh JVM, C1 " + deployed + " ms", String.format("%.2f", restored / (double) deployed),
                    "< 1.0 s as deployed (+ Lambda's restore, AWS only)");
        }
    }
}
