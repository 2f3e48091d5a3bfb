package dev.lakelog.segment;

import java.util.List;

/**
 * A decoded segment: its header fields and events, digest already verified.
 *
 * <p>{@code groupKeys}: when one request wrote several segments, every part lists the keys of
 * all parts of that request (itself included), in order; empty for a single-segment request and
 * for segments written before the field existed. Rollup counts a part only once every key of its
 * group is present (or already in the ledger), so a request that failed half-way is never counted.
 */
public record Segment(int formatVersion, String tenantId, long createdAtMicros, String digest, List<LogEvent> events,
                      List<String> groupKeys) {

    public Segment {
        groupKeys = groupKeys == null ? List.of() : List.copyOf(groupKeys);
    }

    /** A segment that is not part of a multi-segment group (the original shape). */
    public Segment(int formatVersion, String tenantId, long createdAtMicros, String digest, List<LogEvent> events) {
        this(formatVersion, tenantId, createdAtMicros, digest, events, List.of());
    }

    public boolean grouped() {
        return groupKeys.size() > 1;
    }
}
