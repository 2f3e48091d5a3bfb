package dev.lakelog.segment;

import java.util.List;

/** A decoded segment: its header fields and events, digest already verified. */
public record Segment(int formatVersion, String tenantId, long createdAtMicros, String digest, List<LogEvent> events) {}
