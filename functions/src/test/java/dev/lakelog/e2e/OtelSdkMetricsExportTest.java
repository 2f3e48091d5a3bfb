package dev.lakelog.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lakelog.auth.Tier;
import dev.lakelog.lake.MetricAggregate;
import dev.lakelog.local.LocalServer;
import dev.lakelog.testing.LakelogFixture;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.DoubleHistogram;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.exporter.otlp.http.metrics.OtlpHttpMetricExporter;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.export.PeriodicMetricReader;
import io.opentelemetry.sdk.resources.Resource;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A metrics producer nobody on this project wrote: the OpenTelemetry Java SDK's own OTLP/HTTP metric
 * exporter with its DEFAULT settings (protobuf, cumulative temporality, the default explicit-bucket
 * histogram aggregation, its default HTTP sender), exporting to the running local server with the
 * tenant's Bearer token. A counter, a gauge and a histogram go through several exports; after a
 * rollup the counter's rate, the gauge's p95 and the histogram's p95 read back from the rollups
 * within the error bounds of docs/metrics.md.
 */
class OtelSdkMetricsExportTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
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

    private static JsonNode call(String method, String path, Map<String, String> query) throws Exception {
        StringBuilder q = new StringBuilder();
        query.forEach((k, v) -> q.append(q.length() == 0 ? "?" : "&").append(k).append('=').append(java.net.URLEncoder.encode(v, java.nio.charset.StandardCharsets.UTF_8)));
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.url() + path + q)).header("Authorization", "Bearer " + acme.token())
                .timeout(Duration.ofSeconds(60));
        b = method.equals("POST") ? b.POST(HttpRequest.BodyPublishers.noBody()) : b.GET();
        HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    /** The value at rank floor(q * (n - 1)) of the sorted values: the quantile DDSketch's guarantee refers to. */
    static double exactQuantile(double[] values, double q) {
        double[] s = values.clone();
        Arrays.sort(s);
        return s[(int) Math.floor(q * (s.length - 1))];
    }

    @Test
    void the_sdks_default_otlp_exporter_sends_a_counter_a_gauge_and_a_histogram_and_rates_and_p95_read_back_within_bounds() throws Exception {
        // Default settings except where the server is and who we are.
        OtlpHttpMetricExporter exporter = OtlpHttpMetricExporter.builder()
                .setEndpoint(server.url() + "/v1/metrics")
                .addHeader("Authorization", "Bearer " + acme.token())
                .build();
        SdkMeterProvider provider = SdkMeterProvider.builder()
                .setResource(Resource.getDefault().merge(Resource.create(Attributes.of(AttributeKey.stringKey("service.name"), "checkout"))))
                .registerMetricReader(PeriodicMetricReader.create(exporter))
                .build();
        Meter meter = provider.get("dev.lakelog.sdk-metrics-test");
        LongCounter orders = meter.counterBuilder("orders.placed").setUnit("1").build();
        DoubleHistogram latency = meter.histogramBuilder("checkout.duration").setUnit("ms").build();
        AtomicReference<Double> queue = new AtomicReference<>(0.0);
        meter.gaugeBuilder("queue.depth").setUnit("1").buildWithCallback(m -> m.record(queue.get()));

        Random rnd = new Random(16);
        List<Double> gaugeValues = new ArrayList<>();
        List<Double> latencies = new ArrayList<>();
        long ordersTotal = 0;
        int exports = 20;
        for (int i = 0; i < exports; i++) {
            long n = 10 + rnd.nextInt(40);
            orders.add(n, Attributes.of(AttributeKey.stringKey("region"), "eu"));
            ordersTotal += n;
            for (int k = 0; k < 50; k++) {
                double ms = Math.exp(3 + rnd.nextGaussian()); // lognormal around 20 ms
                latency.record(ms);
                latencies.add(ms);
            }
            double depth = 1 + rnd.nextInt(500) + rnd.nextDouble();
            queue.set(depth);
            gaugeValues.add(depth);
            CompletableResultCode flushed = provider.forceFlush().join(30, TimeUnit.SECONDS);
            assertThat(flushed.isSuccess()).as("export " + i + " was accepted").isTrue();
            Thread.sleep(5); // distinct timestamps for the cumulative points
        }
        provider.shutdown().join(30, TimeUnit.SECONDS);

        JsonNode roll = call("POST", "/v1/analytics/metrics/rollup", Map.of("delete_after_rollup", "true"));
        assertThat(roll.path("errors")).isEmpty();
        // each export: one point per instrument (shutdown may add one more)
        assertThat(roll.path("points_inserted").asLong()).isGreaterThanOrEqualTo(3L * exports);

        Instant from = Instant.now().truncatedTo(ChronoUnit.HOURS).minus(1, ChronoUnit.HOURS);
        Instant to = from.plus(3, ChronoUnit.HOURS);

        // The counter: the cumulative values become increases; the rate over 3 hours times 3 hours is the total.
        JsonNode rate = call("GET", "/v1/analytics/metrics", Map.of("name", "orders.placed", "aggregation", "rate", "step", "3h",
                "since", from.toString(), "until", to.toString()));
        assertThat(rate.path("level").asText()).isEqualTo("1h");
        assertThat(rate.path("type").asText()).isEqualTo("sum");
        double r = rate.path("series").get(0).path("points").get(0).path("value").asDouble();
        assertThat(r * 3 * 3600).isCloseTo((double) ordersTotal, org.assertj.core.data.Offset.offset(1e-6));

        // The gauge: p95 from merged DDSketches within 1% of the exact p95 of what was recorded.
        double[] g = gaugeValues.stream().mapToDouble(Double::doubleValue).toArray();
        JsonNode gp = call("GET", "/v1/analytics/metrics", Map.of("name", "queue.depth", "aggregation", "p95", "step", "3h",
                "since", from.toString(), "until", to.toString()));
        double gp95 = gp.path("series").get(0).path("points").get(0).path("value").asDouble();
        double exactG = exactQuantile(g, 0.95);
        assertThat(Math.abs(gp95 - exactG)).as("gauge p95 %s vs exact %s", gp95, exactG)
                .isLessThanOrEqualTo(MetricAggregate.RELATIVE_ACCURACY * exactG + 1e-9);

        // The histogram (the SDK's default buckets 0, 5, 10, 25, 50, 75, 100, 250, ...): p95 lies in the
        // bucket of the exact p95, widened by the sketch's 1% (docs/metrics.md).
        double[] l = latencies.stream().mapToDouble(Double::doubleValue).toArray();
        double exactL = exactQuantile(l, 0.95);
        double[] bounds = {0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000};
        double lo = 0;
        double hi = Double.MAX_VALUE;
        for (int i = 0; i < bounds.length; i++) {
            if (exactL <= bounds[i]) {
                hi = bounds[i];
                lo = i == 0 ? Double.NEGATIVE_INFINITY : bounds[i - 1];
                break;
            }
        }
        JsonNode hp = call("GET", "/v1/analytics/metrics", Map.of("name", "checkout.duration", "aggregation", "p95", "step", "3h",
                "since", from.toString(), "until", to.toString()));
        assertThat(hp.path("type").asText()).isEqualTo("histogram");
        double hp95 = hp.path("series").get(0).path("points").get(0).path("value").asDouble();
        assertThat(hp95).as("histogram p95 %s; exact %s in bucket (%s, %s]", hp95, exactL, lo, hi)
                .isBetween(lo * (1 - MetricAggregate.RELATIVE_ACCURACY), hi * (1 + MetricAggregate.RELATIVE_ACCURACY));
        System.out.printf("otel-sdk metrics: gauge p95 %.4f exact %.4f (error %.4f%%); histogram p95 %.3f exact %.3f bucket (%s, %s]%n",
                gp95, exactG, 100 * Math.abs(gp95 - exactG) / exactG, hp95, exactL, lo, hi);
        JsonNode count = call("GET", "/v1/analytics/metrics", Map.of("name", "checkout.duration", "aggregation", "count", "step", "3h",
                "since", from.toString(), "until", to.toString()));
        assertThat(count.path("series").get(0).path("points").get(0).path("value").asDouble()).isEqualTo((double) latencies.size());

        // The same answers from the raw points (level=raw) agree: the rollups lost nothing.
        JsonNode rawRate = call("GET", "/v1/analytics/metrics", Map.of("name", "orders.placed", "aggregation", "increase", "step", "3h",
                "since", from.toString(), "until", to.toString(), "level", "raw"));
        assertThat(rawRate.path("level").asText()).isEqualTo("raw");
        assertThat(rawRate.path("series").get(0).path("points").get(0).path("value").asDouble()).isEqualTo((double) ordersTotal);
    }
}
