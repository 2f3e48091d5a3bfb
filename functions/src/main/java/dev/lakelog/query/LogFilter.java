package dev.lakelog.query;

import dev.lakelog.segment.LogEvent;
import dev.lakelog.api.Params;
import dev.lakelog.api.ErrorCode;
import dev.lakelog.api.LakelogException;
import java.time.Instant;
import java.util.Optional;

/**
 * The filters of {@code GET /v1/analytics/logs}, the snapshot route and the hot-tier read. Enumerated
 * values (severity, outcome) are matched whatever their case; {@code q} is a case-insensitive
 * substring of the message or the payload; trace and span ids are lower-case hex.
 */
public record LogFilter(Optional<Instant> since, Optional<Instant> until, Optional<String> severity,
                        Optional<String> component, Optional<String> eventType, Optional<String> actorId,
                        Optional<String> outcome, Optional<String> traceId, Optional<String> spanId, Optional<String> text,
                        int limit, long offset) {

    /** Every filter parameter name (the routes add their own, e.g. as_of). */
    public static final java.util.Set<String> PARAMETERS = java.util.Set.of("since", "until", "severity", "component", "event_type",
            "actor_id", "outcome", "trace_id", "span_id", "q", "limit", "offset");

    public static final int MAX_LIMIT = 10_000;

    public static LogFilter from(Params p) {
        return from(p, MAX_LIMIT, 1000);
    }

    /** With the route's own limit range (the snapshot route allows 1-1000, default 100). */
    public static LogFilter from(Params p, int maxLimit, int defaultLimit) {
        Optional<Instant> since = p.time("since");
        Optional<Instant> until = p.time("until");
        if (since.isPresent() && until.isPresent() && until.get().isBefore(since.get())) {
            throw new LakelogException(ErrorCode.INVALID_PARAMETER, "parameter 'until' is before 'since'");
        }
        Optional<String> severity = enumerated(p, "severity", LogEvent.SEVERITIES);
        Optional<String> outcome = enumerated(p, "outcome", LogEvent.OUTCOMES);
        Optional<String> traceId = hex(p, "trace_id", 32);
        Optional<String> spanId = hex(p, "span_id", 16);
        Optional<String> q = p.string("q", 256).map(t -> t.toLowerCase(java.util.Locale.ROOT));
        return new LogFilter(since, until, severity, p.string("component", 256), p.string("event_type", 128),
                p.string("actor_id", 256), outcome, traceId, spanId, q, (int) p.integer("limit", defaultLimit, 1, maxLimit),
                p.integer("offset", 0, 0, Long.MAX_VALUE / 2));
    }

    private static Optional<String> enumerated(Params p, String name, java.util.Set<String> values) {
        Optional<String> v = p.string(name, 32).map(s -> s.toUpperCase(java.util.Locale.ROOT));
        v.ifPresent(s -> {
            if (!values.contains(s)) {
                throw new LakelogException(ErrorCode.INVALID_PARAMETER, "parameter '" + name + "' must be one of "
                        + new java.util.TreeSet<>(values) + " (any case), got '" + s + "'");
            }
        });
        return v;
    }

    private static Optional<String> hex(Params p, String name, int digits) {
        Optional<String> v = p.string(name, digits).map(s -> s.toLowerCase(java.util.Locale.ROOT));
        v.ifPresent(s -> {
            if (!s.matches("[0-9a-f]{" + digits + "}")) {
                throw new LakelogException(ErrorCode.INVALID_PARAMETER, "parameter '" + name + "' must be " + digits + " hex digits, got '" + s + "'");
            }
        });
        return v;
    }
}
