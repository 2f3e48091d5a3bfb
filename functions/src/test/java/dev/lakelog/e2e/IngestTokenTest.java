package dev.lakelog.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lakelog.api.ApiRequest;
import dev.lakelog.api.ApiResponse;
import dev.lakelog.auth.IngestToken;
import dev.lakelog.auth.Secrets;
import dev.lakelog.auth.Tier;
import dev.lakelog.cli.LakelogCli;
import dev.lakelog.local.LocalServer;
import dev.lakelog.rollup.RollupRequest;
import dev.lakelog.testing.LakelogFixture;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/**
 * Write-only ingest tokens: minted with {@code lakelog tenant ingest-token create}, accepted as a
 * Bearer token by the three ingest routes, refused with 401 by every other route, several at once,
 * revocable one by one, and refused when the tenant sets {@code require_signature}; on both tenant
 * stores (the local file and DynamoDB).
 */
class IngestTokenTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static String event(String message) {
        return "{\"timestamp\":\"" + Instant.now().minusSeconds(5) + "\",\"event_type\":\"shipper\",\"outcome\":\"SUCCESS\","
                + "\"severity\":\"INFO\",\"message\":\"" + message + "\"}";
    }

    private static String otlp(String message) {
        return "{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{\"timeUnixNano\":\"" + Instant.now().minusSeconds(5).toEpochMilli() + "000000\","
                + "\"body\":{\"stringValue\":\"" + message + "\"}}]}]}]}";
    }

    private static JsonNode cli(String... args) throws Exception {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int rc;
        try {
            System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
            rc = new CommandLine(new LakelogCli()).execute(args);
        } finally {
            System.setOut(old);
        }
        assertThat(rc).as(buf.toString(StandardCharsets.UTF_8)).isZero();
        return JSON.readTree(buf.toString(StandardCharsets.UTF_8));
    }

    /** What {@code curl -H 'Authorization: Bearer ...' -H 'Content-Type: ...' --data-binary ...} sends. */
    private static HttpResponse<String> curl(LocalServer server, String method, String path, String token, String contentType, String body)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.url() + path)).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + token)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (contentType != null) b.header("Content-Type", contentType);
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void curl_with_an_ingest_token_reaches_the_lake_and_the_same_token_gets_401_everywhere_else() throws Exception {
        Path dir = Files.createTempDirectory("lakelog-ingest-token-");
        String d = dir.toString();
        cli("tenant", "create", "--id", "shop", "--tier", "paid", "--data-dir", d);
        JsonNode minted = cli("tenant", "ingest-token", "create", "--id", "shop", "--name", "fluent-bit", "--data-dir", d);
        String token = minted.path("ingest_token").asText();
        assertThat(token).startsWith("lli_");
        assertThat(Files.readString(dir.resolve("tenants.json"))).as("stored hashed").doesNotContain(token).contains(Secrets.tokenHash(token));

        try (LakelogFixture fx = LakelogFixture.local(dir); LocalServer server = new LocalServer(fx.app().router(), 0)) {
            HttpResponse<String> one = curl(server, "POST", "/v1/log", token, "application/json", event("one via token"));
            assertThat(one.statusCode()).as(one.body()).isEqualTo(200);
            HttpResponse<String> batch = curl(server, "POST", "/v1/log/batch", token, "application/x-ndjson",
                    event("two via token") + "\n" + event("three via token") + "\n");
            assertThat(batch.statusCode()).as(batch.body()).isEqualTo(200);
            HttpResponse<String> logs = curl(server, "POST", "/v1/logs", token, "application/json", otlp("four via token"));
            assertThat(logs.statusCode()).as(logs.body()).isEqualTo(200);

            fx.app().rollup().rollup(new RollupRequest("test", Optional.of("shop"), Duration.ZERO, true));
            LakelogFixture.TenantCredentials reader = new LakelogFixture.TenantCredentials("shop", readToken(fx, "shop"), null, null);
            ApiResponse lake = fx.call(LakelogFixture.bearer(reader, "GET", "/v1/analytics/logs", Map.of(), null));
            List<String> messages = new ArrayList<>();
            JSON.readTree(lake.body()).path("logs").forEach(r -> messages.add(r.path("message").asText()));
            assertThat(messages).containsExactlyInAnyOrder("one via token", "two via token", "three via token", "four via token");

            HttpResponse<String> analytics = curl(server, "GET", "/v1/analytics/logs", token, null, null);
            assertThat(analytics.statusCode()).isEqualTo(401);
            assertThat(JSON.readTree(analytics.body()).path("code").asText()).isEqualTo("unauthenticated");

            // Every route that is not an ingest route refuses the ingest token.
            for (String route : fx.app().router().routes()) {
                String method = route.substring(0, route.indexOf(' '));
                String path = route.substring(route.indexOf(' ') + 1).replaceAll("\\([^)]*\\)", "x1").replace("\\", "");
                if (path.equals("/v1/log") || path.equals("/v1/log/batch") || path.equals("/v1/logs") || path.equals("/v1/metrics")) continue; // the ingest routes
                if (!path.startsWith("/v1/")) continue; // /healthz, /readyz, /metrics are not tenant routes
                HttpResponse<String> r = curl(server, method, path, token, method.equals("POST") ? "application/json" : null,
                        method.equals("POST") ? "{\"query\":\"SELECT 1\"}" : null);
                assertThat(r.statusCode()).as(route + " -> " + r.body()).isEqualTo(401);
            }
        }
    }

    /** The tenant's read token is printed only at creation; tests mint another for reading back. */
    private static String readToken(LakelogFixture fx, String tenant) {
        String t = Secrets.newToken();
        fx.app().tenants().addToken(tenant, Secrets.tokenHash(t));
        return t;
    }

    static Stream<Arguments> stores() {
        return Stream.of(Arguments.of("file", (java.util.function.Supplier<LakelogFixture>) LakelogFixture::local),
                Arguments.of("dynamodb", (java.util.function.Supplier<LakelogFixture>) LakelogFixture::aws));
    }

    private static ApiRequest withToken(String path, String token, String contentType, String body) {
        Map<String, String> h = new HashMap<>();
        h.put("Authorization", "Bearer " + token);
        h.put("Content-Type", contentType);
        return new ApiRequest("POST", path, Map.of(), h, body.getBytes(StandardCharsets.UTF_8));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("stores")
    void several_tokens_at_once_revoked_one_by_one_and_require_signature_keeps_hmac_mandatory(String store,
            java.util.function.Supplier<LakelogFixture> fixture) throws Exception {
        try (LakelogFixture fx = fixture.get()) {
            LakelogFixture.TenantCredentials acme = fx.createTenant("acme", Tier.FREE);
            var tenants = fx.app().tenants();
            String a = Secrets.newIngestToken();
            String b = Secrets.newIngestToken();
            IngestToken ta = new IngestToken(Secrets.newIngestTokenId(), "acme", "vector", Instant.parse("2026-11-30T10:00:00Z"));
            IngestToken tb = new IngestToken(Secrets.newIngestTokenId(), "acme", "syslog-ng", Instant.parse("2026-11-30T11:00:00Z"));
            tenants.addIngestToken(ta, Secrets.tokenHash(a));
            tenants.addIngestToken(tb, Secrets.tokenHash(b));
            assertThat(tenants.ingestTokensOf("acme")).containsExactly(ta, tb);
            assertThat(tenants.tenantByTokenHash(Secrets.tokenHash(a))).as("not a read token").isEmpty();

            assertThat(fx.call(withToken("/v1/log", a, "application/json", event("a"))).status()).isEqualTo(200);
            assertThat(fx.call(withToken("/v1/log", b, "application/json", event("b"))).status()).isEqualTo(200);
            ApiResponse recent = fx.call(new ApiRequest("GET", "/v1/logs/recent", Map.of(), Map.of("Authorization", "Bearer " + a), null));
            assertThat(recent.status()).as("the hot-tier read is a read route").isEqualTo(401);

            assertThat(tenants.revokeIngestToken("acme", ta.id())).isTrue();
            assertThat(tenants.revokeIngestToken("acme", ta.id())).isFalse();
            assertThat(fx.call(withToken("/v1/log", a, "application/json", event("a again"))).status()).isEqualTo(401);
            assertThat(fx.call(withToken("/v1/log", b, "application/json", event("b again"))).status()).isEqualTo(200);
            assertThat(tenants.ingestTokensOf("acme")).containsExactly(tb);

            tenants.setRequireSignature("acme", true);
            assertThat(tenants.requiresSignature("acme")).isTrue();
            ApiResponse refused = fx.call(withToken("/v1/log/batch", b, "application/json", "[" + event("b") + "]"));
            assertThat(refused.status()).isEqualTo(401);
            assertThat(JSON.readTree(refused.body()).path("detail").asText()).contains("requires HMAC-signed requests");
            ApiResponse otlpRefused = fx.call(withToken("/v1/logs", acme.token(), "application/json", otlp("x")));
            assertThat(otlpRefused.status()).as("the tenant's own Bearer token on /v1/logs too").isEqualTo(401);
            assertThat(fx.call(LakelogFixture.signedJson(acme, "/v1/log", event("signed"))).status()).isEqualTo(200);

            tenants.setRequireSignature("acme", false);
            assertThat(fx.call(withToken("/v1/log", b, "application/json", event("b once more"))).status()).isEqualTo(200);

            tenants.revokeTenant("acme");
            assertThat(tenants.ingestTokensOf("acme")).isEmpty();
            assertThat(fx.call(withToken("/v1/log", b, "application/json", event("after revoke"))).status()).isEqualTo(401);
        }
    }

    @Test
    void the_cli_lists_and_revokes_ingest_tokens_and_sets_require_signature() throws Exception {
        String d = Files.createTempDirectory("lakelog-ingest-cli-").toString();
        cli("tenant", "create", "--id", "acme", "--tier", "free", "--data-dir", d);
        JsonNode first = cli("tenant", "ingest-token", "create", "--id", "acme", "--name", "vector", "--data-dir", d);
        JsonNode second = cli("tenant", "ingest-token", "create", "--id", "acme", "--name", "fluent-bit", "--data-dir", d);
        JsonNode listed = cli("tenant", "ingest-token", "list", "--id", "acme", "--data-dir", d);
        assertThat(listed.path("ingest_tokens")).hasSize(2);
        assertThat(listed.toString()).contains(first.path("token_id").asText(), second.path("token_id").asText(), "vector", "fluent-bit")
                .doesNotContain(first.path("ingest_token").asText());
        JsonNode revoked = cli("tenant", "ingest-token", "revoke", "--id", "acme", "--token-id", first.path("token_id").asText(), "--data-dir", d);
        assertThat(revoked.path("revoked").asBoolean()).isTrue();
        assertThat(cli("tenant", "ingest-token", "list", "--id", "acme", "--data-dir", d).path("ingest_tokens")).hasSize(1);
        assertThat(cli("tenant", "set", "--id", "acme", "--require-signature", "true", "--data-dir", d).path("require_signature").asBoolean()).isTrue();
        JsonNode tenants = cli("tenant", "list", "--data-dir", d);
        assertThat(tenants.get(0).path("require_signature").asBoolean()).isTrue();
        assertThat(tenants.get(0).path("ingest_tokens").asInt()).isEqualTo(1);
    }
}
