package dev.lakelog.ingest;

import static dev.lakelog.ingest.IngestTestSupport.batch;
import static dev.lakelog.ingest.IngestTestSupport.event;
import static dev.lakelog.ingest.IngestTestSupport.objects;
import static dev.lakelog.ingest.IngestTestSupport.withHeader;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lakelog.api.ApiResponse;
import dev.lakelog.auth.Tier;
import dev.lakelog.aws.DynamoIdempotencyStore;
import dev.lakelog.idempotency.IdempotencyStore;
import dev.lakelog.testing.LakelogFixture;
import dev.lakelog.testing.S3Faults;
import dev.lakelog.testing.TestServers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@code Idempotency-Key} on DynamoDB Local (AWS shape) and on the file store (local mode). */
class IdempotencyTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @AfterEach
    void clearFaults() {
        TestServers.s3().faults().clear();
    }

    private static ApiResponse post(LakelogFixture fx, LakelogFixture.TenantCredentials t, String path, String body, String key) {
        return fx.call(withHeader(IngestTestSupport.signed(t, path, "application/json", body), "Idempotency-Key", key));
    }

    @Test
    void a_retry_with_the_same_key_and_body_gets_the_first_answer_and_writes_nothing_on_dynamodb() throws Exception {
        try (LakelogFixture fx = LakelogFixture.aws()) {
            var acme = fx.createTenant("acme", Tier.FREE);
            String body = batch(3, "x");
            ApiResponse first = post(fx, acme, "/v1/log/batch", body, "order-17");
            assertThat(first.status()).as(first.bodyText()).isEqualTo(200);
            List<String> after = objects(fx);
            assertThat(after).hasSize(1);

            ApiResponse again = post(fx, acme, "/v1/log/batch", body, "order-17");
            assertThat(again.status()).isEqualTo(200);
            assertThat(again.bodyText()).isEqualTo(first.bodyText());
            assertThat(again.headers()).containsEntry("Idempotent-Replayed", "true");
            assertThat(objects(fx)).isEqualTo(after);

            ApiResponse other = post(fx, acme, "/v1/log/batch", batch(4, "x"), "order-17");
            assertThat(other.status()).isEqualTo(409);
            assertThat(JSON.readTree(other.body()).path("detail").asText()).contains("different request");
            assertThat(objects(fx)).isEqualTo(after);

            // The same key on another route is another request too.
            assertThat(post(fx, acme, "/v1/log", event("x0"), "order-17").status()).isEqualTo(409);
            // Keys are per tenant: another tenant may use the same key.
            var globex = fx.createTenant("globex", Tier.FREE);
            assertThat(post(fx, globex, "/v1/log/batch", body, "order-17").status()).isEqualTo(200);
            assertThat(objects(fx)).hasSize(2);
        }
    }

    @Test
    void a_request_that_failed_in_s3_leaves_no_record_so_its_retry_is_written() throws Exception {
        try (LakelogFixture fx = LakelogFixture.aws()) {
            var acme = fx.createTenant("acme", Tier.FREE);
            TestServers.s3().faults().failWhen(c -> c.op() == S3Faults.Op.PUT && c.bucket().equals(fx.bucket()));
            String body = event("r1");
            ApiResponse failed = post(fx, acme, "/v1/log", body, "retry-me");
            assertThat(failed.status()).isEqualTo(503);
            assertThat(failed.headers()).containsKey("Retry-After");
            TestServers.s3().faults().clear();

            ApiResponse retry = post(fx, acme, "/v1/log", body, "retry-me");
            assertThat(retry.status()).as(retry.bodyText()).isEqualTo(200);
            assertThat(retry.headers()).doesNotContainKey("Idempotent-Replayed");
            assertThat(objects(fx)).hasSize(1);
        }
    }

    @Test
    void a_rejected_request_leaves_no_record_either() {
        try (LakelogFixture fx = LakelogFixture.aws()) {
            var acme = fx.createTenant("acme", Tier.FREE);
            assertThat(post(fx, acme, "/v1/log", "{}", "k1").status()).isEqualTo(400);
            assertThat(post(fx, acme, "/v1/log", event("fixed"), "k1").status()).isEqualTo(200);
        }
    }

    @Test
    void a_duplicate_while_the_first_is_in_flight_gets_409_with_retry_after() throws Exception {
        try (LakelogFixture fx = LakelogFixture.aws()) {
            var acme = fx.createTenant("acme", Tier.FREE);
            // The first request's claim, as it stands while its PUTs run.
            IdempotencyStore store = new DynamoIdempotencyStore(TestServers.dynamo().client(), fx.env().get("LAKELOG_IDEMPOTENCY_TABLE"));
            String body = event("f1");
            var req = withHeader(IngestTestSupport.signed(acme, "/v1/log", "application/json", body), "Idempotency-Key", "inflight");
            String pk = "idem#acme#" + java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest("inflight".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            Instant now = Instant.now();
            assertThat(store.claim(pk, fingerprintOf(req), now, now.plusSeconds(120), now.plusSeconds(3600))).isEmpty();

            ApiResponse dup = fx.call(req);
            assertThat(dup.status()).isEqualTo(409);
            assertThat(dup.headers()).containsEntry("Retry-After", "1");
            assertThat(JSON.readTree(dup.body()).path("detail").asText()).contains("still in progress");
            assertThat(objects(fx)).isEmpty();
        }
    }

    private static String fingerprintOf(dev.lakelog.api.ApiRequest r) throws Exception {
        var m = dev.lakelog.idempotency.Idempotency.class.getDeclaredMethod("fingerprint", dev.lakelog.api.ApiRequest.class);
        m.setAccessible(true);
        return (String) m.invoke(null, r);
    }

    @Test
    void local_mode_keeps_records_in_files_under_the_data_dir_across_a_restart() throws Exception {
        Path dir;
        String firstBody;
        String body = event("l1");
        try (LakelogFixture fx = LakelogFixture.local()) {
            dir = Path.of(fx.env().get("LAKELOG_DATA_DIR"));
            var acme = fx.createTenant("acme", Tier.FREE);
            Files.writeString(dir.resolve("creds"), acme.keyId() + "\n" + acme.hmacSecret());
            ApiResponse first = post(fx, acme, "/v1/log", body, "local-1");
            assertThat(first.status()).as(first.bodyText()).isEqualTo(200);
            firstBody = first.bodyText();
        }
        assertThat(Files.list(dir.resolve("idempotency"))).hasSize(1);
        List<String> creds = Files.readAllLines(dir.resolve("creds"));
        var acme = new LakelogFixture.TenantCredentials("acme", null, creds.get(0), creds.get(1));
        var env = new java.util.HashMap<String, String>();
        env.put("LAKELOG_DATA_DIR", dir.toString());
        env.put("LAKELOG_DUCKDB_EXTENSION_DIR", dev.lakelog.testing.TestDuckDb.extensionDirectory().toString());
        try (dev.lakelog.Lakelog app = dev.lakelog.Lakelog.start(dev.lakelog.config.LakelogConfig.from(env))) {
            long segments;
            try (var s = Files.walk(dir.resolve("segments"))) {
                segments = s.filter(Files::isRegularFile).count();
            }
            ApiResponse again = app.router().handle(withHeader(IngestTestSupport.signed(acme, "/v1/log", "application/json", body),
                    "Idempotency-Key", "local-1"));
            assertThat(again.status()).isEqualTo(200);
            assertThat(again.bodyText()).isEqualTo(firstBody);
            try (var s = Files.walk(dir.resolve("segments"))) {
                assertThat(s.filter(Files::isRegularFile).count()).isEqualTo(segments);
            }
            ApiResponse other = app.router().handle(withHeader(IngestTestSupport.signed(acme, "/v1/log", "application/json", event("l2")),
                    "Idempotency-Key", "local-1"));
            assertThat(other.status()).isEqualTo(409);
        }
    }
}
