package dev.lakelog.lake;

/** DDL of the lake: the logs table of DESIGN.md and the rollup ledger. */
public final class LakeSchema {
    private LakeSchema() {}

    public static final String LOGS = "lake.main.logs";
    public static final String LEDGER = "lake.main.rollup_ledger";

    /** Column list in table order; the rollup stage table and queries use the same order. */
    public static final String LOGS_COLUMNS = """
            tenant_id VARCHAR NOT NULL,
            log_id VARCHAR NOT NULL,
            "timestamp" TIMESTAMPTZ NOT NULL,
            event_type VARCHAR,
            outcome VARCHAR,
            severity VARCHAR,
            sensitivity VARCHAR,
            actor_id VARCHAR,
            component VARCHAR,
            environment VARCHAR,
            resource VARCHAR,
            message VARCHAR,
            payload VARCHAR,
            policy_tags VARCHAR[],
            session_id VARCHAR,
            request_id VARCHAR,
            source_ip VARCHAR,
            retention_until TIMESTAMPTZ,
            ingested_at TIMESTAMPTZ NOT NULL,
            archived_at TIMESTAMPTZ NOT NULL,
            segment_key VARCHAR NOT NULL,
            trace_id VARCHAR,
            span_id VARCHAR""";

    /**
     * Columns added after the first release, in order: {@code lake.main.logs} of an older lake gains
     * them on the next start ({@code ALTER TABLE ... ADD COLUMN}); rows written before read NULL.
     * The rule (docs/architecture.md#schema-evolution): columns are only ever added, nullable, at
     * the end; never renamed, retyped or dropped.
     */
    public static final java.util.List<String> ADDED_COLUMNS = java.util.List.of("trace_id VARCHAR", "span_id VARCHAR");

    public static final String CREATE_LOGS = "CREATE TABLE IF NOT EXISTS " + LOGS + " (" + LOGS_COLUMNS + ")";

    /**
     * {@code CAST(NULL AS <type>) AS <column>, ...} for every column of {@link #LOGS_COLUMNS}, in
     * order: {@code SELECT <this> LIMIT 0 UNION ALL BY NAME <rows>} gives rows read from an older
     * snapshot or older Parquet files every current column (NULL where they lack it).
     */
    public static String typedNullColumns() {
        StringBuilder b = new StringBuilder();
        for (String line : LOGS_COLUMNS.split(",\n")) {
            String[] parts = line.trim().replace(" NOT NULL", "").split("\\s+", 2);
            if (b.length() > 0) b.append(", ");
            b.append("CAST(NULL AS ").append(parts[1]).append(") AS ").append(parts[0]);
        }
        return b.toString();
    }

    /**
     * The Parquet settings of the lake's data files (DuckLake options, persisted in its catalog;
     * docs/storage.md explains the choice and its measurements): ZSTD at its default level 3 and
     * Parquet format version 2 (its DELTA encodings for timestamps and strings). A lake written
     * before (SNAPPY, version 1) is set to these on its next start; files already written keep
     * their encoding and stay readable, and compaction rewrites them in the new one.
     * Row groups stay at DuckLake's 122,880 rows: a larger group measured under 0.2 % smaller and
     * gives a scan fewer units to split across threads.
     */
    public static final java.util.Map<String, String> PARQUET_OPTIONS = java.util.Map.of(
            "parquet_compression", "zstd",
            "parquet_version", "2");

    /** Tenant first, then event day: a tenant's narrow time window reads few files. */
    public static final String PARTITION_LOGS =
            "ALTER TABLE " + LOGS + " SET PARTITIONED BY (tenant_id, year(\"timestamp\"), month(\"timestamp\"), day(\"timestamp\"))";

    /**
     * The rollup commit fence: a one-row table that every rollup commit deletes and re-inserts.
     * DuckLake aborts a transaction that deletes from a table another transaction inserted into
     * since it began, so two rollup commits that overlap in time can never both succeed, whatever
     * the leases say (a holder paused past its lease expiry, say). The loser retries: its ledger
     * re-check then sees the winner's segments and inserts only the rest.
     */
    public static final String FENCE = "lake.main.rollup_fence";

    public static final String CREATE_FENCE = "CREATE TABLE IF NOT EXISTS " + FENCE
            + " (tenant_id VARCHAR, rollup_id VARCHAR, committed_at TIMESTAMPTZ)";

    public static final String SEED_FENCE = "INSERT INTO " + FENCE + " VALUES ('', 'seed', now())";

    public static final String CREATE_LEDGER = "CREATE TABLE IF NOT EXISTS " + LEDGER + " ("
            + "segment_key VARCHAR NOT NULL, tenant_id VARCHAR NOT NULL, row_count BIGINT NOT NULL, "
            + "digest VARCHAR NOT NULL, rolled_up_at TIMESTAMPTZ NOT NULL, rollup_id VARCHAR NOT NULL, "
            + "trigger VARCHAR NOT NULL)";
}
