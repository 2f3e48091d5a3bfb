package dev.lakelog.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lakelog.api.ApiRequest;
import dev.lakelog.auth.Tier;
import dev.lakelog.local.LocalServer;
import dev.lakelog.testing.LakelogFixture;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Replays the HTTP requests of the FlightRecorder documents (shared/reference/000_*: "Rollup
 * Process", "Analytics Endpoints", "Maintenance Operations", "Testing Guide") against the running
 * local server, in the documents' order, and checks that every field of every documented answer is
 * there, at the same place, with the same JSON type. The documented answers are copied below
 * verbatim (only {@code "logs": [...]} is written as {@code []}, to be JSON). Where lakelog cannot
 * take a request exactly as written, the test says so and why (docs/api.md,
 * "FlightRecorder compatibility"), and replays it with what lakelog needs.
 */
class FlightRecorderConformanceTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    static LakelogFixture fx;
    static LocalServer server;
    static LakelogFixture.TenantCredentials paid;
    static String operator;

    /**
     * Fields documented as strings that lakelog answers with null in one case, and why. Every other
     * documented field must have the documented type (null included).
     */
    static final Map<String, String> NULL_ALLOWED = nullAllowed();

    private static Map<String, String> nullAllowed() {
        Map<String, String> m = new java.util.HashMap<>();
        m.put("snapshots[].commit_message", "DuckLake's own first snapshot (0) and snapshots written by other tools carry no message");
        for (String f : List.of("sensitivity", "actor_id", "component", "environment", "resource", "payload", "policy_tags",
                "session_id", "request_id", "source_ip", "retention_until")) {
            m.put("logs[]." + f, "optional in an event: null when the producer did not send it (the documented row sends all)");
        }
        return Map.copyOf(m);
    }

    // --- the documented answers, verbatim -------------------------------------------------------

    static final String ROLLUP = """
            {
              "status": "ok",
              "result": {
                "segments_processed": 5,
                "logs_inserted": 1247,
                "segments_deleted": 5,
                "errors": [],
                "timestamp": "2025-11-10T17:30:00.000000"
              }
            }""";

    static final String LOGS = """
            {
              "logs": [
                {
                  "log_id": "550e8400-e29b-41d4-a716-446655440000",
                  "timestamp": "2025-11-10T12:00:00Z",
                  "event_type": "AUTH_FAILED",
                  "outcome": "FAILURE",
                  "severity": "ERROR",
                  "sensitivity": "CONFIDENTIAL",
                  "actor_id": "user@example.com",
                  "component": "auth-service",
                  "environment": "production",
                  "resource": "/api/login",
                  "message": "Invalid credentials",
                  "payload": "{\\"attempts\\": 3, \\"locked\\": false}",
                  "policy_tags": ["pci-dss"],
                  "session_id": "sess-123",
                  "request_id": "req-456",
                  "source_ip": "192.168.1.1",
                  "retention_until": "2025-12-10T12:00:00Z",
                  "archived_at": "2025-11-10T17:30:00Z"
                }
              ],
              "count": 1,
              "limit": 100,
              "offset": 0
            }""";

    static final String SNAPSHOT_LOGS = """
            {
              "snapshot_id": 42,
              "logs": [],
              "count": 100
            }""";

    static final String SNAPSHOTS = """
            {
              "snapshots": [
                {
                  "snapshot_id": 5,
                  "snapshot_time": "2025-11-10T17:30:00Z",
                  "commit_message": "Daily rollup",
                  "schema_version": 1
                },
                {
                  "snapshot_id": 4,
                  "snapshot_time": "2025-11-09T17:30:00Z",
                  "commit_message": "Daily rollup",
                  "schema_version": 1
                }
              ],
              "count": 2
            }""";

    static final String INFO = """
            {
              "table": "logs",
              "info": {
                "table_name": "logs",
                "file_count": 15,
                "total_size_bytes": 524288000,
                "row_count": 1000000
              }
            }""";

    static final String QUERY = """
            {
              "query": "SELECT component, COUNT(*) as error_count FROM compliance_lake.logs WHERE severity = $severity GROUP BY component ORDER BY error_count DESC",
              "params": {
                "severity": "ERROR"
              }
            }""";

    static final String QUERY_ANSWER = """
            {
              "results": [
                {
                  "component": "auth-service",
                  "error_count": 42
                },
                {
                  "component": "api-gateway",
                  "error_count": 15
                }
              ],
              "count": 2
            }""";

    static final String COMPACT = """
            {
              "status": "ok",
              "files_before": 50,
              "files_after": 12,
              "files_merged": 38
            }""";

    static final String CLEANUP_DRY = """
            {
              "status": "ok",
              "files_cleaned": 38,
              "older_than_hours": 168,
              "dry_run": true
            }""";

    static final String EXPIRE = """
            {
              "status": "ok",
              "expired_count": 12,
              "older_than_days": 90
            }""";

    static final String ERROR = """
            {
              "detail": "Query failed: Invalid timestamp format"
            }""";

    /** The Testing Guide's event (step 1), as the document sends it. */
    static final String TEST_EVENT = """
            {
                "timestamp": "2025-11-10T12:00:00Z",
                "event_type": "AUTH_LOGIN",
                "outcome": "SUCCESS",
                "severity": "INFO",
                "sensitivity": "CONFIDENTIAL",
                "actor_id": "test@example.com",
                "component": "test-client",
                "environment": "development",
                "message": "Test log entry",
                "payload": {"test": true}
              }""";

    /** The Rollup Process document's DuckLake row, as an event (every column filled). */
    static final String FULL_EVENT = """
            {"log_id": "550e8400-e29b-41d4-a716-446655440000", "timestamp": "2025-11-10T12:00:00Z",
             "event_type": "AUTH_FAILED", "outcome": "FAILURE", "severity": "ERROR", "sensitivity": "CONFIDENTIAL",
             "actor_id": "user@example.com", "component": "auth-service", "environment": "production",
             "resource": "/api/login", "message": "Invalid credentials", "payload": {"attempts": 3, "locked": false},
             "policy_tags": ["pci-dss"], "session_id": "sess-123", "request_id": "req-456", "source_ip": "192.168.1.1",
             "retention_until": "2025-12-10T12:00:00Z"}""";

    @BeforeAll
    static void start() throws Exception {
        fx = LakelogFixture.local();
        paid = fx.createTenant("flightrecorder", Tier.PAID);
        operator = fx.createOperator("ops");
        server = new LocalServer(fx.app().router(), 0);
    }

    @AfterAll
    static void stop() {
        server.close();
        fx.close();
    }

    record Answer(int status, JsonNode body) {}

    private static Answer send(String method, String pathAndQuery, String token, String jsonBody) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.url() + pathAndQuery)).timeout(Duration.ofSeconds(60))
                .method(method, jsonBody == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(jsonBody));
        if (token != null) b.header("Authorization", "Bearer " + token);
        if (jsonBody != null) b.header("Content-Type", "application/json");
        HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(r.statusCode(), r.body().isEmpty() ? JSON.nullNode() : JSON.readTree(r.body()));
    }

    /** {@code POST /v1/log} signed as lakelog requires (the documents send only X-Signature). */
    private static int ingestSigned(String event) throws Exception {
        ApiRequest signed = LakelogFixture.signedJson(paid, "/v1/log", event);
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.url() + "/v1/log")).timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofByteArray(signed.body()));
        signed.headers().forEach(b::header);
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    /** Every documented field is present in {@code actual} at the same place with the same JSON type. */
    static List<String> mismatches(JsonNode documented, JsonNode actual) {
        List<String> out = new ArrayList<>();
        compare(documented, actual, "", out, false);
        return out;
    }

    /** As {@link #mismatches}, with no null allowed anywhere: for answers whose rows fill every field. */
    static List<String> strictMismatches(JsonNode documented, JsonNode actual) {
        List<String> out = new ArrayList<>();
        compare(documented, actual, "", out, true);
        return out;
    }

    private static void compare(JsonNode doc, JsonNode act, String path, List<String> out, boolean strict) {
        String where = path.isEmpty() ? "$" : path;
        if (act == null || act.isMissingNode()) {
            out.add(where + ": missing");
            return;
        }
        if (act.isNull() && !doc.isNull()) {
            if (strict || !NULL_ALLOWED.containsKey(path)) out.add(where + ": null, documented as " + doc.getNodeType());
            return;
        }
        if (doc.isObject()) {
            if (!act.isObject()) {
                out.add(where + ": " + act.getNodeType() + ", documented as an object");
                return;
            }
            doc.fieldNames().forEachRemaining(f -> compare(doc.get(f), act.get(f), path.isEmpty() ? f : path + "." + f, out, strict));
        } else if (doc.isArray()) {
            if (!act.isArray()) {
                out.add(where + ": " + act.getNodeType() + ", documented as an array");
                return;
            }
            if (doc.size() > 0) for (JsonNode element : act) compare(doc.get(0), element, path + "[]", out, strict);
        } else if (doc.isIntegralNumber()) {
            if (!act.isIntegralNumber()) out.add(where + ": " + act.getNodeType() + " " + act + ", documented as an integer");
        } else if (doc.isNumber()) {
            if (!act.isNumber()) out.add(where + ": " + act.getNodeType() + ", documented as a number");
        } else if (doc.isTextual()) {
            if (!act.isTextual()) out.add(where + ": " + act.getNodeType() + ", documented as a string");
        } else if (doc.isBoolean()) {
            if (!act.isBoolean()) out.add(where + ": " + act.getNodeType() + ", documented as a boolean");
        }
    }

    private static void conforms(String request, Answer a, String documented) throws Exception {
        assertThat(a.status()).as(request + " -> " + a.body()).isEqualTo(200);
        assertThat(mismatches(JSON.readTree(documented), a.body())).as(request + " -> " + a.body()).isEmpty();
    }

    @Test
    void every_request_of_the_flightrecorder_documents_is_accepted_and_answered_with_every_documented_field() throws Exception {
        // Testing Guide 1: generate test data (signed: lakelog needs X-Key-Id beside X-Signature).
        assertThat(ingestSigned(TEST_EVENT)).isEqualTo(200);
        assertThat(ingestSigned(FULL_EVENT)).isEqualTo(200);
        String guideEvent = "{\"timestamp\":\"" + Instant.now().minusSeconds(30).toString().substring(0, 19) + "Z\",\"event_type\":\"TEST_EVENT\","
                + "\"outcome\":\"SUCCESS\",\"severity\":\"INFO\",\"actor_id\":\"user-1\",\"component\":\"test\",\"environment\":\"dev\",\"message\":\"Test log 1\"}";
        assertThat(ingestSigned(guideEvent)).as("Testing Guide, scenario 1").isEqualTo(200);

        // Rollup Process / Testing Guide 2: POST /v1/analytics/rollup?delete_after_rollup=false
        conforms("rollup", send("POST", "/v1/analytics/rollup?delete_after_rollup=false", paid.token(), null), ROLLUP);

        // Analytics: the documented filtered query, then the guide's plain ones.
        Answer logs = send("GET", "/v1/analytics/logs?since=2025-11-01T00:00:00Z&until=2025-11-10T23:59:59Z&severity=ERROR"
                + "&component=auth-service&limit=100", paid.token(), null);
        conforms("logs (filtered)", logs, LOGS);
        assertThat(logs.body().path("logs")).as("the documented row itself, every field filled").hasSize(1);
        assertThat(strictMismatches(JSON.readTree(LOGS), logs.body())).as(logs.body().toString()).isEmpty();
        conforms("logs?limit=10", send("GET", "/v1/analytics/logs?limit=10", paid.token(), null), LOGS);
        conforms("logs?limit=10000", send("GET", "/v1/analytics/logs?limit=10000", paid.token(), null), LOGS);
        conforms("logs?component=test&severity=ERROR&limit=1000",
                send("GET", "/v1/analytics/logs?component=test&severity=ERROR&limit=1000", paid.token(), null), LOGS);
        conforms("logs?severity=error (lower case)", send("GET", "/v1/analytics/logs?severity=error&limit=10", paid.token(), null), LOGS);

        Answer snapshots = send("GET", "/v1/analytics/snapshots", paid.token(), null);
        conforms("snapshots", snapshots, SNAPSHOTS);
        long latest = snapshots.body().path("snapshots").get(0).path("snapshot_id").asLong();
        conforms("logs/snapshot/{latest}?limit=100", send("GET", "/v1/analytics/logs/snapshot/" + latest + "?limit=100", paid.token(), null), SNAPSHOT_LOGS);
        conforms("logs/snapshot/1?limit=10", send("GET", "/v1/analytics/logs/snapshot/1?limit=10", paid.token(), null), SNAPSHOT_LOGS);

        conforms("info", send("GET", "/v1/analytics/info", paid.token(), null), INFO);
        Answer info = send("GET", "/v1/analytics/info", paid.token(), null);
        assertThat(info.body().path("info").path("row_count").asLong()).isEqualTo(3);

        Answer query = send("POST", "/v1/analytics/query", paid.token(), QUERY);
        conforms("query", query, QUERY_ANSWER);
        assertThat(query.body().path("results").toString()).isEqualTo("[{\"component\":\"auth-service\",\"error_count\":1}]");

        // Maintenance: lake-wide jobs need an operator token in lakelog (a paid tenant's token is a 403 naming it).
        Answer asTenant = send("POST", "/v1/analytics/maintenance/compact", paid.token(), null);
        assertThat(asTenant.status()).isEqualTo(403);
        assertThat(asTenant.body().path("detail").asText()).contains("operator token");
        assertThat(mismatches(JSON.readTree(ERROR), asTenant.body())).as("the documented error shape").isEmpty();

        // Testing Guide 6: several rollups, then compact.
        for (int i = 0; i < 3; i++) {
            assertThat(ingestSigned(guideEvent.replace("Test log 1", "Test log " + (i + 2)))).isEqualTo(200);
            conforms("rollup " + i, send("POST", "/v1/analytics/rollup", paid.token(), null), ROLLUP);
        }
        conforms("compact", send("POST", "/v1/analytics/maintenance/compact", operator, null), COMPACT);
        conforms("cleanup?older_than_hours=168&dry_run=true",
                send("POST", "/v1/analytics/maintenance/cleanup?older_than_hours=168&dry_run=true", operator, null), CLEANUP_DRY);
        conforms("cleanup?older_than_hours=168&dry_run=false",
                send("POST", "/v1/analytics/maintenance/cleanup?older_than_hours=168&dry_run=false", operator, null), CLEANUP_DRY);
        conforms("expire-snapshots?older_than_days=90",
                send("POST", "/v1/analytics/maintenance/expire-snapshots?older_than_days=90", operator, null), EXPIRE);
        // Testing Guide 7 with 0: expire every snapshot but the latest, then clean up at once.
        conforms("expire-snapshots?older_than_days=0",
                send("POST", "/v1/analytics/maintenance/expire-snapshots?older_than_days=0", operator, null), EXPIRE);
        Answer cleanupZeroDry = send("POST", "/v1/analytics/maintenance/cleanup?older_than_hours=0&dry_run=true", operator, null);
        conforms("cleanup?older_than_hours=0&dry_run=true", cleanupZeroDry, CLEANUP_DRY);
        assertThat(cleanupZeroDry.body().path("dry_run").asBoolean()).isTrue();
        assertThat(cleanupZeroDry.body().path("older_than_hours").asLong()).isZero();
        Answer cleanupZero = send("POST", "/v1/analytics/maintenance/cleanup?older_than_hours=0&dry_run=false", operator, null);
        conforms("cleanup?older_than_hours=0&dry_run=false", cleanupZero, CLEANUP_DRY);
        assertThat(cleanupZero.body().path("files_cleaned").asLong()).as("compaction and expiry left files to clean")
                .isEqualTo(cleanupZeroDry.body().path("files_cleaned").asLong()).isPositive();
        assertThat(cleanupZero.body().path("result").path("files_cleaned").asLong()).as("result stays beside")
                .isEqualTo(cleanupZero.body().path("files_cleaned").asLong());

        // After compaction, cleanup and expiry the data reads the same (Testing Guide 7, "Monitoring").
        conforms("logs after maintenance", send("GET", "/v1/analytics/logs?limit=10", paid.token(), null), LOGS);
        Answer after = send("GET", "/v1/analytics/info", paid.token(), null);
        conforms("info after maintenance", after, INFO);
        assertThat(after.body().path("info").path("row_count").asLong()).isEqualTo(6);
    }

    @Test
    void the_requests_lakelog_cannot_take_as_written_are_refused_with_a_reason() throws Exception {
        // Testing Guide 6 and "Scenario 3" post the rollup with no credentials at all.
        Answer noAuth = send("POST", "/v1/analytics/rollup", null, null);
        assertThat(noAuth.status()).isEqualTo(401);
        assertThat(mismatches(JSON.readTree(ERROR), noAuth.body())).isEmpty();
        // Testing Guide 1 and "Scenario 1" sign with X-Signature alone; lakelog also needs X-Key-Id.
        HttpResponse<String> unsigned = HTTP.send(HttpRequest.newBuilder(URI.create(server.url() + "/v1/log"))
                .header("Content-Type", "application/json").header("X-Signature", "<hmac-signature>")
                .POST(HttpRequest.BodyPublishers.ofString(TEST_EVENT, StandardCharsets.UTF_8)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(unsigned.statusCode()).isEqualTo(401);
        assertThat(JSON.readTree(unsigned.body()).path("detail").asText()).isEqualTo("invalid or missing request signature");
        // Maintenance with a paid tenant's token: 403 naming the operator token (checked in the replay too).
        for (String job : Set.of("compact", "cleanup?older_than_hours=0&dry_run=true", "expire-snapshots?older_than_days=90")) {
            Answer a = send("POST", "/v1/analytics/maintenance/" + job, paid.token(), null);
            assertThat(a.status()).as(job).isEqualTo(403);
            assertThat(a.body().path("detail").asText()).contains("operator token");
        }
    }
}
