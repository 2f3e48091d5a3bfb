package dev.lakelog.handler;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.amazonaws.services.lambda.runtime.events.ScheduledEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lakelog.auth.Tier;
import dev.lakelog.aws.IotStatusPublisher;
import dev.lakelog.lake.TenantLock;
import dev.lakelog.rollup.RollupReport;
import dev.lakelog.testing.LakelogFixture;
import dev.lakelog.testing.TestServers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * Every sample event in events/ runs through its handler on the real servers; the IoT handler
 * publishes through the real AWS SDK IoT data-plane client to a local recording endpoint.
 */
class SampleEventsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path EVENTS = Path.of("..", "events");
    private static LakelogFixture fx;
    private static RecordingIotEndpoint iot;
    private static IotStatusPublisher publisher;

    @BeforeAll
    static void start() {
        iot = new RecordingIotEndpoint();
        fx = LakelogFixture.aws(Map.of("LAKELOG_ROLLUP_MIN_AGE_SECONDS", "0", "LAKELOG_IOT_ENDPOINT", iot.endpoint().toString()),
                Clock.systemUTC());
        publisher = IotStatusPublisher.create(iot.endpoint().toString(), "us-east-1",
                StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDTEST", "secret-test")));
    }

    @AfterAll
    static void stop() {
        publisher.close();
        fx.close();
        iot.close();
    }

    private static JsonNode sample(String name) throws Exception {
        return JSON.readTree(Files.readString(EVENTS.resolve(name)));
    }

    @SuppressWarnings("unchecked")
    private static ScheduledEvent scheduled(String name) throws Exception {
        JsonNode n = sample(name);
        return new ScheduledEvent().withId(n.path("id").asText()).withSource(n.path("source").asText())
                .withDetailType(n.path("detail-type").asText()).withAccount(n.path("account").asText())
                .withRegion(n.path("region").asText()).withDetail(JSON.convertValue(n.path("detail"), Map.class));
    }

    @Test
    void the_scheduled_rollup_sample_rolls_up_and_deletes_the_segments() throws Exception {
        LakelogFixture.TenantCredentials t = fx.createTenant("sched", Tier.PAID);
        List<String> acked = ingest(t, "s", 3);
        RollupReport r = JSON.convertValue(new RollupScheduleHandler(fx.app()).handleRequest(scheduled("eventbridge-scheduled-rollup.json"), new LocalContext()), RollupReport.class);
        assertThat(r.errors()).isEmpty();
        assertThat(r.logsInserted()).isGreaterThanOrEqualTo(acked.size());
        assertThat(segments("sched")).isZero();
    }

    @Test
    void the_iot_sample_rolls_up_and_publishes_rollup_completed_to_the_device_status_topic_through_the_sdk() throws Exception {
        LakelogFixture.TenantCredentials t = fx.createTenant("iotdev", Tier.PAID);
        ingest(t, "i", 2);
        Map<String, Object> payload = JSON.convertValue(sample("iot-rollup-command.json"), Map.class);
        int before = iot.received().size();
        Map<String, Object> msg = new IotRollupHandler(fx.app()).handleRequest(payload, new LocalContext());
        assertThat(msg.get("event")).isEqualTo("rollup_completed");
        List<RecordingIotEndpoint.Received> got = iot.received().subList(before, iot.received().size());
        assertThat(got).hasSize(1);
        RecordingIotEndpoint.Received rec = got.get(0);
        assertThat(rec.method()).isEqualTo("POST");
        assertThat(rec.topic()).isEqualTo("lakelog/gateway-17/status");
        assertThat(rec.query()).contains("qos=1");
        assertThat(rec.authorization()).as("SigV4-signed").startsWith("AWS4-HMAC-SHA256");
        JsonNode body = JSON.readTree(rec.payload());
        assertThat(body.path("event").asText()).isEqualTo("rollup_completed");
        for (String f : List.of("segments_processed", "logs_inserted", "segments_deleted", "errors", "timestamp", "snapshot_id")) {
            assertThat(body.path("data").has(f)).as(f).isTrue();
        }
        assertThat(body.path("data").path("logs_inserted").asLong()).isGreaterThanOrEqualTo(2);
        assertThat(segments("iotdev")).as("delete_after_rollup true in the sample").isZero();
    }

    @Test
    void an_iot_command_that_is_not_a_rollup_publishes_rollup_failed_with_the_error() throws Exception {
        int before = iot.received().size();
        Map<String, Object> msg = new IotRollupHandler(fx.app(), publisher)
                .handleRequest(Map.of("action", "explode", "device_id", "dev-9"), new LocalContext());
        assertThat(msg.get("event")).isEqualTo("rollup_failed");
        RecordingIotEndpoint.Received rec = iot.received().get(before);
        assertThat(rec.topic()).isEqualTo("lakelog/dev-9/status");
        JsonNode body = JSON.readTree(rec.payload());
        assertThat(body.path("event").asText()).isEqualTo("rollup_failed");
        assertThat(body.path("data").path("error").asText()).contains("unknown action 'explode'");
    }

    @Test
    void every_maintenance_sample_runs_through_the_maintenance_schedule_handler() throws Exception {
        LakelogFixture.TenantCredentials t = fx.createTenant("maint", Tier.PAID);
        ingest(t, "m", 2);
        fx.app().rollup().rollup(new dev.lakelog.rollup.RollupRequest("test", java.util.Optional.of("maint"), java.time.Duration.ZERO, true));
        MaintenanceScheduleHandler h = new MaintenanceScheduleHandler(fx.app());
        Map<String, List<String>> expected = Map.of(
                "compact", List.of("files_before", "files_after", "files_merged"),
                "expire-snapshots", List.of("expired_count"),
                "cleanup", List.of("files_cleaned"),
                "retention", List.of("rows_removed", "files_rewritten"));
        for (var e : expected.entrySet()) {
            Map<String, Object> out = h.handleRequest(scheduled("eventbridge-scheduled-maintenance-" + e.getKey() + ".json"), new LocalContext());
            assertThat(out.get("status")).as(e.getKey() + ": " + out).isEqualTo("ok");
            assertThat((Map<String, Object>) out.get("result")).as(e.getKey()).containsKeys(e.getValue().toArray(String[]::new));
        }
    }

    @Test
    void the_api_gateway_rollup_sample_rolls_up_the_callers_tenant_and_answers_409_while_its_lease_is_held() throws Exception {
        LakelogFixture.TenantCredentials t = fx.createTenant("rest", Tier.PAID);
        List<String> acked = ingest(t, "r", 2);
        APIGatewayProxyRequestEvent ev = apiEvent(t.token());
        TenantLock.Held held = fx.app().rollup().lock().tryAcquire("rest").orElseThrow();
        APIGatewayProxyResponseEvent busy;
        try {
            busy = new MaintenanceHandler(fx.app()).handleRequest(ev, new LocalContext());
        } finally {
            held.close();
        }
        assertThat(busy.getStatusCode()).isEqualTo(409);
        assertThat(JSON.readTree(busy.getBody()).path("detail").asText()).contains("already running");
        assertThat(segments("rest")).as("409 wrote nothing").isEqualTo(2);

        APIGatewayProxyResponseEvent ok = new MaintenanceHandler(fx.app()).handleRequest(apiEvent(t.token()), new LocalContext());
        assertThat(ok.getStatusCode()).as(ok.getBody()).isEqualTo(200);
        JsonNode result = JSON.readTree(ok.getBody()).path("result");
        assertThat(result.path("logs_inserted").asLong()).isEqualTo(acked.size());
        assertThat(result.path("segments_deleted").asInt()).isEqualTo(2);
        assertThat(result.path("snapshot_id").isNumber()).isTrue();
    }

    @Test
    void scheduled_and_iot_rollups_skip_a_tenant_whose_lease_is_held_and_exit_cleanly() throws Exception {
        LakelogFixture.TenantCredentials t = fx.createTenant("busy", Tier.PAID);
        ingest(t, "b", 1);
        TenantLock.Held held = fx.app().rollup().lock().tryAcquire("busy").orElseThrow();
        try {
            RollupReport r = JSON.convertValue(new RollupScheduleHandler(fx.app()).handleRequest(scheduled("eventbridge-scheduled-rollup.json"), new LocalContext()), RollupReport.class);
            assertThat(r.errors()).anySatisfy(e -> assertThat(e).contains("tenant busy: skipped"));
            Map<String, Object> msg = new IotRollupHandler(fx.app(), publisher)
                    .handleRequest(Map.of("action", "rollup", "device_id", "gw-1"), new LocalContext());
            assertThat(msg.get("event")).isEqualTo("rollup_completed");
            assertThat(JSON.valueToTree(msg).path("data").path("errors").toString()).contains("tenant busy: skipped");
        } finally {
            held.close();
        }
        assertThat(segments("busy")).isEqualTo(1);
    }

    private static APIGatewayProxyRequestEvent apiEvent(String token) throws Exception {
        JsonNode n = sample("apigw-post-rollup.json");
        Map<String, String> headers = new HashMap<>();
        n.path("headers").fields().forEachRemaining(e -> headers.put(e.getKey(), e.getValue().asText().replace("${TOKEN}", token)));
        Map<String, String> q = new HashMap<>();
        n.path("queryStringParameters").fields().forEachRemaining(e -> q.put(e.getKey(), e.getValue().asText()));
        return new APIGatewayProxyRequestEvent().withHttpMethod(n.path("httpMethod").asText()).withPath(n.path("path").asText())
                .withHeaders(headers).withQueryStringParameters(q);
    }

    private static List<String> ingest(LakelogFixture.TenantCredentials t, String tag, int requests) {
        List<String> ids = new java.util.ArrayList<>();
        for (int r = 0; r < requests; r++) {
            String id = t.tenantId() + "-" + tag + r;
            var resp = fx.call(LakelogFixture.signedJson(t, "/v1/log",
                    "{\"log_id\":\"" + id + "\",\"timestamp\":\"2026-11-20T10:00:00Z\",\"event_type\":\"LOGIN\",\"outcome\":\"SUCCESS\",\"severity\":\"INFO\",\"message\":\"m\",\"retention_until\":\"2021-01-01T00:00:00Z\"}"));
            assertThat(resp.status()).as(new String(resp.body())).isEqualTo(200);
            ids.add(id);
        }
        return ids;
    }

    private static long segments(String tenant) {
        return TestServers.s3().client().listObjectsV2(b -> b.bucket(fx.bucket()).prefix("segments/tenant=" + tenant + "/")).keyCount();
    }
}
