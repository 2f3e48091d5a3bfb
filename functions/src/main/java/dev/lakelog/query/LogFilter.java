package dev.lakelog.query;

import dev.lakelog.segment.LogEvent;
import dev.lakelog.api.Params;
import dev.lakelog.api.ErrorCode;
import dev.lakelog.api.LakelogException;
import java.time.Instant;
import java.util.Optional;

/** The filters of {@code GET /v1/analytics/logs} (and of the hot-tier read). */
public record LogFilter(Optional<Instant> since, Optional<Instant> until, Optional<String> severity,
                        Optional<String> component, Optional<String> eventType, Optional<String> actorId,
                        int limit, long offset) {

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
        Optional<String> severity = p.string("severity", 32);
        severity.ifPresent(s -> {
            if (!LogEvent.SEVERITIES.contains(s)) {
                throw new LakelogException(ErrorCode.INVALID_PARAMETER, "parameter 'severity' must be one of " + new java.util.TreeSet<>(LogEvent.SEVERITIES) + ", got '" + s + "'");
            }
        });
        return new LogFilter(since, until, severity, p.string("component", 256), p.string("event_type", 128),
                p.string("actor_id", 256), (int) p.integer("limit", defaultLimit, 1, maxLimit),
                p.integer("offset", 0, 0, Long.MAX_VALUE / 2));
    }
}
