package dev.lakelog.bench;

import dev.lakelog.Lakelog;
import dev.lakelog.config.LakelogConfig;
import dev.lakelog.testing.LakelogFixture;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.util.Map;

/**
 * What a table-exists lookup costs on a DuckLake catalog in PostgreSQL with many tables, by the
 * ways DuckDB offers (issue 14: {@code duckdb_tables()} turned out to cost seconds at 500 tables).
 * {@code -Dbench.tables} (300) tables are created in one transaction by another container.
 * <pre>
 * cd functions && LAKELOG_DUCKDB_EXTENSION_DIR=$PWD/target/duckdb-extensions \
 *   mvn -q -o test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=dev.lakelog.bench.CatalogLookupProbe
 * </pre>
 */
public final class CatalogLookupProbe {
    public static void main(String[] args) throws Exception {
        int tables = Integer.getInteger("bench.tables", 300);
        try (LakelogFixture fx = LakelogFixture.aws(Map.of(), Clock.systemUTC())) {
            LakelogConfig config = LakelogConfig.from(fx.env());
            try (Lakelog a = Lakelog.start(config, Clock.systemUTC()); Lakelog b = Lakelog.start(config, Clock.systemUTC())) {
                a.lake();
                b.lake();
                String[] q = {
                    "SELECT count(*) FROM duckdb_tables() WHERE database_name = 'lake' AND schema_name = 'main' AND table_name = 'probe_7'",
                    "SELECT count(*) FROM information_schema.tables WHERE table_catalog = 'lake' AND table_schema = 'main' AND table_name = 'probe_7'",
                    "SELECT count(*) FROM duckdb_columns() WHERE database_name = 'lake' AND schema_name = 'main' AND table_name = 'probe_7'",
                    "SELECT count(*) FROM __ducklake_metadata_lake.ducklake_table WHERE table_name = 'probe_7' AND end_snapshot IS NULL",
                    "SELECT count(*) FROM lake.main.logs WHERE false",
                };
                for (int round = 0; round < 2; round++) {
                    if (round == 1) {
                        long t0 = System.nanoTime();
                        try (Connection c = b.lake().connect(); Statement st = c.createStatement()) {
                            st.execute("BEGIN TRANSACTION");
                            for (int i = 0; i < tables; i++) {
                                st.execute("CREATE TABLE lake.main.probe_" + i + " (lane VARCHAR, seq BIGINT, chain_hash VARCHAR)");
                                st.execute("INSERT INTO lake.main.probe_" + i + " VALUES ('', -1, '')");
                            }
                            st.execute("COMMIT");
                        }
                        System.out.printf("created %d tables (with a row each) in one transaction: %.1f s%n", tables, (System.nanoTime() - t0) / 1e9);
                    }
                    try (Connection c = a.lake().connect(); Statement st = c.createStatement()) {
                        for (String s : q) {
                            for (int rep = 0; rep < 4; rep++) {
                                long t0 = System.nanoTime();
                                long n;
                                try {
                                    st.execute("BEGIN TRANSACTION");
                                    try (ResultSet rs = st.executeQuery(s)) {
                                        rs.next();
                                        n = rs.getLong(1);
                                    }
                                    st.execute("COMMIT");
                                } catch (Exception e) {
                                    System.out.println("  failed: " + s + ": " + e.getMessage());
                                    try {
                                        st.execute("ROLLBACK");
                                    } catch (Exception ignored) {
                                        // ended
                                    }
                                    break;
                                }
                                System.out.printf("round %d (%s tables) %6.1f ms  n=%d  %s%n", round, round == 0 ? "few" : "+" + tables,
                                        (System.nanoTime() - t0) / 1e6, n, s);
                            }
                        }
                    }
                }
            }
        }
        System.exit(0);
    }
}
