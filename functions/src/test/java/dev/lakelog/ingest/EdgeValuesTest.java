package dev.lakelog.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lakelog.api.ApiResponse;
import dev.lakelog.auth.Tier;
import dev.lakelog.testing.LakelogFixture;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Values at the edges of what the docs accept: stored and returned exactly, or refused with a 400 naming them. */
class EdgeValuesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static LakelogFixture fx;
    private static LakelogFixture.TenantCredentials t;

    @BeforeAll
    static void start() {
        fx = LakelogFixture.local();
        t = fx.createTenant("edge", Tier.PAID);
    }

    @AfterAll
    static void stop() {
        fx.close();
    }

    static String event(String id, String extra) {
        return "{\"log_id\":\"" + id + "\",\"timestamp\":\"2026-11-20T10:00:00Z\",\"event_type\":\"E\",\"outcome\":\"SUCCESS\","
                + "\"severity\":\"INFO\",\"message\":\"m\"" + extra + "}";
    }

    @Test
    void retention_until_at_the_end_of_year_9999_is_stored_and_returned_exactly() throws Exception {
        for (String at : new String[] {"9999-12-31T23:59:59Z", "2262-04-12T00:00:00Z", "3000-01-01T00:00:00.123456Z"}) {
            String id = "far-" + at.substring(0, 4);
            ApiResponse in = fx.call(LakelogFixture.signedJson(t, "/v1/log", event(id, ",\"retention_until\":\"" + at + "\"")));
            assertThat(in.status()).as(in.bodyText()).isEqualTo(200);
        }
        assertThat(fx.call(LakelogFixture.bearer(t, "POST", "/v1/analytics/rollup", Map.of(), null)).status()).isEqualTo(200);
        ApiResponse r = fx.call(LakelogFixture.bearer(t, "GET", "/v1/analytics/logs", Map.of("limit", "100"), null));
        assertThat(r.status()).as(r.bodyText()).isEqualTo(200);
        Map<String, String> byId = new java.util.HashMap<>();
        for (JsonNode row : JSON.readTree(r.body()).path("logs")) byId.put(row.path("log_id").asText(), row.path("retention_until").asText());
        assertThat(byId).containsEntry("far-9999", "9999-12-31T23:59:59Z").containsEntry("far-2262", "2262-04-12T00:00:00Z")
                .containsEntry("far-3000", "3000-01-01T00:00:00.123456Z");
        ApiResponse recent = fx.call(LakelogFixture.bearer(t, "GET", "/v1/logs/recent", Map.of(), null));
        assertThat(recent.status()).as(recent.bodyText()).isEqualTo(200);
        ApiResponse q = fx.call(LakelogFixture.bearer(t, "POST", "/v1/analytics/query", Map.of(),
                "{\"query\":\"SELECT max(retention_until) AS m FROM logs\"}".getBytes(StandardCharsets.UTF_8)));
        assertThat(q.status()).as(q.bodyText()).isEqualTo(200);
        assertThat(JSON.readTree(q.body()).path("rows").get(0).path("m").asText()).isEqualTo("9999-12-31T23:59:59Z");
    }

    @Test
    void a_number_too_large_for_a_double_in_the_payload_is_refused_naming_the_field() throws Exception {
        ApiResponse r = fx.call(LakelogFixture.signedJson(t, "/v1/log", event("inf", ",\"payload\":{\"n\":1e999999999}")));
        assertThat(r.status()).as(r.bodyText()).isEqualTo(400);
        assertThat(JSON.readTree(r.body()).path("detail").asText()).contains("payload").contains("finite");
    }

    @Test
    void a_byte_order_mark_before_the_json_is_refused() throws Exception {
        ApiResponse r = fx.call(LakelogFixture.signedJson(t, "/v1/log", "\uFEFF" + event("bom", "")));
        assertThat(r.status()).as(r.bodyText()).isEqualTo(400);
        assertThat(JSON.readTree(r.body()).path("detail").asText()).contains("byte order mark");
    }

    @Test
    void the_rollup_route_refuses_unknown_parameters_like_every_route() throws Exception {
        ApiResponse r = fx.call(LakelogFixture.bearer(t, "POST", "/v1/analytics/rollup", Map.of("delete_after_rolup", "true"), null));
        assertThat(r.status()).isEqualTo(400);
        assertThat(JSON.readTree(r.body()).path("detail").asText()).contains("'delete_after_rolup'");
    }
}
