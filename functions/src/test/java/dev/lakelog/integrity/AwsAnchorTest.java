package dev.lakelog.integrity;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lakelog.api.ApiResponse;
import dev.lakelog.auth.Tier;
import dev.lakelog.lake.CanonicalRow;
import dev.lakelog.lake.ChainAnchor;
import dev.lakelog.lake.IntegrityChain;
import dev.lakelog.lake.LakeEngine;
import dev.lakelog.lake.MuHash;
import dev.lakelog.rollup.RollupReport;
import dev.lakelog.rollup.RollupRequest;
import dev.lakelog.testing.LakelogFixture;
import dev.lakelog.testing.MotoServer;
import dev.lakelog.testing.TestServers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.kms.model.KeySpec;
import software.amazon.awssdk.services.kms.model.MessageType;
import software.amazon.awssdk.services.s3.model.ObjectLockRetentionMode;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The AWS anchor on real servers: the lake on S3 (s3proxy) + PostgreSQL + DynamoDB, the chain
 * heads in an S3 bucket under Object Lock and signed by an asymmetric KMS key, both served by
 * Moto. Every commit publishes a signed, locked head; verify checks each with the key's public key;
 * a forged signature, an overwritten head and an integrity table rewritten consistently without the
 * anchor are each named; one event's proof is checked by docs/verify-proof.py with openssl and the
 * public key as {@code aws kms get-public-key} gives it.
 */
class AwsAnchorTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String PREFIX = "chain-heads/";
    MotoServer moto;
    String anchorBucket;
    String keyId;
    LakelogFixture fx;
    LakelogFixture.TenantCredentials acme;
    LakelogFixture.TenantCredentials globex;
    String operator;

    @BeforeEach
    void start() {
        moto = TestServers.moto();
        anchorBucket = moto.newLockedBucket(ObjectLockRetentionMode.GOVERNANCE, 1);
        keyId = moto.newSigningKey(KeySpec.ECC_NIST_P256);
        fx = LakelogFixture.aws(Map.of("LAKELOG_ANCHOR_BUCKET", anchorBucket, "LAKELOG_ANCHOR_KMS_KEY_ID", keyId,
                "LAKELOG_ANCHOR_S3_ENDPOINT", moto.endpoint().toString(), "LAKELOG_KMS_ENDPOINT", moto.endpoint().toString()), Clock.systemUTC());
        acme = fx.createTenant("acme", Tier.PAID);
        globex = fx.createTenant("globex", Tier.PAID);
        operator = fx.createOperator("auditor");
        for (int round = 0; round < 2; round++) {
            for (int i = 0; i < 3; i++) {
                ingest(acme, "a-" + round + "-" + i);
                ingest(globex, "g-" + round + "-" + i);
            }
            RollupReport r = fx.app().rollup().rollup(new RollupRequest("test", Optional.empty(), Duration.ZERO, true));
            assertThat(r.errors()).isEmpty();
        }
    }

    @AfterEach
    void stop() {
        fx.close();
    }

    void ingest(LakelogFixture.TenantCredentials t, String id) {
        String json = "{\"log_id\":\"" + id + "\",\"timestamp\":\"2026-11-20T08:15:30Z\",\"event_type\":\"LOGIN\",\"outcome\":\"SUCCESS\",\"severity\":\"INFO\",\"message\":\"m\"}";
        ApiResponse r = fx.call(LakelogFixture.signedJson(t, "/v1/log", json));
        assertThat(r.status()).as(r.bodyText()).isEqualTo(200);
    }

    JsonNode verify() throws Exception {
        ApiResponse r = fx.call(LakelogFixture.operator(operator, "GET", "/v1/analytics/verify", Map.of()));
        assertThat(r.status()).as(r.bodyText()).isEqualTo(200);
        return JSON.readTree(r.bodyText());
    }

    List<S3Object> heads() {
        return moto.s3().listObjectsV2(b -> b.bucket(anchorBucket).prefix(PREFIX)).contents();
    }

    long chainHead() throws Exception {
        try (Connection c = fx.app().lake().connect()) {
            return IntegrityChain.head(c).seq();
        }
    }

    @Test
    void every_commit_publishes_a_head_signed_by_kms_and_locked_and_a_clean_lake_verifies_ok() throws Exception {
        fx.app().maintenance().compact("test");
        fx.app().maintenance().expireSnapshots("test", 0);
        long head = chainHead();
        List<S3Object> objects = heads();
        assertThat(objects).isNotEmpty();
        assertThat(objects.get(objects.size() - 1).key()).isEqualTo(PREFIX + String.format("%020d", head) + ".json");
        var meta = moto.s3().headObject(b -> b.bucket(anchorBucket).key(objects.get(0).key()));
        assertThat(meta.objectLockModeAsString()).isEqualTo("GOVERNANCE");
        assertThat(meta.objectLockRetainUntilDate()).isNotNull();

        // the stored signature is KMS's: KMS's own Verify accepts it
        JsonNode last = JSON.readTree(moto.s3().getObjectAsBytes(b -> b.bucket(anchorBucket).key(objects.get(objects.size() - 1).key())).asUtf8String());
        assertThat(last.path("algorithm").asText()).isEqualTo("ECDSA_SHA_256");
        byte[] message = ChainAnchor.message(last.path("seq").asLong(), last.path("chain_hash").asText(), last.path("at").asText())
                .getBytes(StandardCharsets.UTF_8);
        assertThat(moto.kms().verify(b -> b.keyId(keyId).message(SdkBytes.fromByteArray(message)).messageType(MessageType.RAW)
                .signingAlgorithm("ECDSA_SHA_256").signature(SdkBytes.fromByteArray(Base64.getDecoder().decode(last.path("signature").asText()))))
                .signatureValid()).isTrue();

        JsonNode v = verify();
        assertThat(v.path("problems")).as(v.toString()).isEmpty();
        assertThat(v.path("status").asText()).isEqualTo("ok");
        assertThat(v.path("notes").toString()).doesNotContain("no anchor outside the catalog").doesNotContain("not anchored yet");
        assertThat(v.path("anchor").asText()).contains("s3://" + anchorBucket + "/" + PREFIX).contains("ECDSA_SHA_256").contains("public key sha256:");
    }

    @Test
    void a_head_already_published_is_not_written_again_by_a_restart_or_another_instance() throws Exception {
        long head = chainHead();
        String name = PREFIX + String.format("%020d", head) + ".json";
        var other = new dev.lakelog.aws.KmsS3Anchor(moto.s3(), moto.kms(), anchorBucket, PREFIX, keyId);
        try (Connection c = fx.app().lake().connect()) {
            other.publish(IntegrityChain.head(c));
        }
        assertThat(moto.s3().listObjectVersions(b -> b.bucket(anchorBucket).prefix(name)).versions()).hasSize(1);
        assertThat(verify().path("status").asText()).isEqualTo("ok");
    }

    @Test
    void a_head_with_a_forged_signature_is_caught() throws Exception {
        long next = chainHead() + 1;
        // the attacker signs with a key of their own: a signature the anchor's key does not make
        String theirs = moto.newSigningKey(KeySpec.ECC_NIST_P256);
        String at = "2026-12-01T23:00:00Z";
        String hash = "ab".repeat(32);
        byte[] sig = moto.kms().sign(b -> b.keyId(theirs).messageType(MessageType.RAW).signingAlgorithm("ECDSA_SHA_256")
                .message(SdkBytes.fromUtf8String(ChainAnchor.message(next, hash, at)))).signature().asByteArray();
        String forged = JSON.createObjectNode().put("v", 1).put("seq", next).put("chain_hash", hash).put("at", at).put("key_id", keyId)
                .put("algorithm", "ECDSA_SHA_256").put("signature", Base64.getEncoder().encodeToString(sig)).toString();
        String name = PREFIX + String.format("%020d", next) + ".json";
        moto.s3().putObject(b -> b.bucket(anchorBucket).key(name), RequestBody.fromString(forged));
        JsonNode v = verify();
        assertThat(v.path("status").asText()).isEqualTo("broken");
        assertThat(v.path("first_broken").asText()).contains("signature of anchor object " + name).contains("does not verify");
    }

    @Test
    void an_overwritten_head_is_caught_and_its_first_locked_version_is_the_one_checked() throws Exception {
        S3Object first = heads().get(0);
        JsonNode original = JSON.readTree(moto.s3().getObjectAsBytes(b -> b.bucket(anchorBucket).key(first.key())).asUtf8String());
        ObjectNode replaced = ((ObjectNode) original.deepCopy()).put("chain_hash", "cd".repeat(32));
        moto.s3().putObject(b -> b.bucket(anchorBucket).key(first.key()), RequestBody.fromString(replaced.toString()));
        JsonNode v = verify();
        assertThat(v.path("status").asText()).isEqualTo("broken");
        assertThat(v.path("problems").toString()).contains("anchor object " + first.key() + " was overwritten: it has 2 versions");
        assertThat(v.path("problems").toString()).doesNotContain("does not verify");
    }

    /**
     * The attacker deletes a row, then rewrites the integrity table so that it agrees with the
     * tampered lake (the tenant's live digest and every chain hash): only the anchor tells.
     */
    @Test
    void an_integrity_table_rewritten_consistently_is_caught_by_the_kms_signed_anchor() throws Exception {
        try (Connection c = fx.app().lake().connect(); Statement st = c.createStatement()) {
            st.execute("DELETE FROM lake.main.logs WHERE log_id = 'g-1-2'");
        }
        rewriteChainToMatchTheLake("globex");
        JsonNode v = verify();
        assertThat(v.path("problems").toString()).doesNotContain("behind lakelog's back");
        assertThat(v.path("status").asText()).isEqualTo("broken");
        assertThat(v.path("first_broken").asText()).contains("differs from the head the anchor signed").contains("rewritten");
    }

    @Test
    void one_events_proof_is_checked_by_the_documented_script_with_the_kms_public_key() throws Exception {
        ApiResponse r = fx.call(LakelogFixture.bearer(acme, "GET", "/v1/analytics/logs/a-1-1/proof", Map.of(), null));
        assertThat(r.status()).as(r.bodyText()).isEqualTo(200);
        JsonNode proof = JSON.readTree(r.bodyText());
        assertThat(proof.path("anchor").path("algorithm").asText()).isEqualTo("ECDSA_SHA_256");
        Path file = Files.createTempFile("proof", ".json");
        Files.writeString(file, r.bodyText());
        // the auditor's own copy of the key: `aws kms get-public-key --query PublicKey --output text`
        Path pub = Files.createTempFile("anchor-kms", ".pub");
        Files.writeString(pub, Base64.getEncoder().encodeToString(moto.kms().getPublicKey(b -> b.keyId(keyId)).publicKey().asByteArray()));
        String[] ok = script(file, pub);
        assertThat(ok[0]).as(ok[1]).isEqualTo("0");
        assertThat(ok[1]).contains("ECDSA_SHA_256 over the head verified by openssl").contains("OK: event a-1-1 of tenant acme");

        // a proof whose anchor signature was made by another key is refused at step 4
        String theirs = moto.newSigningKey(KeySpec.ECC_NIST_P256);
        byte[] sig = moto.kms().sign(b -> b.keyId(theirs).messageType(MessageType.RAW).signingAlgorithm("ECDSA_SHA_256")
                .message(SdkBytes.fromUtf8String(proof.path("anchor").path("message").asText()))).signature().asByteArray();
        ObjectNode forged = (ObjectNode) proof.deepCopy();
        ((ObjectNode) forged.path("anchor")).put("signature", Base64.getEncoder().encodeToString(sig));
        Files.writeString(file, forged.toString());
        String[] refused = script(file, pub);
        assertThat(refused[0]).isEqualTo("1");
        assertThat(refused[1]).contains("FAILED at 4 signature");
    }

    String[] script(Path proof, Path pub) throws Exception {
        Path repo = Path.of("").toAbsolutePath();
        Path script = repo.resolve("../docs/verify-proof.py").normalize();
        if (!Files.exists(script)) script = repo.resolve("docs/verify-proof.py");
        Process p = new ProcessBuilder("python3", script.toString(), proof.toString(), "--public-key", pub.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new String[] {Integer.toString(p.exitValue()), out};
    }

    /** Recomputes the last entry's state for {@code tenant} from the lake as it is, then every chain hash. */
    private void rewriteChainToMatchTheLake(String tenant) throws Exception {
        dev.lakelog.lake.ChainTampering.rewriteChainToMatchTheLake(fx.app().lake(), tenant);
    }
}
