package dev.lakelog.local;

import dev.lakelog.metrics.Metrics;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;

/** The local server's metrics, in the Prometheus client library's registry; {@code GET /metrics} scrapes them. */
public final class PrometheusMetrics implements Metrics {
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Counter requests;
    private final Histogram requestSeconds;
    private final Counter eventsAccepted;
    private final Counter ingestRejected;
    private final Counter segments;
    private final Counter rows;
    private final Counter duplicates;
    private final Gauge lag;
    private final Counter conflicts;
    private final Counter refusals;

    public PrometheusMetrics() {
        requests = Counter.builder().name("lakelog_requests_total").help("API requests by route, method, status and error code")
                .labelNames("route", "method", "status", "code").register(registry);
        requestSeconds = Histogram.builder().name("lakelog_request_seconds").help("API request duration by route")
                .labelNames("route").register(registry);
        eventsAccepted = Counter.builder().name("lakelog_events_accepted_total").help("events written to the hot tier").register(registry);
        ingestRejected = Counter.builder().name("lakelog_ingest_rejected_total").help("ingest requests refused, by reason")
                .labelNames("reason").register(registry);
        segments = Counter.builder().name("lakelog_rollup_segments_total").help("segments rolled up into the lake").register(registry);
        rows = Counter.builder().name("lakelog_rollup_rows_total").help("rows rolled up into the lake").register(registry);
        duplicates = Counter.builder().name("lakelog_rollup_duplicates_total").help("events dropped at rollup as a repeated log_id")
                .register(registry);
        lag = Gauge.builder().name("lakelog_rollup_lag_seconds").help("age of the oldest waiting segment when the last rollup started")
                .register(registry);
        conflicts = Counter.builder().name("lakelog_commit_conflicts_total").help("lake commits that conflicted and were retried")
                .register(registry);
        refusals = Counter.builder().name("lakelog_query_refusals_total").help("custom queries refused or stopped at a limit, by reason")
                .labelNames("reason").register(registry);
        JvmMetrics.builder().register(registry);
    }

    @Override
    public void request(String route, String method, int status, String code, long nanos) {
        requests.labelValues(route, method, Integer.toString(status), code).inc();
        requestSeconds.labelValues(route).observe(nanos / 1e9);
    }

    @Override
    public void eventsAccepted(long n) {
        eventsAccepted.inc(n);
    }

    @Override
    public void ingestRejected(String reason) {
        ingestRejected.labelValues(reason).inc();
    }

    @Override
    public void rolledUp(long s, long r, long d) {
        segments.inc(s);
        rows.inc(r);
        duplicates.inc(d);
    }

    @Override
    public void rollupLag(Duration age) {
        lag.set(age.toMillis() / 1000.0);
    }

    @Override
    public void commitConflict() {
        conflicts.inc();
    }

    @Override
    public void queryRefused(String reason) {
        refusals.labelValues(reason).inc();
    }

    /** Every metric in the Prometheus text exposition format (version 0.0.4). */
    public byte[] scrape() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            PrometheusTextFormatWriter.create().write(out, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
}
