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
        assertThat(p.path("trace_id").asText()).isEqualTo("5b8efff798038103d269b633813fc60c");
        assertThat(p.path("span_id").asText()).isEqualTo("eee19b7ec3c1b174");
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
    void the_otlp_route_also_accepts_hmac_and_rejects_a_bad_record_by_index() throws Exception {
        LakelogFixture.TenantCredentials other = fx.createTenant("other", Tier.PAID);
        ApiResponse ok = fx.call(IngestTestSupport.signed(other, "/v1/logs", "application/json", COLLECTOR_PAYLOAD));
        assertThat(ok.status()).as(ok.bodyText()).isEqualTo(200);
        String bad = COLLECTOR_PAYLOAD.replace("\"body\":{\"stringValue\":\"cache warmed\"}",
                "\"body\":{\"stringValue\":\"" + "x".repeat(40_000) + "\"}");
        int before = objects(fx).size();
        ApiResponse r = fx.call(IngestTestSupport.signed(other, "/v1/logs", "application/json", bad));
        assertThat(r.status()).isEqualTo(400);
        assertThat(JSON.readTree(r.body()).path("detail").asText()).contains("events[2].message: is longer than");
        assertThat(objects(fx)).hasSize(before);
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
