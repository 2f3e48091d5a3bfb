package dev.lakelog.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The DuckLake conflict rules that rollup's commit fence and the integrity lanes rely on
 * (docs/rollup.md#exactly-once-the-argument), on the real catalog: two DuckDB instances (two
 * containers) attached to one PostgreSQL catalog; transaction A opens, B runs and commits, then A
 * commits.
 */
class DuckLakeConflictRulesTest {
    private final PostgresServer pg = TestServers.postgres();
    private final S3Server s3 = TestServers.s3();
    private Connection a;
    private Connection b;

    @BeforeEach
    void open() throws SQLException {
        String db = pg.newDatabase();
        String bucket = s3.newBucket();
        a = attach(db, bucket);
        b = attach(db, bucket);
        x(a, "CREATE TABLE lake.main.t (k VARCHAR, v INTEGER)");
        x(a, "CREATE TABLE lake.main.fence_a (k VARCHAR)");
        x(a, "CREATE TABLE lake.main.fence_b (k VARCHAR)");
        x(a, "INSERT INTO lake.main.fence_a VALUES ('seed')");
        x(a, "INSERT INTO lake.main.fence_b VALUES ('seed')");
    }

    @AfterEach
    void close() throws SQLException {
        a.close();
        b.close();
    }

    @Test
    void two_inserts_into_one_table_both_commit() throws Exception {
        assertThat(overlap("INSERT INTO lake.main.t VALUES ('a', 1)", "INSERT INTO lake.main.t VALUES ('b', 1)")).isNull();
    }

    @Test
    void rewrites_of_the_one_row_of_two_different_tables_both_commit_beside_inserts_into_a_shared_table() throws Exception {
        assertThat(overlap("DELETE FROM lake.main.fence_a; INSERT INTO lake.main.fence_a VALUES ('A'); INSERT INTO lake.main.t VALUES ('a', 1)",
                "DELETE FROM lake.main.fence_b; INSERT INTO lake.main.fence_b VALUES ('B'); INSERT INTO lake.main.t VALUES ('b', 1)")).isNull();
    }

    @Test
    void two_rewrites_of_the_same_one_row_table_conflict() throws Exception {
        assertThat(overlap("DELETE FROM lake.main.fence_a; INSERT INTO lake.main.fence_a VALUES ('A')",
                "DELETE FROM lake.main.fence_a; INSERT INTO lake.main.fence_a VALUES ('B')")).contains("Transaction conflict");
    }

    @Test
    void a_delete_conflicts_with_an_insert_into_the_same_table_even_of_other_rows() throws Exception {
        x(a, "INSERT INTO lake.main.t VALUES ('a', 1)");
        assertThat(overlap("DELETE FROM lake.main.t WHERE k = 'a'", "INSERT INTO lake.main.t VALUES ('z', 2)")).contains("Transaction conflict");
    }

    /**
     * Why every lane head table carries a fence row that each commit deletes and re-inserts: a
     * DELETE that matches no row is no delete to DuckLake, so two transactions that each "delete"
     * a missing row and insert their own (two first commits of one tenant) would both commit.
     */
    @Test
    void a_delete_that_matches_no_row_does_not_conflict() throws Exception {
        assertThat(overlap("DELETE FROM lake.main.t WHERE k = 'none'; INSERT INTO lake.main.t VALUES ('new', 1)",
                "DELETE FROM lake.main.t WHERE k = 'none'; INSERT INTO lake.main.t VALUES ('new', 2)")).isNull();
    }

    /** The shared head tables' rule: two transactions deleting different rows of one table conflict. */
    @Test
    void deletes_of_different_rows_of_one_table_conflict() throws Exception {
        x(a, "INSERT INTO lake.main.t VALUES ('a', 1)");
        x(a, "INSERT INTO lake.main.t VALUES ('b', 1)");
        assertThat(overlap("DELETE FROM lake.main.t WHERE k = 'a'; INSERT INTO lake.main.t VALUES ('a', 2)",
                "DELETE FROM lake.main.t WHERE k = 'b'; INSERT INTO lake.main.t VALUES ('b', 2)")).contains("Transaction conflict");
    }

    @Test
    void two_creates_of_the_same_table_conflict_and_of_different_tables_do_not() throws Exception {
        assertThat(overlap("CREATE TABLE lake.main.x (k VARCHAR)", "CREATE TABLE lake.main.y (k VARCHAR)")).isNull();
        assertThat(overlap("CREATE TABLE lake.main.z (k VARCHAR)", "CREATE TABLE lake.main.z (k VARCHAR)")).contains("Transaction conflict");
    }

    /** A begins and runs {@code inA}; B runs {@code inB} and commits; A commits. Returns A's commit error, or null. */
    private String overlap(String inA, String inB) throws SQLException {
        x(a, "BEGIN TRANSACTION");
        for (String s : inA.split(";")) x(a, s);
        x(b, "BEGIN TRANSACTION");
        for (String s : inB.split(";")) x(b, s);
        x(b, "COMMIT");
        try {
            x(a, "COMMIT");
            return null;
        } catch (SQLException e) {
            try {
                x(a, "ROLLBACK");
            } catch (SQLException ignored) {
                // already ended
            }
            return e.getMessage();
        }
    }

    private Connection attach(String db, String bucket) throws SQLException {
        Connection duck = TestDuckDb.open();
        x(duck, s3.duckDbSecretSql("lake_s3"));
        x(duck, "ATTACH 'ducklake:postgres:" + pg.conninfo(db) + "' AS lake (DATA_PATH 's3://" + bucket + "/lake/')");
        return duck;
    }

    private static void x(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}
