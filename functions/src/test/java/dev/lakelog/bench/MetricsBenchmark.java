package dev.lakelog.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lakelog.api.ApiRequest;
import dev.lakelog.api.ApiResponse;
import dev.lakelog.auth.Tier;
import dev.lakelog.telemetry.MetricsRollupService;
import dev.lakelog.testing.LakelogFixture;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.Gauge;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.resource.v1.Resource;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Metrics throughput and the rollups' payoff, in one run (docs/benchmarks.md, "Metrics"): OTLP
 * protobuf requests (one per series-hour) through the ingest core ({@code POST /v1/metrics} on the
 * router: auth, decode, mapping, one metric segment written per request), then the metrics rollup
 * (raw table + 1m/5m/1h/1d rebuilt), then a 30-day p99 across all series from the rollups
 * ({@code level} auto: the 1d rows) and from the raw points ({@code level=raw}), each three times.
 * Local mode (DuckLake on a DuckDB-file catalog, files on disk). Sizes:
 * {@code -Dbench.series=50 -Dbench.days=30 -Dbench.intervalSeconds=300}.
 *
 * <pre>
 * cd functions && LAKELOG_DUCKDB_EXTENSION_DIR=$PWD/target/duckdb-extensions MAVEN_OPTS=-Xmx2g \
 *   mvn -q -o test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=dev.lakelog.bench.MetricsBenchmark
 * </pre>
 */
public final class MetricsBenchmark {
    public static void main(String[] args) {
        try {
            run();
        } catch (Throwable t) {
            t.printStackTrace();
            System.exit(1);
        }
        System.exit(0);
    }

    private static void run() throws Exception {
        int series = Integer.getInteger("bench.series", 50);
        int days = Integer.getInteger("bench.days", 30);
        int interval = Integer.getInteger("bench.intervalSeconds", 300);
        ObjectMapper json = new ObjectMapper();
        Instant end = Instant.now().truncatedTo(ChronoUnit.DAYS);
        Instant start = end.minus(days, ChronoUnit.DAYS);
        int perHour = 3600 / interval;
        Random rnd = new Random(7);
        try (LakelogFixture fx = LakelogFixture.local()) {
            LakelogFixture.TenantCredentials t = fx.createTenant("bench", Tier.PAID);
            // build the requests first, so the timed part is the ingest core only
            List<byte[]> bodies = new ArrayList<>();
            List<Double> all = new ArrayList<>();
            // one request per hour with every series' points of that hour, as an SDK or Collector batches them
            for (int h = 0; h < days * 24; h++) {
                ScopeMetrics.Builder scope = ScopeMetrics.newBuilder();
                ResourceMetrics.Builder res = ResourceMetrics.newBuilder().setResource(Resource.newBuilder().addAttributes(kv("service.name", "svc")));
                Gauge.Builder g = Gauge.newBuilder();
                for (int s = 0; s < series; s++) {
                    for (int k = 0; k < perHour; k++) {
                        long ts = start.plusSeconds(h * 3600L + (long) k * interval).getEpochSecond() * 1_000_000_000L;
                        double v = rnd.nextDouble() < 0.01 ? 1000 + rnd.nextDouble() * 4000 : Math.exp(3 + 0.7 * rnd.nextGaussian());
                        all.add(v);
                        g.addDataPoints(NumberDataPoint.newBuilder().setTimeUnixNano(ts).setAsDouble(v).addAttributes(kv("host", "host-" + s)));
                    }
                }
                scope.addMetrics(Metric.newBuilder().setName("request.latency").setUnit("ms").setGauge(g));
                bodies.add(ExportMetricsServiceRequest.newBuilder().addResourceMetrics(res.addScopeMetrics(scope)).build().toByteArray());
            }
            long points = all.size();
            Map<String, String> headers = new HashMap<>(Map.of("Authorization", "Bearer " + t.token(), "Content-Type", "application/x-protobuf"));
            long t0 = System.nanoTime();
            for (byte[] b : bodies) {
                ApiResponse r = fx.call(new ApiRequest("POST", "/v1/metrics", Map.of(), headers, b));
                if (r.status() != 200) throw new IllegalStateException("ingest answered " + r.status() + ": " + r.bodyText());
            }
            double ingestS = (System.nanoTime() - t0) / 1e9;
            System.out.printf("ingest: %,d points in %,d requests (%d series x %d days, every %d s) in %.2f s = %,.0f points/s%n",
                    points, bodies.size(), series, days, interval, ingestS, points / ingestS);

            long t1 = System.nanoTime();
            MetricsRollupService.Report rep = fx.app().metricsRollup().rollupTenant("bench", true, "bench");
            double rollupS = (System.nanoTime() - t1) / 1e9;
            if (!rep.errors().isEmpty()) throw new IllegalStateException("rollup errors: " + rep.errors());
            System.out.printf("rollup: %,d points from %,d segments in %.2f s = %,.0f points/s; rows written per level %s%n",
                    rep.pointsInserted(), rep.segmentsProcessed(), rollupS, rep.pointsInserted() / rollupS, rep.rollupRows());

            double[] sorted = all.stream().mapToDouble(Double::doubleValue).toArray();
            Arrays.sort(sorted);
            double exact = sorted[(int) Math.floor(0.99 * (sorted.length - 1))];
            Map<String, String> q = new HashMap<>(Map.of("name", "request.latency", "aggregation", "p99", "step", days + "d",
                    "since", start.toString(), "until", end.toString()));
            for (String level : new String[] {"auto", "raw"}) {
                q.put("level", level);
                double best = Double.MAX_VALUE;
                JsonNode answer = null;
                for (int i = 0; i < 3; i++) {
                    long q0 = System.nanoTime();
                    ApiResponse r = fx.call(LakelogFixture.bearer(t, "GET", "/v1/analytics/metrics", q, new byte[0]));
                    double ms = (System.nanoTime() - q0) / 1e6;
                    if (r.status() != 200) throw new IllegalStateException("query answered " + r.status() + ": " + r.bodyText());
                    answer = json.readTree(r.body());
                    best = Math.min(best, ms);
                }
                double p99 = answer.path("series").get(0).path("points").get(0).path("value").asDouble();
                System.out.printf("30-day p99 (%s): level %s, %,d rows read, best of 3 %.0f ms; p99 %.3f vs exact %.3f (error %.3f%%)%n",
                        level, answer.path("level").asText(), answer.path("rows_read").asLong(), best, p99, exact, 100 * Math.abs(p99 - exact) / exact);
            }
            Runtime rt = Runtime.getRuntime();
            System.out.printf("heap used at end: %d MB; cores %d%n", (rt.totalMemory() - rt.freeMemory()) >> 20, rt.availableProcessors());
        }
    }

    private static KeyValue kv(String k, String v) {
        return KeyValue.newBuilder().setKey(k).setValue(AnyValue.newBuilder().setStringValue(v)).build();
    }
}
