package dev.lakelog.segment;

import java.util.List;

/**
 * One validated event, as it is stored in a segment and later as a row of {@code lake.main.logs}.
 * Times are epoch microseconds UTC (DuckDB's TIMESTAMPTZ precision); {@code payload} is JSON text
 * or null. {@code tenantId} always comes from the authenticated key, never from the body.
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
        long ingestedAtMicros) {

    public LogEvent {
        policyTags = policyTags == null ? null : List.copyOf(policyTags);
    }
}
