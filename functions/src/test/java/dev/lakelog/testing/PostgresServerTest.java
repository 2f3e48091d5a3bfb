package dev.lakelog.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

class PostgresServerTest {
    private final PostgresServer pg = TestServers.postgres();

    @Test
    void newDatabaseIsEmptyAndOwnedByTheTestUser() throws SQLException {
        String db = pg.newDatabase();
        try (Connection c = pg.connect(db); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE t (x int)");
            s.execute("INSERT INTO t VALUES (42)");
            try (ResultSet rs = s.executeQuery("SELECT current_database(), current_user, (SELECT x FROM t)")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo(db);
                assertThat(rs.getString(2)).isEqualTo(pg.user());
                assertThat(rs.getInt(3)).isEqualTo(42);
            }
        }
    }

    @Test
    void databasesAreIsolatedFromEachOther() throws SQLException {
        String first = pg.newDatabase();
        String second = pg.newDatabase();
        try (Connection c = pg.connect(first); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE only_in_first (x int)");
        }
        try (Connection c = pg.connect(second); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_tables WHERE tablename = 'only_in_first'")) {
            rs.next();
            assertThat(rs.getInt(1)).isZero();
        }
    }

    @Test
    void aWrongPasswordIsRefused() {
        String db = pg.newDatabase();
        assertThat(pg.host()).isEqualTo("127.0.0.1");
        assertThatThrownBy(() -> DriverManager.getConnection(pg.jdbcUrl(db), pg.user(), "not-the-password").close())
                .isInstanceOf(SQLException.class)
                .hasMessageContaining("password authentication failed");
    }
}
