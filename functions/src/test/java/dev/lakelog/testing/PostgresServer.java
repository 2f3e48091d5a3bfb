package dev.lakelog.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A PostgreSQL server on 127.0.0.1 (embedded binaries from Maven Central, started once per JVM by
 * {@link TestServers#postgres()}).
 *
 * <p>Tests connect as {@link #user()} with {@link #password()} (password authentication really is
 * checked over TCP) to a database of their own from {@link #newDatabase()}.
 */
public final class PostgresServer implements AutoCloseable {
    public static final String HOST = "127.0.0.1";
    public static final String USER = "lakelog";
    public static final String PASSWORD = "lakelog-test-password";

    /** The superuser, trusted on loopback; only the harness uses it (to create roles and databases). */
    private static final String ADMIN = "postgres";

    private final EmbeddedPostgres postgres;
    private final AtomicInteger databases = new AtomicInteger();

    private PostgresServer(EmbeddedPostgres postgres) {
        this.postgres = postgres;
    }

    static PostgresServer start() {
        try {
            EmbeddedPostgres pg = EmbeddedPostgres.builder()
                    .setServerConfig("listen_addresses", HOST)
                    .setServerConfig("max_connections", "300")
                    .setServerConfig("fsync", "off")
                    .setServerConfig("synchronous_commit", "off")
                    .setServerConfig("full_page_writes", "off")
                    .setDataDirectoryCustomizer(dir -> {
                        try {
                            // Superuser trusted for the harness; everyone else must give a password.
                            Files.writeString(dir.toPath().resolve("pg_hba.conf"), String.join("\n",
                                    "local all all trust",
                                    "host all " + ADMIN + " 127.0.0.1/32 trust",
                                    "host all all 127.0.0.1/32 scram-sha-256",
                                    ""));
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    })
                    .setRegisterShutdownHook(false) // TestServers' hook stops it
                    .start();
            PostgresServer server = new PostgresServer(pg);
            server.admin("CREATE ROLE " + USER + " LOGIN PASSWORD '" + PASSWORD + "'");
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException("could not start embedded PostgreSQL", e);
        }
    }

    public String host() {
        return HOST;
    }

    public int port() {
        return postgres.getPort();
    }

    public String user() {
        return USER;
    }

    public String password() {
        return PASSWORD;
    }

    /** Creates an empty database owned by {@link #user()} and returns its name. */
    public String newDatabase() {
        String name = "lakelog_test_" + databases.incrementAndGet();
        admin("CREATE DATABASE " + name + " OWNER " + USER);
        return name;
    }

    /** Creates a login role with this password (scram-sha-256 over TCP, like every role but the harness's). */
    public void createRole(String role, String password) {
        admin("CREATE ROLE " + role + " LOGIN PASSWORD '" + password.replace("'", "''") + "'");
    }

    /** Changes a role's password: sessions already open stay, new logins need the new one. */
    public void changePassword(String role, String password) {
        admin("ALTER ROLE " + role + " PASSWORD '" + password.replace("'", "''") + "'");
    }

    /** Creates an empty database owned by {@code role} and returns its name. */
    public String newDatabaseOwnedBy(String role) {
        String name = "lakelog_test_" + databases.incrementAndGet();
        admin("CREATE DATABASE " + name + " OWNER " + role);
        return name;
    }

    /** Client sessions the server has open on {@code database} now (pg_stat_activity), the harness's own excluded. */
    public int sessionsOn(String database) {
        try (Connection c = DriverManager.getConnection(jdbcUrl("postgres"), ADMIN, "");
                java.sql.PreparedStatement ps = c.prepareStatement(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = ? AND pid <> pg_backend_pid()")) {
            ps.setString(1, database);
            try (java.sql.ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** JDBC URL for {@code database}; connect with {@link #user()} / {@link #password()}. */
    public String jdbcUrl(String database) {
        return "jdbc:postgresql://" + HOST + ":" + port() + "/" + database;
    }

    /** A JDBC connection to {@code database} as {@link #user()}. */
    public Connection connect(String database) throws SQLException {
        return DriverManager.getConnection(jdbcUrl(database), USER, PASSWORD);
    }

    /**
     * libpq key/value connection string for {@code database}, as used in
     * {@code ATTACH 'ducklake:postgres:<conninfo>'}.
     */
    public String conninfo(String database) {
        return "dbname=" + database + " host=" + HOST + " port=" + port() + " user=" + USER + " password=" + PASSWORD;
    }

    private void admin(String sql) {
        try (Connection c = DriverManager.getConnection(jdbcUrl("postgres"), ADMIN, "");
                Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("test PostgreSQL: " + sql + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() throws IOException {
        postgres.close();
    }

    @Override
    public String toString() {
        return "PostgreSQL on " + HOST + ":" + port();
    }
}
