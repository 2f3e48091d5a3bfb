package dev.lakelog.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lakelog.Lakelog;
import dev.lakelog.auth.Tier;
import dev.lakelog.config.LakelogConfig;
import dev.lakelog.rollup.RollupRequest;
import dev.lakelog.testing.LakelogFixture;
import dev.lakelog.testing.S3Server;
import dev.lakelog.testing.TestServers;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.zip.ZipFile;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * Cold start of the query function, from the real x86_64 deployment zip: each run is a fresh JVM
 * with only the zip's lib/ on the classpath and LAMBDA_TASK_ROOT pointing at the unpacked zip (so
 * the extensions come from the zip), answering its first {@code GET /v1/analytics/logs} against
 * PostgreSQL + the S3 server. Prints per-phase medians for several JVM settings.
 *
 * <p>The SnapStart row (issue 13) runs the same fresh JVM with {@code LocalInvoker --snapstart}:
 * after the init phase the container's before-checkpoint hook primes and closes the app, the
 * after-restore hook runs, and the figure is the time from the after-restore hook to the answer
 * in that warm, primed JVM: the part of a SnapStart cold start that is the function's own. What
 * Lambda adds (fetching and resuming the snapshot) is only measurable in AWS. {@code -Dsets=c1,snapstart}
 * runs only those rows (default: all).
 *
 * <pre>
 * mvn -q -B -pl lambda-package -am package -DskipTests
 * cd functions && mvn -q test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=dev.lakelog.bench.ColdStartBenchmark
 * </pre>
 */
public final class ColdStartBenchmark {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int RUNS = Integer.getInteger("runs", 5);

    public static void main(String[] args) throws Exception {
        Path zip = Path.of(System.getProperty("zip", "../lambda-package/target/lakelog-lambda-x86_64.zip")).toAbsolutePath();
        if (!Files.isRegularFile(zip)) {
            System.err.println("missing " + zip + "; build it first: mvn -q -B -pl lambda-package -am package -DskipTests");
            System.exit(1);
        }
        measure(zip, RUNS);
        System.exit(0);
    }

    /** Median total ms (spawn to first answer) per JVM option set, in the order measured. */
    public static Map<String, Long> measure(Path zip, int runs) throws Exception {
        Map<String, Long> totals = new java.util.LinkedHashMap<>();
        Path task = Files.createTempDirectory("lakelog-task-");
        unzip(zip, task);

        S3Server s3 = TestServers.s3();
        Map<String, String> env = new HashMap<>(LakelogFixture.awsEnv(Map.of()));
        String token;
        var creds = StaticCredentialsProvider.create(AwsBasicCredentials.create(s3.accessKey(), s3.secretKey()));
        try (Lakelog app = Lakelog.start(LakelogConfig.from(env), Clock.systemUTC())) {
            LakelogFixture.TenantCredentials t = createTenant(app);
            token = t.token();
            StringBuilder batch = new StringBuilder("[");
            for (int i = 0; i < 1000; i++) {
                if (i > 0) batch.append(',');
                batch.append("{\"timestamp\":\"").append(Instant.now().minusSeconds(i)).append("\",\"event_type\":\"E")
                        .append(i % 7).append("\",\"outcome\":\"SUCCESS\",\"severity\":\"INFO\",\"message\":\"m").append(i).append("\"}");
            }
            app.router().handle(LakelogFixture.signedJson(t, "/v1/log/batch", batch.append(']').toString()));
            app.rollup().rollup(new RollupRequest("bench", Optional.empty(), Duration.ZERO, true));
        }
        ObjectNode event = JSON.createObjectNode().put("httpMethod", "GET").put("path", "/v1/analytics/logs");
        event.putObject("headers").put("Authorization", "Bearer " + token);
        event.putObject("queryStringParameters").put("limit", "100");
        Path eventFile = task.resolve("event.json");
        Files.writeString(eventFile, event.toString());

        env.remove("LAKELOG_DUCKDB_EXTENSION_DIR"); // found via LAMBDA_TASK_ROOT, as in Lambda
        env.put("LAMBDA_TASK_ROOT", task.toString());
        env.put("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "3008");
        // set by Lambda: metrics go to CloudWatch EMF, not to Prometheus (whose library the zip does not carry)
        env.put("AWS_LAMBDA_FUNCTION_NAME", "lakelog-query-cold-start-bench");
        env.put("LAKELOG_DUCKDB_TEMP_DIR", Files.createTempDirectory("lakelog-duck-").toString());
        env.put("AWS_ACCESS_KEY_ID", s3.accessKey());
        env.put("AWS_SECRET_ACCESS_KEY", s3.secretKey());

        List<String> sets = List.of(System.getProperty("sets", "default,c1,appcds,snapstart").split(","));
        Path jsa = task.resolve("app-cds.jsa");
        if (sets.contains("appcds")) {
            run("warm-up of the archive (excluded)", task, eventFile, env, List.of("-XX:ArchiveClassesAtExit=" + jsa), 1);
        }
        System.out.printf("%nCold start of QueryHandler from %s (%d runs each, medians, ms)%n", zip.getFileName(), runs);
        System.out.printf("%-38s %9s %9s %9s %9s %9s %9s %9s%n", "JVM options", "jvm", "init", "duckdb", "ext", "attach",
                "query", "total");
        List<String> c1 = List.of("-XX:+TieredCompilation", "-XX:TieredStopAtLevel=1"); // as deployed (COLD_START_JVM_OPTIONS)
        if (sets.contains("default")) totals.put("default (C2 tiered)", run("default (C2 tiered)", task, eventFile, env, List.of(), runs));
        if (sets.contains("c1")) totals.put("-XX:TieredStopAtLevel=1", run("-XX:TieredStopAtLevel=1", task, eventFile, env, c1, runs));
        if (sets.contains("appcds")) {
            totals.put("TieredStopAtLevel=1 + AppCDS archive", run("TieredStopAtLevel=1 + AppCDS archive", task, eventFile, env,
                    List.of("-XX:TieredStopAtLevel=1", "-XX:SharedArchiveFile=" + jsa), runs));
        }
        if (sets.contains("snapstart")) {
            System.out.printf("%nSnapStart, C1 as deployed: the JVM from the zip, init, the checkpoint hook (priming, app closed), the restore%n"
                    + "hook, then the first invocation (%d runs, medians, ms; the restore-side figure is the one a restored function pays)%n", runs);
            System.out.printf("%-38s %9s %9s %9s %9s %9s %9s %9s%n", "", "ckpt hook", "rst hook", "duckdb", "ext", "attach",
                    "query", "restore→answer");
            totals.put("SnapStart restore side (after-restore hook to answer)",
                    run("SnapStart (C1): after restore", task, eventFile, env, c1, runs, true));
        }
        return totals;
    }

    private static LakelogFixture.TenantCredentials createTenant(Lakelog app) {
        app.tenants().createTenant(new dev.lakelog.auth.Tenant("bench", Tier.PAID));
        String token = dev.lakelog.auth.Secrets.newToken();
        app.tenants().addToken("bench", dev.lakelog.auth.Secrets.tokenHash(token));
        var key = new dev.lakelog.auth.HmacKey("kbench", "bench", dev.lakelog.auth.Secrets.newHmacSecret(), true);
        app.tenants().addHmacKey(key);
        return new LakelogFixture.TenantCredentials("bench", token, key.keyId(), key.secret());
    }

    private static long run(String label, Path task, Path event, Map<String, String> env, List<String> jvmOpts, int runs)
            throws IOException, InterruptedException {
        return run(label, task, event, env, jvmOpts, runs, false);
    }

    /** {@code snapStart}: the row is (checkpoint hook, restore hook, duckdb, ext, attach, query, after-restore hook to answer). */
    private static long run(String label, Path task, Path event, Map<String, String> env, List<String> jvmOpts, int runs,
                            boolean snapStart) throws IOException, InterruptedException {
        List<long[]> rows = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            List<String> cmd = new ArrayList<>();
            cmd.add(ProcessHandle.current().info().command().orElse("java"));
            cmd.addAll(jvmOpts);
            cmd.add("-cp");
            // the zips no longer carry the Lambda runtime's serialization library (the runtime brings its
            // own); the local invoker needs it, so it is added from the test class path
            cmd.add(task.resolve("lib") + "/*:" + serializationJar());
            cmd.add("dev.lakelog.handler.LocalInvoker");
            cmd.add("QueryHandler");
            cmd.add(event.toString());
            cmd.add("--timings");
            if (snapStart) cmd.add("--snapstart");
            ProcessBuilder pb = new ProcessBuilder(cmd);
            pb.environment().clear();
            pb.environment().put("PATH", System.getenv("PATH"));
            pb.environment().putAll(env);
            Path out = Files.createTempFile("cold-out", ".txt");
            Path err = Files.createTempFile("cold-err", ".txt");
            pb.redirectOutput(out.toFile()).redirectError(err.toFile());
            long spawnedAt = System.currentTimeMillis();
            Process p = pb.start();
            int code = p.waitFor();
            String stdout = Files.readString(out, StandardCharsets.UTF_8);
            String stderr = Files.readString(err, StandardCharsets.UTF_8);
            JsonNode resp = null; // EMF metric lines share stdout with the answer
            for (String line : stdout.split("\n")) {
                if (code == 0 && line.contains("\"statusCode\"")) resp = JSON.readTree(line);
            }
            if (resp == null || resp.path("statusCode").asInt() != 200) {
                throw new IllegalStateException("run failed (exit " + code + "): " + stdout + "\n" + stderr);
            }
            if (JSON.readTree(resp.path("body").asText()).path("count").asInt() == 0) {
                throw new IllegalStateException("first query answered no rows: " + stdout);
            }
            JsonNode t = null;
            for (String line : stderr.split("\n")) {
                if (line.startsWith("timings ")) t = JSON.readTree(line.substring(8));
            }
            if (t == null) throw new IllegalStateException("no timings in: " + stderr);
            long jvm = t.path("main_entered_at_ms").asLong() - spawnedAt;
            long init = t.path("handler_init_ms").asLong();
            long invoke = t.path("first_invoke_ms").asLong();
            long lakeOpen = t.path("lake_open_ms").asLong();
            if (snapStart) {
                rows.add(new long[] {t.path("checkpoint_hook_ms").asLong(), t.path("restore_hook_ms").asLong(),
                        t.path("duckdb_load_ms").asLong(), t.path("extension_load_ms").asLong(), t.path("attach_ms").asLong(),
                        invoke - lakeOpen, t.path("restore_to_answer_ms").asLong()});
            } else {
                rows.add(new long[] {jvm, init, t.path("duckdb_load_ms").asLong(), t.path("extension_load_ms").asLong(),
                        t.path("attach_ms").asLong(), invoke - lakeOpen, jvm + init + invoke});
            }
        }
        if (runs > 1) {
            long[] med = new long[7];
            for (int c = 0; c < 7; c++) {
                final int col = c;
                med[c] = rows.stream().mapToLong(r -> r[col]).sorted().toArray()[rows.size() / 2];
            }
            System.out.printf("%-38s %9d %9d %9d %9d %9d %9d %9d%n", label, med[0], med[1], med[2], med[3], med[4], med[5], med[6]);
            return med[6];
        }
        return rows.get(0)[6];
    }

    static String serializationJar() {
        try {
            return Path.of(com.amazonaws.services.lambda.runtime.serialization.events.LambdaEventSerializers.class
                    .getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void unzip(Path zip, Path dest) throws IOException {
        try (ZipFile z = new ZipFile(zip.toFile())) {
            var entries = z.entries();
            while (entries.hasMoreElements()) {
                var e = entries.nextElement();
                Path p = dest.resolve(e.getName()).normalize();
                if (!p.startsWith(dest)) throw new IOException("bad zip entry " + e.getName());
                if (e.isDirectory()) {
                    Files.createDirectories(p);
                } else {
                    Files.createDirectories(p.getParent());
                    try (var in = z.getInputStream(e)) {
                        Files.copy(in, p);
                    }
                }
            }
        }
    }
}
