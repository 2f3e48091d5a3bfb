package dev.lakelog.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lakelog.auth.Tier;
import dev.lakelog.local.LocalServer;
import dev.lakelog.rollup.RollupRequest;
import dev.lakelog.testing.LakelogFixture;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.logs.Logger;
import io.opentelemetry.api.logs.Severity;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import io.opentelemetry.exporter.otlp.http.logs.OtlpHttpLogRecordExporter;
import io.opentelemetry.exporter.otlp.http.logs.OtlpHttpLogRecordExporterBuilder;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.logs.SdkLoggerProvider;
import io.opentelemetry.sdk.logs.export.BatchLogRecordProcessor;
import io.opentelemetry.sdk.resources.Resource;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A producer nobody on this project wrote: the OpenTelemetry Java SDK's own OTLP/HTTP log exporter,
 * with its default settings (protobuf encoding, its default HTTP sender), exporting to the running
 * local server with the tenant's Bearer token; once plain and once with gzip compression. After a
 * rollup every record is in the lake with its body, severity, attributes, trace and span ids.
 */
class OtelSdkExportTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final AtomicInteger IDS = new AtomicInteger(1);
    static LakelogFixture fx;
    static LocalServer server;
    static LakelogFixture.TenantCredentials acme;

    @BeforeAll
    static void start() throws Exception {
        fx = LakelogFixture.local();
        acme = fx.createTenant("acme", Tier.PAID);
        server = new LocalServer(fx.app().router(), 0);
    }

    @AfterAll
    static void stop() {
        server.close();
        fx.close();
    }

    record Sent(String body, Severity severity, String traceId, String spanId, long orderId, Instant time) {}

    /** Emits {@code n} records through an SDK logger provider over the given exporter and flushes. */
    private static List<Sent> export(OtlpHttpLogRecordExporter exporter, String service, int n) {
        SdkLoggerProvider provider = SdkLoggerProvider.builder()
                .setResource(Resource.getDefault().merge(Resource.create(Attributes.of(
                        AttributeKey.stringKey("service.name"), service,
                        AttributeKey.stringKey("deployment.environment.name"), "staging"))))
                .addLogRecordProcessor(BatchLogRecordProcessor.builder(exporter).build())
                .build();
        Logger logger = provider.get("dev.lakelog.sdk-test");
        Severity[] severities = {Severity.INFO, Severity.WARN, Severity.ERROR, Severity.DEBUG, Severity.FATAL};
        List<Sent> sent = new ArrayList<>();
        Instant base = Instant.now().minusSeconds(60);
        for (int i = 0; i < n; i++) {
            int id = IDS.getAndIncrement();
            String traceId = String.format("%032x", 0xabc000L + id);
            String spanId = String.format("%016x", 0xdef000L + id);
            SpanContext sc = SpanContext.create(traceId, spanId, TraceFlags.getSampled(), TraceState.getDefault());
            Severity sev = severities[i % severities.length];
            Instant t = base.plusMillis(i);
            String body = service + " order " + id + " processed";
            logger.logRecordBuilder()
                    .setContext(Context.root().with(Span.wrap(sc)))
                    .setTimestamp(t)
                    .setSeverity(sev)
                    .setBody(body)
                    .setAttribute(AttributeKey.longKey("order.id"), (long) id)
                    .setAttribute(AttributeKey.stringKey("enduser.id"), "user-" + id)
                    .setAttribute(AttributeKey.booleanKey("express"), i % 2 == 0)
                    .emit();
            sent.add(new Sent(body, sev, traceId, spanId, id, t));
        }
        CompletableResultCode flushed = provider.forceFlush().join(30, TimeUnit.SECONDS);
        assertThat(flushed.isDone()).as("the flush completed (whether the export worked is checked in the lake)").isTrue();
        provider.shutdown().join(30, TimeUnit.SECONDS);
        return sent;
    }

    private static OtlpHttpLogRecordExporterBuilder exporter() {
        // Default settings except where the server is and who we are.
        return OtlpHttpLogRecordExporter.builder()
                .setEndpoint(server.url() + "/v1/logs")
                .addHeader("Authorization", "Bearer " + acme.token());
    }

    private static JsonNode get(String path, Map<String, String> query) throws Exception {
        StringBuilder q = new StringBuilder();
        query.forEach((k, v) -> q.append(q.length() == 0 ? "?" : "&").append(k).append('=').append(v));
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(server.url() + path + q))
                .header("Authorization", "Bearer " + acme.token()).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    private static void assertInLake(List<Sent> sent, String service) throws Exception {
        fx.app().rollup().rollup(new RollupRequest("test", Optional.of("acme"), Duration.ZERO, true));
        Map<String, JsonNode> byTrace = new HashMap<>();
        for (JsonNode row : get("/v1/analytics/logs", Map.of("component", service, "limit", "10000")).path("logs")) {
            byTrace.put(row.path("trace_id").asText(), row);
        }
        assertThat(byTrace).hasSize(sent.size());
        for (Sent s : sent) {
            JsonNode row = byTrace.get(s.traceId());
            assertThat(row).as("row of trace " + s.traceId()).isNotNull();
            assertThat(row.path("message").asText()).isEqualTo(s.body());
            assertThat(row.path("span_id").asText()).isEqualTo(s.spanId());
            assertThat(row.path("severity").asText()).isEqualTo(switch (s.severity()) {
                case WARN -> "WARNING";
                case FATAL -> "CRITICAL";
                default -> s.severity().name();
            });
            assertThat(row.path("actor_id").asText()).isEqualTo("user-" + s.orderId());
            assertThat(row.path("environment").asText()).isEqualTo("staging");
            assertThat(Instant.parse(row.path("timestamp").asText())).isEqualTo(s.time().truncatedTo(java.time.temporal.ChronoUnit.MICROS));
            JsonNode payload = JSON.readTree(row.path("payload").asText());
            assertThat(payload.path("attributes").path("order.id").asLong()).isEqualTo(s.orderId());
            assertThat(payload.path("attributes").path("express").isBoolean()).isTrue();
            assertThat(payload.path("severity_number").asInt()).isEqualTo(s.severity().getSeverityNumber());
            assertThat(payload.path("scope").path("name").asText()).isEqualTo("dev.lakelog.sdk-test");
            assertThat(payload.path("resource").path("telemetry.sdk.language").asText()).isEqualTo("java");
            assertThat(payload.path("flags").asInt()).isEqualTo(1);
        }
        Sent one = sent.get(sent.size() / 2);
        JsonNode byFilter = get("/v1/analytics/logs", Map.of("trace_id", one.traceId(), "span_id", one.spanId()));
        assertThat(byFilter.path("logs")).hasSize(1);
        assertThat(byFilter.path("logs").get(0).path("message").asText()).isEqualTo(one.body());
    }

    @Test
    void the_java_sdk_exporter_with_default_settings_sends_protobuf_that_lands_in_the_lake_intact() throws Exception {
        List<Sent> sent = export(exporter().build(), "checkout", 40);
        assertInLake(sent, "checkout");
    }

    @Test
    void the_java_sdk_exporter_with_gzip_compression_lands_in_the_lake_intact() throws Exception {
        // A pass-through in front of the server records what the SDK put on the wire.
        List<String> wire = java.util.Collections.synchronizedList(new ArrayList<>());
        com.sun.net.httpserver.HttpServer tap = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
        tap.createContext("/", ex -> {
            byte[] body = ex.getRequestBody().readAllBytes();
            wire.add(ex.getRequestHeaders().getFirst("Content-Type") + " " + ex.getRequestHeaders().getFirst("Content-Encoding")
                    + " " + (body.length > 1 && (body[0] & 0xff) == 0x1f && (body[1] & 0xff) == 0x8b ? "gzip-bytes" : "plain-bytes"));
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.url() + ex.getRequestURI())).POST(HttpRequest.BodyPublishers.ofByteArray(body));
            ex.getRequestHeaders().forEach((k, v) -> {
                if (!List.of("host", "content-length", "connection", "transfer-encoding").contains(k.toLowerCase(java.util.Locale.ROOT))) b.header(k, v.get(0));
            });
            try {
                HttpResponse<byte[]> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
                r.headers().firstValue("Content-Type").ifPresent(ct -> ex.getResponseHeaders().add("Content-Type", ct));
                ex.sendResponseHeaders(r.statusCode(), r.body().length == 0 ? -1 : r.body().length);
                if (r.body().length > 0) ex.getResponseBody().write(r.body());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                ex.sendResponseHeaders(502, -1);
            }
            ex.close();
        });
        tap.start();
        try {
            OtlpHttpLogRecordExporter gzip = OtlpHttpLogRecordExporter.builder()
                    .setEndpoint("http://127.0.0.1:" + tap.getAddress().getPort() + "/v1/logs")
                    .addHeader("Authorization", "Bearer " + acme.token())
                    .setCompression("gzip").build();
            List<Sent> sent = export(gzip, "billing", 25);
            assertThat(wire).isNotEmpty().allSatisfy(w -> assertThat(w).isEqualTo("application/x-protobuf gzip gzip-bytes"));
            assertInLake(sent, "billing");
        } finally {
            tap.stop(0);
        }
    }

    @Test
    void the_default_exporter_sends_plain_protobuf() throws Exception {
        // Guard for the first test: its "default settings" are protobuf without compression.
        assertThat(OtlpHttpLogRecordExporter.builder().build().toString()).contains("compressorEncoding=null");
    }
}
