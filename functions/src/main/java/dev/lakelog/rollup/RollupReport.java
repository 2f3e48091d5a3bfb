package dev.lakelog.rollup;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * The FlightRecorder rollup result, plus the snapshot of the last commit (null if none) and
 * whether the invocation stopped at its time budget with work left for the next one.
 */
public record RollupReport(
        @JsonProperty("segments_processed") int segmentsProcessed,
        @JsonProperty("logs_inserted") long logsInserted,
        @JsonProperty("segments_deleted") int segmentsDeleted,
        @JsonProperty("errors") List<String> errors,
        @JsonProperty("timestamp") String timestamp,
        @JsonProperty("snapshot_id") Long snapshotId,
        @JsonProperty("budget_exhausted") boolean budgetExhausted) {}
