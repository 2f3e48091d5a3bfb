package dev.lakelog.query;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lakelog.api.ApiResponse;
import dev.lakelog.auth.Tier;
import dev.lakelog.rollup.RollupRequest;
import dev.lakelog.testing.LakelogFixture;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Asynchronous queries on the production storage (PostgreSQL catalog, s3proxy, the jobs table in
 * DynamoDB Local), run by the in-process worker through the same code as the synchronous routes:
 * POST answers 202 with a job at once, GET follows it to succeeded with a presigned URL that
 * serves the result, a failing job says why, and a tenant cannot see another tenant's job or rows.
 */
class QueryJobsTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static LakelogFixture fx;
    static LakelogFixture.TenantCredentials acme;
    static LakelogFixture.TenantCredentials globex;
    static final Instant T0 = Instant.parse("2026-11-20T10:00:00Z");

    @BeforeAll
    static void start() {
        fx = LakelogFixture.aws();
        acme = fx.createTenant("acme", Tier.PAID);
        globex = fx.createTenant("globex", Tier.PAID);
        ingest(fx, acme, AnalyticsQueryTest.events("acme", 40, T0, Duration.ofMinutes(1)));
        ingest(fx, globex, AnalyticsQueryTest.events("globex", 7, T0, Duration.ofMinutes(1)));
        var r = fx.app().rollup().rollup(new RollupRequest("test", Optional.empty(), Duration.ZERO, false));
        assertThat(r.errors()).isEmpty();
    }

    static void ingest(LakelogFixture f, LakelogFixture.TenantCredentials t, List<ObjectNode> events) {
        var arr = JSON.createArrayNode();
        arr.addAll(events);
        ApiResponse r = f.call(LakelogFixture.signedJson(t, "/v1/log/batch", arr.toString()));
        assertThat(r.status()).as(r.bodyText()).isEqualTo(200);
    }

    @AfterAll
    static void stop() {
        fx.close();
    }

    static JsonNode call(LakelogFixture.TenantCredentials t, String method, String path, String body, int status) throws Exception {
        ApiResponse r = fx.call(LakelogFixture.bearer(t, method, path, Map.of(), body == null ? null : body.getBytes(StandardCharsets.UTF_8)));
        assertThat(r.status()).as(method + " " + path + " " + body + " -> " + r.bodyText()).isEqualTo(status);
        return JSON.readTree(r.body());
    }

    /** Follows the job until it has finished (the worker runs on another thread). */
    static JsonNode awaitFinished(LakelogFixture.TenantCredentials t, String id) throws Exception {
        for (int i = 0; i < 600; i++) {
            JsonNode s = call(t, "GET", "/v1/analytics/jobs/" + id, null, 200);
            String state = s.path("state").asText();
            assertThat(state).isIn("queued", "running", "succeeded", "failed");
            if (state.equals("succeeded") || state.equals("failed")) return s;
            Thread.sleep(200);
        }
        throw new AssertionError("job " + id + " did not finish");
    }

    static byte[] fetch(String url) throws Exception {
        HttpResponse<byte[]> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(r.statusCode()).as("GET of the presigned URL").isEqualTo(200);
        return r.body();
    }

    @Test
    void a_logs_search_job_answers_202_at_once_then_succeeds_with_a_presigned_url_to_its_csv() throws Exception {
        JsonNode submitted = call(acme, "POST", "/v1/analytics/jobs",
                "{\"type\":\"logs\",\"filter\":{\"severity\":\"ERROR\"},\"order\":\"desc\",\"format\":\"csv\"}", 202);
        assertThat(submitted.path("job_id").asText()).hasSize(36);
        assertThat(submitted.path("state").asText()).isEqualTo("queued");
        assertThat(submitted.path("status_url").asText()).isEqualTo("/v1/analytics/jobs/" + submitted.path("job_id").asText());
        JsonNode done = awaitFinished(acme, submitted.path("job_id").asText());
        assertThat(done.path("state").asText()).as(done.toString()).isEqualTo("succeeded");
        assertThat(done.path("row_count").asLong()).isEqualTo(10);
        assertThat(done.path("expires_at").asText()).isNotEmpty();
        String csv = new String(fetch(done.path("result_url").asText()), StandardCharsets.UTF_8);
        List<String> lines = csv.lines().toList();
        assertThat(lines).hasSize(11);
        assertThat(lines.get(0)).contains("log_id");
        assertThat(lines.subList(1, 11)).allSatisfy(l -> assertThat(l).contains("acme-").contains("ERROR").doesNotContain("globex"));
        assertThat(lines.get(1)).contains("acme-0038"); // newest first
    }

    @Test
    void a_custom_sql_job_runs_in_the_tenants_sandbox_and_writes_parquet() throws Exception {
        JsonNode submitted = call(globex, "POST", "/v1/analytics/jobs",
                "{\"type\":\"query\",\"query\":\"SELECT tenant_id, count(*) AS n FROM logs GROUP BY tenant_id\",\"format\":\"parquet\"}", 202);
        JsonNode done = awaitFinished(globex, submitted.path("job_id").asText());
        assertThat(done.path("state").asText()).as(done.toString()).isEqualTo("succeeded");
        assertThat(done.path("format").asText()).isEqualTo("parquet");
        byte[] parquet = fetch(done.path("result_url").asText());
        Path f = Files.createTempFile("job-", ".parquet");
        Files.write(f, parquet);
        try (var c = dev.lakelog.testing.TestDuckDb.open(); var st = c.createStatement();
                var rs = st.executeQuery("SELECT tenant_id, n FROM read_parquet('" + f + "')")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).as("only the caller's rows are in its sandbox").isEqualTo("globex");
            assertThat(rs.getLong(2)).isEqualTo(7);
            assertThat(rs.next()).isFalse();
        } finally {
            Files.deleteIfExists(f);
        }
    }

    @Test
    void a_named_query_job_writes_ndjson() throws Exception {
        JsonNode submitted = call(acme, "POST", "/v1/analytics/jobs", "{\"type\":\"named\",\"name\":\"events_by_component\",\"params\":{"
                + "\"since\":\"2026-11-20T00:00:00Z\",\"until\":\"2026-11-21T00:00:00Z\"},\"format\":\"ndjson\"}", 202);
        JsonNode done = awaitFinished(acme, submitted.path("job_id").asText());
        assertThat(done.path("state").asText()).as(done.toString()).isEqualTo("succeeded");
        List<String> lines = new String(fetch(done.path("result_url").asText()), StandardCharsets.UTF_8).lines().toList();
        assertThat(lines).hasSize(3);
        long events = 0;
        for (String l : lines) events += JSON.readTree(l).path("events").asLong();
        assertThat(events).isEqualTo(40);
    }

    @Test
    void a_job_whose_query_fails_ends_failed_with_the_code_and_reason_the_synchronous_route_would_give() throws Exception {
        JsonNode submitted = call(acme, "POST", "/v1/analytics/jobs",
                "{\"type\":\"query\",\"query\":\"SELECT * FROM read_csv('/etc/passwd')\",\"format\":\"csv\"}", 202);
        JsonNode done = awaitFinished(acme, submitted.path("job_id").asText());
        assertThat(done.path("state").asText()).isEqualTo("failed");
        assertThat(done.path("error").path("code").asText()).isEqualTo("sql_rejected");
        assertThat(done.path("error").path("detail").asText()).isNotBlank();
        assertThat(done.has("result_url")).isFalse();
        JsonNode sync = call(acme, "POST", "/v1/analytics/query", "{\"query\":\"SELECT * FROM read_csv('/etc/passwd')\"}", 400);
        assertThat(done.path("error").path("code").asText()).isEqualTo(sync.path("code").asText());

        JsonNode missingColumn = call(acme, "POST", "/v1/analytics/jobs",
                "{\"type\":\"query\",\"query\":\"SELECT no_such_column FROM logs\"}", 202);
        JsonNode failed = awaitFinished(acme, missingColumn.path("job_id").asText());
        assertThat(failed.path("error").path("code").asText()).isEqualTo("sql_failed");
        assertThat(failed.path("error").path("detail").asText()).contains("no_such_column");
    }

    @Test
    void another_tenants_job_is_not_found_as_an_unknown_one() throws Exception {
        JsonNode submitted = call(acme, "POST", "/v1/analytics/jobs", "{\"type\":\"logs\",\"format\":\"ndjson\"}", 202);
        String id = submitted.path("job_id").asText();
        JsonNode other = call(globex, "GET", "/v1/analytics/jobs/" + id, null, 404);
        assertThat(other.path("code").asText()).isEqualTo("job_not_found");
        JsonNode unknown = call(globex, "GET", "/v1/analytics/jobs/" + java.util.UUID.randomUUID(), null, 404);
        assertThat(unknown.path("code").asText()).isEqualTo("job_not_found");
        assertThat(call(globex, "GET", "/v1/analytics/jobs/not-a-uuid", null, 404).path("code").asText()).isEqualTo("job_not_found");
        assertThat(awaitFinished(acme, id).path("state").asText()).isEqualTo("succeeded");
    }

    @Test
    void a_bad_request_is_refused_at_once_and_records_no_job() throws Exception {
        assertThat(call(acme, "POST", "/v1/analytics/jobs", "{\"type\":\"sql\"}", 400).path("code").asText()).isEqualTo("invalid_body");
        assertThat(call(acme, "POST", "/v1/analytics/jobs", "{\"type\":\"logs\",\"format\":\"xml\"}", 400).path("code").asText())
                .isEqualTo("invalid_parameter");
        assertThat(call(acme, "POST", "/v1/analytics/jobs", "{\"type\":\"logs\",\"filter\":{\"severity\":\"LOUD\"}}", 400).path("detail").asText())
                .contains("severity");
        assertThat(call(acme, "POST", "/v1/analytics/jobs", "{\"type\":\"logs\",\"filter\":{\"colour\":\"red\"}}", 400).path("code").asText())
                .isEqualTo("unknown_parameter");
        assertThat(call(acme, "POST", "/v1/analytics/jobs", "{\"type\":\"named\",\"name\":\"nope\"}", 404).path("code").asText())
                .isEqualTo("query_not_found");
        assertThat(call(acme, "POST", "/v1/analytics/jobs", "{\"type\":\"named\",\"name\":\"events_by_component\",\"format\":\"parquet\"}", 400)
                .path("detail").asText()).contains("parquet");
        assertThat(call(acme, "POST", "/v1/analytics/jobs", "not json", 400).path("code").asText()).isEqualTo("invalid_body");
        var scan = dev.lakelog.testing.TestServers.dynamo().client().scan(b -> b.tableName(fx.env().get("LAKELOG_JOBS_TABLE")));
        assertThat(scan.items()).allSatisfy(i -> assertThat(i.get("request").s()).doesNotContain("LOUD").doesNotContain("xml").doesNotContain("nope"));
    }

    @Test
    void without_a_paid_token_there_is_no_job() throws Exception {
        ApiResponse r = fx.call(new dev.lakelog.api.ApiRequest("POST", "/v1/analytics/jobs", Map.of(), Map.of(),
                "{\"type\":\"logs\"}".getBytes(StandardCharsets.UTF_8)));
        assertThat(r.status()).isEqualTo(401);
        var free = fx.createTenant("freebie", Tier.FREE);
        assertThat(call(free, "POST", "/v1/analytics/jobs", "{\"type\":\"logs\"}", 403).path("code").asText()).isEqualTo("forbidden");
    }

    @Test
    void in_local_mode_the_job_runs_in_process_and_its_result_is_a_local_file() throws Exception {
        try (LakelogFixture local = LakelogFixture.local()) {
            var t = local.createTenant("acme", Tier.PAID);
            ingest(local, t, AnalyticsQueryTest.events("loc", 5, T0, Duration.ofMinutes(1)));
            local.app().rollup().rollup(new RollupRequest("test", Optional.empty(), Duration.ZERO, false));
            ApiResponse r = local.call(LakelogFixture.bearer(t, "POST", "/v1/analytics/jobs", Map.of(),
                    "{\"type\":\"query\",\"query\":\"SELECT log_id FROM logs ORDER BY log_id\"}".getBytes(StandardCharsets.UTF_8)));
            assertThat(r.status()).as(r.bodyText()).isEqualTo(202);
            String id = JSON.readTree(r.body()).path("job_id").asText();
            JsonNode done = null;
            for (int i = 0; i < 600 && done == null; i++) {
                JsonNode s = JSON.readTree(local.call(LakelogFixture.bearer(t, "GET", "/v1/analytics/jobs/" + id, Map.of(), null)).body());
                if (s.path("state").asText().equals("succeeded") || s.path("state").asText().equals("failed")) done = s;
                else Thread.sleep(200);
            }
            assertThat(done).isNotNull();
            assertThat(done.path("state").asText()).as(done.toString()).isEqualTo("succeeded");
            URI url = URI.create(done.path("result_url").asText());
            assertThat(url.getScheme()).isEqualTo("file");
            assertThat(done.path("expires_at").isNull()).isTrue();
            List<String> lines = Files.readAllLines(Path.of(url));
            assertThat(lines).containsExactly("log_id", "loc-0000", "loc-0001", "loc-0002", "loc-0003", "loc-0004");
            Path jobFiles = Path.of(local.env().get("LAKELOG_DATA_DIR")).resolve("jobs");
            try (var files = Files.list(jobFiles)) {
                assertThat(files.count()).isEqualTo(1);
            }
        }
    }
}
