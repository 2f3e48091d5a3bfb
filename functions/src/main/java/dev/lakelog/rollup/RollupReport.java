package dev.lakelog.rollup;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The FlightRecorder rollup result, plus the snapshot of the last commit (null if none), whether
 * the invocation stopped at its time budget with work left for the next one, and how many events
 * were dropped as repeats of a {@code log_id} already in the lake (docs/rollup.md).
 */
public record RollupReport(
        @JsonProperty("segments_processed") int segmentsProcessed,
        @JsonProperty("logs_inserted") long logsInserted,
        @JsonProperty("segments_deleted") int segmentsDeleted,
        @JsonProperty("errors") List<String> errors,
        @JsonProperty("timestamp") String timestamp,
        @JsonProperty("snapshot_id") Long snapshotId,
        @JsonProperty("budget_exhausted") boolean budgetExhausted,
        @JsonProperty("duplicates_dropped") long duplicatesDropped) {

    /**
     * The report as a map with the documented field names, for callers whose serializer ignores
     * Jackson annotations (the Lambda runtime's).
     */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("segments_processed", segmentsProcessed);
        m.put("logs_inserted", logsInserted);
        m.put("segments_deleted", segmentsDeleted);
        m.put("errors", errors);
        m.put("timestamp", timestamp);
        m.put("snapshot_id", snapshotId);
        m.put("budget_exhausted", budgetExhausted);
        m.put("duplicates_dropped", duplicatesDropped);
        return m;
    }
}
