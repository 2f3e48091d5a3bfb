package dev.lakelog.integrity;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lakelog.api.ApiRequest;
import dev.lakelog.api.ApiResponse;
import dev.lakelog.auth.Tier;
import dev.lakelog.lake.IntegrityChain;
import dev.lakelog.rollup.RollupRequest;
import dev.lakelog.testing.LakelogFixture;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Legal holds on a real local lake: retention skips held rows (a whole tenant, an event type, a
 * time range), expiry and cleanup do nothing while a hold is active, placing and releasing are
 * chain entries, and the lake verifies ok throughout.
 */
class LegalHoldTest {
    static final ObjectMapper JSON = new ObjectMapper();
    LakelogFixture fx;
    LakelogFixture.TenantCredentials acme;
    LakelogFixture.TenantCredentials globex;
    String operator;

    @BeforeEach
    void start() {
        fx = LakelogFixture.local();
        acme = fx.createTenant("acme", Tier.PAID);
        globex = fx.createTenant("globex", Tier.PAID);
        operator = fx.createOperator("legal");
        // every event is past its retention: only a hold keeps it
        ingest(acme, "a-login-1", "LOGIN", "2026-11-20T08:00:00Z");
        ingest(acme, "a-login-2", "LOGIN", "2026-11-22T08:00:00Z");
        ingest(acme, "a-view-1", "RECORD_VIEW", "2026-11-20T09:00:00Z");
        ingest(globex, "g-1", "LOGIN", "2026-11-20T08:00:00Z");
        assertThat(fx.app().rollup().rollup(new RollupRequest("test", Optional.empty(), Duration.ZERO, true)).errors()).isEmpty();
    }

    @AfterEach
    void stop() {
        fx.close();
    }

    void ingest(LakelogFixture.TenantCredentials t, String id, String type, String ts) {
        ApiResponse r = fx.call(LakelogFixture.signedJson(t, "/v1/log", "{\"log_id\":\"" + id + "\",\"timestamp\":\"" + ts + "\",\"event_type\":\""
                + type + "\",\"outcome\":\"SUCCESS\",\"severity\":\"INFO\",\"message\":\"m\",\"retention_until\":\"2021-01-01T00:00:00Z\"}"));
        assertThat(r.status()).as(r.bodyText()).isEqualTo(200);
    }

    ApiResponse asOperator(String method, String path, String body) {
        return fx.call(new ApiRequest(method, path, Map.of(), Map.of("Authorization", "Bearer " + operator, "Content-Type", "application/json"),
                body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8)));
    }

    String place(String body) throws Exception {
        ApiResponse r = asOperator("POST", "/v1/analytics/holds", body);
        assertThat(r.status()).as(r.bodyText()).isEqualTo(200);
        return JSON.readTree(r.bodyText()).path("hold").path("hold_id").asText();
    }

    List<String> ids() throws Exception {
        List<String> out = new ArrayList<>();
        try (Connection c = fx.app().lake().connect(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT log_id FROM lake.main.logs ORDER BY log_id")) {
            while (rs.next()) out.add(rs.getString(1));
        }
        return out;
    }

    List<String> kinds() throws Exception {
        List<String> out = new ArrayList<>();
        try (Connection c = fx.app().lake().connect(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT kind FROM " + IntegrityChain.CHAIN + " ORDER BY seq")) {
            while (rs.next()) out.add(rs.getString(1));
        }
        return out;
    }

    @Test
    void retention_skips_rows_held_by_event_type_and_time_range_and_deletes_them_once_released() throws Exception {
        String byType = place("{\"tenant_id\":\"acme\",\"event_type\":\"LOGIN\",\"from\":\"2026-11-20T00:00:00Z\",\"to\":\"2026-11-21T00:00:00Z\","
                + "\"reason\":\"case 2026-17\"}");
        var r = fx.app().maintenance().retention("test", Optional.empty());
        assertThat(r.rowsRemoved()).isEqualTo(3);
        assertThat(ids()).containsExactly("a-login-1");
        ApiResponse released = asOperator("POST", "/v1/analytics/holds/" + byType + "/release", null);
        assertThat(released.status()).as(released.bodyText()).isEqualTo(200);
        assertThat(fx.app().maintenance().retention("test", Optional.empty()).rowsRemoved()).isEqualTo(1);
        assertThat(ids()).isEmpty();
        assertThat(kinds()).containsSubsequence("hold", "retention", "release", "retention");
        assertThat(fx.app().verify().verify(Optional.empty(), Optional.empty(), p -> {}).problems()).isEmpty();
    }

    @Test
    void a_whole_tenant_on_hold_keeps_all_its_rows_and_stops_expiry_and_cleanup() throws Exception {
        String hold = place("{\"tenant_id\":\"acme\",\"reason\":\"litigation\"}");
        assertThat(fx.app().maintenance().retention("test", Optional.of("acme")).rowsRemoved()).isZero();
        assertThat(fx.app().maintenance().retention("test", Optional.empty()).rowsRemoved()).isEqualTo(1);
        assertThat(ids()).containsExactly("a-login-1", "a-login-2", "a-view-1");
        assertThat(fx.app().maintenance().expireSnapshots("test", 0).legalHold()).isTrue();
        assertThat(fx.app().maintenance().expireSnapshots("test", 0).expiredCount()).isZero();
        assertThat(fx.app().maintenance().cleanup("test", 0, false).legalHold()).isTrue();

        JsonNode listed = JSON.readTree(fx.call(LakelogFixture.bearer(acme, "GET", "/v1/analytics/holds", Map.of(), null)).bodyText());
        assertThat(listed.path("holds")).hasSize(1);
        assertThat(listed.path("holds").get(0).path("reason").asText()).isEqualTo("litigation");
        JsonNode others = JSON.readTree(fx.call(LakelogFixture.bearer(globex, "GET", "/v1/analytics/holds", Map.of(), null)).bodyText());
        assertThat(others.path("holds")).isEmpty();

        assertThat(asOperator("POST", "/v1/analytics/holds/" + hold + "/release", null).status()).isEqualTo(200);
        assertThat(fx.app().maintenance().expireSnapshots("test", 0).legalHold()).isFalse();
        assertThat(asOperator("POST", "/v1/analytics/holds/" + hold + "/release", null).status()).isEqualTo(404);
    }

    @Test
    void only_an_operator_places_a_hold_and_a_bad_one_is_refused_naming_the_field() {
        ApiResponse tenant = fx.call(LakelogFixture.bearer(acme, "POST", "/v1/analytics/holds", Map.of(),
                "{\"tenant_id\":\"acme\",\"reason\":\"x\"}".getBytes(StandardCharsets.UTF_8)));
        assertThat(tenant.status()).isIn(401, 403);
        assertThat(asOperator("POST", "/v1/analytics/holds", "{\"tenant_id\":\"acme\"}").bodyText()).contains("'reason' is required");
        assertThat(asOperator("POST", "/v1/analytics/holds", "{\"tenant_id\":\"nobody\",\"reason\":\"x\"}").bodyText()).contains("no tenant 'nobody'");
        assertThat(asOperator("POST", "/v1/analytics/holds", "{\"tenant_id\":\"acme\",\"reason\":\"x\",\"from\":\"yesterday\"}").bodyText())
                .contains("'from' must be an RFC 3339");
        assertThat(asOperator("POST", "/v1/analytics/holds", "{\"tenant_id\":\"acme\",\"reason\":\"x\",\"scope\":1}").status()).isEqualTo(400);
    }
}
