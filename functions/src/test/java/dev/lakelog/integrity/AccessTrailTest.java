package dev.lakelog.integrity;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lakelog.api.ApiResponse;
import dev.lakelog.auth.Tier;
import dev.lakelog.lake.AccessLog;
import dev.lakelog.lake.IntegrityVerifier;
import dev.lakelog.rollup.RollupReport;
import dev.lakelog.rollup.RollupRequest;
import dev.lakelog.testing.LakelogFixture;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The access trail (docs/integrity.md#access-trail) on the local backend: every analytics, export,
 * verify and maintenance call is recorded at the router (a failing one with its error code), the
 * tenant's auditors read their own trail through {@code GET /v1/analytics/access} and nobody
 * else's, and a record deleted or altered behind lakelog's back is named by verify.
 */
class AccessTrailTest {
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
        operator = fx.createOperator("auditor");
        for (int i = 0; i < 3; i++) {
            for (LakelogFixture.TenantCredentials t : List.of(acme, globex)) {
                String json = "{\"log_id\":\"" + t.tenantId() + "-" + i + "\",\"timestamp\":\"2026-11-20T08:15:30Z\",\"event_type\":\"LOGIN\","
                        + "\"outcome\":\"SUCCESS\",\"severity\":\"INFO\",\"message\":\"m\"}";
                assertThat(fx.call(LakelogFixture.signedJson(t, "/v1/log", json)).status()).isEqualTo(200);
            }
        }
        RollupReport r = fx.app().rollup().rollup(new RollupRequest("test", Optional.empty(), Duration.ZERO, true));
        assertThat(r.errors()).isEmpty();
    }

    @AfterEach
    void stop() {
        fx.close();
    }

    ApiResponse asAcme(String method, String path, Map<String, String> query, String body) {
        return fx.call(LakelogFixture.bearer(acme, method, path, query, body == null ? null : body.getBytes(StandardCharsets.UTF_8)));
    }

    JsonNode trail(LakelogFixture.TenantCredentials t, Map<String, String> query) throws Exception {
        ApiResponse r = fx.call(LakelogFixture.bearer(t, "GET", "/v1/analytics/access", query, null));
        assertThat(r.status()).as(r.bodyText()).isEqualTo(200);
        return JSON.readTree(r.bodyText());
    }

    static List<JsonNode> records(JsonNode trail) {
        return StreamSupport.stream(trail.path("records").spliterator(), false).toList();
    }

    static JsonNode byRoute(List<JsonNode> recs, String route) {
        return recs.stream().filter(n -> n.path("route").asText().equals(route)).findFirst()
                .orElseThrow(() -> new AssertionError("no record of route " + route + " in " + recs));
    }

    static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    @Test
    void every_route_class_is_recorded_with_who_what_and_a_digest_of_the_answer_and_a_failing_call_with_its_error_code() throws Exception {
        ApiResponse logs = asAcme("GET", "/v1/analytics/logs", Map.of("event_type", "LOGIN"), null);
        assertThat(logs.status()).as(logs.bodyText()).isEqualTo(200);
        String sql = "SELECT log_id FROM logs ORDER BY log_id";
        ApiResponse query = asAcme("POST", "/v1/analytics/query", Map.of(), "{\"query\":\"" + sql + "\"}");
        assertThat(query.status()).as(query.bodyText()).isEqualTo(200);
        ApiResponse export = asAcme("GET", "/v1/analytics/logs", Map.of("format", "ndjson"), null);
        assertThat(export.status()).as(export.bodyText()).isEqualTo(200);
        assertThat(asAcme("GET", "/v1/analytics/verify", Map.of(), null).status()).isEqualTo(200);
        ApiResponse retention = asAcme("POST", "/v1/analytics/maintenance/retention", Map.of(), null);
        assertThat(retention.status()).as(retention.bodyText()).isEqualTo(200);
        ApiResponse bad = asAcme("POST", "/v1/analytics/query", Map.of(), "{\"query\":\"DROP TABLE logs\"}");
        assertThat(bad.status()).isEqualTo(400);
        // an operator's call on acme's data is in acme's trail; a lake-wide one in the operators' trail (*)
        assertThat(fx.call(LakelogFixture.operator(operator, "GET", "/v1/analytics/verify", Map.of("tenant_id", "acme"))).status()).isEqualTo(200);
        assertThat(fx.call(LakelogFixture.operator(operator, "POST", "/v1/analytics/maintenance/compact", Map.of())).status()).isEqualTo(200);

        List<JsonNode> recs = records(trail(acme, Map.of()));
        JsonNode l = byRoute(recs, "/v1/analytics/logs");
        assertThat(l.path("principal").path("kind").asText()).isEqualTo("tenant");
        assertThat(l.path("principal").path("tenant_id").asText()).isEqualTo("acme");
        assertThat(l.path("principal").path("token_id").asText()).hasSize(16);
        assertThat(l.toString()).doesNotContain(acme.token());
        assertThat(l.path("query").path("event_type").asText()).isEqualTo("LOGIN");
        assertThat(l.path("status").asInt()).isEqualTo(200);
        assertThat(l.path("rows_returned").asLong()).isEqualTo(3);
        assertThat(l.path("result_sha256").asText()).isEqualTo(sha256(logs.body()));
        assertThat(l.path("at").asText()).isNotEmpty();

        JsonNode q = recs.stream().filter(n -> n.path("route").asText().equals("/v1/analytics/query") && n.path("status").asInt() == 200)
                .findFirst().orElseThrow();
        assertThat(q.path("sql").asText()).isEqualTo(sql);
        assertThat(q.path("rows_returned").asLong()).isEqualTo(3);
        assertThat(q.path("result_sha256").asText()).isEqualTo(sha256(query.body()));

        JsonNode e = recs.stream().filter(n -> n.path("query").path("format").asText().equals("ndjson")).findFirst().orElseThrow();
        assertThat(e.path("rows_returned").asLong()).isEqualTo(3);
        assertThat(e.path("result_sha256").asText()).isEqualTo(sha256(export.body()));

        assertThat(recs.stream().filter(n -> n.path("route").asText().equals("/v1/analytics/verify")).map(n -> n.path("principal").path("kind").asText()))
                .containsExactlyInAnyOrder("tenant", "operator");
        assertThat(byRoute(recs, "/v1/analytics/maintenance/retention").path("status").asInt()).isEqualTo(200);

        JsonNode failed = recs.stream().filter(n -> n.path("status").asInt() == 400).findFirst().orElseThrow();
        assertThat(failed.path("error_code").asText()).isEqualTo("sql_rejected");
        assertThat(failed.path("sql").asText()).isEqualTo("DROP TABLE logs");

        // the records are a hash chain from 0, in order
        assertThat(recs.get(0).path("seq").asLong()).isZero();
        for (int i = 1; i < recs.size(); i++) assertThat(recs.get(i).path("prev_hash").asText()).isEqualTo(recs.get(i - 1).path("hash").asText());

        // the operators' trail holds the lake-wide compaction; only an operator reads it
        ApiResponse ops = fx.call(LakelogFixture.operator(operator, "GET", "/v1/analytics/access", Map.of("tenant_id", "*")));
        assertThat(ops.status()).as(ops.bodyText()).isEqualTo(200);
        JsonNode compact = byRoute(records(JSON.readTree(ops.bodyText())), "/v1/analytics/maintenance/compact");
        assertThat(compact.path("principal").path("operator").asText()).isEqualTo("auditor");
    }

    @Test
    void a_tenant_sees_only_its_own_trail_and_filters_and_pages_it() throws Exception {
        for (int i = 0; i < 3; i++) assertThat(asAcme("GET", "/v1/analytics/logs", Map.of(), null).status()).isEqualTo(200);
        assertThat(fx.call(LakelogFixture.bearer(globex, "GET", "/v1/analytics/histogram", Map.of(), null)).status()).isNotEqualTo(500);

        List<JsonNode> mine = records(trail(acme, Map.of()));
        assertThat(mine).hasSize(3).allSatisfy(n -> assertThat(n.path("tenant_id").asText()).isEqualTo("acme"));
        List<JsonNode> theirs = records(trail(globex, Map.of()));
        assertThat(theirs).isNotEmpty().allSatisfy(n -> assertThat(n.toString()).doesNotContain("acme"));
        // a tenant cannot name another tenant
        ApiResponse cross = fx.call(LakelogFixture.bearer(globex, "GET", "/v1/analytics/access", Map.of("tenant_id", "acme"), null));
        assertThat(cross.status()).isEqualTo(400);
        assertThat(cross.bodyText()).contains("tenant_id");

        JsonNode page1 = trail(acme, Map.of("limit", "2", "route", "/v1/analytics/logs"));
        assertThat(records(page1)).hasSize(2);
        JsonNode page2 = trail(acme, Map.of("limit", "2", "route", "/v1/analytics/logs", "after_seq", page1.path("next_after_seq").asText()));
        // page 2: the third logs call (the trail reads themselves are recorded too, under their own route)
        assertThat(records(page2)).hasSize(1);
        assertThat(page2.path("next_after_seq").isNull()).isTrue();
        assertThat(records(trail(acme, Map.of("principal", "tenant:acme", "status", "200")))).isNotEmpty();
        ApiResponse badTime = fx.call(LakelogFixture.bearer(acme, "GET", "/v1/analytics/access", Map.of("from", "2026-12-02T00:00:00Z", "to", "2026-12-01T00:00:00Z"), null));
        assertThat(badTime.status()).isEqualTo(400);
    }

    @Test
    void the_trail_is_in_the_chain_and_a_record_deleted_or_altered_behind_lakelogs_back_is_named_by_verify() throws Exception {
        for (int i = 0; i < 4; i++) assertThat(asAcme("GET", "/v1/analytics/logs", Map.of("limit", Integer.toString(i + 1)), null).status()).isEqualTo(200);
        fx.app().commitAccessTrail();
        IntegrityVerifier.Report clean = fx.app().verify().verify(Optional.empty(), Optional.empty(), s -> {});
        assertThat(clean.problems()).isEmpty();
        assertThat(clean.notes().toString()).contains("access records checked");
        try (Connection c = fx.app().lake().connect(); Statement st = c.createStatement()) {
            var rs = st.executeQuery("SELECT count(*) FROM lake.main.integrity_chain WHERE kind = 'access'");
            rs.next();
            assertThat(rs.getLong(1)).isPositive();
        }

        sql("UPDATE " + AccessLog.TABLE + " SET record = replace(record, '\"limit\":\"2\"', '\"limit\":\"9\"') WHERE tenant_id = 'acme' AND seq = 1");
        IntegrityVerifier.Report altered = fx.app().verify().verify(Optional.of("acme"), Optional.empty(), s -> {});
        assertThat(altered.ok()).isFalse();
        assertThat(altered.firstBroken()).isEqualTo("access record 1 of tenant acme was altered: its hash does not match its content");
        sql("UPDATE " + AccessLog.TABLE + " SET record = replace(record, '\"limit\":\"9\"', '\"limit\":\"2\"') WHERE tenant_id = 'acme' AND seq = 1");
        assertThat(fx.app().verify().verify(Optional.of("acme"), Optional.empty(), s -> {}).problems()).isEmpty();

        sql("UPDATE " + AccessLog.TABLE + " SET principal = 'tenant:someone-else' WHERE tenant_id = 'acme' AND seq = 0");
        assertThat(fx.app().verify().verify(Optional.of("acme"), Optional.empty(), s -> {}).firstBroken())
                .isEqualTo("access record 0 of tenant acme was altered: its columns no longer agree with its hashed record");
        sql("UPDATE " + AccessLog.TABLE + " SET principal = 'tenant:acme' WHERE tenant_id = 'acme' AND seq = 0");

        sql("DELETE FROM " + AccessLog.TABLE + " WHERE tenant_id = 'acme' AND seq = 2");
        IntegrityVerifier.Report deleted = fx.app().verify().verify(Optional.of("acme"), Optional.empty(), s -> {});
        assertThat(deleted.firstBroken()).isEqualTo("access record 2 of tenant acme is missing (the trail goes from 1 to 3): it was deleted behind lakelog's back");

        // the last record deleted: only the chain's access entry tells
        sql("DELETE FROM " + AccessLog.TABLE + " WHERE tenant_id = 'acme' AND seq >= 2");
        IntegrityVerifier.Report tail = fx.app().verify().verify(Optional.of("acme"), Optional.empty(), s -> {});
        assertThat(tail.problems().toString()).contains("the access trail of tenant acme ends at record 1; the chain (entry ")
                .contains("records were deleted behind lakelog's back");
    }

    @Test
    void when_the_record_cannot_be_written_the_answer_is_withheld_with_503() throws Exception {
        // the local blob store refuses writes under the trail's prefix: its directory replaced by a file
        java.nio.file.Path dir = java.nio.file.Path.of(fx.env().get("LAKELOG_DATA_DIR")).resolve("access-trail");
        deleteTree(dir);
        java.nio.file.Files.writeString(dir, "not a directory");
        ApiResponse r = asAcme("GET", "/v1/analytics/logs", Map.of(), null);
        assertThat(r.status()).isEqualTo(503);
        assertThat(r.bodyText()).contains("access_trail_unavailable").doesNotContain("acme-0");
    }

    private static void deleteTree(java.nio.file.Path p) throws Exception {
        if (!java.nio.file.Files.exists(p)) return;
        try (var s = java.nio.file.Files.walk(p)) {
            for (java.nio.file.Path x : s.sorted(java.util.Comparator.reverseOrder()).toList()) java.nio.file.Files.delete(x);
        }
    }

    void sql(String s) throws Exception {
        try (Connection c = fx.app().lake().connect(); Statement st = c.createStatement()) {
            st.execute(s);
        }
    }
}
