package dev.lakelog.bench;

import dev.lakelog.auth.Tenant;
import dev.lakelog.auth.Tier;
import dev.lakelog.rollup.RollupReport;
import dev.lakelog.rollup.RollupRequest;
import dev.lakelog.segment.LogEvent;
import dev.lakelog.segment.SegmentCodec;
import dev.lakelog.segment.SegmentKeys;
import dev.lakelog.testing.LakelogFixture;
import dev.lakelog.testing.TestDuckDb;
import dev.lakelog.testing.TestServers;
import java.io.BufferedWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Rollup throughput: 1,000,000 events in 1,000 segments written with {@link SegmentCodec} to the
 * test S3 server (s3proxy), rolled up into DuckLake (PostgreSQL catalog, Parquet in the bucket)
 * with the production defaults; then, in the same run, bare DuckDB COPYing the same rows from
 * NDJSON into one Parquet file on local disk. Prints rows/s, the ratio, peak memory and bytes per
 * event. Sizes: {@code -Dbench.segments=1000 -Dbench.perSegment=1000}.
 *
 * <pre>
 * cd functions && LAKELOG_DUCKDB_EXTENSION_DIR=$PWD/target/duckdb-extensions MAVEN_OPTS=-Xmx2g \
 *   mvn -q -o test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=dev.lakelog.bench.RollupBenchmark
 * </pre>
 */
public final class RollupBenchmark {
    /** What one run measured (the bench command's table reads it). */
    public record Result(long events, double rollupSeconds, double copySeconds, double jsonBytesPerEvent,
                         double lakeBytesPerEvent, double copyParquetBytesPerEvent) {}

    public static void main(String[] args) {
        try {
            measure(Integer.getInteger("bench.segments", 1000), Integer.getInteger("bench.perSegment", 1000));
        } catch (Throwable t) {
            t.printStackTrace();
            System.exit(1);
        }
        System.exit(0);
    }

    /** Rolls up {@code segments} segments of {@code perSegment} events and times bare DuckDB's COPY of the same rows. */
    public static Result measure(int segments, int perSegment) throws Exception {
        long events = (long) segments * perSegment;
        Path work = Files.createTempDirectory("lakelog-rollup-bench-");
        Path ndjson = work.resolve("events.ndjson");
        SegmentCodec codec = new SegmentCodec();
        String tenant = "bench";
        try (LakelogFixture fx = LakelogFixture.aws(Map.of(), Clock.systemUTC())) {
            fx.app().tenants().createTenant(new Tenant(tenant, Tier.PAID));
            // --- write the backlog: segments to S3, the same rows as NDJSON to disk
            long t0 = System.nanoTime();
            long cborBytes = 0;
            Instant base = Instant.parse("2026-11-20T00:00:00Z");
            ExecutorService pool = Executors.newFixedThreadPool(4);
            List<Future<?>> puts = new ArrayList<>();
            try (BufferedWriter w = Files.newBufferedWriter(ndjson, StandardCharsets.UTF_8)) {
                for (int s = 0; s < segments; s++) {
                    List<LogEvent> batch = new ArrayList<>(perSegment);
                    for (int i = 0; i < perSegment; i++) {
                        long n = (long) s * perSegment + i;
                        batch.add(event(tenant, n, base));
                    }
                    for (LogEvent e : batch) w.write(json(e));
                    Instant created = base.plus(s, ChronoUnit.SECONDS);
                    byte[] bytes = codec.encode(tenant, ChronoUnit.MICROS.between(Instant.EPOCH, created), batch);
                    cborBytes += bytes.length;
                    String key = SegmentKeys.newKey(tenant, created);
                    puts.add(pool.submit(() -> fx.app().blobs().put(key, bytes)));
                    if (puts.size() >= 16) {
                        for (Future<?> f : puts) f.get();
                        puts.clear();
                    }
                }
            }
            for (Future<?> f : puts) f.get();
            pool.shutdown();
            long jsonBytes = Files.size(ndjson);
            System.out.printf("backlog: %d events in %d segments, CBOR %.1f MB, NDJSON %.1f MB, written in %.1f s%n",
                    events, segments, cborBytes / 1e6, jsonBytes / 1e6, (System.nanoTime() - t0) / 1e9);

            // --- rollup, production defaults (96 MB / 1000-segment batches)
            fx.app().lake(); // attach first: a warm container
            resetPeaks();
            long r0 = System.nanoTime();
            RollupReport report = fx.app().rollup().rollup(new RollupRequest("bench", Optional.empty(), Duration.ZERO, false));
            double rollupSec = (System.nanoTime() - r0) / 1e9;
            long heapPeak = heapPeak();
            if (report.logsInserted() != events || !report.errors().isEmpty()) {
                throw new IllegalStateException("rollup did not insert every event: " + report);
            }
            long parquetBytes = 0;
            long parquetFiles = 0;
            for (var o : TestServers.s3().client().listObjectsV2Paginator(b -> b.bucket(fx.bucket()).prefix("lake/")).contents()) {
                if (o.key().endsWith(".parquet")) {
                    parquetBytes += o.size();
                    parquetFiles++;
                }
            }
            long batches;
            try (Connection c = fx.app().lake().connect(); Statement st = c.createStatement();
                    var rs = st.executeQuery("SELECT count(DISTINCT rollup_id) FROM lake.main.rollup_ledger")) {
                rs.next();
                batches = rs.getLong(1);
            }
            System.out.printf("rollup: %d rows in %.2f s = %.0f rows/s (%d batches, %d Parquet files incl. ledger, budget_exhausted=%s)%n",
                    report.logsInserted(), rollupSec, report.logsInserted() / rollupSec, batches, parquetFiles, report.budgetExhausted());
            System.out.printf("rollup peak Java heap: %.0f MB; process peak RSS (VmHWM, whole JVM incl. Maven, s3proxy, DynamoDB Local, DuckDB): %s%n",
                    heapPeak / 1e6, vmHwm());

            // --- baseline: bare DuckDB, NDJSON -> Parquet on local disk
            Path out = work.resolve("baseline.parquet");
            long c0 = System.nanoTime();
            try (Connection c = TestDuckDb.open(); Statement st = c.createStatement()) {
                st.execute("COPY (SELECT * FROM read_ndjson(" + lit(ndjson.toString()) + ")) TO " + lit(out.toString()) + " (FORMAT parquet)");
            }
            double copySec = (System.nanoTime() - c0) / 1e9;
            System.out.printf("bare DuckDB COPY NDJSON -> Parquet: %.2f s = %.0f rows/s%n", copySec, events / copySec);
            System.out.printf("ratio rollup/COPY time: %.2f%n", rollupSec / copySec);
            System.out.printf("bytes per event: raw JSON %.1f, CBOR segment %.1f, lake Parquet %.1f (bare COPY Parquet %.1f)%n",
                    jsonBytes / (double) events, cborBytes / (double) events, parquetBytes / (double) events,
                    Files.size(out) / (double) events);
            return new Result(events, rollupSec, copySec, jsonBytes / (double) events, parquetBytes / (double) events,
                    Files.size(out) / (double) events);
        } finally {
            try (var files = Files.walk(work)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    static LogEvent event(String tenant, long n, Instant base) {
        long ts = ChronoUnit.MICROS.between(Instant.EPOCH, base) + n * 250_000L; // 4 events/s: ~3 days
        String[] sev = {"DEBUG", "INFO", "NOTICE", "WARNING", "ERROR", "CRITICAL"};
        return new LogEvent(tenant, "evt-" + n, ts, "RECORD_VIEW", n % 17 == 0 ? "FAILURE" : "SUCCESS", sev[(int) (n % 6)],
                "CONFIDENTIAL", "user" + (n % 5000) + "@example.com", "records-api", "production", "/patients/" + (n % 100_000),
                "Record viewed by user " + (n % 5000), "{\"fields\":[\"name\",\"dob\"],\"count\":" + (n % 10) + "}",
                List.of("hipaa", "gdpr"), "sess-" + (n / 50), "req-" + n, "10.0." + (n % 256) + "." + (n % 200),
                ts + 7L * 365 * 86_400_000_000L, ts + 1_000_000L);
    }

    private static String json(LogEvent e) {
        StringBuilder b = new StringBuilder(512).append('{');
        f(b, "tenant_id", e.tenantId()).append(',');
        f(b, "log_id", e.logId()).append(',');
        f(b, "timestamp", iso(e.timestampMicros())).append(',');
        f(b, "event_type", e.eventType()).append(',');
        f(b, "outcome", e.outcome()).append(',');
        f(b, "severity", e.severity()).append(',');
        f(b, "sensitivity", e.sensitivity()).append(',');
        f(b, "actor_id", e.actorId()).append(',');
        f(b, "component", e.component()).append(',');
        f(b, "environment", e.environment()).append(',');
        f(b, "resource", e.resource()).append(',');
        f(b, "message", e.message()).append(',');
        b.append("\"payload\":").append(e.payload()).append(',');
        b.append("\"policy_tags\":[\"hipaa\",\"gdpr\"],");
        f(b, "session_id", e.sessionId()).append(',');
        f(b, "request_id", e.requestId()).append(',');
        f(b, "source_ip", e.sourceIp()).append(',');
        f(b, "retention_until", iso(e.retentionUntilMicros())).append(',');
        f(b, "ingested_at", iso(e.ingestedAtMicros()));
        return b.append("}\n").toString();
    }

    private static StringBuilder f(StringBuilder b, String k, String v) {
        return b.append('"').append(k).append("\":\"").append(v).append('"');
    }

    private static String iso(long micros) {
        return Instant.EPOCH.plus(micros, ChronoUnit.MICROS).toString();
    }

    private static String lit(String s) {
        return "'" + s.replace("'", "''") + "'";
    }

    private static void resetPeaks() {
        System.gc();
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) p.resetPeakUsage();
    }

    private static long heapPeak() {
        long sum = 0;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP && p.getPeakUsage() != null) sum += p.getPeakUsage().getUsed();
        }
        return sum;
    }

    private static String vmHwm() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) return line.substring(6).trim();
            }
        } catch (java.io.IOException e) {
            return "unknown";
        }
        return "unknown";
    }
}
