package dev.lakelog.lake;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.Optional;

/**
 * The DuckLake maintenance statements on {@code lake.main.logs}, each on a connection of the
 * caller's: merging small files, deleting files no snapshot needs, expiring snapshots, and
 * retention (deleting rows past their {@code retention_until}, then rewriting the files that had
 * rows deleted). Leases, results and logging are the caller's ({@code maintenance.MaintenanceService}).
 */
public final class LakeMaintenance {
    private LakeMaintenance() {}

    /** Data files of the lake, all tables. */
    public static long fileCount(Connection c) throws SQLException {
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT coalesce(sum(file_count), 0) FROM ducklake_table_info('lake')")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** {@code ducklake_merge_adjacent_files}: returns the files merged. */
    public static long mergeAdjacentFiles(Connection c) throws SQLException {
        long merged = 0;
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("CALL ducklake_merge_adjacent_files('lake')")) {
            while (rs.next()) merged += rs.getLong("files_processed");
        }
        return merged;
    }

    /**
     * {@code ducklake_cleanup_old_files}: files scheduled for deletion before {@code olderThan}, and
     * {@code ducklake_delete_orphaned_files}: files older than that which no snapshot ever referenced
     * (written by a transaction that never committed); returns how many (would be) deleted.
     */
    public static long cleanupOldFiles(Connection c, Instant olderThan, boolean dryRun) throws SQLException {
        long n = 0;
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("CALL ducklake_cleanup_old_files('lake', dry_run => "
                + dryRun + ", older_than => " + timestamp(olderThan) + ")")) {
            while (rs.next()) n++;
        }
        // and files no commit ever referenced (a process killed between writing and COMMIT), as old
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("CALL ducklake_delete_orphaned_files('lake', dry_run => "
                + dryRun + ", older_than => " + timestamp(olderThan) + ")")) {
            while (rs.next()) n++;
        }
        return n;
    }

    /**
     * {@code ducklake_expire_snapshots}: snapshots older than {@code olderThan} (never the latest);
     * returns how many. The expiry and its integrity entry (naming the snapshots) are one commit.
     */
    public static long expireSnapshots(Connection c, Instant olderThan) throws SQLException {
        return inTransaction(c, () -> {
            IntegrityChain.Change change = IntegrityChain.Change.begin(c, "expiry", null, false);
            long n = 0;
            try (Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("CALL ducklake_expire_snapshots('lake', older_than => " + timestamp(olderThan) + ")")) {
                while (rs.next()) {
                    n++;
                    change.expiredSnapshot(rs.getLong("snapshot_id"));
                }
            }
            change.detail().put("older_than", olderThan.toString());
            IntegrityChain.Head head = change.record(c);
            message(c, "expire snapshots older_than=" + olderThan + " expired=" + n,
                    "{\"kind\":\"maintenance\",\"integrity_seq\":" + head.seq() + "}");
            return n;
        });
    }

    /**
     * Deletes, in one commit, the rows whose {@code retention_until} is before {@code now}, of one
     * tenant or of all; the commit message is {@code messagePrefix + " rows=<n>"}. Returns the rows deleted.
     */
    public static long deleteExpiredRows(Connection c, Instant now, Optional<String> tenantId, String messagePrefix) throws SQLException {
        // rows under an active legal hold are never deleted (docs/integrity.md#legal-hold)
        String where = "retention_until < " + timestamp(now) + tenantId.map(t -> " AND tenant_id = " + LakeEngine.literal(t)).orElse("")
                + " AND " + LegalHolds.notHeld();
        return inTransaction(c, () -> {
            try (Statement st = c.createStatement()) {
                IntegrityChain.Change change = IntegrityChain.Change.begin(c, "retention", where, true);
                change.detail().put("tenant_id", tenantId.orElse("*")).put("now", now.toString());
                change.removeRows(c, where);
                long removed = st.executeUpdate("DELETE FROM " + LakeSchema.LOGS + " WHERE " + where);
                IntegrityChain.Head head = change.record(c);
                // extra_info names the tenant, so the tenant sees its own retention commit in its
                // snapshot list (lake-wide retention names no tenant: "(other commit)" for all)
                String extra = "{\"kind\":\"retention\"" + tenantId.map(t -> ",\"tenant_id\":" + jsonString(t)).orElse("")
                        + ",\"rows\":" + removed + ",\"integrity_seq\":" + head.seq() + "}";
                message(c, messagePrefix + " rows=" + removed, extra);
                return removed;
            }
        });
    }

    /** {@code ducklake_rewrite_data_files} on logs: rewrites files with deleted rows; returns the files processed. */
    public static long rewriteFilesWithDeletes(Connection c) throws SQLException {
        long rewritten = 0;
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("CALL ducklake_rewrite_data_files('lake', 'logs', delete_threshold => 0)")) {
            while (rs.next()) rewritten += rs.getLong("files_processed");
        }
        return rewritten;
    }

    private static String jsonString(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    /**
     * Runs {@code maintenance} (one of the DuckLake functions above, which commit by themselves)
     * in a transaction that carries a commit message, so the snapshot list says what it was; then
     * records its integrity entry of kind {@code kind}. DuckLake refuses a transaction that both
     * compacts and changes anything else, so the entry cannot share the compaction's transaction:
     * the compaction's commit is marked {@code integrity_pending} and the next commit records it
     * ({@link IntegrityChain#recordPending}), from the catalog's exact file lists just before and
     * at that snapshot. A crash in between leaves the mark; the next maintenance job records it first.
     */
    public static <T> T withCommitMessage(Connection c, String message, String kind, SqlCall<T> maintenance) throws SQLException {
        T result = inTransaction(c, () -> {
            T r = maintenance.call();
            message(c, message, "{\"kind\":\"maintenance\",\"integrity_pending\":" + jsonString(kind) + "}");
            return r;
        });
        recordPendingIntegrity(c);
        return result;
    }

    /** Records the integrity entries of compactions committed without one yet (see {@link #withCommitMessage}). */
    public static void recordPendingIntegrity(Connection c) throws SQLException {
        IntegrityChain.recordPending(c);
    }

    private static void message(Connection c, String message, String extra) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("CALL lake.set_commit_message('lakelog', " + LakeEngine.literal(message)
                    + ", extra_info => " + LakeEngine.literal(extra) + ")");
        }
    }

    /** Attempts of a maintenance commit that conflicted with another commit (a rollup's, usually). */
    static final int ATTEMPTS = 4;

    /**
     * Runs {@code body} between BEGIN and COMMIT; a DuckLake conflict (another commit appended to the
     * integrity chain meanwhile) rolls back and runs it again, up to {@link #ATTEMPTS} times.
     */
    static <T> T inTransaction(Connection c, SqlCall<T> body) throws SQLException {
        for (int attempt = 1; ; attempt++) {
            try (Statement st = c.createStatement()) {
                st.execute("BEGIN TRANSACTION");
                try {
                    T result = body.call();
                    st.execute("COMMIT");
                    return result;
                } catch (SQLException | RuntimeException e) {
                    try {
                        st.execute("ROLLBACK");
                    } catch (SQLException ignored) {
                        // already ended
                    }
                    String m = String.valueOf(e.getMessage()).toLowerCase(java.util.Locale.ROOT);
                    if (!(e instanceof SQLException) || attempt >= ATTEMPTS || !m.contains("conflict")) throw e;
                }
            }
            try {
                Thread.sleep(100L * attempt);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                throw new SQLException("interrupted while retrying a conflicting maintenance commit");
            }
        }
    }

    /** A statement run on the caller's connection. */
    @FunctionalInterface
    public interface SqlCall<T> {
        T call() throws SQLException;
    }

    static String timestamp(Instant t) {
        return "TIMESTAMPTZ " + LakeEngine.literal(t.toString());
    }
}
