package dev.lakelog.lake;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Reads of the DuckLake catalog about {@code lake.main.logs}: snapshots, a tenant's data files
 * and rows, the change feed. Each takes a connection of the caller's ({@link LakeEngine#connect}).
 */
public final class LakeCatalog {

    /**
     * Whether {@code lake.main.<table>} exists as {@code st}'s transaction sees it. Through
     * {@code duckdb_columns()}, not {@code duckdb_tables()}: the latter asks the DuckLake catalog
     * for every table's size, which after each new snapshot costs a catalog round trip per table
     * (seconds with a few hundred tables: docs/benchmarks.md#fan-out-simulation-issue-14).
     */
    public static boolean tableExists(java.sql.Statement st, String table) throws SQLException {
        try (ResultSet rs = st.executeQuery("SELECT count(*) FROM duckdb_columns() WHERE database_name = 'lake' AND schema_name = 'main' "
                + "AND table_name = " + LakeEngine.literal(table))) {
            rs.next();
            return rs.getLong(1) > 0;
        }
    }

    /** The tables of {@code lake.main} whose names start with {@code prefix}, qualified ({@code lake.main.x}), as {@link #tableExists}. */
    public static java.util.Set<String> tablesStartingWith(java.sql.Statement st, String prefix) throws SQLException {
        java.util.Set<String> out = new java.util.TreeSet<>();
        try (ResultSet rs = st.executeQuery("SELECT DISTINCT table_name FROM duckdb_columns() WHERE database_name = 'lake' AND schema_name = 'main' "
                + "AND starts_with(table_name, " + LakeEngine.literal(prefix) + ")")) {
            while (rs.next()) out.add("lake.main." + rs.getString(1));
        }
        return out;
    }
    private LakeCatalog() {}

    /** One snapshot of the catalog, as {@code lake.snapshots()} lists it. */
    public record Snapshot(long id, long timeMicros, long schemaVersion, String commitMessage, String commitExtraInfo) {}

    /** A live data file of {@code logs} and its delete file, if rows of it were deleted. */
    public record DataFile(String path, String deleteFile) {}

    /**
     * The change feed between two snapshots (inclusive), a table function to select from with
     * two BIGINT parameters; columns are {@code snapshot_id, rowid, change_type} and the logs columns.
     */
    public static final String CHANGES_FROM = "ducklake_table_changes('lake', 'main', 'logs', ?::BIGINT, ?::BIGINT)";

    /**
     * The snapshots in {@code [from, to]} that deleted rows of {@code logs} (retention), oldest first.
     * The change feed's own label of a delete is the snapshot that inserted the row once the file
     * holding it was merged by compaction (DuckLake 1.0); asking one snapshot at a time and labelling
     * its deletes with it gives the right one.
     */
    public static List<Long> snapshotsDeletingLogs(Connection c, long from, long to) throws SQLException {
        List<Long> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT s.snapshot_id FROM lake.snapshots() s, "
                + "(SELECT table_id::VARCHAR AS id FROM __ducklake_metadata_lake.ducklake_table WHERE table_name = 'logs') t "
                + "WHERE s.snapshot_id BETWEEN ? AND ? AND list_contains(coalesce(s.changes['tables_deleted_from'], []), t.id) "
                + "ORDER BY 1")) {
            ps.setLong(1, from);
            ps.setLong(2, to);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.add(rs.getLong(1));
            }
        }
        return out;
    }

    /** The change feed of one snapshot, as {@link #CHANGES_FROM} with both bounds that snapshot. */
    public static String changesOf(long snapshot) {
        return "ducklake_table_changes('lake', 'main', 'logs', " + snapshot + ", " + snapshot + ")";
    }

    /** The newest {@code limit} snapshots, newest first. */
    public static List<Snapshot> snapshots(Connection c, int limit) throws SQLException {
        List<Snapshot> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT snapshot_id, epoch_us(snapshot_time), schema_version, commit_message, "
                + "commit_extra_info FROM lake.snapshots() ORDER BY snapshot_id DESC LIMIT ?")) {
            ps.setInt(1, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.add(new Snapshot(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getString(4), rs.getString(5)));
            }
        }
        return out;
    }

    public static boolean snapshotExists(Connection c, long id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM lake.snapshots() WHERE snapshot_id = ?")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1) > 0;
            }
        }
    }

    /** The time of the oldest snapshot still retained, if any. */
    public static Optional<Instant> oldestSnapshotTime(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT min(snapshot_time) FROM lake.snapshots()");
                ResultSet rs = ps.executeQuery()) {
            rs.next();
            OffsetDateTime first = rs.getObject(1, OffsetDateTime.class);
            return Optional.ofNullable(first).map(OffsetDateTime::toInstant);
        }
    }

    public static long latestSnapshot(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT max(snapshot_id) FROM lake.snapshots()");
                ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /**
     * Count and bytes of the tenant's live data files, from the catalog's own metadata tables:
     * data files whose first partition value (tenant_id) is the tenant's and that are live now.
     */
    public static long[] tenantFileStats(Connection c, String tenant) throws SQLException {
        String m = "__ducklake_metadata_lake";
        try (PreparedStatement ps = c.prepareStatement("SELECT count(*), coalesce(sum(f.file_size_bytes), 0) FROM " + m + ".ducklake_data_file f "
                + "JOIN " + m + ".ducklake_file_partition_value p ON p.data_file_id = f.data_file_id AND p.partition_key_index = 0 "
                + "JOIN " + m + ".ducklake_table t ON t.table_id = f.table_id AND t.end_snapshot IS NULL "
                + "WHERE t.table_name = 'logs' AND f.end_snapshot IS NULL AND p.partition_value = ?")) {
            ps.setString(1, tenant);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new long[] {rs.getLong(1), rs.getLong(2)};
            }
        }
    }

    /** The tenant's rows at the latest snapshot. */
    public static long tenantRowCount(Connection c, String tenant) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM " + LakeSchema.LOGS + " WHERE tenant_id = ?")) {
            ps.setString(1, tenant);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /** The tenant's live data files (its partition directory) with their delete files. */
    /** The lake's current snapshot id (a new one for every commit). */
    public static long currentSnapshot(Connection c) throws SQLException {
        try (java.sql.Statement st = c.createStatement(); ResultSet rs = st.executeQuery("FROM lake.current_snapshot()")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    public static List<DataFile> tenantDataFiles(Connection c, String tenant) throws SQLException {
        List<DataFile> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT data_file, delete_file FROM ducklake_list_files('lake', 'logs', schema => 'main') "
                + "WHERE contains(data_file, ?) ORDER BY data_file")) {
            ps.setString(1, "/tenant_id=" + tenant + "/");
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.add(new DataFile(rs.getString(1), rs.getString(2)));
            }
        }
        return out;
    }

    /**
     * The tenant's live data files of another table of {@code lake.main} partitioned by tenant first
     * (the metrics tables), with their delete files; empty when the table does not exist yet.
     */
    public static List<DataFile> tenantDataFiles(Connection c, String table, String tenant) throws SQLException {
        List<DataFile> out = new ArrayList<>();
        try (java.sql.Statement st = c.createStatement()) {
            if (!tableExists(st, table)) return out;
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT data_file, delete_file FROM ducklake_list_files('lake', ?, schema => 'main') "
                + "WHERE contains(data_file, ?) ORDER BY data_file")) {
            ps.setString(1, table);
            ps.setString(2, "/tenant_id=" + tenant + "/");
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.add(new DataFile(rs.getString(1), rs.getString(2)));
            }
        }
        return out;
    }
}
