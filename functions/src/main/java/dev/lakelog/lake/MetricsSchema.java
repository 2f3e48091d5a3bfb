package dev.lakelog.lake;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Locale;

/**
 * DDL of the metrics tables (docs/metrics.md): the raw points {@code lake.main.metrics}, one rollup
 * table per {@link Level}, the metrics ledger (which metric segments are in the lake), the last
 * point of every cumulative series (to turn cumulative values into increases) and the metrics
 * commit fence. Created on first use by {@link #ensure}.
 */
public final class MetricsSchema {
    private MetricsSchema() {}

    public static final String RAW = "lake.main.metrics";
    public static final String LEDGER = "lake.main.metrics_ledger";
    public static final String STATE = "lake.main.metrics_series_state";
    public static final String FENCE = "lake.main.metrics_fence";

    /** A rollup level: its name (as {@code level} in answers), bucket width and table. */
    public enum Level {
        M1("1m", 60, "metrics_1m"), M5("5m", 300, "metrics_5m"), H1("1h", 3600, "metrics_1h"), D1("1d", 86400, "metrics_1d");

        public final String label;
        public final long seconds;
        /** The table's name inside {@code lake.main} (and the custom-SQL sandbox's view name). */
        public final String table;

        Level(String label, long seconds, String table) {
            this.label = label;
            this.seconds = seconds;
            this.table = table;
        }

        public String qualified() {
            return "lake.main." + table;
        }

        public long micros() {
            return seconds * 1_000_000L;
        }

        public static final List<Level> ALL = List.of(M1, M5, H1, D1);
    }

    /** Raw points; column order is the rollup stage's order. */
    public static final String RAW_COLUMNS = """
            tenant_id VARCHAR NOT NULL,
            metric_name VARCHAR NOT NULL,
            metric_type VARCHAR NOT NULL,
            unit VARCHAR,
            temporality VARCHAR,
            is_monotonic BOOLEAN,
            series_id VARCHAR NOT NULL,
            "timestamp" TIMESTAMPTZ NOT NULL,
            start_time TIMESTAMPTZ,
            "value" DOUBLE,
            delta DOUBLE,
            hist_count BIGINT,
            hist_sum DOUBLE,
            hist_min DOUBLE,
            hist_max DOUBLE,
            explicit_bounds DOUBLE[],
            bucket_counts BIGINT[],
            delta_count BIGINT,
            delta_sum DOUBLE,
            delta_bucket_counts BIGINT[],
            attributes MAP(VARCHAR, VARCHAR),
            resource_attributes MAP(VARCHAR, VARCHAR),
            scope_name VARCHAR,
            exemplar_trace_id VARCHAR,
            exemplar_span_id VARCHAR,
            ingested_at TIMESTAMPTZ NOT NULL,
            archived_at TIMESTAMPTZ NOT NULL,
            segment_key VARCHAR NOT NULL""";

    /** Every rollup level's columns; one row per series and bucket. */
    public static final String ROLLUP_COLUMNS = """
            tenant_id VARCHAR NOT NULL,
            metric_name VARCHAR NOT NULL,
            metric_type VARCHAR NOT NULL,
            unit VARCHAR,
            series_id VARCHAR NOT NULL,
            attributes MAP(VARCHAR, VARCHAR),
            resource_attributes MAP(VARCHAR, VARCHAR),
            bucket_start TIMESTAMPTZ NOT NULL,
            samples BIGINT NOT NULL,
            "count" DOUBLE NOT NULL,
            "sum" DOUBLE NOT NULL,
            "min" DOUBLE,
            "max" DOUBLE,
            "avg" DOUBLE,
            "last" DOUBLE,
            increase DOUBLE,
            p50 DOUBLE,
            p95 DOUBLE,
            p99 DOUBLE,
            sketch BLOB NOT NULL,
            hll BLOB NOT NULL,
            rolled_up_at TIMESTAMPTZ NOT NULL""";

    /** The metrics tables the custom-SQL sandbox shows a tenant, by view name, with their columns. */
    public static final java.util.Map<String, String> SANDBOX_TABLES = sandboxTables();

    private static java.util.Map<String, String> sandboxTables() {
        java.util.Map<String, String> m = new java.util.LinkedHashMap<>();
        m.put("metrics", RAW_COLUMNS);
        for (Level l : Level.ALL) m.put(l.table, ROLLUP_COLUMNS);
        return java.util.Collections.unmodifiableMap(m);
    }

    public static final String STATE_COLUMNS = "tenant_id VARCHAR NOT NULL, series_id VARCHAR NOT NULL, \"timestamp\" TIMESTAMPTZ NOT NULL, "
            + "start_time TIMESTAMPTZ, \"value\" DOUBLE, hist_count BIGINT, hist_sum DOUBLE, bucket_counts BIGINT[]";

    public static final String LEDGER_COLUMNS = "segment_key VARCHAR NOT NULL, tenant_id VARCHAR NOT NULL, point_count BIGINT NOT NULL, "
            + "digest VARCHAR NOT NULL, rolled_up_at TIMESTAMPTZ NOT NULL, rollup_id VARCHAR NOT NULL, trigger VARCHAR NOT NULL";

    /**
     * Creates the tables and their partitioning if missing, in one DuckLake commit: raw points by
     * tenant and event day like the logs; 1m and 5m rollups by tenant and day, 1h by tenant and
     * month, 1d by tenant and year. Two instances creating at once: the loser's commit conflicts,
     * and it finds the tables there on its retry.
     */
    public static void ensure(Connection c) throws SQLException {
        for (int attempt = 1; ; attempt++) {
            boolean exists;
            try (Statement q = c.createStatement()) {
                exists = LakeCatalog.tableExists(q, "metrics_fence");
            }
            try (Statement st = c.createStatement()) {
                if (!exists) {
                    st.execute("BEGIN TRANSACTION");
                    try {
                        st.execute("CREATE TABLE IF NOT EXISTS " + RAW + " (" + RAW_COLUMNS + ")");
                        st.execute("ALTER TABLE " + RAW + " SET PARTITIONED BY (tenant_id, year(\"timestamp\"), month(\"timestamp\"), day(\"timestamp\"))");
                        for (Level l : Level.ALL) {
                            st.execute("CREATE TABLE IF NOT EXISTS " + l.qualified() + " (" + ROLLUP_COLUMNS + ")");
                            String by = switch (l) {
                                case M1, M5 -> "tenant_id, year(bucket_start), month(bucket_start), day(bucket_start)";
                                case H1 -> "tenant_id, year(bucket_start), month(bucket_start)";
                                case D1 -> "tenant_id, year(bucket_start)";
                            };
                            st.execute("ALTER TABLE " + l.qualified() + " SET PARTITIONED BY (" + by + ")");
                        }
                        st.execute("CREATE TABLE IF NOT EXISTS " + STATE + " (" + STATE_COLUMNS + ")");
                        st.execute("CREATE TABLE IF NOT EXISTS " + LEDGER + " (" + LEDGER_COLUMNS + ")");
                        st.execute("CREATE TABLE IF NOT EXISTS " + FENCE + " (tenant_id VARCHAR, rollup_id VARCHAR, committed_at TIMESTAMPTZ)");
                        st.execute("CALL lake.set_commit_message('lakelog', 'create metrics tables')");
                        st.execute("COMMIT");
                    } catch (SQLException e) {
                        try (Statement rb = c.createStatement()) {
                            rb.execute("ROLLBACK");
                        } catch (SQLException ignored) {
                            // already ended
                        }
                        throw e;
                    }
                }
                return;
            } catch (SQLException e) {
                if (attempt >= 3 || !String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT).contains("conflict")) throw e;
            }
        }
    }
}
