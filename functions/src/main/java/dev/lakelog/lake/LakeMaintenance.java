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

    /** {@code ducklake_cleanup_old_files}: files scheduled for deletion before {@code olderThan}; returns how many (would be) deleted. */
    public static long cleanupOldFiles(Connection c, Instant olderThan, boolean dryRun) throws SQLException {
        long n = 0;
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("CALL ducklake_cleanup_old_files('lake', dry_run => "
                + dryRun + ", older_than => " + timestamp(olderThan) + ")")) {
            while (rs.next()) n++;
        }
        return n;
    }

    /** {@code ducklake_expire_snapshots}: snapshots older than {@code olderThan} (never the latest); returns how many. */
    public static long expireSnapshots(Connection c, Instant olderThan) throws SQLException {
        long n = 0;
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("CALL ducklake_expire_snapshots('lake', older_than => " + timestamp(olderThan) + ")")) {
            while (rs.next()) n++;
        }
        return n;
    }

    /**
     * Deletes, in one commit, the rows whose {@code retention_until} is before {@code now}, of one
     * tenant or of all; the commit message is {@code messagePrefix + " rows=<n>"}. Returns the rows deleted.
     */
    public static long deleteExpiredRows(Connection c, Instant now, Optional<String> tenantId, String messagePrefix) throws SQLException {
        String where = "retention_until < " + timestamp(now) + tenantId.map(t -> " AND tenant_id = " + LakeEngine.literal(t)).orElse("");
        try (Statement st = c.createStatement()) {
            st.execute("BEGIN TRANSACTION");
            try {
                long removed = st.executeUpdate("DELETE FROM " + LakeSchema.LOGS + " WHERE " + where);
                // extra_info names the tenant, so the tenant sees its own retention commit in its
                // snapshot list (lake-wide retention names no tenant: "(other commit)" for all)
                String extra = "{\"kind\":\"retention\"" + tenantId.map(t -> ",\"tenant_id\":" + jsonString(t)).orElse("")
                        + ",\"rows\":" + removed + "}";
                st.execute("CALL lake.set_commit_message('lakelog', " + LakeEngine.literal(messagePrefix + " rows=" + removed)
                        + ", extra_info => " + LakeEngine.literal(extra) + ")");
                st.execute("COMMIT");
                return removed;
            } catch (SQLException e) {
                try {
                    st.execute("ROLLBACK");
                } catch (SQLException ignored) {
                    // already ended
                }
                throw e;
            }
        }
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
     * in a transaction that carries a commit message, so the snapshot list says what it was.
     */
    public static <T> T withCommitMessage(Connection c, String message, SqlCall<T> maintenance) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("BEGIN TRANSACTION");
            try {
                T result = maintenance.call();
                st.execute("CALL lake.set_commit_message('lakelog', " + LakeEngine.literal(message)
                        + ", extra_info => " + LakeEngine.literal("{\"kind\":\"maintenance\"}") + ")");
                st.execute("COMMIT");
                return result;
            } catch (SQLException | RuntimeException e) {
                try {
                    st.execute("ROLLBACK");
                } catch (SQLException ignored) {
                    // already ended
                }
                throw e;
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
