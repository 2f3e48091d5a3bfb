package dev.lakelog.ingest;

import static dev.lakelog.ingest.IngestTestSupport.objects;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lakelog.api.ApiRequest;
import dev.lakelog.api.ApiResponse;
import dev.lakelog.auth.Tier;
import dev.lakelog.segment.LogEvent;
import dev.lakelog.segment.SegmentCodec;
import dev.lakelog.testing.LakelogFixture;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code POST /v1/logs}: what an OpenTelemetry Collector's otlphttp exporter (encoding: json) sends. */
class OtlpIngestTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static LakelogFixture fx;
    private static LakelogFixture.TenantCredentials acme;

    /** Shaped like the Collector's output: int64 as strings, hex ids, AnyValue attributes. */
    static final String COLLECTOR_PAYLOAD = """
            {"resourceLogs":[{
              "resource":{"attributes":[
                {"key":"service.name","value":{"stringValue":"checkout"}},
                {"key":"deployment.environment.name","value":{"stringValue":"production"}},
                {"key":"host.name","value":{"stringValue":"ip-10-0-0-7"}}]},
              "scopeLogs":[{
                "scope":{"name":"io.opentelemetry.java.logback","version":"2.10.0"},
                "logRecords":[
                  {"timeUnixNano":"1763626530123456789","observedTimeUnixNano":"1763626530200000000",
                   "severityNumber":17,"severityText":"ERROR",
                   "body":{"stringValue":"payment declined"},
                   "attributes":[{"key":"event.name","value":{"stringValue":"payment.declined"}},
                                 {"key":"enduser.id","value":{"stringValue":"user-42"}},
                                 {"key":"http.status_code","value":{"intValue":"402"}},
                                 {"key":"retry","value":{"boolValue":false}},
                                 {"key":"amounts","value":{"arrayValue":{"values":[{"doubleValue":9.5},{"intValue":"3"}]}}}],
                   "traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","flags":1},
                  {"timeUnixNano":"0","observedTimeUnixNano":"1763626531000000000","severityNumber":13,
                   "body":{"kvlistValue":{"values":[{"key":"msg","value":{"stringValue":"slow"}}]}}},
                  {"observedTimeUnixNano":"1763626532000000000","severityText":"notice","body":{"stringValue":"cache warmed"}}
                ]}]}]}""";

    @BeforeAll
    static void start() {
        fx = LakelogFixture.aws();
        acme = fx.createTenant("acme", Tier.FREE);
    }

    @AfterAll
    static void stop() {
        fx.close();
    }

    private static List<LogEvent> storedEvents(String tenant) throws Exception {
        SegmentCodec codec = new SegmentCodec();
        List<LogEvent> out = new java.util.ArrayList<>();
        for (String k : objects(fx)) {
            if (!k.startsWith("segments/tenant=" + tenant + "/")) continue;
            byte[] b = dev.lakelog.testing.TestServers.s3().client().getObjectAsBytes(r -> r.bucket(fx.bucket()).key(k)).asByteArray();
            out.addAll(codec.decode(b).events());
        }
        return out;
    }

    @Test
    void a_collector_export_with_a_bearer_token_and_gzip_is_mapped_onto_the_schema() throws Exception {
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(gz)) {
            z.write(COLLECTOR_PAYLOAD.getBytes(StandardCharsets.UTF_8));
        }
        ApiRequest req = new ApiRequest("POST", "/v1/logs", Map.of(), Map.of("Authorization", "Bearer " + acme.token(),
                "Content-Type", "application/json", "Content-Encoding", "gzip"), gz.toByteArray());
        ApiResponse r = fx.call(req);
        assertThat(r.status()).as(r.bodyText()).isEqualTo(200);
        assertThat(JSON.readTree(r.body()).isEmpty()).isTrue();

        List<LogEvent> events = storedEvents("acme");
        assertThat(events).hasSize(3);
        LogEvent e = events.get(0);
        assertThat(e.tenantId()).isEqualTo("acme");
        assertThat(e.timestampMicros()).isEqualTo(1763626530123456L);
        assertThat(e.component()).isEqualTo("checkout");
        assertThat(e.environment()).isEqualTo("production");
        assertThat(e.severity()).isEqualTo("ERROR");
        assertThat(e.eventType()).isEqualTo("payment.declined");
        assertThat(e.outcome()).isEqualTo("UNKNOWN");
        assertThat(e.actorId()).isEqualTo("user-42");
        assertThat(e.message()).isEqualTo("payment declined");
        JsonNode p = JSON.readTree(e.payload());
        assertThat(e.traceId()).as("trace_id column").isEqualTo("5b8efff798038103d269b633813fc60c");
        assertThat(e.spanId()).as("span_id column").isEqualTo("eee19b7ec3c1b174");
        assertThat(p.has("trace_id")).as("ids are columns, not payload").isFalse();
        assertThat(p.path("flags").asInt()).isEqualTo(1);
        assertThat(p.path("attributes").path("http.status_code").asLong()).isEqualTo(402);
        assertThat(p.path("attributes").path("amounts").toString()).isEqualTo("[9.5,3]");
        assertThat(p.path("resource").path("host.name").asText()).isEqualTo("ip-10-0-0-7");
        assertThat(p.path("scope").path("name").asText()).isEqualTo("io.opentelemetry.java.logback");

        LogEvent second = events.get(1);
        assertThat(second.timestampMicros()).as("observed time when time is 0").isEqualTo(1763626531000000L);
        assertThat(second.severity()).isEqualTo("WARNING");
        assertThat(second.eventType()).isEqualTo("otel.log");
        assertThat(second.message()).isEqualTo("{\"msg\":\"slow\"}");
        assertThat(events.get(2).severity()).isEqualTo("NOTICE");
    }

    @Test
    void the_otlp_route_also_accepts_hmac_and_answers_partial_success_naming_a_bad_record() throws Exception {
        LakelogFixture.TenantCredentials other = fx.createTenant("other", Tier.PAID);
        ApiResponse ok = fx.call(IngestTestSupport.signed(other, "/v1/logs", "application/json", COLLECTOR_PAYLOAD));
        assertThat(ok.status()).as(ok.bodyText()).isEqualTo(200);
        String bad = COLLECTOR_PAYLOAD.replace("\"body\":{\"stringValue\":\"cache warmed\"}",
                "\"body\":{\"stringValue\":\"" + "x".repeat(40_000) + "\"}");
        int before = storedEvents("other").size();
        ApiResponse r = fx.call(IngestTestSupport.signed(other, "/v1/logs", "application/json", bad));
        assertThat(r.status()).as(r.bodyText()).isEqualTo(200);
        JsonNode partial = JSON.readTree(r.body()).path("partialSuccess");
        assertThat(partial.path("rejectedLogRecords").asText()).isEqualTo("1");
        assertThat(partial.path("errorMessage").asText()).contains("1 of 3 log records rejected").contains("events[2].message: is longer than");
        assertThat(storedEvents("other")).hasSize(before + 2);
    }

    @Test
    void an_otlp_request_whose_every_record_is_invalid_is_a_400_that_writes_nothing() throws Exception {
        LakelogFixture.TenantCredentials t = fx.createTenant("allbad", Tier.FREE);
        String bad = """
                {"resourceLogs":[{"scopeLogs":[{"logRecords":[
                  {"timeUnixNano":"1763626530123456789","body":{"stringValue":"a"},"traceId":"xyz"},
                  {"timeUnixNano":"1763626530123456789","body":{"stringValue":"b"},"spanId":"0102"}]}]}]}""";
        ApiResponse r = fx.call(IngestTestSupport.signed(t, "/v1/logs", "application/json", bad));
        assertThat(r.status()).isEqualTo(400);
        assertThat(JSON.readTree(r.body()).path("detail").asText())
                .contains("events[0].trace_id: must be 32 hex digits").contains("events[1].span_id: must be 16 hex digits");
        assertThat(storedEvents("allbad")).isEmpty();
    }

    private static ApiRequest protobuf(LakelogFixture.TenantCredentials t, byte[] body, Map<String, String> extra) {
        Map<String, String> h = new java.util.HashMap<>(extra);
        h.put("Authorization", "Bearer " + t.token());
        h.put("Content-Type", "application/x-protobuf");
        return new ApiRequest("POST", "/v1/logs", Map.of(), h, body);
    }

    private static io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest protoRequest(String... bodies) {
        var scope = io.opentelemetry.proto.logs.v1.ScopeLogs.newBuilder()
                .setScope(io.opentelemetry.proto.common.v1.InstrumentationScope.newBuilder().setName("proto-test"));
        for (String b : bodies) {
            scope.addLogRecords(io.opentelemetry.proto.logs.v1.LogRecord.newBuilder()
                    .setTimeUnixNano(1763626530123456789L)
                    .setSeverityNumber(io.opentelemetry.proto.logs.v1.SeverityNumber.SEVERITY_NUMBER_WARN)
                    .setBody(io.opentelemetry.proto.common.v1.AnyValue.newBuilder().setStringValue(b))
                    .addAttributes(io.opentelemetry.proto.common.v1.KeyValue.newBuilder().setKey("bytes")
                            .setValue(io.opentelemetry.proto.common.v1.AnyValue.newBuilder()
                                    .setBytesValue(com.google.protobuf.ByteString.copyFrom(new byte[] {1, 2, 3}))))
                    .setTraceId(com.google.protobuf.ByteString.copyFrom(java.util.HexFormat.of().parseHex("0af7651916cd43dd8448eb211c80319c")))
                    .setSpanId(com.google.protobuf.ByteString.copyFrom(new byte[8])));
        }
        return io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest.newBuilder()
                .addResourceLogs(io.opentelemetry.proto.logs.v1.ResourceLogs.newBuilder()
                        .setResource(io.opentelemetry.proto.resource.v1.Resource.newBuilder()
                                .addAttributes(io.opentelemetry.proto.common.v1.KeyValue.newBuilder().setKey("service.name")
                                        .setValue(io.opentelemetry.proto.common.v1.AnyValue.newBuilder().setStringValue("proto-svc"))))
                        .addScopeLogs(scope))
                .build();
    }

    @Test
    void protobuf_is_answered_in_protobuf_with_partial_success_for_a_refused_record() throws Exception {
        LakelogFixture.TenantCredentials t = fx.createTenant("proto", Tier.FREE);
        ApiResponse r = fx.call(protobuf(t, protoRequest("fine", "x".repeat(40_000)).toByteArray(), Map.of("Idempotency-Key", "p-1")));
        assertThat(r.status()).as(r.bodyText()).isEqualTo(200);
        assertThat(r.headers().get("Content-Type")).isEqualTo("application/x-protobuf");
        var resp = io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse.parseFrom(r.body());
        assertThat(resp.getPartialSuccess().getRejectedLogRecords()).isEqualTo(1);
        assertThat(resp.getPartialSuccess().getErrorMessage()).contains("events[1].message: is longer than");
        List<LogEvent> events = storedEvents("proto");
        assertThat(events).hasSize(1);
        LogEvent e = events.get(0);
        assertThat(e.message()).isEqualTo("fine");
        assertThat(e.severity()).isEqualTo("WARNING");
        assertThat(e.component()).isEqualTo("proto-svc");
        assertThat(e.timestampMicros()).isEqualTo(1763626530123456L);
        assertThat(e.traceId()).isEqualTo("0af7651916cd43dd8448eb211c80319c");
        assertThat(e.spanId()).as("an all-zero span id is OTLP's 'no span'").isNull();
        assertThat(JSON.readTree(e.payload()).path("attributes").path("bytes").asText()).isEqualTo("AQID");

        ApiResponse replay = fx.call(protobuf(t, protoRequest("fine", "x".repeat(40_000)).toByteArray(), Map.of("Idempotency-Key", "p-1")));
        assertThat(replay.headers()).containsEntry("Idempotent-Replayed", "true").containsEntry("Content-Type", "application/x-protobuf");
        assertThat(replay.body()).isEqualTo(r.body());
        assertThat(storedEvents("proto")).hasSize(1);
    }

    @Test
    void gzip_protobuf_with_every_record_accepted_gets_an_empty_protobuf_answer() throws Exception {
        LakelogFixture.TenantCredentials t = fx.createTenant("protogz", Tier.FREE);
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(gz)) {
            z.write(protoRequest("a", "b", "c").toByteArray());
        }
        ApiResponse r = fx.call(protobuf(t, gz.toByteArray(), Map.of("Content-Encoding", "gzip")));
        assertThat(r.status()).as(r.bodyText()).isEqualTo(200);
        assertThat(r.body()).as("an empty ExportLogsServiceResponse").isEmpty();
        assertThat(storedEvents("protogz")).extracting(LogEvent::message).containsExactly("a", "b", "c");
    }

    @Test
    void a_body_that_is_not_an_otlp_protobuf_message_is_a_400_and_writes_nothing() throws Exception {
        LakelogFixture.TenantCredentials t = fx.createTenant("protobad", Tier.FREE);
        ApiResponse r = fx.call(protobuf(t, "{\"resourceLogs\":[]}".getBytes(StandardCharsets.UTF_8), Map.of()));
        assertThat(r.status()).isEqualTo(400);
        assertThat(JSON.readTree(r.body()).path("code").asText()).isEqualTo("invalid_otlp");
        assertThat(JSON.readTree(r.body()).path("detail").asText()).contains("not a valid OTLP protobuf ExportLogsServiceRequest");
        ApiResponse xml = fx.call(new ApiRequest("POST", "/v1/logs", Map.of(), Map.of("Authorization", "Bearer " + t.token(),
                "Content-Type", "application/xml"), "<x/>".getBytes(StandardCharsets.UTF_8)));
        assertThat(xml.status()).isEqualTo(415);
        assertThat(JSON.readTree(xml.body()).path("detail").asText()).contains("application/x-protobuf or application/json");
        var tooMany = io.opentelemetry.proto.logs.v1.ScopeLogs.newBuilder();
        for (int i = 0; i < 1001; i++) {
            tooMany.addLogRecords(io.opentelemetry.proto.logs.v1.LogRecord.newBuilder()
                    .setBody(io.opentelemetry.proto.common.v1.AnyValue.newBuilder().setStringValue("m")));
        }
        byte[] big = io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest.newBuilder()
                .addResourceLogs(io.opentelemetry.proto.logs.v1.ResourceLogs.newBuilder().addScopeLogs(tooMany)).build().toByteArray();
        ApiResponse over = fx.call(protobuf(t, big, Map.of()));
        assertThat(over.status()).isEqualTo(413);
        assertThat(storedEvents("protobad")).isEmpty();
    }

    @Test
    void severity_numbers_map_onto_the_six_levels() {
        var f = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance;
        assertThat(OtlpMapper.severity(null, f.numberNode(1))).isEqualTo("DEBUG");
        assertThat(OtlpMapper.severity(null, f.numberNode(9))).isEqualTo("INFO");
        assertThat(OtlpMapper.severity(null, f.numberNode(14))).isEqualTo("WARNING");
        assertThat(OtlpMapper.severity(null, f.numberNode(18))).isEqualTo("ERROR");
        assertThat(OtlpMapper.severity(null, f.numberNode(24))).isEqualTo("CRITICAL");
        assertThat(OtlpMapper.severity("Fatal", f.numberNode(0))).isEqualTo("CRITICAL");
        assertThat(OtlpMapper.severity(null, f.textNode("SEVERITY_NUMBER_WARN2"))).isEqualTo("WARNING");
        assertThat(OtlpMapper.severity(null, f.missingNode())).isEqualTo("INFO");
    }
}
