package dev.lakelog.handler;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.amazonaws.services.lambda.runtime.events.ScheduledEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lakelog.auth.Tier;
import dev.lakelog.log.JsonLog;
import dev.lakelog.testing.LakelogFixture;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What the handlers take from the Lambda Context, and which routes each API function serves. */
class HandlerContextTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static LakelogFixture fx;
    private static LakelogFixture.TenantCredentials t;

    @BeforeAll
    static void start() {
        fx = LakelogFixture.local();
        t = fx.createTenant("ctx", Tier.PAID);
    }

    @AfterAll
    static void stop() {
        fx.close();
    }

    private static APIGatewayProxyRequestEvent get(String path) {
        return new APIGatewayProxyRequestEvent().withHttpMethod("GET").withPath(path)
                .withHeaders(Map.of("Authorization", "Bearer " + t.token())).withQueryStringParameters(Map.of());
    }

    @Test
    void each_api_function_answers_only_its_own_routes() {
        APIGatewayProxyResponseEvent viaQuery = new QueryHandler(fx.app()).handleRequest(get("/v1/analytics/info"), new LocalContext());
        assertThat(viaQuery.getStatusCode()).isEqualTo(200);
        APIGatewayProxyResponseEvent viaIngest = new IngestHandler(fx.app()).handleRequest(get("/v1/analytics/info"), new LocalContext());
        assertThat(viaIngest.getStatusCode()).isEqualTo(404);
        assertThat(viaIngest.getBody()).contains("route_not_found");
        APIGatewayProxyResponseEvent viaMaintenance = new MaintenanceHandler(fx.app()).handleRequest(get("/v1/logs/recent"), new LocalContext());
        assertThat(viaMaintenance.getStatusCode()).isEqualTo(404);
        APIGatewayProxyResponseEvent recent = new QueryHandler(fx.app()).handleRequest(get("/v1/logs/recent"), new LocalContext());
        assertThat(recent.getStatusCode()).isEqualTo(200);
    }

    @Test
    void log_lines_of_an_invocation_carry_its_request_id_and_whether_it_was_a_cold_start() throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream before = JsonLog.redirect(new PrintStream(buf, true, StandardCharsets.UTF_8));
        LocalContext first = new LocalContext();
        LocalContext second = new LocalContext();
        try {
            new RollupScheduleHandler(fx.app()).handleRequest(new ScheduledEvent(), first);
            new RollupScheduleHandler(fx.app()).handleRequest(new ScheduledEvent(), second);
        } finally {
            JsonLog.redirect(before);
        }
        List<JsonNode> lines = new ArrayList<>();
        for (String l : buf.toString(StandardCharsets.UTF_8).split("\n")) if (!l.isBlank()) lines.add(JSON.readTree(l));
        List<JsonNode> ofFirst = lines.stream().filter(n -> n.path("function_request_id").asText().equals(first.getAwsRequestId())).toList();
        List<JsonNode> ofSecond = lines.stream().filter(n -> n.path("function_request_id").asText().equals(second.getAwsRequestId())).toList();
        assertThat(ofFirst).isNotEmpty().allSatisfy(n -> assertThat(n.has("cold_start")).isTrue());
        assertThat(ofSecond).isNotEmpty().allSatisfy(n -> assertThat(n.path("cold_start").asBoolean()).isFalse());
        assertThat(lines).allSatisfy(n -> assertThat(n.has("function_request_id")).as(n.toString()).isTrue());
    }

    @Test
    void every_handler_answers_the_documented_snake_case_shape_through_the_runtimes_serializer() throws Exception {
        String scheduled = "{\"version\":\"0\",\"id\":\"x\",\"detail-type\":\"Scheduled Event\",\"source\":\"aws.events\","
                + "\"account\":\"1\",\"time\":\"2026-11-24T00:00:00Z\",\"region\":\"us-east-1\",\"resources\":[],\"detail\":{}}";
        JsonNode rollup = JSON.readTree(LocalInvoker.invoke(LocalInvoker.newHandler("RollupScheduleHandler", fx.app()), scheduled));
        assertThat(rollup.fieldNames()).toIterable().contains("segments_processed", "logs_inserted", "segments_deleted", "errors",
                "timestamp", "snapshot_id", "budget_exhausted").doesNotContain("segmentsProcessed");
        JsonNode iot = JSON.readTree(LocalInvoker.invoke(LocalInvoker.newHandler("IotRollupHandler", fx.app()),
                "{\"action\":\"rollup\",\"device_id\":\"gw-1\"}"));
        assertThat(iot.path("event").asText()).isEqualTo("rollup_completed");
        assertThat(iot.path("data").has("segments_processed")).isTrue();
        assertThat(iot.path("status_publishing").asText()).isEqualTo("off");
        String maintenance = scheduled.replace("\"detail\":{}", "\"detail\":{\"job\":\"retention\"}");
        JsonNode m = JSON.readTree(LocalInvoker.invoke(LocalInvoker.newHandler("MaintenanceScheduleHandler", fx.app()), maintenance));
        assertThat(m.path("result").has("rows_removed")).isTrue();
    }

    @Test
    void no_new_rollup_batch_starts_when_the_invocation_is_nearly_out_of_time() {
        LocalContext almostDone = new LocalContext(RollupScheduleHandler.RESERVE.minus(Duration.ofSeconds(30)));
        LambdaInvocation inv = LambdaInvocation.begin(almostDone, dev.lakelog.metrics.Metrics.NONE);
        try {
            assertThat(inv.deadline(RollupScheduleHandler.RESERVE)).isBeforeOrEqualTo(java.time.Instant.now());
            assertThat(inv.end()).isAfter(java.time.Instant.now());
        } finally {
            inv.close();
        }
    }
}
