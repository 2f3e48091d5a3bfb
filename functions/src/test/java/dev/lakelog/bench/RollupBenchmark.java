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
 * NDJSON into one Parquet file on local disk; then three scans through DuckLake. Prints rows/s, the
 * ratio, peak memory, bytes per event and scan medians; {@link #run()} returns them as {@link Figures}
 * (for a caller that tabulates several benchmarks; it starts and stops its own test servers).
 * Sizes: {@code -Dbench.segments=1000 -Dbench.perSegment=1000}; corpus and Parquet settings: see {@link #run()}.
 *
 * <pre>
 * cd functions && LAKELOG_DUCKDB_EXTENSION_DIR=$PWD/target/duckdb-extensions MAVEN_OPTS=-Xmx512m \
 *   mvn -q -o test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=dev.lakelog.bench.RollupBenchmark
 * # the generator's corpus, and the files as they were written before issue 13:
 *   ... -Dbench.corpus=generator -Dbench.segments=200      ... -Dbench.parquet=snappy-v1
 * </pre>
 */
public final class RollupBenchmark {
    /** The figures of one run (what {@link #run()} prints), for a caller that tabulates several benchmarks. */
    /**
     * Prints the bytes per event of the logs table's data files (without the ledger's) and per
     * column (compressed column chunks from {@code parquet_metadata}), largest first, and for the
     * generator's corpus the random content of its identifiers (hex digits drawn at random: 4 bits
     * each), a floor for any lossless encoding. Returns the logs files' bytes per event.
     */
    static double columnBytes(dev.lakelog.lake.LakeEngine lake, String tenant, long events) throws Exception {
        List<String> files = new ArrayList<>();
        long bytes = 0;
        try (Connection c = lake.connect()) {
            for (var f : dev.lakelog.lake.LakeCatalog.tenantDataFiles(c, tenant)) {
                files.add(f.path());
            }
        }
        StringBuilder list = new StringBuilder("[");
        for (String f : files) list.append(list.length() > 1 ? "," : "").append(lit(f));
        list.append(']');
        try (Connection c = lake.connect(); Statement st = c.createStatement()) {
            try (var rs = st.executeQuery("SELECT sum(size) FROM read_blob(" + list + ")")) {
                rs.next();
                bytes = rs.getLong(1);
            }
            System.out.printf("logs data files: %d, %.1f B/event%n", files.size(), bytes / (double) events);
            StringBuilder line = new StringBuilder("bytes/event by column:");
            try (var rs = st.executeQuery("SELECT path_in_schema, sum(total_compressed_size) AS b, any_value(encodings) FROM parquet_metadata("
                    + list + ") GROUP BY 1 ORDER BY 2 DESC")) {
                while (rs.next()) line.append(String.format(" %s %.2f (%s);", rs.getString(1), rs.getLong(2) / (double) events, rs.getString(3)));
            }
            System.out.println(line);
            try (var rs = st.executeQuery("SELECT count(*), max(row_group_num_rows), count(DISTINCT file_name) FROM parquet_metadata(" + list
                    + ") WHERE column_id = 0")) {
                rs.next();
                System.out.printf("row groups: %d in %d files, largest %d rows%n", rs.getLong(1), rs.getLong(3), rs.getLong(2));
            }
            // random hex digits per event in the generator's identifiers (EventGenerator.hex): log_id 8,
            // request_id 16, trace_id 32, span_id 16, export resource 12, session_id 20 per session
            try (var rs = st.executeQuery("SELECT (sum(CASE WHEN log_id LIKE 'gen-%' THEN 8 ELSE 0 END) + sum(CASE WHEN request_id LIKE 'req-%' THEN 16 ELSE 0 END)"
                    + " + 32 * count(trace_id) + 16 * count(span_id) + sum(CASE WHEN resource LIKE 'exports/%' THEN 12 ELSE 0 END)"
                    + " + 20 * count(DISTINCT session_id)) / 2.0 / count(*) FROM lake.main.logs WHERE tenant_id = " + lit(tenant))) {
                rs.next();
                System.out.printf("random identifier content (generator corpus; a floor for any lossless encoding): %.1f B/event%n", rs.getDouble(1));
            }
        }
        return bytes / (double) events;
    }

    public record Figures(long events, String corpus, String parquet, double rollupSeconds, double copySeconds, double ratio,
            double heapPeakMb, double heapAfterGcPeakMb, double jsonBytesPerEvent, double lakeBytesPerEvent, double copyBytesPerEvent,
            Map<String, Double> scanMs) {}

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    public static void main(String[] args) {
        try {
            run();
        } catch (Throwable t) {
            t.printStackTrace();
            System.exit(1);
        }
        System.exit(0);
    }

    /**
     * One run, configured by system properties: {@code bench.segments} x {@code bench.perSegment}
     * events; {@code bench.corpus} {@code synthetic} (default: the fields below) or {@code generator}
     * (the event generator's corpus, {@code lakelog generate --seed 42 --days 7}); {@code bench.parquet}
     * {@code lake} (default: the lake's own settings) or {@code snappy-v1} (the settings before issue 13,
     * for a before/after in one build).
     */
    public static Figures run() throws Exception {
        int segments = Integer.getInteger("bench.segments", 1000);
        int perSegment = Integer.getInteger("bench.perSegment", 1000);
        String corpus = System.getProperty("bench.corpus", "synthetic");
        String parquet = System.getProperty("bench.parquet", "lake");
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
            long[] cbor = {0};
            try (BufferedWriter w = Files.newBufferedWriter(ndjson, StandardCharsets.UTF_8)) {
                List<LogEvent> batch = new ArrayList<>(perSegment);
                int[] s = {0};
                java.util.function.Consumer<LogEvent> add = e -> {
                    batch.add(e);
                    if (batch.size() < perSegment) return;
                    Instant created = base.plus(s[0]++, ChronoUnit.SECONDS);
                    byte[] bytes = codec.encode(tenant, ChronoUnit.MICROS.between(Instant.EPOCH, created), batch);
                    batch.clear();
                    cbor[0] += bytes.length;
                    String key = SegmentKeys.newKey(tenant, created);
                    puts.add(pool.submit(() -> fx.app().blobs().put(key, bytes)));
                    if (puts.size() >= 16) {
                        try {
                            for (Future<?> f : puts) f.get();
                        } catch (Exception ex) {
                            throw new IllegalStateException(ex);
                        }
                        puts.clear();
                    }
                };
                if (corpus.equals("generator")) {
                    // the generator's corpus as a producer sends it (NDJSON), validated as ingest does
                    var validator = new dev.lakelog.ingest.EventValidator(new com.fasterxml.jackson.databind.ObjectMapper());
                    Instant now = Instant.now();
                    long[] i = {0};
                    new dev.lakelog.generate.EventGenerator(new dev.lakelog.generate.EventGenerator.Spec(42, events, 7, 1,
                            Instant.parse("2026-11-30T00:00:00Z"))).generate((t, node) -> {
                        List<dev.lakelog.ingest.FieldError> errors = new ArrayList<>();
                        LogEvent e = validator.validate(node, (int) i[0]++, tenant, now, errors);
                        if (e == null) throw new IllegalStateException("generator event refused: " + errors);
                        try {
                            w.write(node.toString());
                            w.write('\n');
                        } catch (java.io.IOException ex) {
                            throw new java.io.UncheckedIOException(ex);
                        }
                        add.accept(new LogEvent(e.tenantId(), e.logId(), e.timestampMicros(), e.eventType(), e.outcome(), e.severity(),
                                e.sensitivity(), e.actorId(), e.component(), e.environment(), e.resource(), e.message(), e.payload(),
                                e.policyTags(), e.sessionId(), e.requestId(), e.sourceIp(), e.retentionUntilMicros(),
                                e.timestampMicros() + 1_000_000L, e.traceId(), e.spanId()));
                    });
                } else {
                    for (long n = 0; n < events; n++) {
                        LogEvent e = event(tenant, n, base);
                        w.write(json(e));
                        add.accept(e);
                    }
                }
                if (!batch.isEmpty()) throw new IllegalStateException("events not a multiple of bench.perSegment");
            }
            cborBytes = cbor[0];
            for (Future<?> f : puts) f.get();
            pool.shutdown();
            long jsonBytes = Files.size(ndjson);
            System.out.printf("backlog: %d events in %d segments, CBOR %.1f MB, NDJSON %.1f MB, written in %.1f s%n",
                    events, segments, cborBytes / 1e6, jsonBytes / 1e6, (System.nanoTime() - t0) / 1e9);

            // --- rollup, production defaults (96 MB / 1000-segment batches)
            fx.app().lake(); // attach first: a warm container
            if (parquet.equals("snappy-v1")) {
                try (Connection c = fx.app().lake().connect(); Statement st = c.createStatement()) {
                    st.execute("CALL lake.set_option('parquet_compression', 'snappy')");
                    st.execute("CALL lake.set_option('parquet_version', '1')");
                }
            } else if (!parquet.equals("lake")) {
                throw new IllegalArgumentException("bench.parquet must be lake or snappy-v1, got " + parquet);
            }
            // -Dbench.lakeOptions=parquet_compression_level=9,parquet_row_group_size=1000000: DuckLake options to try
            String tried = System.getProperty("bench.lakeOptions", "");
            if (!tried.isBlank()) {
                try (Connection c = fx.app().lake().connect(); Statement st = c.createStatement()) {
                    for (String kv : tried.split(",")) {
                        String[] o = kv.split("=", 2);
                        st.execute("CALL lake.set_option(" + lit(o[0].trim()) + ", " + lit(o[1].trim()) + ")");
                        System.out.printf("lake option %s = %s%n", o[0].trim(), o[1].trim());
                    }
                }
            }
            resetPeaks();
            long r0 = System.nanoTime();
            long rCpu0 = processCpuNanos();
            RollupReport report = fx.app().rollup().rollup(new RollupRequest("bench", Optional.empty(), Duration.ZERO, false));
            double rollupSec = (System.nanoTime() - r0) / 1e9;
            double rollupCpuSec = (processCpuNanos() - rCpu0) / 1e9;
            long heapPeak = heapPeak();
            long heapAfterGc = heapAfterGcPeak();
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
            System.out.printf("rollup peak Java heap after GC (live data, all heap pools): %.0f MB; max heap (-Xmx) %.0f MB%n",
                    heapAfterGc / 1e6, Runtime.getRuntime().maxMemory() / 1e6);

            // --- baseline: bare DuckDB, NDJSON -> Parquet on local disk
            Path out = work.resolve("baseline.parquet");
            long c0 = System.nanoTime();
            long cCpu0 = processCpuNanos();
            try (Connection c = TestDuckDb.open(); Statement st = c.createStatement()) {
                st.execute("COPY (SELECT * FROM read_ndjson(" + lit(ndjson.toString()) + ")) TO " + lit(out.toString()) + " (FORMAT parquet)");
            }
            double copySec = (System.nanoTime() - c0) / 1e9;
            double copyCpuSec = (processCpuNanos() - cCpu0) / 1e9;
            System.out.printf("bare DuckDB COPY NDJSON -> Parquet: %.2f s = %.0f rows/s%n", copySec, events / copySec);
            System.out.printf("ratio rollup/COPY time: %.2f%n", rollupSec / copySec);
            // CPU seconds of this JVM (Java and DuckDB's native threads, s3proxy, DynamoDB Local; not
            // the PostgreSQL catalog's processes): what the work costs, less sensitive than wall time
            // to other processes on a shared machine
            System.out.printf("process CPU: rollup %.2f s, COPY %.2f s, ratio %.2f%n", rollupCpuSec, copyCpuSec, rollupCpuSec / copyCpuSec);
            System.out.printf("bytes per event: raw JSON %.1f, CBOR segment %.1f, lake Parquet %.1f (bare COPY Parquet %.1f)%n",
                    jsonBytes / (double) events, cborBytes / (double) events, parquetBytes / (double) events,
                    Files.size(out) / (double) events);

            // --- where the bytes go: the logs table's files alone, by column (Parquet footers), and
            // the random content of the corpus, which no lossless encoding can remove
            double logsBytesPerEvent = columnBytes(fx.app().lake(), tenant, events);

            // --- scans through DuckLake (catalog + Parquet in the bucket): median of 5 after a warm-up
            Map<String, String> scans = new java.util.LinkedHashMap<>();
            scans.put("aggregate (severity x count, distinct actors; whole table)",
                    "SELECT severity, count(*), count(DISTINCT actor_id) FROM lake.main.logs WHERE tenant_id = 'bench' GROUP BY 1");
            scans.put("narrow window (1 h, 1000 rows, all columns)",
                    "SELECT * FROM lake.main.logs WHERE tenant_id = 'bench' AND \"timestamp\" >= (SELECT min(\"timestamp\") FROM lake.main.logs) "
                    + "+ INTERVAL 30 HOUR AND \"timestamp\" < (SELECT min(\"timestamp\") FROM lake.main.logs) + INTERVAL 31 HOUR "
                    + "ORDER BY \"timestamp\" LIMIT 1000");
            scans.put("text search (message ILIKE, whole table)",
                    "SELECT count(*) FROM lake.main.logs WHERE tenant_id = 'bench' AND message ILIKE '%export%'");
            Map<String, Double> scanMs = new java.util.LinkedHashMap<>();
            try (Connection c = fx.app().lake().connect(); Statement st = c.createStatement()) {
                for (Map.Entry<String, String> q : scans.entrySet()) {
                    double[] ms = new double[5];
                    for (int i = -1; i < ms.length; i++) {
                        long q0 = System.nanoTime();
                        try (var rs = st.executeQuery(q.getValue())) {
                            while (rs.next()) {
                                // read every row
                            }
                        }
                        if (i >= 0) ms[i] = (System.nanoTime() - q0) / 1e6;
                    }
                    java.util.Arrays.sort(ms);
                    scanMs.put(q.getKey(), ms[ms.length / 2]);
                    System.out.printf("scan %s: median %.1f ms%n", q.getKey(), ms[ms.length / 2]);
                }
            }
            System.out.printf("load average at the end: %s%n", Files.readString(Path.of("/proc/loadavg")).trim());
            return new Figures(events, corpus, parquet, rollupSec, copySec, rollupSec / copySec, heapPeak / 1e6, heapAfterGc / 1e6,
                    jsonBytes / (double) events, parquetBytes / (double) events, Files.size(out) / (double) events, scanMs);
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
        AFTER_GC_PEAK.set(0);
    }

    private static long heapPeak() {
        long sum = 0;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP && p.getPeakUsage() != null) sum += p.getPeakUsage().getUsed();
        }
        return sum;
    }

    /** The largest heap occupancy right after a collection since {@link #resetPeaks}: the live data, not garbage not yet collected. */
    private static final java.util.concurrent.atomic.AtomicLong AFTER_GC_PEAK = new java.util.concurrent.atomic.AtomicLong();

    static {
        for (java.lang.management.GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            ((javax.management.NotificationEmitter) gc).addNotificationListener((n, h) -> {
                if (!n.getType().equals(com.sun.management.GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION)) return;
                var info = com.sun.management.GarbageCollectionNotificationInfo.from((javax.management.openmbean.CompositeData) n.getUserData());
                long used = 0;
                for (var u : info.getGcInfo().getMemoryUsageAfterGc().entrySet()) {
                    String pool = u.getKey();
                    if (pool.contains("Eden") || pool.contains("Survivor") || pool.contains("Old") || pool.contains("Tenured")) used += u.getValue().getUsed();
                }
                AFTER_GC_PEAK.accumulateAndGet(used, Math::max);
            }, null, null);
        }
    }

    private static long heapAfterGcPeak() {
        return AFTER_GC_PEAK.get();
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
