package dev.lakelog.soak;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lakelog.Lakelog;
import dev.lakelog.auth.Authenticator;
import dev.lakelog.auth.HmacKey;
import dev.lakelog.auth.Secrets;
import dev.lakelog.auth.Tenant;
import dev.lakelog.auth.Tier;
import dev.lakelog.config.LakelogConfig;
import dev.lakelog.local.FileTenantStore;
import dev.lakelog.rollup.RollupReport;
import dev.lakelog.rollup.RollupRequest;
import dev.lakelog.testing.TestDuckDb;
import java.io.IOException;
import java.net.ServerSocket;
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
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * The soak: {@code lakelog serve} in a process of its own under a steady mixed load (signed batches
 * and single events of two tenants, OTLP, log searches, custom SQL, the hot-tier read, REST rollups
 * beside the built-in 3-second schedule, operator compaction and snapshot expiry), killed with
 * SIGKILL at random moments and restarted on the same data directory. Writers retry what was not
 * acknowledged with the same {@code log_id}s, as a producer without idempotency keys would. At the
 * end every acknowledged event must be in the lake exactly once, no 5xx may have come while the
 * server was up, no file may be left that the lake does not reference, and memory must have stayed
 * within bounds. Run (docs/benchmarks.md):
 * <pre>cd functions && mvn -q -o test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=dev.lakelog.soak.Soak \
 *     -Dsoak.seconds=600 -Dsoak.kills=5</pre>
 */
public final class Soak {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The server's heap ceiling, and the bounds checked after warm-up. */
    static final String SERVER_HEAP = "-Xmx768m";
    static final long HEAP_BOUND = 700L * 1024 * 1024;
    static final long RSS_BOUND = 2L * 1024 * 1024 * 1024;
    static final Duration WARM_UP = Duration.ofSeconds(20);

    /** What a run found. */
    public record Result(Duration duration, int kills, long requests, long acknowledged, long inLake, long lost, long doubled,
                         long otlpAcknowledged, long otlpInLake, long serverErrorsWhileUp, long refusedWhileDown, long maxHeapBytes,
                         long maxRssBytes, long unreferencedFiles, long duplicatesDropped) {
        boolean memoryWithinBounds() {
            return maxHeapBytes <= HEAP_BOUND && maxRssBytes <= RSS_BOUND;
        }

        public String table() {
            return String.format("""
                    | figure | value |
                    |---|---|
                    | duration | %d s |
                    | server kills (SIGKILL) survived | %d |
                    | requests sent | %,d |
                    | events acknowledged (native) | %,d |
                    | of them in the lake | %,d |
                    | lost | %d |
                    | doubled (a log_id twice) | %d |
                    | OTLP records acknowledged / in the lake | %,d / %,d |
                    | repeated log_ids dropped by the final rollups (client retries) | %,d |
                    | 5xx while the server was up | %d |
                    | requests refused while it was down (connection) | %,d |
                    | max heap after warm-up (bound %d MB) | %d MB |
                    | max RSS after warm-up (bound %d MB) | %d MB |
                    | files the lake does not reference (after cleanup) | %d |
                    """, duration.toSeconds(), kills, requests, acknowledged, inLake, lost, doubled, otlpAcknowledged, otlpInLake,
                    duplicatesDropped, serverErrorsWhileUp, refusedWhileDown, HEAP_BOUND >> 20, maxHeapBytes >> 20, RSS_BOUND >> 20,
                    maxRssBytes >> 20, unreferencedFiles);
        }
    }

    private record Creds(String tenant, String token, String keyId, String secret) {}

    private final Duration duration;
    private final int kills;
    private final Path dataDir;
    private final int port;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final AtomicBoolean up = new AtomicBoolean();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong serverErrors = new AtomicLong();
    private final AtomicLong refusedWhileDown = new AtomicLong();
    private final AtomicLong maxHeap = new AtomicLong();
    private final AtomicLong maxRss = new AtomicLong();
    private final Set<String> acked = ConcurrentHashMap.newKeySet();
    private final Set<String> otlpAcked = ConcurrentHashMap.newKeySet();
    private final List<String> errors = java.util.Collections.synchronizedList(new ArrayList<>());
    private volatile Process server;
    private volatile Instant startedAt = Instant.now();
    private final String devToken = Secrets.newToken();
    private final String devSecret = Secrets.newHmacSecret();
    private final String operatorToken = Secrets.newOperatorToken();
    private final List<Creds> tenants = new ArrayList<>();

    public Soak(Duration duration, int kills) throws IOException {
        this.duration = duration;
        this.kills = kills;
        this.dataDir = Files.createTempDirectory("lakelog-soak-");
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            this.port = s.getLocalPort();
        }
    }

    public static void main(String[] args) throws Exception {
        Soak soak = new Soak(Duration.ofSeconds(Long.getLong("soak.seconds", 600)), Integer.getInteger("soak.kills", 5));
        Result r = soak.run();
        System.out.println(r.table());
        System.exit(r.lost() == 0 && r.doubled() == 0 && r.serverErrorsWhileUp() == 0 && r.unreferencedFiles() == 0 ? 0 : 1);
    }

    public Result run() throws Exception {
        tenants.add(new Creds("dev", devToken, "dev", devSecret));
        FileTenantStore store = new FileTenantStore(dataDir.resolve("tenants.json"));
        store.createTenant(new Tenant("soak2", Tier.PAID));
        String token2 = Secrets.newToken();
        store.addToken("soak2", Secrets.tokenHash(token2));
        HmacKey key2 = new HmacKey(Secrets.newKeyId(), "soak2", Secrets.newHmacSecret(), true);
        store.addHmacKey(key2);
        tenants.add(new Creds("soak2", token2, key2.keyId(), key2.secret()));

        startServer();
        Instant begin = Instant.now();
        Instant end = begin.plus(duration);
        List<Thread> load = new ArrayList<>();
        for (Creds t : tenants) {
            load.add(thread("batches-" + t.tenant(), () -> writer(t, 20, end)));
            load.add(thread("singles-" + t.tenant(), () -> writer(t, 1, end)));
        }
        load.add(thread("otlp", () -> otlp(tenants.get(0), end)));
        load.add(thread("reader", () -> reader(end)));
        load.add(thread("maintenance", () -> maintenance(end)));
        load.add(thread("memory", () -> memory(end)));
        load.forEach(Thread::start);
        int killed = killer(begin, end);
        for (Thread t : load) t.join(Duration.ofMinutes(2).toMillis());
        running.set(false);
        stopServer();
        return verify(Duration.between(begin, Instant.now()), killed);
    }

    // ---- the server process ---------------------------------------------------------------

    private void startServer() throws Exception {
        List<String> cmd = List.of(ProcessHandle.current().info().command().orElse("java"), SERVER_HEAP, "-cp",
                classPath(), "dev.lakelog.cli.LakelogCli", "serve", "--port", Integer.toString(port),
                "--data-dir", dataDir.toString(), "--rollup-interval-seconds", "3");
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().keySet().removeIf(k -> k.startsWith("LAKELOG_") || k.startsWith("AWS_"));
        pb.environment().put("LAKELOG_DUCKDB_EXTENSION_DIR", TestDuckDb.extensionDirectory().toString());
        pb.environment().put("LAKELOG_ROLLUP_MIN_AGE_SECONDS", "0");
        pb.environment().putAll(dev.lakelog.testing.LakelogFixture.UNTHROTTLED); // the soak measures the engine, not the limiter
        pb.environment().put("LAKELOG_DEV_TOKEN", devToken);
        pb.environment().put("LAKELOG_DEV_HMAC_SECRET", devSecret);
        pb.environment().put("LAKELOG_DEV_OPERATOR_TOKEN", operatorToken);
        Path log = dataDir.resolve("server.log");
        server = pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        Instant deadline = Instant.now().plusSeconds(90);
        while (Instant.now().isBefore(deadline)) {
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri("/healthz")).timeout(Duration.ofSeconds(2)).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    startedAt = Instant.now();
                    up.set(true);
                    return;
                }
            } catch (IOException e) {
                Thread.sleep(200);
            }
            if (!server.isAlive()) throw new IllegalStateException("the server died at start; see " + log);
        }
        throw new IllegalStateException("the server did not come up in 90 s; see " + log);
    }

    /** This JVM's class path: surefire's, or exec:java's class loader's (whose java.class.path is Maven's own). */
    static String classPath() {
        if (Thread.currentThread().getContextClassLoader() instanceof java.net.URLClassLoader u && u.getURLs().length > 1) {
            List<String> parts = new ArrayList<>();
            for (java.net.URL url : u.getURLs()) {
                try {
                    parts.add(Path.of(url.toURI()).toString());
                } catch (java.net.URISyntaxException e) {
                    throw new IllegalStateException(e);
                }
            }
            return String.join(java.io.File.pathSeparator, parts);
        }
        return System.getProperty("java.class.path");
    }

    private void killServer() throws InterruptedException {
        up.set(false);
        server.destroyForcibly(); // SIGKILL on Linux
        server.waitFor();
    }

    private void stopServer() throws InterruptedException {
        up.set(false);
        server.destroy(); // SIGTERM: a clean stop
        server.waitFor();
    }

    private int killer(Instant begin, Instant end) throws Exception {
        Random random = new Random(Long.getLong("soak.seed", 42));
        long span = Duration.between(begin, end).toMillis();
        List<Long> at = new ArrayList<>();
        for (int i = 0; i < kills; i++) at.add((long) (span * (0.15 + 0.7 * random.nextDouble())));
        at.sort(null);
        int killed = 0;
        for (long offset : at) {
            long wait = Duration.between(Instant.now(), begin.plusMillis(offset)).toMillis();
            if (wait > 0) Thread.sleep(wait);
            if (!up.get()) continue;
            killServer();
            killed++;
            Thread.sleep(1000 + random.nextInt(2000));
            startServer();
        }
        long rest = Duration.between(Instant.now(), end).toMillis();
        if (rest > 0) Thread.sleep(rest);
        return killed;
    }

    // ---- load -------------------------------------------------------------------------------

    private static Thread thread(String name, Runnable r) {
        Thread t = new Thread(r, "soak-" + name);
        t.setDaemon(true);
        return t;
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    /** Sends; null when the connection failed (the server is down or was killed mid-request). */
    private HttpResponse<String> send(HttpRequest.Builder b) {
        requests.incrementAndGet();
        try {
            HttpResponse<String> r = http.send(b.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() >= 500 && up.get()) {
                serverErrors.incrementAndGet();
                errors.add(r.statusCode() + " " + r.body());
            }
            return r;
        } catch (IOException e) {
            refusedWhileDown.incrementAndGet();
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private HttpRequest.Builder signed(Creds t, String path, byte[] body) {
        return HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json").header("X-Key-Id", t.keyId())
                .header("X-Signature", Authenticator.signatureHeader(t.secret(), Instant.now().getEpochSecond(), body))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    }

    private HttpRequest.Builder bearer(String token, String method, String path, String body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).header("Authorization", "Bearer " + token);
        if (body != null) b.header("Content-Type", "application/json");
        return b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    }

    private void writer(Creds t, int size, Instant end) {
        long n = 0;
        Random random = new Random(t.tenant().hashCode() * 31L + size);
        while (Instant.now().isBefore(end)) {
            List<String> ids = new ArrayList<>();
            ArrayNode batch = JSON.createArrayNode();
            for (int i = 0; i < size; i++) {
                String id = t.tenant() + "-" + (size == 1 ? "s" : "b") + "-" + (n++);
                ids.add(id);
                ObjectNode e = batch.addObject();
                e.put("log_id", id).put("timestamp", Instant.now().minusSeconds(random.nextInt(3600)).toString())
                        .put("event_type", "SOAK").put("outcome", "SUCCESS").put("severity", random.nextInt(10) == 0 ? "ERROR" : "INFO")
                        .put("component", "c" + random.nextInt(5)).put("message", "soak event " + id);
            }
            byte[] body = (size == 1 ? batch.get(0).toString() : batch.toString()).getBytes(StandardCharsets.UTF_8);
            String path = size == 1 ? "/v1/log" : "/v1/log/batch";
            // a producer without idempotency keys: resend the same events until acknowledged
            while (true) {
                HttpResponse<String> r = send(signed(t, path, body));
                if (r != null && r.statusCode() == 200) {
                    acked.addAll(ids);
                    break;
                }
                if (r != null && r.statusCode() < 500) {
                    errors.add("refused " + r.statusCode() + " " + r.body());
                    break;
                }
                if (!running.get()) break;
                pause(200);
            }
            pause(size == 1 ? 20 : 50);
        }
    }

    private void otlp(Creds t, Instant end) {
        long n = 0;
        while (Instant.now().isBefore(end)) {
            List<String> messages = new ArrayList<>();
            ObjectNode req = JSON.createObjectNode();
            ArrayNode records = req.putArray("resourceLogs").addObject().putArray("scopeLogs").addObject().putArray("logRecords");
            for (int i = 0; i < 10; i++) {
                String m = "otlp-" + (n++);
                messages.add(m);
                ObjectNode r = records.addObject();
                r.put("timeUnixNano", Long.toString(Instant.now().toEpochMilli() * 1_000_000L)).put("severityText", "INFO");
                r.putObject("body").put("stringValue", m);
            }
            HttpResponse<String> r = send(bearer(t.token(), "POST", "/v1/logs", req.toString()));
            if (r != null && r.statusCode() == 200) otlpAcked.addAll(messages);
            pause(100);
        }
    }

    private void reader(Instant end) {
        Creds t = tenants.get(0);
        String sql = JSON.createObjectNode().put("query", "SELECT component, count(*) AS n FROM logs GROUP BY 1 ORDER BY 1").toString();
        while (Instant.now().isBefore(end)) {
            send(bearer(t.token(), "GET", "/v1/analytics/logs?limit=20", null));
            send(bearer(t.token(), "POST", "/v1/analytics/query", sql));
            send(bearer(t.token(), "GET", "/v1/logs/recent?limit=10", null));
            send(bearer(tenants.get(1).token(), "GET", "/v1/analytics/info", null));
            pause(300);
        }
    }

    private void maintenance(Instant end) {
        int i = 0;
        while (Instant.now().isBefore(end)) {
            pause(5_000);
            send(bearer(tenants.get(i % 2).token(), "POST", "/v1/analytics/rollup?delete_after_rollup=true", null));
            if (i % 3 == 1) send(bearer(operatorToken, "POST", "/v1/analytics/maintenance/compact", null));
            if (i % 4 == 3) send(bearer(operatorToken, "POST", "/v1/analytics/maintenance/expire-snapshots?older_than_days=0", null));
            i++;
        }
    }

    private void memory(Instant end) {
        while (Instant.now().isBefore(end)) {
            pause(2_000);
            Process p = server;
            if (!up.get() || Duration.between(startedAt, Instant.now()).compareTo(WARM_UP) < 0) continue;
            try {
                for (String line : Files.readAllLines(Path.of("/proc/" + p.pid() + "/status"))) {
                    if (line.startsWith("VmRSS:")) maxRss.accumulateAndGet(Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024, Math::max);
                }
                HttpResponse<String> m = http.send(HttpRequest.newBuilder(uri("/metrics")).timeout(Duration.ofSeconds(5)).build(),
                        HttpResponse.BodyHandlers.ofString());
                for (String line : m.body().split("\n")) {
                    if (line.startsWith("jvm_memory_used_bytes{area=\"heap\"}")) {
                        maxHeap.accumulateAndGet((long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)), Math::max);
                    }
                }
            } catch (IOException | RuntimeException e) {
                // killed between the check and the read
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private static void pause(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---- the end: everything in the lake, exactly once --------------------------------------

    private Result verify(Duration took, int killed) throws Exception {
        Map<String, String> env = new HashMap<>();
        env.put("LAKELOG_DATA_DIR", dataDir.toString());
        env.putAll(dev.lakelog.testing.LakelogFixture.UNTHROTTLED);
        env.put("LAKELOG_DUCKDB_EXTENSION_DIR", TestDuckDb.extensionDirectory().toString());
        long duplicatesDropped = 0;
        long inLake;
        long doubled;
        long otlpInLake;
        long unreferenced;
        Set<String> missing;
        try (Lakelog app = Lakelog.start(LakelogConfig.from(env))) {
            for (int i = 0; i < 20; i++) {
                RollupReport r = app.rollup().rollup(new RollupRequest("soak", Optional.empty(), Duration.ZERO, true));
                duplicatesDropped += r.duplicatesDropped();
                if (r.segmentsProcessed() == 0 && r.segmentsDeleted() == 0) break;
            }
            app.maintenance().compact("soak");
            app.maintenance().expireSnapshots("soak", 0);
            app.maintenance().cleanup("soak", 0, false);
            try (Connection c = app.lake().connect(); Statement st = c.createStatement()) {
                Set<String> ids = new HashSet<>();
                try (ResultSet rs = st.executeQuery("SELECT log_id FROM lake.main.logs WHERE event_type = 'SOAK'")) {
                    while (rs.next()) ids.add(rs.getString(1));
                }
                missing = new HashSet<>(acked);
                missing.removeAll(ids);
                inLake = acked.size() - missing.size();
                try (ResultSet rs = st.executeQuery("SELECT count(*) FROM (SELECT tenant_id, log_id FROM lake.main.logs "
                        + "GROUP BY ALL HAVING count(*) > 1)")) {
                    rs.next();
                    doubled = rs.getLong(1);
                }
                Set<String> messages = new HashSet<>();
                try (ResultSet rs = st.executeQuery("SELECT message FROM lake.main.logs WHERE message LIKE 'otlp-%'")) {
                    while (rs.next()) messages.add(rs.getString(1));
                }
                Set<String> otlpFound = new HashSet<>(otlpAcked);
                otlpFound.retainAll(messages);
                otlpInLake = otlpFound.size();
                Set<String> referenced = new HashSet<>();
                List<String> tables = new ArrayList<>();
                try (ResultSet rs = st.executeQuery("SELECT table_name FROM duckdb_tables() WHERE database_name = 'lake'")) {
                    while (rs.next()) tables.add(rs.getString(1)); // logs, the ledger, the fence, the integrity chain's tables
                }
                // every snapshot still kept: expiry's own integrity entry is a commit after the expiry,
                // so the snapshot before it stays (docs/integrity.md)
                List<Long> kept = new ArrayList<>();
                try (ResultSet rs = st.executeQuery("SELECT snapshot_id FROM lake.snapshots()")) {
                    while (rs.next()) kept.add(rs.getLong(1));
                }
                for (String table : tables) for (long snap : kept) {
                    try (ResultSet rs = st.executeQuery("SELECT data_file, delete_file FROM ducklake_list_files('lake', '" + table
                            + "', snapshot_version => " + snap + ")")) {
                        while (rs.next()) {
                            referenced.add(Path.of(rs.getString(1)).toAbsolutePath().normalize().toString());
                            if (rs.getString(2) != null) referenced.add(Path.of(rs.getString(2)).toAbsolutePath().normalize().toString());
                        }
                    }
                }
                try (Stream<Path> files = Files.walk(dataDir.resolve("lake"))) {
                    List<String> stray = files.filter(Files::isRegularFile).map(p -> p.toAbsolutePath().normalize().toString())
                            .filter(p -> !referenced.contains(p)).toList();
                    unreferenced = stray.size();
                    if (!stray.isEmpty()) System.out.println("files the lake does not reference: " + stray);
                }
            }
        }
        if (!missing.isEmpty()) System.out.println("lost: " + missing.stream().limit(20).toList());
        if (!errors.isEmpty()) System.out.println("errors seen: " + errors.stream().limit(10).toList());
        return new Result(took, killed, requests.get(), acked.size(), inLake, missing.size(), doubled, otlpAcked.size(), otlpInLake,
                serverErrors.get(), refusedWhileDown.get(), maxHeap.get(), maxRss.get(), unreferenced, duplicatesDropped);
    }

    public Path dataDir() {
        return dataDir;
    }
}
