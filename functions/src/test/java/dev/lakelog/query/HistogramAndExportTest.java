package dev.lakelog.query;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.lakelog.api.ApiResponse;
import dev.lakelog.auth.Tier;
import dev.lakelog.rollup.RollupRequest;
import dev.lakelog.testing.LakelogFixture;
import dev.lakelog.testing.TestDuckDb;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /v1/analytics/histogram} and {@code format=csv|ndjson|parquet} on the logs and query
 * routes, on the real test servers (S3 + PostgreSQL catalog + DynamoDB), and parquet inline in local mode.
 */
class HistogramAndExportTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static LakelogFixture fx;
    static LakelogFixture.TenantCredentials acme;
    static LakelogFixture.TenantCredentials other;
    static long firstSnapshot;

    @BeforeAll
    static void start() {
        fx = LakelogFixture.aws(Map.of("LAKELOG_ROLLUP_MIN_AGE_SECONDS", "0"), java.time.Clock.systemUTC());
        acme = fx.createTenant("acme", Tier.PAID);
        other = fx.createTenant("other", Tier.PAID);
        // acme: 40 events on 2026-11-20, one every 30 minutes, severities INFO WARNING ERROR NOTICE in turn
        ingest(acme, AnalyticsQueryTest.events("a", 40, Instant.parse("2026-11-20T00:00:00Z"), Duration.ofMinutes(30)));
        ingest(other, AnalyticsQueryTest.events("o", 25, Instant.parse("2026-11-20T00:00:00Z"), Duration.ofMinutes(30)));
        firstSnapshot = fx.app().rollup().rollup(new RollupRequest("test", Optional.empty(), Duration.ZERO, false)).snapshotId();
        ingest(acme, AnalyticsQueryTest.events("b", 10, Instant.parse("2026-11-20T12:00:00Z"), Duration.ofMinutes(1)));
        fx.app().rollup().rollup(new RollupRequest("test", Optional.of("acme"), Duration.ZERO, false));
    }

    @AfterAll
    static void stop() {
        fx.close();
    }

    static void ingest(LakelogFixture.TenantCredentials t, List<com.fasterxml.jackson.databind.node.ObjectNode> events) {
        ArrayNode arr = JSON.createArrayNode();
        arr.addAll(events);
        ApiResponse r = fx.call(LakelogFixture.signedJson(t, "/v1/log/batch", arr.toString()));
        assertThat(r.status()).as(r.bodyText()).isEqualTo(200);
    }

    static ApiResponse call(LakelogFixture f, LakelogFixture.TenantCredentials t, String method, String path, Map<String, String> q, String body) {
        return f.call(LakelogFixture.bearer(t, method, path, q, body == null ? null : body.getBytes(StandardCharsets.UTF_8)));
    }

    static JsonNode histogram(Map<String, String> q) throws Exception {
        ApiResponse r = call(fx, acme, "GET", "/v1/analytics/histogram", q, null);
        assertThat(r.status()).as(r.bodyText()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    static final String DAY = "2026-11-20T00:00:00Z";
    static final String NEXT = "2026-11-21T00:00:00Z";

    @Test
    void the_histogram_counts_the_callers_events_per_hour_by_severity_with_every_bucket_present() throws Exception {
        JsonNode h = histogram(Map.of("since", DAY, "until", "2026-11-20T23:59:59Z", "interval", "1h"));
        assertThat(h.path("interval").asText()).isEqualTo("1h");
        assertThat(h.path("interval_seconds").asLong()).isEqualTo(3600);
        assertThat(h.path("total").asLong()).isEqualTo(50);
        assertThat(h.path("buckets")).hasSize(24);
        JsonNode first = h.path("buckets").get(0);
        assertThat(first.path("start").asText()).isEqualTo(DAY);
        // 00:00 INFO (a-0000), 00:30 WARNING (a-0001)
        assertThat(first.path("total").asLong()).isEqualTo(2);
        assertThat(first.path("counts").path("INFO").asLong()).isEqualTo(1);
        assertThat(first.path("counts").path("WARNING").asLong()).isEqualTo(1);
        assertThat(first.path("counts").path("CRITICAL").asLong()).isZero();
        // 12:00-12:59 has a-0024, a-0025 and the ten b- events
        assertThat(h.path("buckets").get(12).path("total").asLong()).isEqualTo(12);
        // 20:00 onwards: no acme events (a- ends at 19:30), buckets present with zeros
        assertThat(h.path("buckets").get(23).path("total").asLong()).isZero();
        long sum = 0;
        for (JsonNode b : h.path("buckets")) sum += b.path("total").asLong();
        assertThat(sum).isEqualTo(50);
        assertThat(h.path("by_severity").path("ERROR").asLong()).isEqualTo(10 + 2);
    }

    @Test
    void the_histogram_takes_the_same_filters_as_the_logs_route_and_its_total_matches_their_count() throws Exception {
        Map<String, String> filters = Map.of("since", DAY, "until", NEXT, "severity", "error", "component", "auth");
        JsonNode h = histogram(filters);
        ApiResponse logs = call(fx, acme, "GET", "/v1/analytics/logs", filters, null);
        assertThat(h.path("total").asLong()).isEqualTo(JSON.readTree(logs.body()).path("count").asLong()).isPositive();
        assertThat(histogram(Map.of("since", DAY, "until", NEXT, "q", "M1")).path("total").asLong())
                .isEqualTo(JSON.readTree(call(fx, acme, "GET", "/v1/analytics/logs", Map.of("q", "m1"), null).body()).path("count").asLong());
    }

    @Test
    void without_an_interval_the_histogram_picks_the_smallest_step_giving_at_most_the_requested_buckets() throws Exception {
        JsonNode day = histogram(Map.of("since", DAY, "until", NEXT));
        assertThat(day.path("interval").asText()).isEqualTo("30m"); // 24 h / 100 buckets -> 30 min (49 buckets)
        assertThat(day.path("buckets").size()).isLessThanOrEqualTo(100);
        JsonNode coarse = histogram(Map.of("since", DAY, "until", NEXT, "buckets", "10"));
        assertThat(coarse.path("interval").asText()).isEqualTo("3h");
        assertThat(coarse.path("total").asLong()).isEqualTo(50);
    }

    @Test
    void the_histogram_as_of_an_older_snapshot_counts_the_older_rows() throws Exception {
        JsonNode h = histogram(Map.of("since", DAY, "until", NEXT, "snapshot_id", Long.toString(firstSnapshot)));
        assertThat(h.path("total").asLong()).isEqualTo(40);
        assertThat(h.path("snapshot_id").asLong()).isEqualTo(firstSnapshot);
    }

    @Test
    void a_bad_interval_or_too_many_buckets_is_a_400_naming_the_parameter() throws Exception {
        for (Map<String, String> q : List.of(Map.of("interval", "5x"), Map.of("interval", "0s"),
                Map.of("since", "2026-01-01T00:00:00Z", "until", NEXT, "interval", "1m"), Map.of("buckets", "0"),
                Map.of("limit", "5"), Map.of("snapshot_id", "1", "as_of", DAY))) {
            ApiResponse r = call(fx, acme, "GET", "/v1/analytics/histogram", q, null);
            assertThat(r.status()).as(q + " " + r.bodyText()).isEqualTo(400);
            assertThat(JSON.readTree(r.body()).path("code").asText()).isIn("invalid_parameter", "unknown_parameter");
        }
    }

    @Test
    void logs_newest_first_with_order_desc_and_a_400_for_another_order() throws Exception {
        JsonNode desc = JSON.readTree(call(fx, acme, "GET", "/v1/analytics/logs", Map.of("order", "desc", "limit", "3"), null).body());
        List<String> ids = new ArrayList<>();
        for (JsonNode l : desc.path("logs")) ids.add(l.path("log_id").asText());
        assertThat(ids).containsExactly("a-0039", "a-0038", "a-0037");
        assertThat(call(fx, acme, "GET", "/v1/analytics/logs", Map.of("order", "sideways"), null).status()).isEqualTo(400);
    }

    @Test
    void logs_as_csv_are_an_attachment_with_a_header_and_the_same_rows_as_the_json_answer() throws Exception {
        Map<String, String> q = Map.of("severity", "ERROR", "format", "csv");
        ApiResponse r = call(fx, acme, "GET", "/v1/analytics/logs", q, null);
        assertThat(r.status()).as(r.bodyText()).isEqualTo(200);
        assertThat(r.headers().get("Content-Type")).startsWith("text/csv");
        assertThat(r.headers().get("Content-Disposition")).startsWith("attachment; filename=\"lakelog-logs-").endsWith(".csv\"");
        String[] lines = r.bodyText().split("\n");
        assertThat(lines[0]).startsWith("tenant_id,log_id,timestamp,event_type");
        JsonNode json = JSON.readTree(call(fx, acme, "GET", "/v1/analytics/logs", Map.of("severity", "ERROR"), null).body());
        assertThat(lines.length - 1).isEqualTo(json.path("count").asInt()).isEqualTo(12);
        assertThat(r.headers().get("X-Row-Count")).isEqualTo("12");
        assertThat(lines[1]).startsWith("acme," + json.path("logs").get(0).path("log_id").asText() + ",2026-11-20T01:00:00.000000Z");
    }

    @Test
    void logs_as_ndjson_are_one_json_object_a_line_with_the_filters_applied() throws Exception {
        ApiResponse r = call(fx, acme, "GET", "/v1/analytics/logs", Map.of("format", "ndjson", "actor_id", "user-1", "since", DAY, "until", NEXT), null);
        assertThat(r.status()).as(r.bodyText()).isEqualTo(200);
        assertThat(r.headers().get("Content-Type")).isEqualTo("application/x-ndjson");
        String[] lines = r.bodyText().trim().split("\n");
        JsonNode json = JSON.readTree(call(fx, acme, "GET", "/v1/analytics/logs", Map.of("actor_id", "user-1", "since", DAY, "until", NEXT), null).body());
        assertThat(lines).hasSize(json.path("count").asInt());
        for (int i = 0; i < lines.length; i++) {
            JsonNode row = JSON.readTree(lines[i]);
            assertThat(row.path("log_id").asText()).isEqualTo(json.path("logs").get(i).path("log_id").asText());
            assertThat(row.path("actor_id").asText()).isEqualTo("user-1");
            assertThat(row.path("tenant_id").asText()).isEqualTo("acme");
        }
    }

    @Test
    void logs_as_parquet_go_through_a_presigned_url_on_s3_and_read_back_as_the_same_rows() throws Exception {
        ApiResponse r = call(fx, acme, "GET", "/v1/analytics/logs", Map.of("format", "parquet", "since", DAY, "until", NEXT), null);
        assertThat(r.status()).as(r.bodyText()).isEqualTo(200);
        JsonNode a = JSON.readTree(r.body());
        assertThat(a.path("format").asText()).isEqualTo("parquet");
        assertThat(a.path("row_count").asLong()).isEqualTo(50);
        HttpResponse<byte[]> file = HTTP.send(HttpRequest.newBuilder(URI.create(a.path("result_url").asText())).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(file.statusCode()).isEqualTo(200);
        assertThat(parquetIds(file.body())).hasSize(50).allMatch(id -> id.startsWith("a-") || id.startsWith("b-"));
    }

    @Test
    void custom_sql_answers_as_csv_or_parquet_and_refuses_an_unknown_format() throws Exception {
        String body = "{\"query\":\"SELECT severity, count(*) AS n FROM logs GROUP BY severity ORDER BY severity\"}";
        ApiResponse csv = call(fx, acme, "POST", "/v1/analytics/query", Map.of("format", "csv"), body);
        assertThat(csv.status()).as(csv.bodyText()).isEqualTo(200);
        assertThat(csv.bodyText().trim().split("\n")).containsExactly("severity,n", "ERROR,12", "INFO,13", "NOTICE,12", "WARNING,13");
        ApiResponse parquet = call(fx, acme, "POST", "/v1/analytics/query", Map.of("format", "parquet"), body);
        assertThat(parquet.status()).as(parquet.bodyText()).isEqualTo(200);
        JsonNode a = JSON.readTree(parquet.body());
        assertThat(a.path("row_count").asLong()).isEqualTo(4);
        ApiResponse bad = call(fx, acme, "POST", "/v1/analytics/query", Map.of("format", "xlsx"), body);
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.bodyText()).contains("format").contains("csv, ndjson, parquet");
    }

    @Test
    void in_local_mode_a_small_parquet_answer_comes_inline_as_an_attachment() throws Exception {
        try (LakelogFixture local = LakelogFixture.local()) {
            var t = local.createTenant("loc", Tier.PAID);
            ArrayNode arr = JSON.createArrayNode();
            arr.addAll(AnalyticsQueryTest.events("l", 7, Instant.parse(DAY), Duration.ofMinutes(5)));
            assertThat(local.call(LakelogFixture.signedJson(t, "/v1/log/batch", arr.toString())).status()).isEqualTo(200);
            ApiResponse r = call(local, t, "GET", "/v1/analytics/logs", Map.of("format", "parquet"), null);
            assertThat(r.status()).as(r.bodyText()).isEqualTo(200);
            assertThat(r.headers().get("Content-Type")).isEqualTo("application/vnd.apache.parquet");
            assertThat(new String(r.body(), 0, 4, StandardCharsets.US_ASCII)).isEqualTo("PAR1");
            assertThat(parquetIds(r.body())).hasSize(7);
        }
    }

    static List<String> parquetIds(byte[] bytes) throws Exception {
        Path f = Files.createTempFile("export-", ".parquet");
        Files.write(f, bytes);
        try (Connection c = TestDuckDb.open(); var st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT log_id, tenant_id FROM read_parquet('" + f + "')")) {
            List<String> ids = new ArrayList<>();
            while (rs.next()) ids.add(rs.getString(1));
            return ids;
        } finally {
            Files.deleteIfExists(f);
        }
    }
}
