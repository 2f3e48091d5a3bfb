package dev.lakelog.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lakelog.Lakelog;
import dev.lakelog.auth.Authenticator;
import dev.lakelog.auth.Tier;
import dev.lakelog.config.LakelogConfig;
import dev.lakelog.testing.LakelogFixture;
import dev.lakelog.testing.TestServers;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/** A backing service that is down is a 503 (retry), never a 500; unknown parameters are a 400. */
class DependencyOutageAndStrictParamsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static int closedPort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Test
    void dynamodb_unreachable_during_authentication_is_a_503_with_retry_after() throws Exception {
        Map<String, String> env = new HashMap<>(LakelogFixture.awsEnv(Map.of()));
        env.put("LAKELOG_DYNAMODB_ENDPOINT", "http://127.0.0.1:" + closedPort());
        var creds = StaticCredentialsProvider.create(AwsBasicCredentials.create(TestServers.s3().accessKey(), TestServers.s3().secretKey()));
        try (Lakelog app = Lakelog.start(LakelogConfig.from(env), Clock.systemUTC())) {
            byte[] body = "{\"timestamp\":\"2026-11-20T00:00:00Z\",\"event_type\":\"E\",\"outcome\":\"SUCCESS\",\"severity\":\"INFO\",\"message\":\"m\"}"
                    .getBytes(StandardCharsets.UTF_8);
            ApiResponse ingest = app.router().handle(new ApiRequest("POST", "/v1/log", Map.of(), Map.of(
                    "Content-Type", "application/json", "X-Key-Id", "k_any",
                    "X-Signature", Authenticator.signatureHeader("s", Instant.now().getEpochSecond(), body)), body));
            assertThat(ingest.status()).isEqualTo(503);
            assertThat(ingest.headers()).containsKey("Retry-After");
            assertThat(JSON.readTree(ingest.body()).path("detail").asText()).contains("unavailable");
            assertThat(JSON.readTree(ingest.body()).path("code").asText()).isEqualTo("dependency_unavailable");
            ApiResponse query = app.router().handle(new ApiRequest("GET", "/v1/analytics/logs", Map.of(),
                    Map.of("Authorization", "Bearer llt_x"), null));
            assertThat(query.status()).isEqualTo(503);
        }
    }

    @Test
    void an_unknown_parameter_is_a_400_naming_it_on_maintenance_and_hot_tier_routes() throws Exception {
        try (LakelogFixture fx = LakelogFixture.local()) {
            var t = fx.createTenant("strict", Tier.PAID);
            String operator = fx.createOperator("ops");
            for (String path : new String[] {"/v1/analytics/maintenance/compact", "/v1/analytics/maintenance/retention",
                    "/v1/analytics/maintenance/cleanup", "/v1/analytics/maintenance/expire-snapshots"}) {
                ApiResponse r = fx.call(path.endsWith("/retention")
                        ? LakelogFixture.bearer(t, "POST", path, Map.of("older_than_dayz", "3"), null)
                        : LakelogFixture.operator(operator, "POST", path, Map.of("older_than_dayz", "3")));
                assertThat(r.status()).as(path).isEqualTo(400);
                assertThat(JSON.readTree(r.body()).path("detail").asText()).as(path).contains("'older_than_dayz'");
            }
            ApiResponse recent = fx.call(LakelogFixture.bearer(t, "GET", "/v1/logs/recent", Map.of("sevrity", "ERROR"), null));
            assertThat(recent.status()).isEqualTo(400);
            assertThat(JSON.readTree(recent.body()).path("detail").asText()).contains("'sevrity'");
        }
    }

    @Test
    void until_is_inclusive_on_the_hot_tier_read_as_on_the_analytics_route() throws Exception {
        try (LakelogFixture fx = LakelogFixture.local()) {
            var t = fx.createTenant("edges", Tier.PAID);
            String at = "2026-11-20T10:00:00Z";
            String event = "{\"timestamp\":\"" + at + "\",\"event_type\":\"E\",\"outcome\":\"SUCCESS\",\"severity\":\"INFO\",\"message\":\"m\"}";
            assertThat(fx.call(LakelogFixture.signedJson(t, "/v1/log", event)).status()).isEqualTo(200);
            ApiResponse recent = fx.call(LakelogFixture.bearer(t, "GET", "/v1/logs/recent", Map.of("until", at), null));
            assertThat(JSON.readTree(recent.body()).path("count").asInt()).isEqualTo(1);
            ApiResponse fresh = fx.call(LakelogFixture.bearer(t, "GET", "/v1/analytics/logs", Map.of("until", at), null));
            assertThat(JSON.readTree(fresh.body()).path("count").asInt()).isEqualTo(1);
        }
    }
}
