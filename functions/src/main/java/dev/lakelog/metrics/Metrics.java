package dev.lakelog.metrics;

import java.time.Duration;

/**
 * What operators watch, recorded where it happens. Two implementations: CloudWatch Embedded Metric
 * Format in Lambda ({@link EmfMetrics}, one JSON line per invocation) and Prometheus in local mode
 * ({@code local.PrometheusMetrics}, {@code GET /metrics}). Names, units and labels are listed in
 * docs/operations.md. No tenant id is ever a label (cardinality, and no tenant learns of another).
 */
public interface Metrics {

    /** One API request: its route pattern, status and error code ("" on success), and duration. */
    void request(String route, String method, int status, String code, long nanos);

    /** Events written to the hot tier by one accepted ingest request. */
    void eventsAccepted(long events);

    /** One ingest request refused, by its error code (invalid_event, unauthenticated, ...). */
    void ingestRejected(String reason);

    /** One rollup commit: segments and rows moved into the lake, repeated log_ids dropped. */
    void rolledUp(long segments, long rows, long duplicates);

    /** Age of the oldest segment waiting in the hot tier when a rollup started. */
    void rollupLag(Duration lag);

    /** A rollup or maintenance commit that conflicted with another and was retried. */
    void commitConflict();

    /** A custom query refused by the guard or stopped at a limit, by its error code. */
    void queryRefused(String reason);

    /** Sends what was recorded since the last flush, where the implementation needs it (end of an invocation). */
    default void flush() {}

    /** Records nothing. */
    Metrics NONE = new Metrics() {
        @Override public void request(String route, String method, int status, String code, long nanos) {}
        @Override public void eventsAccepted(long events) {}
        @Override public void ingestRejected(String reason) {}
        @Override public void rolledUp(long segments, long rows, long duplicates) {}
        @Override public void rollupLag(Duration lag) {}
        @Override public void commitConflict() {}
        @Override public void queryRefused(String reason) {}
    };
}
