package dev.lakelog.lake;

import dev.lakelog.log.JsonLog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A locked-down DuckDB instance for untrusted SQL ({@link LakeEngine#openSandbox}), the private
 * directory it spills to and the private directory it writes answers to. Closing it closes the
 * instance and deletes both (or, for a sandbox from {@link LakeEngine#sandbox}, may return it to the
 * pool, see {@link #close}): no two instances ever share spill files (concurrent instances writing the same
 * {@code duckdb_temp_storage_*} files crash the process, duckdb/duckdb#15173).
 */
public final class Sandbox implements AutoCloseable {
    private static final JsonLog LOG = JsonLog.get(Sandbox.class);
    private final Connection connection;
    private final Path spillDir;
    private final Path outputDir;
    private SandboxPool pool;
    private SandboxPool.Key key;
    private boolean keep;
    /** Values derived from this instance's set-up alone, for its life ({@link #memo}). */
    private final java.util.Map<String, Object> memo = new java.util.LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(java.util.Map.Entry<String, Object> eldest) {
            return size() > MEMO_ENTRIES;
        }
    };
    static final int MEMO_ENTRIES = 64;

    /** Computes a value from this instance's connection. */
    @FunctionalInterface
    public interface Derivation<T> {
        T compute() throws SQLException;
    }

    Sandbox(Connection connection, Path spillDir, Path outputDir) {
        this.connection = connection;
        this.spillDir = spillDir;
        this.outputDir = outputDir;
    }

    public Connection connection() {
        return connection;
    }

    /** The only directory the instance may write to (answers are COPYed here); private to it, deleted on close. */
    public Path outputDir() {
        return outputDir;
    }

    /** The directory this instance spills to (DuckDB creates it when a query spills; deleted on close). */
    public Path spillDir() {
        return spillDir;
    }

    /**
     * A value that depends only on what this instance was set up with (its views and macros), such as
     * the columns a statement answers, computed once and kept while the instance lives: a reused
     * sandbox has exactly the same set-up (its pool key), a new one starts empty. One caller at a time
     * uses a sandbox, so no lock is needed; the oldest of more than {@value #MEMO_ENTRIES} are dropped.
     */
    @SuppressWarnings("unchecked")
    public <T> T memo(String key, Derivation<T> derivation) throws SQLException {
        Object v = memo.get(key);
        if (v == null) {
            v = derivation.compute();
            memo.put(key, v);
        }
        return (T) v;
    }

    /** Marks this sandbox for one more query of the same key: the caller's query ended cleanly. */
    public void keep() {
        keep = true;
    }

    void pooled(SandboxPool pool, SandboxPool.Key key) {
        this.pool = pool;
        this.key = key;
        this.keep = false;
    }

    /**
     * Ends the caller's use: back to the pool when it came from one, {@link #keep} was called, its
     * query never spilled (so no spill directory exists: a sandbox keeps no spill files between
     * queries) and its output directory could be emptied; otherwise the instance is closed and its
     * directories deleted.
     */
    @Override
    public void close() {
        if (pool != null && keep && !Files.exists(spillDir) && emptyOutput()) {
            SandboxPool p = pool;
            keep = false;
            p.give(key, this, System.currentTimeMillis());
            return;
        }
        destroy();
    }

    /** Deletes every answer file of the last query; false if one could not be deleted. */
    private boolean emptyOutput() {
        Path out = outputDir();
        if (!Files.isDirectory(out)) return false;
        try (Stream<Path> s = Files.list(out)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                if (Files.isDirectory(p)) deleteTree(p);
                else Files.deleteIfExists(p);
            }
            try (Stream<Path> left = Files.list(out)) {
                return left.findAny().isEmpty();
            }
        } catch (IOException e) {
            return false;
        }
    }

    /** Closes the instance and deletes its directory. */
    void destroy() {
        try {
            connection.close();
        } catch (SQLException e) {
            LOG.warn("sandbox_close_failed", "error", e.getMessage());
        }
        deleteTree(spillDir);
        deleteTree(outputDir);
    }

    static void deleteTree(Path dir) {
        if (dir == null || !Files.exists(dir)) return;
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    LOG.warn("spill_dir_delete_failed", "path", p.toString(), "error", e.getMessage());
                }
            });
        } catch (IOException e) {
            LOG.warn("spill_dir_delete_failed", "path", dir.toString(), "error", e.getMessage());
        }
    }
}
