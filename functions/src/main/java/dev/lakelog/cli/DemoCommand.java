package dev.lakelog.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lakelog.auth.Authenticator;
import dev.lakelog.auth.Secrets;
import dev.lakelog.config.LakelogConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import dev.lakelog.generate.BatchSender;
import dev.lakelog.generate.EventGenerator;
import dev.lakelog.generate.Progress;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code lakelog demo}: starts the local server, sends a week of generated events
 * ({@link EventGenerator}) over HTTP with real HMAC signatures, rolls them up in two commits (so
 * there is an older snapshot to travel back to), prints a query result, then keeps serving (with a
 * trickle of fresh events for the console's live tail) and says how to open the console and how to
 * send your own events with curl.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Serve locally, ingest a week of generated events, roll them up, query them, then keep serving (open the console at /).")
final class DemoCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--port", defaultValue = "8080", description = "port on 127.0.0.1 (default: ${DEFAULT-VALUE})")
    int port;

    @Option(names = "--data-dir", defaultValue = "./data", description = "data directory (default: ${DEFAULT-VALUE})")
    java.nio.file.Path dataDir;

    @Option(names = "--exit", description = "stop after the demo instead of serving on")
    boolean exit;

    @Option(names = "--events", defaultValue = "30000", description = "generated events (default: ${DEFAULT-VALUE})")
    long events;

    @Option(names = "--days", defaultValue = "7", description = "days of generated history (default: ${DEFAULT-VALUE})")
    int days;

    @Option(names = "--seed", defaultValue = "42", description = "generator seed (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--no-trickle", description = "do not send a few fresh events every few seconds while serving (they feed the console's live tail)")
    boolean noTrickle;

    private static long rowCount(HttpClient http, String base, String token) throws java.io.IOException, InterruptedException {
        HttpResponse<String> info = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/analytics/info"))
                .header("Authorization", "Bearer " + token).GET().build(), HttpResponse.BodyHandlers.ofString());
        return info.statusCode() == 200 ? JSON.readTree(info.body()).path("row_count").asLong() : 0;
    }

    private static HttpResponse<String> rollup(HttpClient http, String base, String token) throws java.io.IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(base + "/v1/analytics/rollup?delete_after_rollup=true"))
                .header("Authorization", "Bearer " + token).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** A daemon thread sending one to three fresh events every two to six seconds (the live tail has something to show). */
    private void startTrickle(String base, String secret) {
        EventGenerator live = new EventGenerator(new EventGenerator.Spec(seed + 1, 0, 1, 1, Instant.now()));
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed + 2);
        Thread t = new Thread(() -> {
            try (BatchSender s = new BatchSender(URI.create(base), "dev", secret)) {
                while (!Thread.currentThread().isInterrupted()) {
                    Thread.sleep(2000 + r.nextInt(4000));
                    int n = 1 + r.nextInt(3);
                    for (int i = 0; i < n; i++) s.add(live.eventAt(0, Instant.now()));
                    s.flush();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Exception e) {
                System.err.println("lakelog demo: the live trickle stopped: " + e.getMessage());
            }
        }, "lakelog-demo-trickle");
        t.setDaemon(true);
        t.start();
    }

    @Override
    public Integer call() throws Exception {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.remove("LAKELOG_BUCKET");
        env.put("LAKELOG_DATA_DIR", dataDir.toAbsolutePath().normalize().toString());
        String token = env.computeIfAbsent("LAKELOG_DEV_TOKEN", k -> Secrets.newToken());
        String secret = env.computeIfAbsent("LAKELOG_DEV_HMAC_SECRET", k -> Secrets.newHmacSecret());
        env.computeIfAbsent("LAKELOG_DEV_OPERATOR_TOKEN", k -> Secrets.newOperatorToken());
        LakelogConfig config = LakelogConfig.from(env);
        ServeCommand.Running r = ServeCommand.start(config, port, 60);
        String base = r.server.url();
        System.out.println("lakelog listening on " + base + " (data: " + config.dataDir().orElseThrow() + ")");
        HttpClient http = HttpClient.newHttpClient();

        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        long existing = rowCount(http, base, token);
        HttpResponse<String> rollup = null;
        if (existing > 0) {
            System.out.println("\nThe lake already holds " + existing + " rows of tenant dev; not generating again (--data-dir elsewhere for a fresh demo).");
        } else {
            // a week of generated events: the first six days in one rollup, the last day in a second,
            // so the console's snapshot timeline has an older snapshot to travel back to
            System.out.println("\nGenerating " + events + " events over " + days + " days (seed " + seed + ") and sending them as signed batches...");
            Instant cutoff = now.minus(java.time.Duration.ofDays(1));
            Progress progress = new Progress(System.out, events, "events", System.console() != null);
            long[] done = {0};
            boolean[] firstRolled = {false};
            BatchSender sender = new BatchSender(URI.create(base), "dev", secret);
            HttpResponse<String>[] first = new HttpResponse[1];
            new EventGenerator(new EventGenerator.Spec(seed, events, days, 1, now)).generate((t, e) -> {
                try {
                    if (!firstRolled[0] && Instant.parse(e.path("timestamp").asText()).isAfter(cutoff)) {
                        sender.flush();
                        first[0] = rollup(http, base, token);
                        firstRolled[0] = true;
                    }
                    sender.add(e);
                } catch (java.io.IOException ex) {
                    throw new java.io.UncheckedIOException(ex);
                } catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(ex);
                }
                progress.update(++done[0]);
            });
            sender.close();
            progress.finish(done[0]);
            if (first[0] != null) System.out.println("POST /v1/analytics/rollup (events before " + cutoff + ") -> " + first[0].statusCode() + " " + first[0].body());
            rollup = rollup(http, base, token);
            System.out.println("POST /v1/analytics/rollup (the last day) -> " + rollup.statusCode() + " " + rollup.body());
        }
        HttpResponse<String> logs = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/analytics/logs?limit=10&order=desc&since=" + now.minusSeconds(3600)))
                .header("Authorization", "Bearer " + token).GET().build(), HttpResponse.BodyHandlers.ofString());
        JsonNode result = JSON.readTree(logs.body());
        System.out.println("GET /v1/analytics/logs -> " + logs.statusCode() + ", " + result.path("count").asInt() + " rows:");
        for (JsonNode row : result.path("logs")) {
            System.out.printf("  %s  %-8s %-13s %-8s %-18s %s%n", row.path("timestamp").asText(), row.path("severity").asText(),
                    row.path("event_type").asText(), row.path("outcome").asText(), row.path("actor_id").asText(),
                    row.path("message").asText());
        }
        System.out.println();
        System.out.println("Send your own event (bash + openssl):");
        System.out.println("  export LAKELOG_URL=" + base + " LAKELOG_DEV_TOKEN=" + token + " LAKELOG_DEV_HMAC_SECRET=" + secret);
        System.out.println("  body='{\"timestamp\":\"'$(date -u +%Y-%m-%dT%H:%M:%SZ)'\",\"event_type\":\"HELLO\",\"outcome\":\"SUCCESS\",\"severity\":\"INFO\",\"message\":\"hi\"}'");
        System.out.println("  t=$(date +%s); sig=$(printf '%s' \"$t.$body\" | openssl dgst -sha256 -hmac \"$LAKELOG_DEV_HMAC_SECRET\" | sed 's/^.* //')");
        System.out.println("  curl -s -X POST $LAKELOG_URL/v1/log -H 'Content-Type: application/json' -H 'X-Key-Id: dev' -H \"X-Signature: t=$t,v1=$sig\" -d \"$body\"");
        System.out.println("  curl -s -X POST \"$LAKELOG_URL/v1/analytics/rollup\" -H \"Authorization: Bearer $LAKELOG_DEV_TOKEN\"");
        System.out.println("  curl -s \"$LAKELOG_URL/v1/analytics/logs?event_type=HELLO\" -H \"Authorization: Bearer $LAKELOG_DEV_TOKEN\"");
        if (exit) {
            r.stop();
            return (rollup == null || rollup.statusCode() == 200) && logs.statusCode() == 200 ? 0 : 1;
        }
        if (!noTrickle) startTrickle(base, secret);
        System.out.println("\nConsole: open " + base + "/ and sign in with the token " + token);
        System.out.println("Serving on " + base + (!noTrickle ? " (a few fresh events every few seconds, for the live tail)" : "") + "; Ctrl-C stops.");
        System.out.flush();
        r.awaitShutdown();
        return 0;
    }
}
