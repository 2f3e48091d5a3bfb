package dev.lakelog.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code lakelog demo}: starts the local server, sends sample events over HTTP with real HMAC
 * signatures, rolls them up, prints a query result, then keeps serving and says how to send
 * your own events with curl.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Serve locally, ingest sample events, roll them up, query them, then keep serving.")
final class DemoCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--port", defaultValue = "8080", description = "port on 127.0.0.1 (default: ${DEFAULT-VALUE})")
    int port;

    @Option(names = "--data-dir", defaultValue = "./data", description = "data directory (default: ${DEFAULT-VALUE})")
    java.nio.file.Path dataDir;

    @Option(names = "--exit", description = "stop after the demo instead of serving on")
    boolean exit;

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

        ArrayNode batch = JSON.createArrayNode();
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        String[][] samples = {
                {"AUTH_LOGIN", "SUCCESS", "INFO", "alice@example.com", "auth-service", "User logged in"},
                {"AUTH_LOGIN", "FAILURE", "WARNING", "bob@example.com", "auth-service", "Wrong password"},
                {"RECORD_EXPORT", "SUCCESS", "NOTICE", "carol@example.com", "records-api", "Exported 120 records to CSV"},
                {"CONFIG_CHANGE", "SUCCESS", "CRITICAL", "admin@example.com", "admin-console", "Retention policy changed to 400 days"},
        };
        for (int i = 0; i < samples.length; i++) {
            String[] s = samples[i];
            ObjectNode e = batch.addObject();
            e.put("timestamp", now.minusSeconds(60L * (samples.length - i)).toString());
            e.put("event_type", s[0]).put("outcome", s[1]).put("severity", s[2]).put("actor_id", s[3])
                    .put("component", s[4]).put("environment", "demo").put("message", s[5]).put("sensitivity", "INTERNAL");
            e.putObject("payload").put("demo", true).put("sequence", i);
            e.putArray("policy_tags").add("soc2");
        }
        byte[] body = JSON.writeValueAsBytes(batch);
        long t = Instant.now().getEpochSecond();
        HttpResponse<String> ingest = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/log/batch"))
                .header("Content-Type", "application/json").header("X-Key-Id", "dev")
                .header("X-Signature", Authenticator.signatureHeader(secret, t, body))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
        System.out.println("\nPOST /v1/log/batch -> " + ingest.statusCode() + " " + ingest.body());
        HttpResponse<String> rollup = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/analytics/rollup?delete_after_rollup=true"))
                .header("Authorization", "Bearer " + token).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        System.out.println("POST /v1/analytics/rollup -> " + rollup.statusCode() + " " + rollup.body());
        HttpResponse<String> logs = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/analytics/logs?limit=10&since=" + now.minusSeconds(3600)))
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
            return ingest.statusCode() == 200 && rollup.statusCode() == 200 && logs.statusCode() == 200 ? 0 : 1;
        }
        System.out.println("\nServing on " + base + "; Ctrl-C stops.");
        System.out.flush();
        r.awaitShutdown();
        return 0;
    }
}
