package dev.lakelog.integrity;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lakelog.api.ApiResponse;
import dev.lakelog.auth.Tier;
import dev.lakelog.rollup.RollupReport;
import dev.lakelog.rollup.RollupRequest;
import dev.lakelog.testing.LakelogFixture;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * One event's proof, checked by the documented script ({@code docs/verify-proof.py}: python3 and
 * openssl) with the anchor's public key from the data directory, after rollups and a compaction
 * moved the event into a merged file; a proof with one changed field is refused by the script.
 */
class ProofScriptTest {
    static final ObjectMapper JSON = new ObjectMapper();
    LakelogFixture fx;
    LakelogFixture.TenantCredentials acme;

    @BeforeEach
    void start() {
        fx = LakelogFixture.local();
        acme = fx.createTenant("acme", Tier.PAID);
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < 5; i++) {
                String json = "{\"log_id\":\"e-" + round + "-" + i + "\",\"timestamp\":\"2026-11-20T08:15:30.123456Z\",\"event_type\":\"RECORD_VIEW\","
                        + "\"outcome\":\"SUCCESS\",\"severity\":\"NOTICE\",\"message\":\"Dossier consulté 🩺\",\"payload\":{\"n\":" + i + "},"
                        + "\"policy_tags\":[\"hipaa\"],\"retention_until\":\"2033-11-20T00:00:00Z\"}";
                ApiResponse r = fx.call(LakelogFixture.signedJson(acme, "/v1/log", json));
                assertThat(r.status()).as(r.bodyText()).isEqualTo(200);
            }
            RollupReport rep = fx.app().rollup().rollup(new RollupRequest("test", Optional.empty(), Duration.ZERO, true));
            assertThat(rep.errors()).isEmpty();
        }
        fx.app().maintenance().compact("test");
    }

    @AfterEach
    void stop() {
        fx.close();
    }

    record Run(int exit, String output) {}

    Run script(Path proof) throws Exception {
        Path repo = Path.of("").toAbsolutePath();
        Path script = repo.resolve("../docs/verify-proof.py").normalize();
        if (!Files.exists(script)) script = repo.resolve("docs/verify-proof.py");
        Path pub = Path.of(fx.env().get("LAKELOG_DATA_DIR")).resolve("integrity").resolve("anchor-ed25519.pub");
        Process p = new ProcessBuilder("python3", script.toString(), proof.toString(), "--public-key", pub.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Run(p.exitValue(), out);
    }

    @Test
    void the_documented_script_checks_a_proof_of_one_event_after_compaction() throws Exception {
        ApiResponse r = fx.call(LakelogFixture.bearer(acme, "GET", "/v1/analytics/logs/e-1-3/proof", Map.of(), null));
        assertThat(r.status()).as(r.bodyText()).isEqualTo(200);
        Path proof = Files.createTempFile("proof", ".json");
        Files.writeString(proof, r.bodyText());
        Run ok = script(proof);
        assertThat(ok.exit()).as(ok.output()).isZero();
        assertThat(ok.output()).contains("OK: event e-1-3 of tenant acme");
        assertThat(JSON.readTree(r.bodyText()).path("entries").get(0).path("entry").asText()).contains("\"kind\":\"compaction\"");

        ObjectNode forged = (ObjectNode) JSON.readTree(r.bodyText());
        ((ObjectNode) forged.path("row")).put("message", "nothing to see here");
        Files.writeString(proof, forged.toString());
        Run refused = script(proof);
        assertThat(refused.exit()).isEqualTo(1);
        assertThat(refused.output()).contains("FAILED at 1 row hash");
    }

    @Test
    void an_unknown_event_is_404_and_another_tenants_event_is_not_found_either() {
        LakelogFixture.TenantCredentials other = fx.createTenant("globex", Tier.PAID);
        ApiResponse r = fx.call(LakelogFixture.bearer(other, "GET", "/v1/analytics/logs/e-1-3/proof", Map.of(), null));
        assertThat(r.status()).isEqualTo(404);
        assertThat(r.bodyText()).contains("event_not_found");
    }
}
