package dev.lakelog.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lakelog.Lakelog;
import dev.lakelog.auth.Authenticator;
import dev.lakelog.auth.HmacKey;
import dev.lakelog.auth.Secrets;
import dev.lakelog.auth.Tenant;
import dev.lakelog.auth.Tier;
import dev.lakelog.config.LakelogConfig;
import dev.lakelog.testing.LakelogFixture;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipFile;

/**
 * Cold start of the ingest function from deployment zips, the way {@link ColdStartBenchmark} measures
 * the query function: each run is a fresh JVM with only the unpacked zip's lib/ on the class path
 * (plus the Lambda runtime's serialization library, which the local invoker needs and the slim zip no
 * longer carries: the same jar is added for every zip), LAMBDA_TASK_ROOT at the unpacked zip, answering
 * its first signed {@code POST /v1/log} against the S3 server and DynamoDB Local. The zips' runs are
 * interleaved, so both see the same machine load. Prints medians in ms.
 *
 * <p>{@code -Dsnapstart=true} adds, for each zip and interleaved with its fresh runs, a run with
 * {@code LocalInvoker --snapstart} (init, the before-checkpoint hook, the after-restore hook, then the
 * request) and prints the time from the after-restore hook to the answer: the restore side of a
 * SnapStart cold start that is the function's own (docs/benchmarks.md).
 *
 * <pre>
 * mvn -q -B -pl lambda-package -am package -DskipTests
 * cd functions && mvn -q test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=dev.lakelog.bench.IngestColdStartBenchmark \
 *     -Dzips=/path/to/old-lakelog-lambda-x86_64.zip,../lambda-package/target/lakelog-lambda-ingest.zip
 * </pre>
 */
public final class IngestColdStartBenchmark {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int RUNS = Integer.getInteger("runs", 7);
    private static final boolean SNAPSTART = Boolean.getBoolean("snapstart");

    public static void main(String[] args) {
        try {
            measure();
        } catch (Throwable e) {
            e.printStackTrace();
            System.exit(1);
        }
    }

    private static void measure() throws Exception {
        List<Path> zips = new ArrayList<>();
        for (String z : System.getProperty("zips", "../lambda-package/target/lakelog-lambda-x86_64.zip,../lambda-package/target/lakelog-lambda-ingest.zip").split(",")) {
            Path p = Path.of(z).toAbsolutePath().normalize();
            if (!Files.isRegularFile(p)) {
                System.err.println("missing " + p + "; build it first: mvn -q -B -pl lambda-package -am package -DskipTests");
                System.exit(1);
            }
            zips.add(p);
        }
        Path serialization = Path.of(com.amazonaws.services.lambda.runtime.serialization.events.LambdaEventSerializers.class
                .getProtectionDomain().getCodeSource().getLocation().toURI());

        Map<String, String> env = new HashMap<>(LakelogFixture.awsEnv(Map.of()));
        env.remove("LAKELOG_DUCKDB_EXTENSION_DIR");
        for (String k : List.of("LAKELOG_PG_HOST", "LAKELOG_PG_PORT", "LAKELOG_PG_DATABASE", "LAKELOG_PG_USER", "LAKELOG_PG_PASSWORD")) env.remove(k);
        env.put("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "1024");
        env.put("AWS_LAMBDA_FUNCTION_NAME", "lakelog-ingest-bench"); // as in Lambda: EMF metrics, no Prometheus
        String keyId = "kcold";
        String secret = Secrets.newHmacSecret();
        try (Lakelog app = Lakelog.start(LakelogConfig.from(env), Clock.systemUTC())) {
            app.tenants().createTenant(new Tenant("cold", Tier.PAID));
            app.tenants().addHmacKey(new HmacKey(keyId, "cold", secret, true));
        }

        Map<Path, Path> tasks = new LinkedHashMap<>();
        for (Path zip : zips) {
            Path task = Files.createTempDirectory("lakelog-task-");
            unzip(zip, task);
            tasks.put(zip, task);
        }
        Map<Path, List<long[]>> rows = new LinkedHashMap<>();
        Map<Path, List<long[]>> snapRows = new LinkedHashMap<>();
        for (Path zip : zips) {
            run(tasks.get(zip), serialization, env, keyId, secret, false); // warm the page cache (excluded)
            rows.put(zip, new ArrayList<>());
            snapRows.put(zip, new ArrayList<>());
        }
        for (int i = 0; i < RUNS; i++) {
            for (Path zip : zips) {
                rows.get(zip).add(run(tasks.get(zip), serialization, env, keyId, secret, false));
                if (SNAPSTART) snapRows.get(zip).add(run(tasks.get(zip), serialization, env, keyId, secret, true));
            }
        }
        System.out.printf("%nCold start of IngestHandler, first signed POST /v1/log (%d runs each, interleaved, medians, ms)%n", RUNS);
        System.out.printf("%-34s %10s %7s %7s %7s %7s%n", "zip", "unzipped", "jvm", "init", "invoke", "total");
        for (Path zip : zips) {
            long[] med = new long[4];
            for (int c = 0; c < 4; c++) {
                final int col = c;
                med[c] = rows.get(zip).stream().mapToLong(r -> r[col]).sorted().toArray()[RUNS / 2];
            }
            long size;
            try (var s = Files.walk(tasks.get(zip))) {
                size = s.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
            }
            System.out.printf("%-34s %8.1f MB %7d %7d %7d %7d%n", zip.getFileName(), size / 1048576.0, med[0], med[1], med[2], med[3]);
        }
        if (SNAPSTART) {
            System.out.printf("%nSnapStart restore side: after-restore hook to the answer, same runs interleaved (medians, ms)%n");
            System.out.printf("%-34s %12s %14s%n", "zip", "ckpt hook", "restore→answer");
            for (Path zip : zips) {
                long ckpt = snapRows.get(zip).stream().mapToLong(r -> r[4]).sorted().toArray()[RUNS / 2];
                long restored = snapRows.get(zip).stream().mapToLong(r -> r[5]).sorted().toArray()[RUNS / 2];
                System.out.printf("%-34s %12d %14d%n", zip.getFileName(), ckpt, restored);
            }
        }
        System.exit(0);
    }

    private static long[] run(Path task, Path serialization, Map<String, String> env, String keyId, String secret, boolean snapStart)
            throws IOException, InterruptedException {
        String body = "{\"timestamp\":\"" + Instant.now() + "\",\"event_type\":\"COLD\",\"outcome\":\"SUCCESS\",\"severity\":\"INFO\",\"message\":\"m\"}";
        ObjectNode event = JSON.createObjectNode().put("httpMethod", "POST").put("path", "/v1/log").put("body", body);
        event.putObject("headers").put("Content-Type", "application/json").put("X-Key-Id", keyId)
                .put("X-Signature", Authenticator.signatureHeader(secret, Instant.now().getEpochSecond(), body.getBytes(StandardCharsets.UTF_8)));
        Path eventFile = Files.createTempFile(task, "event", ".json");
        Files.writeString(eventFile, event.toString());
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.add("-cp");
        cmd.add(task.resolve("lib") + "/*:" + serialization);
        cmd.add("dev.lakelog.handler.LocalInvoker");
        cmd.add("IngestHandler");
        cmd.add(eventFile.toString());
        cmd.add("--timings");
        if (snapStart) cmd.add("--snapstart");
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().clear();
        pb.environment().put("PATH", System.getenv("PATH"));
        pb.environment().putAll(env);
        pb.environment().put("LAMBDA_TASK_ROOT", task.toString());
        Path out = Files.createTempFile("cold-out", ".txt");
        Path err = Files.createTempFile("cold-err", ".txt");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        long spawnedAt = System.currentTimeMillis();
        int code = pb.start().waitFor();
        String stdout = Files.readString(out, StandardCharsets.UTF_8);
        String stderr = Files.readString(err, StandardCharsets.UTF_8);
        JsonNode resp = null; // EMF metric lines share stdout with the answer
        for (String line : stdout.split("\n")) {
            if (code == 0 && line.contains("\"statusCode\"")) resp = JSON.readTree(line);
        }
        if (resp == null || resp.path("statusCode").asInt() / 100 != 2) {
            throw new IllegalStateException("run failed (exit " + code + "): " + stdout + "\n" + stderr);
        }
        JsonNode t = null;
        for (String line : stderr.split("\n")) {
            if (line.startsWith("timings ")) t = JSON.readTree(line.substring(8));
        }
        if (t == null) throw new IllegalStateException("no timings in: " + stderr);
        long jvm = t.path("main_entered_at_ms").asLong() - spawnedAt;
        long init = t.path("handler_init_ms").asLong();
        long invoke = t.path("first_invoke_ms").asLong();
        return new long[] {jvm, init, invoke, jvm + init + invoke, t.path("checkpoint_hook_ms").asLong(-1),
                t.path("restore_to_answer_ms").asLong(-1)};
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
