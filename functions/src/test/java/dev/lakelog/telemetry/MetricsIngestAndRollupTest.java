package dev.lakelog.telemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lakelog.api.ApiRequest;
import dev.lakelog.api.ApiResponse;
import dev.lakelog.auth.Tier;
import dev.lakelog.lake.MetricsSchema;
import dev.lakelog.segment.MetricSegmentCodec;
import dev.lakelog.testing.LakelogFixture;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * POST /v1/metrics through to the raw table and the 1m/5m/1h/1d rollups, and back through
 * GET /v1/analytics/metrics: gauges, cumulative and delta sums (with a counter reset), explicit-bucket
 * histograms; exactly once; refusals.
 */
class MetricsIngestAndRollupTest {
    static final ObjectMapper JSON = new ObjectMapper();
    LakelogFixture fx;
    LakelogFixture.TenantCredentials acme;
    /** A whole day, so every level's buckets of the test fall inside it. */
    static final Instant DAY = Instant.now().truncatedTo(ChronoUnit.DAYS).minus(2, ChronoUnit.DAYS);

    @BeforeEach
    void start() {
        fx = LakelogFixture.local();
        acme = fx.createTenant("acme", Tier.PAID);
    }

    @AfterEach
    void stop() {
        fx.close();
    }

    static long nanos(Instant t) {
        return t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }

    /** An OTLP/HTTP JSON request with one resource (service.name) and the given metrics. */
    static ObjectNode request(String service, ObjectNode... metrics) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode rm = root.putArray("resourceMetrics").addObject();
        rm.putObject("resource").putArray("attributes").addObject().put("key", "service.name").putObject("value").put("stringValue", service);
        ObjectNode sm = rm.putArray("scopeMetrics").addObject();
        sm.putObject("scope").put("name", "test");
        ArrayNode ms = sm.putArray("metrics");
        for (ObjectNode m : metrics) ms.add(m);
        return root;
    }

    static ObjectNode point(Instant start, Instant t, double v, String... attrs) {
        ObjectNode p = JSON.createObjectNode();
        if (start != null) p.put("startTimeUnixNano", Long.toString(nanos(start)));
        p.put("timeUnixNano", Long.toString(nanos(t)));
        p.put("asDouble", v);
        if (attrs.length > 0) {
            ArrayNode a = p.putArray("attributes");
            for (int i = 0; i < attrs.length; i += 2) a.addObject().put("key", attrs[i]).putObject("value").put("stringValue", attrs[i + 1]);
        }
        return p;
    }

    static ObjectNode gauge(String name, ObjectNode... points) {
        ObjectNode m = JSON.createObjectNode().put("name", name).put("unit", "ms");
        ArrayNode dps = m.putObject("gauge").putArray("dataPoints");
        for (ObjectNode p : points) dps.add(p);
        return m;
    }

    static ObjectNode sum(String name, int temporality, boolean monotonic, ObjectNode... points) {
        ObjectNode m = JSON.createObjectNode().put("name", name).put("unit", "1");
        ObjectNode s = m.putObject("sum").put("aggregationTemporality", temporality).put("isMonotonic", monotonic);
        ArrayNode dps = s.putArray("dataPoints");
        for (ObjectNode p : points) dps.add(p);
        return m;
    }

    static ObjectNode histogram(String name, Instant start, Instant t, double[] bounds, long[] counts, double sum) {
        ObjectNode m = JSON.createObjectNode().put("name", name).put("unit", "ms");
        ObjectNode h = m.putObject("histogram").put("aggregationTemporality", 2);
        ObjectNode p = h.putArray("dataPoints").addObject();
        p.put("startTimeUnixNano", Long.toString(nanos(start))).put("timeUnixNano", Long.toString(nanos(t)));
        long total = 0;
        ArrayNode bc = p.putArray("bucketCounts");
        for (long c : counts) {
            bc.add(Long.toString(c));
            total += c;
        }
        ArrayNode eb = p.putArray("explicitBounds");
        for (double b : bounds) eb.add(b);
        p.put("count", Long.toString(total)).put("sum", sum);
        p.putArray("exemplars").addObject().put("traceId", "0af7651916cd43dd8448eb211c80319c").put("spanId", "b7ad6b7169203331").put("asDouble", 1.0);
        return m;
    }

    ApiResponse post(JsonNode body) {
        return fx.call(LakelogFixture.bearer(acme, "POST", "/v1/metrics", Map.of(), body.toString().getBytes(StandardCharsets.UTF_8)));
    }

    JsonNode body(ApiResponse r) throws Exception {
        return JSON.readTree(r.body());
    }

    JsonNode query(Map<String, String> q) throws Exception {
        ApiResponse r = fx.call(LakelogFixture.bearer(acme, "GET", "/v1/analytics/metrics", q, new byte[0]));
        assertThat(r.status()).as(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(200);
        return body(r);
    }

    long count(String sql) throws Exception {
        try (Connection c = fx.app().lake().connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void a_cumulative_counter_becomes_a_rate_across_a_reset_and_rolls_up_at_every_level() throws Exception {
        Instant s0 = DAY.plusSeconds(3600);
        // 10/min for 5 minutes, then the process restarts (new start time) and counts 20/min
        ObjectNode[] pts = new ObjectNode[10];
        for (int i = 0; i < 5; i++) pts[i] = point(s0, s0.plusSeconds(60L * (i + 1)), 10.0 * (i + 1), "route", "/a");
        Instant s1 = s0.plusSeconds(330);
        for (int i = 0; i < 5; i++) pts[5 + i] = point(s1, s1.plusSeconds(60L * (i + 1) - 30), 20.0 * (i + 1), "route", "/a");
        assertThat(post(request("web", sum("http.requests", 2, true, pts))).status()).isEqualTo(200);
        JsonNode roll = body(fx.call(LakelogFixture.bearer(acme, "POST", "/v1/analytics/metrics/rollup", Map.of(), new byte[0])));
        assertThat(roll.path("points_inserted").asLong()).isEqualTo(10);

        assertThat(count("SELECT count(*) FROM lake.main.metrics WHERE tenant_id = 'acme'")).isEqualTo(10);
        // the first point counts from its start time; the reset point counts its own value, not a drop of -30
        assertThat(count("SELECT sum(delta)::BIGINT FROM lake.main.metrics WHERE tenant_id = 'acme'")).isEqualTo(50 + 100);
        for (MetricsSchema.Level l : MetricsSchema.Level.ALL) {
            assertThat(count("SELECT sum(increase)::BIGINT FROM " + l.qualified() + " WHERE tenant_id = 'acme'")).as(l.label).isEqualTo(150);
        }
        assertThat(count("SELECT count(*) FROM lake.main.metrics_1d")).isEqualTo(1);

        Map<String, String> q = new HashMap<>(Map.of("name", "http.requests", "aggregation", "rate", "step", "1h",
                "since", s0.toString(), "until", s0.plusSeconds(3600).toString()));
        JsonNode hourly = query(q);
        assertThat(hourly.path("level").asText()).isEqualTo("1h");
        assertThat(hourly.path("series").get(0).path("points").get(0).path("value").asDouble()).isCloseTo(150.0 / 3600, within(1e-9));
        q.put("step", "60");
        JsonNode perMinute = query(q);
        assertThat(perMinute.path("level").asText()).isEqualTo("1m");
        // the minute after the reset: the increase is 20 (a whole new count), a rate of 20/60
        JsonNode pointsM = perMinute.path("series").get(0).path("points");
        double total = 0;
        for (JsonNode p : pointsM) total += p.path("value").asDouble() * 60;
        assertThat(total).isCloseTo(150, within(1e-9));
        q.put("step", "90");
        assertThat(query(q).path("level").asText()).isEqualTo("raw");
    }

    @Test
    void rolling_up_twice_or_a_segment_seen_again_counts_every_point_once() throws Exception {
        Instant t = DAY.plusSeconds(7200);
        assertThat(post(request("web", gauge("queue.depth", point(null, t, 3), point(null, t.plusSeconds(1), 5)))).status()).isEqualTo(200);
        String key = fx.app().blobs().list(MetricSegmentCodec.ROOT).get(0).key();
        byte[] bytes = fx.app().blobs().get(key).orElseThrow();
        fx.app().metricsRollup().rollupTenant("acme", false, "test");
        fx.app().metricsRollup().rollupTenant("acme", false, "test");
        fx.app().metricsRollup().rollupTenant("acme", true, "test");
        fx.app().blobs().put(key, bytes); // delivered again after deletion: the ledger knows it
        MetricsRollupService.Report r = fx.app().metricsRollup().rollupTenant("acme", true, "test");
        assertThat(r.pointsInserted()).isZero();
        assertThat(count("SELECT count(*) FROM lake.main.metrics")).isEqualTo(2);
        assertThat(count("SELECT sum(samples) FROM lake.main.metrics_1m")).isEqualTo(2);
        assertThat(count("SELECT sum(samples) FROM lake.main.metrics_1d")).isEqualTo(2);
        assertThat(count("SELECT count(*) FROM lake.main.metrics_ledger")).isEqualTo(1);
        assertThat(fx.app().blobs().list(MetricSegmentCodec.ROOT)).isEmpty();
    }

    @Test
    void a_late_point_rebuilds_its_buckets_at_every_level_from_the_level_below() throws Exception {
        Instant t = DAY.plusSeconds(3 * 3600);
        post(request("web", gauge("temp", point(null, t.plusSeconds(10), 20))));
        fx.app().metricsRollup().rollupTenant("acme", true, "test");
        post(request("web", gauge("temp", point(null, t.plusSeconds(20), 40))));
        fx.app().metricsRollup().rollupTenant("acme", true, "test");
        for (MetricsSchema.Level l : MetricsSchema.Level.ALL) {
            assertThat(count("SELECT count(*) FROM " + l.qualified())).as(l.label).isEqualTo(1);
            assertThat(count("SELECT (\"sum\" * 10 + samples)::BIGINT FROM " + l.qualified())).as(l.label).isEqualTo(602);
            assertThat(count("SELECT \"max\"::BIGINT FROM " + l.qualified())).as(l.label).isEqualTo(40);
        }
        JsonNode avg = query(Map.of("name", "temp", "aggregation", "avg", "step", "1d", "since", DAY.toString(), "until", DAY.plusSeconds(86400).toString()));
        assertThat(avg.path("level").asText()).isEqualTo("1d");
        assertThat(avg.path("series").get(0).path("points").get(0).path("value").asDouble()).isEqualTo(30.0);
    }

    @Test
    void a_cumulative_histogram_rolls_up_as_deltas_with_its_exemplar_and_quantiles_within_its_buckets() throws Exception {
        Instant s = DAY.plusSeconds(4 * 3600);
        double[] bounds = {10, 100, 1000};
        post(request("api", histogram("latency", s, s.plusSeconds(60), bounds, new long[] {5, 3, 2, 0}, 900)));
        post(request("api", histogram("latency", s, s.plusSeconds(120), bounds, new long[] {15, 3, 2, 0}, 950)));
        fx.app().metricsRollup().rollupTenant("acme", true, "test");
        assertThat(count("SELECT sum(delta_count) FROM lake.main.metrics")).isEqualTo(20);
        assertThat(count("SELECT count(*) FROM lake.main.metrics WHERE exemplar_trace_id = '0af7651916cd43dd8448eb211c80319c'")).isEqualTo(2);
        assertThat(count("SELECT \"count\"::BIGINT FROM lake.main.metrics_1h")).isEqualTo(20);
        JsonNode p50 = query(Map.of("name", "latency", "aggregation", "p50", "step", "1h", "since", s.toString(), "until", s.plusSeconds(3600).toString()));
        // 20 observations: 15 in (-inf, 10], so the median is in the first bucket
        assertThat(p50.path("series").get(0).path("points").get(0).path("value").asDouble()).isLessThanOrEqualTo(10 * 1.01);
        JsonNode p95 = query(Map.of("name", "latency", "aggregation", "p95", "step", "1h", "since", s.toString(), "until", s.plusSeconds(3600).toString()));
        assertThat(p95.path("series").get(0).path("points").get(0).path("value").asDouble()).isBetween(100 * 0.99, 1000 * 1.01);
    }

    @Test
    void group_by_and_filter_work_on_point_and_resource_attributes() throws Exception {
        Instant t = DAY.plusSeconds(5 * 3600);
        post(request("web", gauge("cpu", point(null, t, 10, "host", "a"), point(null, t, 30, "host", "b"))));
        post(request("db", gauge("cpu", point(null, t, 50, "host", "c"))));
        fx.app().metricsRollup().rollupTenant("acme", true, "test");
        Map<String, String> q = new HashMap<>(Map.of("name", "cpu", "aggregation", "avg", "step", "5m", "since", t.toString(),
                "until", t.plusSeconds(300).toString(), "group_by", "service.name"));
        JsonNode byService = query(q);
        assertThat(byService.path("level").asText()).isEqualTo("5m");
        Map<String, Double> got = new HashMap<>();
        for (JsonNode s : byService.path("series")) got.put(s.path("group").path("service.name").asText(), s.path("points").get(0).path("value").asDouble());
        assertThat(got).containsEntry("web", 20.0).containsEntry("db", 50.0);
        q.remove("group_by");
        q.put("filter", "host=b");
        assertThat(query(q).path("series").get(0).path("points").get(0).path("value").asDouble()).isEqualTo(30.0);
        q.remove("filter");
        q.put("aggregation", "distinct_series");
        assertThat(query(q).path("series").get(0).path("points").get(0).path("value").asDouble()).isCloseTo(3.0, within(0.1));
    }

    @Test
    void gzip_protobuf_and_hmac_are_accepted_like_on_the_logs_route() throws Exception {
        Instant t = DAY.plusSeconds(6 * 3600);
        byte[] pb = new OtlpMetricsTestRequests().gaugeProtobuf("mem", nanos(t), 42.0);
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(gz)) {
            z.write(pb);
        }
        ApiRequest signed = LakelogFixture.signed(acme, "POST", "/v1/metrics", "application/x-protobuf", gz.toByteArray());
        Map<String, String> h = new HashMap<>(signed.headers());
        h.put("Content-Encoding", "gzip");
        ApiResponse r = fx.call(new ApiRequest("POST", "/v1/metrics", Map.of(), h, gz.toByteArray()));
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.headers().get("Content-Type")).isEqualTo("application/x-protobuf");
        fx.app().metricsRollup().rollupTenant("acme", true, "test");
        assertThat(count("SELECT \"value\"::BIGINT FROM lake.main.metrics WHERE metric_name = 'mem'")).isEqualTo(42);
    }

    @Test
    void exponential_histograms_and_summaries_are_refused_naming_the_metric_and_nothing_is_stored() throws Exception {
        ObjectNode exp = JSON.createObjectNode().put("name", "rpc.duration");
        exp.putObject("exponentialHistogram").put("aggregationTemporality", 2).putArray("dataPoints");
        ApiResponse r = post(request("web", gauge("ok", point(null, DAY, 1)), exp));
        assertThat(r.status()).isEqualTo(400);
        assertThat(body(r).path("code").asText()).isEqualTo("unsupported_metric");
        assertThat(body(r).path("detail").asText()).contains("rpc.duration").contains("exponentialHistogram");
        assertThat(fx.app().blobs().list(MetricSegmentCodec.ROOT)).isEmpty();
    }

    @Test
    void a_malformed_histogram_is_a_400_naming_the_field_and_nothing_is_stored() throws Exception {
        ObjectNode bad = histogram("latency", DAY, DAY.plusSeconds(1), new double[] {1, 2}, new long[] {1, 1}, 3);
        ApiResponse r = post(request("web", bad));
        assertThat(r.status()).isEqualTo(400);
        assertThat(body(r).path("code").asText()).isEqualTo("invalid_otlp");
        assertThat(body(r).path("detail").asText()).contains("bucketCounts");
        assertThat(fx.app().blobs().list(MetricSegmentCodec.ROOT)).isEmpty();
    }

    @Test
    void a_non_finite_value_is_rejected_alone_as_a_partial_success() throws Exception {
        ObjectNode nan = point(null, DAY, 0);
        nan.put("asDouble", "NaN");
        ApiResponse r = post(request("web", gauge("g", point(null, DAY, 1), nan)));
        assertThat(r.status()).isEqualTo(200);
        assertThat(body(r).path("partialSuccess").path("rejectedDataPoints").asText()).isEqualTo("1");
        fx.app().metricsRollup().rollupTenant("acme", true, "test");
        assertThat(count("SELECT count(*) FROM lake.main.metrics")).isEqualTo(1);
    }

    @Test
    void the_metrics_routes_need_the_tenants_credentials() throws Exception {
        ApiResponse r = fx.call(new ApiRequest("POST", "/v1/metrics", Map.of(), Map.of("Content-Type", "application/json"), "{}".getBytes()));
        assertThat(r.status()).isEqualTo(401);
        ApiResponse q = fx.call(new ApiRequest("GET", "/v1/analytics/metrics", Map.of("name", "x"), Map.of(), new byte[0]));
        assertThat(q.status()).isEqualTo(401);
    }

    JsonNode sql(LakelogFixture.TenantCredentials who, String query) throws Exception {
        ApiResponse r = fx.call(LakelogFixture.bearer(who, "POST", "/v1/analytics/query", Map.of(),
                JSON.createObjectNode().put("query", query).toString().getBytes(StandardCharsets.UTF_8)));
        return ((ObjectNode) body(r)).put("status", r.status());
    }

    @Test
    void custom_sql_sees_the_tenants_own_metrics_tables_and_no_one_elses() throws Exception {
        LakelogFixture.TenantCredentials zed = fx.createTenant("zed", Tier.PAID);
        Instant t = DAY.plusSeconds(8 * 3600);
        post(request("web", gauge("cpu", point(null, t, 10, "host", "a"), point(null, t.plusSeconds(1), 20, "host", "a"))));
        ApiResponse other = fx.call(LakelogFixture.bearer(zed, "POST", "/v1/metrics", Map.of(),
                request("zed-svc", gauge("cpu", point(null, t, 99, "host", "z"))).toString().getBytes(StandardCharsets.UTF_8)));
        assertThat(other.status()).isEqualTo(200);
        fx.app().metricsRollup().rollupTenant("acme", true, "test");
        fx.app().metricsRollup().rollupTenant("zed", true, "test");
        fx.app().metricsRollup().rollupTenant("acme", true, "test");

        JsonNode raw = sql(acme, "SELECT count(*) AS n, max(\"value\") AS top, any_value(attributes['host']) AS host FROM metrics");
        assertThat(raw.path("status").asInt()).as(raw.toString()).isEqualTo(200);
        assertThat(raw.path("rows").get(0).path("n").asLong()).isEqualTo(2);
        assertThat(raw.path("rows").get(0).path("top").asDouble()).isEqualTo(20.0);
        JsonNode hourly = sql(acme, "SELECT sum(samples) AS s, max(p95) AS p95 FROM metrics_1h WHERE metric_name = 'cpu'");
        assertThat(hourly.path("rows").get(0).path("s").asLong()).isEqualTo(2);
        for (String table : new String[] {"metrics_1m", "metrics_5m", "metrics_1d"}) {
            assertThat(sql(acme, "SELECT sum(samples) AS s FROM " + table).path("rows").get(0).path("s").asLong()).as(table).isEqualTo(2);
        }
        JsonNode theirs = sql(zed, "SELECT count(*) AS n, min(\"value\") AS v FROM metrics");
        assertThat(theirs.path("rows").get(0).path("n").asLong()).isEqualTo(1);
        assertThat(theirs.path("rows").get(0).path("v").asDouble()).isEqualTo(99.0);
        JsonNode direct = sql(acme, "SELECT count(*) FROM lake.main.metrics");
        assertThat(direct.path("status").asInt()).isEqualTo(400);
        assertThat(direct.path("code").asText()).isEqualTo("sql_rejected");
        // a tenant without metrics sees empty tables, not an error
        LakelogFixture.TenantCredentials empty = fx.createTenant("empty", Tier.PAID);
        assertThat(sql(empty, "SELECT count(*) AS n FROM metrics_1d").path("rows").get(0).path("n").asLong()).isZero();
    }

    @Test
    void an_ingest_token_may_send_metrics_but_not_read_them() throws Exception {
        String token = dev.lakelog.auth.Secrets.newIngestToken();
        fx.app().tenants().addIngestToken(new dev.lakelog.auth.IngestToken(dev.lakelog.auth.Secrets.newIngestTokenId(), "acme", "otel", Instant.now()),
                dev.lakelog.auth.Secrets.tokenHash(token));
        byte[] body = request("web", gauge("g", point(null, DAY, 1))).toString().getBytes(StandardCharsets.UTF_8);
        ApiResponse r = fx.call(new ApiRequest("POST", "/v1/metrics", Map.of(), Map.of("Authorization", "Bearer " + token,
                "Content-Type", "application/json"), body));
        assertThat(r.status()).isEqualTo(200);
        ApiResponse q = fx.call(new ApiRequest("GET", "/v1/analytics/metrics", Map.of("name", "g"), Map.of("Authorization", "Bearer " + token), new byte[0]));
        assertThat(q.status()).isEqualTo(401);
    }

    @Test
    void the_metric_summary_named_query_lists_the_tenants_metrics_from_the_hourly_rollups() throws Exception {
        Instant t = DAY.plusSeconds(9 * 3600);
        post(request("web", gauge("cpu", point(null, t, 10, "host", "a"), point(null, t, 30, "host", "b")),
                sum("jobs", 1, true, point(t.minusSeconds(60), t, 4))));
        fx.app().metricsRollup().rollupTenant("acme", true, "test");
        ApiResponse r = fx.call(LakelogFixture.bearer(acme, "POST", "/v1/analytics/queries/metric_summary", Map.of(),
                ("{\"params\":{\"since\":\"" + DAY + "\"}}").getBytes(StandardCharsets.UTF_8)));
        assertThat(r.status()).as(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(200);
        JsonNode rows = body(r).path("rows");
        assertThat(rows).hasSize(2);
        assertThat(rows.get(0).path("metric_name").asText()).isEqualTo("cpu");
        assertThat(rows.get(0).path("series").asLong()).isEqualTo(2);
        assertThat(rows.get(0).path("max_value").asDouble()).isEqualTo(30.0);
        assertThat(rows.get(1).path("metric_type").asText()).isEqualTo("sum");
    }
}
