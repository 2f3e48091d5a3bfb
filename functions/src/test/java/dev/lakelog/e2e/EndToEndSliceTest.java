package dev.lakelog.e2e;

import dev.lakelog.handler.LocalContext;
import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.amazonaws.services.lambda.runtime.events.ScheduledEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lakelog.auth.Authenticator;
import dev.lakelog.auth.Tier;
import dev.lakelog.handler.IngestHandler;
import dev.lakelog.handler.QueryHandler;
import dev.lakelog.handler.RollupScheduleHandler;
import dev.lakelog.rollup.RollupReport;
import dev.lakelog.testing.LakelogFixture;
import dev.lakelog.testing.TestServers;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The foundation slice on real servers: an API Gateway event through the ingest handler writes a
 * CBOR segment to S3; the EventBridge handler rolls it into DuckLake (PostgreSQL catalog, Parquet
 * in the bucket) with a ledger row; the query handler gives every field back unchanged.
 */
class EndToEndSliceTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static LakelogFixture fx;
    private static LakelogFixture.TenantCredentials acme;

    @BeforeAll
    static void start() {
        fx = LakelogFixture.aws(Map.of("LAKELOG_ROLLUP_MIN_AGE_SECONDS", "0"), java.time.Clock.systemUTC());
        acme = fx.createTenant("acme", Tier.PAID);
    }

    @AfterAll
    static void stop() {
        fx.close();
    }

    private static final String EVENT = """
            {"log_id":"evt-0001","timestamp":"2026-11-20T08:15:30.123456Z","event_type":"RECORD_VIEW",
             "outcome":"SUCCESS","severity":"NOTICE","sensitivity":"CONFIDENTIAL","actor_id":"zoë@example.com",
             "component":"records-api","environment":"production","resource":"/patients/42",
             "message":"Dossier consulté — 患者記録を閲覧 🩺",
             "payload":{"fields":["name","dob"],"nested":{"depth":{"level":3,"ok":true,"n":null}},"count":2,"ratio":0.5,"text":"naïve"},
             "policy_tags":["hipaa","gdpr"],"session_id":"sess-123","request_id":"req-456","source_ip":"2001:db8::1",
             "retention_until":"2033-11-20T00:00:00Z"}""";

    private static APIGatewayProxyRequestEvent signedEvent(String path, String body, String keyId, String secret) {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        long t = Instant.now().getEpochSecond();
        return new APIGatewayProxyRequestEvent().withHttpMethod("POST").withPath(path)
                .withHeaders(Map.of("content-type", "application/json", "x-key-id", keyId,
                        "x-signature", Authenticator.signatureHeader(secret, t, b)))
                .withBody(body);
    }

    private List<S3Object> objects(String prefix) {
        return TestServers.s3().client().listObjectsV2(b -> b.bucket(fx.bucket()).prefix(prefix)).contents();
    }

    @Test
    void an_event_with_every_field_comes_back_unchanged_after_ingest_rollup_and_query() throws Exception {
        APIGatewayProxyResponseEvent ingested = new IngestHandler(fx.app())
                .handleRequest(signedEvent("/v1/log", EVENT, acme.keyId(), acme.hmacSecret()), new LocalContext());
        assertThat(ingested.getStatusCode()).as(ingested.getBody()).isEqualTo(200);
        assertThat(JSON.readTree(ingested.getBody()).path("log_id").asText()).isEqualTo("evt-0001");
        List<S3Object> segments = objects("segments/tenant=acme/");
        assertThat(segments).hasSize(1);
        assertThat(segments.get(0).key()).matches("segments/tenant=acme/date=\\d{4}-\\d{2}-\\d{2}/hour=\\d{2}/[0-9a-f-]{36}\\.cbor");

        RollupReport report = JSON.convertValue(new RollupScheduleHandler(fx.app()).handleRequest(new ScheduledEvent(), new LocalContext()), RollupReport.class);
        assertThat(report.errors()).isEmpty();
        assertThat(report.segmentsProcessed()).isEqualTo(1);
        assertThat(report.logsInserted()).isEqualTo(1);
        assertThat(report.snapshotId()).isNotNull();
        assertThat(objects("lake/")).anySatisfy(o -> assertThat(o.key()).endsWith(".parquet"));
        assertThat(objects("segments/")).as("scheduled rollup deletes rolled-up segments").isEmpty();

        APIGatewayProxyResponseEvent queried = new QueryHandler(fx.app()).handleRequest(new APIGatewayProxyRequestEvent()
                .withHttpMethod("GET").withPath("/v1/analytics/logs")
                .withHeaders(Map.of("Authorization", "Bearer " + acme.token()))
                .withQueryStringParameters(Map.of("since", "2026-11-20T00:00:00Z")), new LocalContext());
        assertThat(queried.getStatusCode()).as(queried.getBody()).isEqualTo(200);
        JsonNode body = JSON.readTree(queried.getBody());
        assertThat(body.path("count").asInt()).isEqualTo(1);
        JsonNode row = body.path("logs").get(0);
        JsonNode sent = JSON.readTree(EVENT);
        for (String f : List.of("log_id", "event_type", "outcome", "severity", "sensitivity", "actor_id", "component",
                "environment", "resource", "message", "session_id", "request_id", "source_ip")) {
            assertThat(row.path(f).asText()).as(f).isEqualTo(sent.path(f).asText());
        }
        assertThat(row.path("timestamp").asText()).isEqualTo("2026-11-20T08:15:30.123456Z");
        assertThat(row.path("retention_until").asText()).isEqualTo("2033-11-20T00:00:00Z");
        assertThat(row.path("payload").isTextual()).as("payload is JSON text").isTrue();
        assertThat(JSON.readTree(row.path("payload").asText())).isEqualTo(sent.path("payload"));
        assertThat(row.path("policy_tags")).isEqualTo(sent.path("policy_tags"));
        assertThat(row.path("tenant_id").asText()).isEqualTo("acme");
        assertThat(Instant.parse(row.path("ingested_at").asText())).isBefore(Instant.parse(row.path("archived_at").asText()));
        assertThat(row.path("segment_key").asText()).isEqualTo(segments.get(0).key());
        try (var c = fx.app().lake().connect(); var st = c.createStatement();
                var rs = st.executeQuery("SELECT segment_key, row_count, digest FROM lake.main.rollup_ledger")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo(segments.get(0).key());
            assertThat(rs.getLong(2)).isEqualTo(1);
            assertThat(rs.getString(3)).startsWith("sha256:");
        }
    }

    @Test
    void an_s3_outage_during_ingest_answers_503_and_leaves_no_segment() throws Exception {
        LakelogFixture.TenantCredentials t = fx.createTenant("outage", Tier.PAID);
        dev.lakelog.testing.S3Faults faults = TestServers.s3().faults();
        faults.failWhen(c -> c.op() == dev.lakelog.testing.S3Faults.Op.PUT && c.key().startsWith("segments/tenant=outage/"));
        APIGatewayProxyResponseEvent r;
        try {
            r = new IngestHandler(fx.app()).handleRequest(signedEvent("/v1/log", EVENT, t.keyId(), t.hmacSecret()), new LocalContext());
        } finally {
            faults.clear();
        }
        assertThat(r.getStatusCode()).isEqualTo(503);
        assertThat(r.getHeaders()).containsKey("Retry-After");
        assertThat(JSON.readTree(r.getBody()).path("detail").asText()).contains("nothing was stored");
        assertThat(objects("segments/tenant=outage/")).isEmpty();
    }

    @Test
    void a_bad_signature_gets_401_with_a_detail_and_writes_no_segment() throws Exception {
        LakelogFixture.TenantCredentials other = fx.createTenant("sigcheck", Tier.PAID);
        APIGatewayProxyResponseEvent r = new IngestHandler(fx.app())
                .handleRequest(signedEvent("/v1/log", EVENT, other.keyId(), "lls_wrong-secret"), new LocalContext());
        assertThat(r.getStatusCode()).isEqualTo(401);
        assertThat(JSON.readTree(r.getBody()).path("detail").asText()).isNotBlank();
        assertThat(objects("segments/tenant=sigcheck/")).isEmpty();
    }
}
