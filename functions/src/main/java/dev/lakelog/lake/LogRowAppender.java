package dev.lakelog.lake;

import dev.lakelog.segment.LogEvent;
import java.sql.SQLException;
import org.duckdb.DuckDBAppender;

/** Appends one {@link LogEvent} as a row in {@link LakeSchema#LOGS_COLUMNS} order. */
public final class LogRowAppender {
    private LogRowAppender() {}

    /**
     * @param archivedAtMicros the rollup time, or null for a hot-tier row not rolled up yet
     */
    public static void append(DuckDBAppender a, LogEvent e, Long archivedAtMicros, String segmentKey) throws SQLException {
        a.beginRow();
        a.append(e.tenantId());
        a.append(e.logId());
        a.appendEpochMicros(e.timestampMicros());
        for (String v : new String[] {e.eventType(), e.outcome(), e.severity(), e.sensitivity(), e.actorId(),
                e.component(), e.environment(), e.resource(), e.message(), e.payload()}) {
            str(a, v);
        }
        if (e.policyTags() == null) a.appendNull();
        else a.append(e.policyTags());
        str(a, e.sessionId());
        str(a, e.requestId());
        str(a, e.sourceIp());
        micros(a, e.retentionUntilMicros());
        a.appendEpochMicros(e.ingestedAtMicros());
        micros(a, archivedAtMicros);
        a.append(segmentKey);
        str(a, e.traceId());
        str(a, e.spanId());
        a.endRow();
    }

    private static void str(DuckDBAppender a, String v) throws SQLException {
        if (v == null) a.appendNull();
        else a.append(v);
    }

    private static void micros(DuckDBAppender a, Long v) throws SQLException {
        if (v == null) a.appendNull();
        else a.appendEpochMicros(v);
    }
}
