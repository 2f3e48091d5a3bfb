package dev.lakelog.ingest;

import static dev.lakelog.ingest.IngestTestSupport.batch;
import static dev.lakelog.ingest.IngestTestSupport.event;
import static dev.lakelog.ingest.IngestTestSupport.eventWith;
import static dev.lakelog.ingest.IngestTestSupport.objects;
import static dev.lakelog.ingest.IngestTestSupport.withHeader;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lakelog.api.ApiRequest;
import dev.lakelog.api.ApiResponse;
import dev.lakelog.auth.Tier;
import dev.lakelog.testing.LakelogFixture;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The malformed-request table: every row is a request a broken or hostile producer could send;
 * each gets a 4xx whose detail names the problem, and the bucket stays empty.
 */
class IngestValidationTableTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static LakelogFixture fx;
    private static LakelogFixture.TenantCredentials acme;

    @BeforeAll
    static void start() {
        fx = LakelogFixture.aws();
        acme = fx.createTenant("acme", Tier.FREE);
    }

    @AfterAll
    static void stop() {
        fx.close();
    }

    /** How to build the request from the tenant's credentials. */
    interface Req extends Function<LakelogFixture.TenantCredentials, ApiRequest> {}

    private static Req json(String path, String body) {
        return t -> IngestTestSupport.signed(t, path, "application/json", body);
    }

    private static Req raw(String path, String contentType, byte[] body) {
        return t -> LakelogFixture.signed(t, "POST", path, contentType, body);
    }

    private static Arguments row(String name, Req req, int status, String detailFragment) {
        return Arguments.of(name, req, status, detailFragment);
    }

    private static String nested(int depth) {
        return "{\"a\":".repeat(depth) + "1" + "}".repeat(depth);
    }

    static Stream<Arguments> malformed() {
        List<Arguments> rows = new ArrayList<>();
        rows.add(row("broken JSON", json("/v1/log", "{\"timestamp\":"), 400, "not valid JSON"));
        rows.add(row("trailing garbage after the object", json("/v1/log", event("a") + " x"), 400, "not valid JSON"));
        rows.add(row("empty body", json("/v1/log", ""), 400, "empty"));
        rows.add(row("whitespace-only body", json("/v1/log", "   \n"), 400, "empty"));
        rows.add(row("array sent to the single-event route", json("/v1/log", "[" + event("a") + "]"), 400, "must be a JSON object"));
        rows.add(row("severity of the wrong type", json("/v1/log", event("a").replace("\"severity\":\"INFO\"", "\"severity\":5")), 400, "severity: must be a string"));
        rows.add(row("message of the wrong type", json("/v1/log", event("a").replace("\"message\":\"user logged in\"", "\"message\":{\"x\":1}")), 400, "message: must be a string"));
        rows.add(row("policy_tags not an array", json("/v1/log", eventWith("a", "\"policy_tags\":\"hipaa\"")), 400, "policy_tags: must be an array"));
        rows.add(row("too many policy tags", json("/v1/log", eventWith("a", "\"policy_tags\":[" + "\"t\",".repeat(32) + "\"t\"]")), 400, "more than 32 tags"));
        rows.add(row("huge message", json("/v1/log", event("a").replace("user logged in", "m".repeat(40_000))), 400, "message: is longer than 32768"));
        rows.add(row("huge payload", json("/v1/log", eventWith("a", "\"payload\":{\"blob\":\"" + "p".repeat(70_000) + "\"}")), 400, "payload: is larger than 65536 bytes"));
        rows.add(row("huge actor_id", json("/v1/log", event("a").replace("\"u1\"", "\"" + "u".repeat(300) + "\"")), 400, "actor_id: is longer than 256"));
        rows.add(row("nesting deeper than 32", json("/v1/log", eventWith("a", "\"payload\":" + nested(40))), 400, "nesting depth"));
        rows.add(row("invalid UTF-8", raw("/v1/log", "application/json", concat(event("a").substring(0, 20).getBytes(StandardCharsets.UTF_8),
                new byte[] {(byte) 0xC3, (byte) 0x28}, "\"}".getBytes(StandardCharsets.UTF_8))), 400, "not valid UTF-8"));
        rows.add(row("duplicate key", json("/v1/log", eventWith("a", "\"severity\":\"ERROR\"")), 400, "Duplicate field 'severity'"));
        rows.add(row("wrong content type", raw("/v1/log", "text/plain", event("a").getBytes(StandardCharsets.UTF_8)), 415, "Content-Type must be application/json"));
        rows.add(row("missing content type", raw("/v1/log", null, event("a").getBytes(StandardCharsets.UTF_8)), 415, "Content-Type header is required"));
        rows.add(row("NDJSON to the single-event route", raw("/v1/log", "application/x-ndjson", event("a").getBytes(StandardCharsets.UTF_8)), 415, "Content-Type must be application/json"));
        rows.add(row("missing signature headers", t -> withHeader(withHeader(json("/v1/log", event("a")).apply(t), "X-Key-Id", null), "X-Signature", null), 401, "invalid or missing request signature"));
        rows.add(row("signature over another body", t -> {
            ApiRequest r = json("/v1/log", event("a")).apply(t);
            return new ApiRequest(r.method(), r.path(), r.query(), r.headers(), event("b").getBytes(StandardCharsets.UTF_8));
        }, 401, "invalid or missing request signature"));
        rows.add(row("batch of 1,001 events", json("/v1/log/batch", batch(1001, "e")), 413, "at most 1000"));
        rows.add(row("body over 5 MB", json("/v1/log/batch", "[" + " ".repeat(5 * 1024 * 1024) + "]"), 413, "at most 5242880"));
        rows.add(row("timestamp not a date", json("/v1/log", event("a").replaceFirst("\"timestamp\":\"[^\"]+\"", "\"timestamp\":\"yesterday\"")), 400, "timestamp: must be an ISO 8601"));
        rows.add(row("timestamp without offset", json("/v1/log", event("a").replaceFirst("\"timestamp\":\"[^\"]+\"", "\"timestamp\":\"2026-11-20T08:15:30\"")), 400, "timestamp: must be an ISO 8601"));
        rows.add(row("timestamp on 30 February", json("/v1/log", event("a").replaceFirst("\"timestamp\":\"[^\"]+\"", "\"timestamp\":\"2026-02-30T08:15:30Z\"")), 400, "timestamp: must be an ISO 8601"));
        rows.add(row("timestamp far in the future", json("/v1/log", event("a").replaceFirst("\"timestamp\":\"[^\"]+\"", "\"timestamp\":\"2099-01-01T00:00:00Z\"")), 400, "in the future"));
        rows.add(row("timestamp before 1970", json("/v1/log", event("a").replaceFirst("\"timestamp\":\"[^\"]+\"", "\"timestamp\":\"1969-12-31T23:59:59Z\"")), 400, "timestamp: is before"));
        rows.add(row("timestamp as a number", json("/v1/log", event("a").replaceFirst("\"timestamp\":\"[^\"]+\"", "\"timestamp\":1700000000")), 400, "timestamp: must be a string"));
        rows.add(row("unknown field", json("/v1/log", eventWith("a", "\"colour\":\"red\"")), 400, "colour: unknown field"));
        rows.add(row("server-set tenant_id", json("/v1/log", eventWith("a", "\"tenant_id\":\"other\"")), 400, "tenant_id: is set by the server"));
        rows.add(row("server-set ingested_at", json("/v1/log", eventWith("a", "\"ingested_at\":\"2026-01-01T00:00:00Z\"")), 400, "ingested_at: is set by the server"));
        rows.add(row("bad severity", json("/v1/log", event("a").replace("\"INFO\"", "\"LOUD\"")), 400, "severity: must be one of"));
        rows.add(row("bad outcome", json("/v1/log", event("a").replace("\"SUCCESS\"", "\"MAYBE\"")), 400, "outcome: must be one of"));
        rows.add(row("empty object", json("/v1/log", "{}"), 400, "timestamp: is required"));
        rows.add(row("blank message", json("/v1/log", event("a").replace("user logged in", "  ")), 400, "message: must not be empty"));
        rows.add(row("NUL in a string", json("/v1/log", event("a").replace("user logged in", "a\\u0000b")), 400, "NUL"));
        rows.add(row("unpaired surrogate escape", json("/v1/log", event("a").replace("user logged in", "a\\ud800b")), 400, "unpaired UTF-16 surrogate"));
        rows.add(row("bad source_ip", json("/v1/log", eventWith("a", "\"source_ip\":\"999.1.1.1\"")), 400, "source_ip: must be an IPv4 or IPv6"));
        rows.add(row("bad log_id", json("/v1/log", event("a a")), 400, "log_id: must be 1-128"));
        rows.add(row("number with 100 digits", json("/v1/log", eventWith("a", "\"payload\":{\"n\":" + "9".repeat(100) + "}")), 400, "Number value length"));
        rows.add(row("bad NDJSON line", raw("/v1/log/batch", "application/x-ndjson", (event("a") + "\n{oops\n" + event("b")).getBytes(StandardCharsets.UTF_8)), 400, "NDJSON line 2 (event 1)"));
        rows.add(row("batch that is an object", json("/v1/log/batch", event("a")), 400, "must be a JSON array"));
        rows.add(row("empty batch", json("/v1/log/batch", "[]"), 400, "batch is empty"));
        rows.add(row("batch element not an object", json("/v1/log/batch", "[" + event("a") + ",1]"), 400, "events[1].$: an event must be a JSON object"));
        rows.add(row("one bad event in a batch", json("/v1/log/batch", "[" + event("a") + "," + event("b") + "," + event("c").replace("\"INFO\"", "\"LOUD\"") + "]"), 400, "events[2].severity: must be one of"));
        rows.add(row("unsupported Content-Encoding", t -> withHeader(json("/v1/log", event("a")).apply(t), "Content-Encoding", "br"), 415, "Content-Encoding must be gzip"));
        rows.add(row("gzip header on a plain body", t -> withHeader(json("/v1/log", event("a")).apply(t), "Content-Encoding", "gzip"), 400, "not valid gzip"));
        rows.add(row("Idempotency-Key too long", t -> withHeader(json("/v1/log", event("a")).apply(t), "Idempotency-Key", "k".repeat(300)), 400, "Idempotency-Key must be 1-255"));
        rows.add(row("OTLP protobuf cut short", raw("/v1/logs", "application/x-protobuf", new byte[] {10, 5, 1}), 400, "not a valid OTLP protobuf ExportLogsServiceRequest"));
        rows.add(row("OTLP in an unknown media type", raw("/v1/logs", "application/grpc", new byte[] {0, 0, 0, 0, 0}), 415, "application/x-protobuf or application/json"));
        rows.add(row("OTLP resourceLogs not an array", json("/v1/logs", "{\"resourceLogs\":{}}"), 400, "resourceLogs must be an array"));
        rows.add(row("OTLP bad timeUnixNano", json("/v1/logs", "{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{\"timeUnixNano\":\"soon\",\"body\":{\"stringValue\":\"x\"}}]}]}]}"), 400, "timeUnixNano must be a decimal string"));
        rows.add(row("OTLP without credentials", t -> new ApiRequest("POST", "/v1/logs", Map.of(), Map.of("Content-Type", "application/json"), "{}".getBytes(StandardCharsets.UTF_8)), 401, "invalid or missing Bearer token"));
        return rows.stream();
    }

    private static byte[] concat(byte[]... parts) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (byte[] p : parts) out.writeBytes(p);
        return out.toByteArray();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void a_malformed_request_gets_a_4xx_naming_the_problem_and_writes_nothing(String name, Req req, int status, String fragment) throws Exception {
        ApiResponse r = fx.call(req.apply(acme));
        assertThat(r.status()).as(r.bodyText()).isEqualTo(status);
        JsonNode body = JSON.readTree(r.body());
        assertThat(body.path("detail").asText()).contains(fragment);
        assertThat(objects(fx)).isEmpty();
    }

    @Test
    void the_table_has_at_least_thirty_rows() {
        assertThat(malformed().count()).isGreaterThanOrEqualTo(30);
    }

    @Test
    void one_400_lists_every_field_error_of_every_bad_event() throws Exception {
        String bad1 = "{\"timestamp\":\"nope\",\"event_type\":\"X\",\"outcome\":\"MAYBE\",\"severity\":\"INFO\",\"message\":\"m\",\"colour\":1}";
        String bad3 = "{\"timestamp\":\"2026-11-20T00:00:00Z\",\"outcome\":\"SUCCESS\",\"severity\":\"LOUD\"}";
        ApiResponse r = fx.call(IngestTestSupport.signed(acme, "/v1/log/batch", "application/json",
                "[" + event("ok0") + "," + bad1 + "," + event("ok2") + "," + bad3 + "]"));
        assertThat(r.status()).isEqualTo(400);
        String detail = JSON.readTree(r.body()).path("detail").asText();
        assertThat(detail).contains("2 of the batch; nothing was stored",
                "events[1].colour: unknown field", "events[1].timestamp: must be an ISO 8601", "events[1].outcome: must be one of",
                "events[3].event_type: is required", "events[3].severity: must be one of", "events[3].message: is required");
        assertThat(detail).doesNotContain("events[0]", "events[2]");
        assertThat(objects(fx)).isEmpty();
    }
}
