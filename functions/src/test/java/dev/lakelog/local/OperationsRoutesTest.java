package dev.lakelog.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lakelog.Lakelog;
import dev.lakelog.api.ApiRequest;
import dev.lakelog.api.ApiResponse;
import dev.lakelog.auth.Tier;
import dev.lakelog.config.LakelogConfig;
import dev.lakelog.rollup.RollupRequest;
import dev.lakelog.testing.LakelogFixture;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** /healthz, /readyz and /metrics of the local server: no authentication, no configuration revealed. */
class OperationsRoutesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    static ApiResponse get(Lakelog app, String path) {
        return app.router().handle(new ApiRequest("GET", path, Map.of(), Map.of(), null));
    }

    @Test
    void health_and_readiness_answer_without_a_token() throws Exception {
        try (LakelogFixture fx = LakelogFixture.local()) {
            ApiResponse health = get(fx.app(), "/healthz");
            assertThat(health.status()).isEqualTo(200);
            assertThat(JSON.readTree(health.body()).path("status").asText()).isEqualTo("ok");
            ApiResponse ready = get(fx.app(), "/readyz");
            assertThat(ready.status()).as(ready.bodyText()).isEqualTo(200);
            JsonNode checks = JSON.readTree(ready.body()).path("checks");
            assertThat(checks.path("lake").asText()).isEqualTo("ok");
            assertThat(checks.path("object_store").asText()).isEqualTo("ok");
            assertThat(checks.path("tenant_store").asText()).isEqualTo("ok");
            assertThat(ready.bodyText()).doesNotContain(fx.env().get("LAKELOG_DATA_DIR"));
        }
    }

    @Test
    void readiness_names_the_failing_dependency_and_nothing_of_its_configuration() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        Map<String, String> env = new HashMap<>(LakelogFixture.awsEnv(Map.of()));
        env.put("LAKELOG_DYNAMODB_ENDPOINT", "http://127.0.0.1:" + closed);
        try (Lakelog app = Lakelog.start(LakelogConfig.from(env))) {
            ApiResponse ready = get(app, "/readyz");
            assertThat(ready.status()).isEqualTo(503);
            assertThat(ready.headers()).containsKey("Retry-After");
            JsonNode body = JSON.readTree(ready.body());
            assertThat(body.path("failing")).extracting(JsonNode::asText).containsExactly("tenant_store");
            assertThat(body.path("checks").path("lake").asText()).isEqualTo("ok");
            assertThat(ready.bodyText()).doesNotContain(Integer.toString(closed)).doesNotContain(env.get("LAKELOG_BUCKET"))
                    .doesNotContain(env.get("LAKELOG_PG_PASSWORD"));
        }
    }

    @Test
    void metrics_are_prometheus_text_with_what_happened() throws Exception {
        try (LakelogFixture fx = LakelogFixture.local()) {
            var t = fx.createTenant("m", Tier.PAID);
            String event = "{\"timestamp\":\"2026-11-20T00:00:00Z\",\"event_type\":\"E\",\"outcome\":\"SUCCESS\",\"severity\":\"INFO\",\"message\":\"m\"}";
            assertThat(fx.call(LakelogFixture.signedJson(t, "/v1/log/batch", "[" + event + "," + event + "]")).status()).isEqualTo(200);
            assertThat(fx.call(LakelogFixture.signedJson(t, "/v1/log", "{\"nope\":1}")).status()).isEqualTo(400);
            fx.app().rollup().rollup(new RollupRequest("test", Optional.empty(), Duration.ZERO, true));
            assertThat(fx.call(LakelogFixture.bearer(t, "POST", "/v1/analytics/query", Map.of(),
                    "{\"query\":\"SELECT printf('%d', 1)\"}".getBytes())).status()).isEqualTo(400);
            ApiResponse m = get(fx.app(), "/metrics");
            assertThat(m.status()).isEqualTo(200);
            assertThat(m.headers().get("Content-Type")).startsWith("text/plain; version=0.0.4");
            String text = m.bodyText();
            assertThat(text).contains("lakelog_events_accepted_total 2.0")
                    .contains("lakelog_ingest_rejected_total{reason=\"invalid_event\"} 1.0")
                    .contains("lakelog_rollup_rows_total 2.0")
                    .contains("lakelog_rollup_segments_total 1.0")
                    .contains("lakelog_rollup_lag_seconds")
                    .contains("lakelog_query_refusals_total{reason=\"sql_rejected\"} 1.0")
                    .contains("lakelog_requests_total{code=\"\",method=\"POST\",route=\"/v1/log/batch\",status=\"200\"} 1.0")
                    .contains("lakelog_request_seconds_bucket")
                    .contains("jvm_memory_used_bytes");
        }
    }
}
