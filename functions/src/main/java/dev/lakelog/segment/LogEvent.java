package dev.lakelog.segment;

import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * One validated event, as it is stored in a segment and later as a row of {@code lake.main.logs}.
 * Times are epoch microseconds UTC (DuckDB's TIMESTAMPTZ precision); {@code payload} is JSON text
 * or null. {@code tenantId} always comes from the authenticated key, never from the body.
 * {@code traceId} (32) and {@code spanId} (16) are lower-case hex or null (W3C trace context).
 */
public record LogEvent(
        String tenantId,
        String logId,
        long timestampMicros,
        String eventType,
        String outcome,
        String severity,
        String sensitivity,
        String actorId,
        String component,
        String environment,
        String resource,
        String message,
        String payload,
        List<String> policyTags,
        String sessionId,
        String requestId,
        String sourceIp,
        Long retentionUntilMicros,
        long ingestedAtMicros,
        String traceId,
        String spanId) {

    /** An event without trace context. */
    public LogEvent(String tenantId, String logId, long timestampMicros, String eventType, String outcome, String severity,
                    String sensitivity, String actorId, String component, String environment, String resource, String message,
                    String payload, List<String> policyTags, String sessionId, String requestId, String sourceIp,
                    Long retentionUntilMicros, long ingestedAtMicros) {
        this(tenantId, logId, timestampMicros, eventType, outcome, severity, sensitivity, actorId, component, environment,
                resource, message, payload, policyTags, sessionId, requestId, sourceIp, retentionUntilMicros, ingestedAtMicros,
                null, null);
    }

    /** The severities an event may carry, lowest first in meaning (DESIGN.md). */
    public static final Set<String> SEVERITIES = Set.of("DEBUG", "INFO", "NOTICE", "WARNING", "ERROR", "CRITICAL");
    /** The outcomes an event may carry. */
    public static final Set<String> OUTCOMES = Set.of("SUCCESS", "FAILURE", "UNKNOWN");

    public LogEvent {
        policyTags = policyTags == null ? null : List.copyOf(policyTags);
    }

    /**
     * Epoch microseconds of {@code t}, the precision events are stored with. (Not
     * {@code ChronoUnit.MICROS.between}: it counts in nanoseconds first and overflows after 2262.)
     */
    public static long micros(Instant t) {
        return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000L), t.getNano() / 1_000);
    }
}
