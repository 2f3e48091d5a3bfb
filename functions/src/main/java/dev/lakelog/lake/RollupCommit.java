package dev.lakelog.lake;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lakelog.log.JsonLog;
import dev.lakelog.segment.LogEvent;
import dev.lakelog.segment.Segment;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;

/**
 * The commit protocol that makes rollup exactly-once, in one place. One batch of a tenant's
 * segments is staged in temporary tables of one connection ({@link #add}), then {@link #commit}
 * writes, in ONE DuckLake transaction: the batch's rows into {@code lake.main.logs}, one ledger row
 * per segment into {@code lake.main.rollup_ledger}, the entry of the tenant's integrity lane with
 * a rewrite of the lane's head (the tenant's commit fence), and a commit
 * message naming the trigger. Inside the transaction, segments the ledger already holds are
 * removed from the stage first, so a segment can never be inserted twice: not by a retry, not by
 * a second rollup that raced this one (the tenant's lane head table is the fence: overlapping
 * commits of one tenant both delete from it and conflict, other tenants' commits do not; the loser
 * retries and its re-check then drops what the winner committed). docs/rollup.md gives the proof.
 *
 * <pre>
 * try (RollupCommit c = RollupCommit.open(conn, tenant, rollupId, archivedAt, trigger)) {
 *     c.add(key, segment);            // for each segment of the batch
 *     RollupCommit.Committed done = c.commit();
 * }
 * </pre>
 */
public final class RollupCommit implements AutoCloseable {
    private static final JsonLog LOG = JsonLog.get(RollupCommit.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Attempts of {@link #commit} when another commit overlapped ours (a DuckLake conflict). */
    public static final int COMMIT_ATTEMPTS = 6;

    private final Connection conn;
    private final String tenant;
    private final String rollupId;
    private final long archivedAtMicros;
    private final String trigger;
    private DuckDBAppender rows;
    private DuckDBAppender ledger;
    private int staged;
    private Runnable beforeCommit = () -> {};
    /** Phase times of the last commit attempt, for its log line (docs/benchmarks.md uses them). */
    private long readBackNanos;
    private long digestNanos;

    /**
     * What one commit wrote: rows and segments inserted (after the re-check), rows dropped as
     * duplicates of a {@code log_id} ({@link #dropDuplicates}), and its snapshot.
     */
    public record Committed(long rows, long segments, long duplicates, Long snapshotId, int conflicts, IntegrityChain.Head head) {}

    /**
     * A client's {@code log_id} is its identity for the event: a producer that retries without an
     * Idempotency-Key sends it again. Within one tenant, a row whose {@code log_id} is already in the
     * lake on the same UTC event day, or earlier in this batch, is dropped (the first one stays).
     * The window is the event's day partition (which DuckLake prunes to) plus the hot tier, whose
     * segments of a tenant roll up together in key order; docs/rollup.md documents it.
     */
    private void dropDuplicates(Statement st) throws SQLException {
        st.execute("DELETE FROM rollup_stage WHERE rowid NOT IN (SELECT min(rowid) FROM rollup_stage GROUP BY log_id)");
        Long from;
        Long to;
        try (ResultSet rs = st.executeQuery("SELECT epoch_us(date_trunc('day', min(\"timestamp\"))), "
                + "epoch_us(date_trunc('day', max(\"timestamp\")) + INTERVAL 1 DAY) FROM rollup_stage")) {
            rs.next();
            from = rs.getObject(1) == null ? null : rs.getLong(1);
            to = rs.getObject(2) == null ? null : rs.getLong(2);
        }
        if (from == null) return;
        st.execute("DELETE FROM rollup_stage WHERE log_id IN (SELECT l.log_id FROM " + LakeSchema.LOGS + " l WHERE l.tenant_id = "
                + LakeEngine.literal(tenant) + " AND l.\"timestamp\" >= make_timestamptz(" + from + ") AND l.\"timestamp\" < make_timestamptz("
                + to + ") AND l.log_id IN (SELECT log_id FROM rollup_stage)) AND EXISTS (SELECT 1 FROM " + LakeSchema.LOGS
                + " l WHERE l.tenant_id = " + LakeEngine.literal(tenant) + " AND l.log_id = rollup_stage.log_id AND l.\"timestamp\" >= "
                + "make_timestamptz(" + from + ") AND l.\"timestamp\" < make_timestamptz(" + to + ") AND date_trunc('day', l.\"timestamp\") = "
                + "date_trunc('day', rollup_stage.\"timestamp\"))");
    }

    private RollupCommit(Connection conn, String tenant, String rollupId, long archivedAtMicros, String trigger) {
        this.conn = conn;
        this.tenant = tenant;
        this.rollupId = rollupId;
        this.archivedAtMicros = archivedAtMicros;
        this.trigger = trigger;
    }

    /**
     * Opens the stage on {@code conn} (a connection of its own: the stage tables are temporary
     * tables of this connection).
     *
     * @param archivedAtMicros the rollup time, written to every row's {@code archived_at}
     * @param trigger schedule, iot, rest, cli...: named in the commit message and the ledger
     */
    public static RollupCommit open(Connection conn, String tenant, String rollupId, long archivedAtMicros, String trigger)
            throws SQLException {
        RollupCommit c = new RollupCommit(conn, tenant, rollupId, archivedAtMicros, trigger);
        try (Statement st = conn.createStatement()) {
            st.execute("CREATE OR REPLACE TEMP TABLE rollup_stage (" + LakeSchema.LOGS_COLUMNS.replace(" NOT NULL", "") + ")");
            st.execute("CREATE OR REPLACE TEMP TABLE rollup_stage_ledger (segment_key VARCHAR, tenant_id VARCHAR, "
                    + "row_count BIGINT, digest VARCHAR, rolled_up_at TIMESTAMPTZ, rollup_id VARCHAR, trigger VARCHAR)");
        }
        DuckDBConnection duck = conn.unwrap(DuckDBConnection.class);
        c.rows = duck.createAppender("temp", "main", "rollup_stage");
        c.ledger = duck.createAppender("temp", "main", "rollup_stage_ledger");
        return c;
    }

    /** Stages every event of the segment and its ledger row. */
    public void add(String segmentKey, Segment segment) throws SQLException {
        for (LogEvent e : segment.events()) LogRowAppender.append(rows, e, archivedAtMicros, segmentKey);
        ledger.beginRow();
        ledger.append(segmentKey);
        ledger.append(tenant);
        ledger.append((long) segment.events().size());
        ledger.append(segment.digest());
        ledger.appendEpochMicros(archivedAtMicros);
        ledger.append(rollupId);
        ledger.append(trigger);
        ledger.endRow();
        staged++;
    }

    /** Segments staged so far. */
    public int staged() {
        return staged;
    }

    /** Test seam: runs inside the commit transaction, just before COMMIT. */
    public void beforeCommit(Runnable hook) {
        this.beforeCommit = hook;
    }

    /**
     * Commits the stage in one transaction, again after a DuckLake conflict (up to
     * {@link #COMMIT_ATTEMPTS}, with jittered back-off). A failed attempt rolls back its changes
     * to the temporary stage too, so every attempt starts from the same stage.
     */
    public Committed commit() throws SQLException {
        flushStage();
        for (int attempt = 1; ; attempt++) {
            try {
                Committed c = commitOnce();
                return new Committed(c.rows(), c.segments(), c.duplicates(), c.snapshotId(), attempt - 1, c.head());
            } catch (SQLException e) {
                String m = String.valueOf(e.getMessage());
                String lower = m.toLowerCase(Locale.ROOT);
                // a logical conflict, or DuckLake's own snapshot-id retries exhausted under contention
                if (attempt >= COMMIT_ATTEMPTS || !(lower.contains("conflict") || lower.contains("exceeded the maximum retry count"))) throw e;
                LOG.info("rollup_commit_conflict_retry", "tenant", tenant, "attempt", attempt);
                try {
                    Thread.sleep(50L * attempt + Jitter.next(50));
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    private Committed commitOnce() throws SQLException {
        long t1 = System.nanoTime();
        long rowCount;
        long segs;
        long duplicates;
        IntegrityChain.Head head;
        long[] at = new long[5]; // phases, for the log line (docs/benchmarks.md: where a commit's time goes)
        try (Statement st = conn.createStatement()) {
            st.execute("BEGIN TRANSACTION");
            try {
                // Re-check inside the transaction: a segment committed since we looked is skipped.
                String done = "(SELECT segment_key FROM " + LakeSchema.LEDGER + " WHERE tenant_id = " + LakeEngine.literal(tenant) + ")";
                st.execute("DELETE FROM rollup_stage WHERE segment_key IN " + done);
                st.execute("DELETE FROM rollup_stage_ledger WHERE segment_key IN " + done);
                long stagedRows;
                try (ResultSet rs = st.executeQuery("SELECT count(*) FROM rollup_stage")) {
                    rs.next();
                    stagedRows = rs.getLong(1);
                }
                dropDuplicates(st);
                try (ResultSet rs = st.executeQuery("SELECT (SELECT count(*) FROM rollup_stage), (SELECT count(*) FROM rollup_stage_ledger)")) {
                    rs.next();
                    rowCount = rs.getLong(1);
                    segs = rs.getLong(2);
                }
                duplicates = stagedRows - rowCount;
                at[0] = System.nanoTime();
                IntegrityChain.Change change = IntegrityChain.Change.begin(conn, "rollup", rowCount == 0 ? null : stageScope(st), false)
                        .filesAddRows().inLane(tenant);
                change.detail().put("rollup_id", rollupId).put("trigger", trigger).put("tenant_id", tenant);
                try (ResultSet rs = st.executeQuery("SELECT segment_key, tenant_id, digest, row_count FROM rollup_stage_ledger ORDER BY segment_key")) {
                    while (rs.next()) change.segment(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4));
                }
                at[1] = System.nanoTime();
                st.execute("INSERT INTO " + LakeSchema.LOGS + " SELECT * FROM rollup_stage ORDER BY \"timestamp\", log_id");
                st.execute("INSERT INTO " + LakeSchema.LEDGER + " SELECT * FROM rollup_stage_ledger");
                // the fence: record() deletes from and re-inserts into this tenant's lane head
                // table, so two overlapping commits of this tenant conflict, other tenants' never
                at[2] = System.nanoTime();
                head = change.record(conn);
                at[3] = System.nanoTime();
                readBackNanos = change.readBackNanos;
                digestNanos = change.digestNanos;
                beforeCommit.run();
                String message = "rollup trigger=" + trigger + " tenant=" + tenant + " segments=" + segs + " rows=" + rowCount;
                String extra = JSON.createObjectNode().put("rollup_id", rollupId).put("trigger", trigger)
                        .put("tenant_id", tenant).put("segments", segs).put("rows", rowCount).put("integrity_lane", tenant).put("integrity_seq", head.seq()).toString();
                st.execute("CALL lake.set_commit_message('lakelog', " + LakeEngine.literal(message)
                        + ", extra_info => " + LakeEngine.literal(extra) + ")");
                at[4] = System.nanoTime();
                st.execute("COMMIT");
            } catch (SQLException | RuntimeException e) {
                try (Statement rb = conn.createStatement()) {
                    rb.execute("ROLLBACK");
                } catch (SQLException ignored) {
                    // the failed statement may already have ended the transaction
                }
                throw e;
            }
        }
        long done = System.nanoTime();
        Long snapshot = lastSnapshot();
        LOG.info("rollup_batch_committed", "tenant", tenant, "segments", segs, "rows", rowCount, "duplicates_dropped", duplicates,
                "staged_segments", staged,
                "rollup_id", rollupId, "snapshot_id", snapshot, "commit_ms", (done - t1) / 1_000_000,
                // recheck: ledger re-check and duplicates; files_before: the integrity entry's listing of the
                // tenant's files; write: Parquet of logs and ledger; integrity: new files hashed, rows read
                // back and hashed, lane head (of which read_back: the rows read back and hashed in SQL,
                // live_digest: their MuHash); catalog_commit: COMMIT (DuckLake's catalog transaction)
                "recheck_ms", (at[0] - t1) / 1_000_000, "files_before_ms", (at[1] - at[0]) / 1_000_000, "write_ms", (at[2] - at[1]) / 1_000_000,
                "integrity_ms", (at[3] - at[2]) / 1_000_000, "read_back_ms", readBackNanos / 1_000_000,
                "live_digest_ms", digestNanos / 1_000_000, "catalog_commit_ms", (done - at[4]) / 1_000_000);
        return new Committed(rowCount, segs, duplicates, snapshot, 0, head);
    }

    /** The tenant's day partitions the stage falls in: where this commit's new files are looked for. */
    private String stageScope(Statement st) throws SQLException {
        try (ResultSet rs = st.executeQuery("SELECT epoch_us(date_trunc('day', min(\"timestamp\"))), "
                + "epoch_us(date_trunc('day', max(\"timestamp\")) + INTERVAL 1 DAY) FROM rollup_stage")) {
            rs.next();
            return "tenant_id = " + LakeEngine.literal(tenant) + " AND \"timestamp\" >= make_timestamptz(" + rs.getLong(1)
                    + ") AND \"timestamp\" < make_timestamptz(" + rs.getLong(2) + ")";
        }
    }

    private Long lastSnapshot() throws SQLException {
        try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery("FROM lake.last_committed_snapshot()")) {
            if (rs.next()) {
                long v = rs.getLong(1);
                return rs.wasNull() ? null : v;
            }
            return null;
        }
    }

    private void flushStage() throws SQLException {
        if (rows != null) {
            rows.close();
            rows = null;
        }
        if (ledger != null) {
            ledger.close();
            ledger = null;
        }
    }

    /** Drops the stage (the connection stays open). */
    @Override
    public void close() {
        try {
            flushStage();
        } catch (SQLException e) {
            LOG.warn("rollup_stage_close_failed", "error", e.getMessage());
        }
        try (Statement drop = conn.createStatement()) {
            drop.execute("DROP TABLE IF EXISTS rollup_stage");
            drop.execute("DROP TABLE IF EXISTS rollup_stage_ledger");
        } catch (SQLException e) {
            LOG.warn("rollup_stage_drop_failed", "error", e.getMessage());
        }
    }
}
