package dev.lakelog.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lakelog.Lakelog;
import dev.lakelog.api.ApiRequest;
import dev.lakelog.api.ApiResponse;
import dev.lakelog.auth.Authenticator;
import dev.lakelog.auth.HmacKey;
import dev.lakelog.auth.Secrets;
import dev.lakelog.auth.Tier;
import dev.lakelog.config.LakelogConfig;
import dev.lakelog.testing.LakelogFixture;
import dev.lakelog.testing.TestDuckDb;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Tenants and keys: the CLI on the local store, two-key rotation on DynamoDB, uniform 401s. */
class TenantKeysTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static String event() {
        return "{\"timestamp\":\"" + Instant.now().minusSeconds(5) + "\",\"event_type\":\"E\",\"outcome\":\"SUCCESS\",\"severity\":\"INFO\",\"message\":\"m\"}";
    }

    private static ApiRequest signedWith(String keyId, String secret, long t, String body) {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        return new ApiRequest("POST", "/v1/log", Map.of(), Map.of("Content-Type", "application/json", "X-Key-Id", keyId,
                "X-Signature", Authenticator.signatureHeader(secret, t, b)), b);
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

    @Test
    void the_tenant_cli_creates_lists_rotates_and_revokes_on_the_local_store() throws Exception {
        Path dir = Files.createTempDirectory("lakelog-cli-");
        String d = dir.toString();
        JsonNode created = cli("tenant", "create", "--id", "acme", "--tier", "paid", "--data-dir", d);
        assertThat(created.path("tenant_id").asText()).isEqualTo("acme");
        String token = created.path("token").asText();
        String key1 = created.path("key_id").asText();
        String secret1 = created.path("hmac_secret").asText();
        assertThat(token).startsWith("llt_");
        assertThat(Files.readString(dir.resolve("tenants.json"))).doesNotContain(token).contains(Secrets.tokenHash(token));

        JsonNode rotated = cli("tenant", "rotate-key", "--id", "acme", "--data-dir", d);
        String key2 = rotated.path("key_id").asText();
        String secret2 = rotated.path("hmac_secret").asText();
        JsonNode listed = cli("tenant", "list", "--data-dir", d);
        assertThat(listed.get(0).path("keys").findValuesAsText("key_id")).containsExactlyInAnyOrder(key1, key2);
        assertThat(listed.toString()).doesNotContain(secret1, secret2, token);

        Map<String, String> env = new HashMap<>();
        env.put("LAKELOG_DATA_DIR", d);
        env.put("LAKELOG_DUCKDB_EXTENSION_DIR", TestDuckDb.extensionDirectory().toString());
        try (Lakelog app = Lakelog.start(LakelogConfig.from(env))) {
            long now = Instant.now().getEpochSecond();
            assertThat(app.router().handle(signedWith(key1, secret1, now, event())).status()).isEqualTo(200);
            assertThat(app.router().handle(signedWith(key2, secret2, now, event())).status()).isEqualTo(200);
        }
        cli("tenant", "rotate-key", "--id", "acme", "--retire", key1, "--data-dir", d);
        cli("tenant", "revoke", "--id", "acme", "--data-dir", d);
        try (Lakelog app = Lakelog.start(LakelogConfig.from(env))) {
            long now = Instant.now().getEpochSecond();
            assertThat(app.router().handle(signedWith(key2, secret2, now, event())).status()).isEqualTo(401);
            assertThat(app.tenants().tenants()).isEmpty();
        }
    }

    @Test
    void two_active_keys_both_sign_and_a_retired_key_gets_401_on_dynamodb() {
        try (LakelogFixture fx = LakelogFixture.aws()) {
            var acme = fx.createTenant("acme", Tier.FREE);
            HmacKey second = new HmacKey(Secrets.newKeyId(), "acme", Secrets.newHmacSecret(), true);
            fx.app().tenants().addHmacKey(second);
            long now = Instant.now().getEpochSecond();
            assertThat(fx.call(signedWith(acme.keyId(), acme.hmacSecret(), now, event())).status()).isEqualTo(200);
            assertThat(fx.call(signedWith(second.keyId(), second.secret(), now, event())).status()).isEqualTo(200);
            fx.app().tenants().deactivateKey(acme.keyId());
            assertThat(fx.call(signedWith(acme.keyId(), acme.hmacSecret(), now, event())).status()).isEqualTo(401);
            assertThat(fx.call(signedWith(second.keyId(), second.secret(), now, event())).status()).isEqualTo(200);
            assertThat(fx.app().tenants().keysOf("acme")).extracting(HmacKey::active).containsExactlyInAnyOrder(false, true);
            fx.app().tenants().revokeTenant("acme");
            assertThat(fx.call(signedWith(second.keyId(), second.secret(), now, event())).status()).isEqualTo(401);
            assertThat(fx.call(LakelogFixture.bearer(acme, "GET", "/v1/logs/recent", Map.of(), null)).status()).isEqualTo(401);
        }
    }

    @Test
    void every_kind_of_bad_signature_gets_the_same_401_detail() throws Exception {
        try (LakelogFixture fx = LakelogFixture.aws()) {
            var acme = fx.createTenant("acme", Tier.FREE);
            long now = Instant.now().getEpochSecond();
            String body = event();
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            ApiResponse wrongKeyId = fx.call(signedWith("k_doesnotexist", acme.hmacSecret(), now, body));
            ApiResponse wrongSecret = fx.call(signedWith(acme.keyId(), "lls_wrong", now, body));
            ApiResponse stale = fx.call(signedWith(acme.keyId(), acme.hmacSecret(), now - 3600, body));
            ApiResponse malformed = fx.call(new ApiRequest("POST", "/v1/log", Map.of(), Map.of("Content-Type", "application/json",
                    "X-Key-Id", acme.keyId(), "X-Signature", "garbage"), b));
            ApiResponse missing = fx.call(new ApiRequest("POST", "/v1/log", Map.of(), Map.of("Content-Type", "application/json"), b));
            for (ApiResponse r : new ApiResponse[] {wrongKeyId, wrongSecret, stale, malformed, missing}) {
                assertThat(r.status()).isEqualTo(401);
                assertThat(r.bodyText()).isEqualTo(wrongKeyId.bodyText());
            }
            assertThat(JSON.readTree(wrongKeyId.body()).path("detail").asText()).isEqualTo("invalid or missing request signature");
        }
    }
}
