package dev.lakelog.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;

/**
 * Opens DuckDB for tests the way the product does: extensions {@code ducklake}, {@code httpfs} and
 * {@code postgres_scanner} loaded from the directory the build prepares (env
 * {@code LAKELOG_DUCKDB_EXTENSION_DIR}, set by surefire), auto-install and auto-load off, signature
 * checks on.
 */
public final class TestDuckDb {
    public static final String EXTENSION_DIR_ENV = "LAKELOG_DUCKDB_EXTENSION_DIR";

    private TestDuckDb() {}

    /**
     * The extension directory from {@value #EXTENSION_DIR_ENV} (surefire sets it), else
     * {@code target/duckdb-extensions} of the functions module (benchmarks run with exec:java);
     * fails with the fetch command if absent.
     */
    public static Path extensionDirectory() {
        String dir = System.getenv(EXTENSION_DIR_ENV);
        if (dir == null || dir.isBlank()) {
            Path fallback = Path.of("target", "duckdb-extensions").toAbsolutePath();
            if (!Files.isDirectory(fallback)) fallback = Path.of("functions", "target", "duckdb-extensions").toAbsolutePath();
            dir = fallback.toString();
        }
        if (dir == null || dir.isBlank() || !Files.isDirectory(Path.of(dir))) {
            throw new IllegalStateException(EXTENSION_DIR_ENV + " (" + dir + ") is not a directory; "
                    + "`mvn -pl functions generate-resources` or "
                    + "`build/fetch-duckdb-extensions.sh functions/target/duckdb-extensions` fetches the extensions");
        }
        return Path.of(dir);
    }

    /** A new in-memory DuckDB instance with the three extensions loaded; the caller closes it. */
    public static Connection open() throws SQLException {
        Properties props = new Properties();
        props.setProperty("extension_directory", extensionDirectory().toString());
        props.setProperty("autoinstall_known_extensions", "false");
        props.setProperty("autoload_known_extensions", "false");
        Connection connection = DriverManager.getConnection("jdbc:duckdb:", props);
        try (Statement s = connection.createStatement()) {
            s.execute("LOAD ducklake");
            s.execute("LOAD httpfs");
            s.execute("LOAD postgres_scanner");
        } catch (SQLException e) {
            connection.close();
            throw e;
        }
        return connection;
    }
}
