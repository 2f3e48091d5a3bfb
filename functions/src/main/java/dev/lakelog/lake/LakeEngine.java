package dev.lakelog.lake;

import dev.lakelog.log.JsonLog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Objects;
import java.util.Properties;
import java.util.UUID;
import java.util.function.Supplier;
import org.duckdb.DuckDBConnection;

/**
 * One DuckDB instance with the DuckLake catalog attached as {@code lake}. A warm Lambda container
 * (or the local server) keeps one engine; every invocation takes its own connection with
 * {@link #connect()}.
 *
 * <p>Extensions come only from the directory the build prepared (pinned, hash-checked wheels);
 * auto-install and auto-load are off and signature checking stays on.
 */
public final class LakeEngine implements AutoCloseable {
    public static final String DUCKDB_VERSION_DIR = "v1.5.5";
    private static final JsonLog LOG = JsonLog.get(LakeEngine.class);

    private final DuckDBConnection root;
    private final LakeStorage storage;
    private final Redactor redactor;
    private final Supplier<S3Credentials> credentials;
    private Path extensionDir = Path.of(".");
    /** Where this engine and its sandboxes spill, one private directory each (see {@link Sandbox}). */
    private Path tempBase;
    private Path lakeSpillDir;
    private volatile S3Credentials currentCredentials;
    private volatile Timings timings;
    private volatile ChainAnchor anchor = ChainAnchor.NONE;
    private final SandboxPool sandboxes = new SandboxPool();

    /** How long each step of {@link #open} took, in milliseconds (cold-start analysis). */
    public record Timings(long duckdbLoadMs, long extensionLoadMs, long attachMs, long totalMs) {}

    /** How DuckDB is sized and where it may write. */
    public record Settings(Path extensionDir, Path tempDir, String memoryLimit, Integer threads) {
        public static Settings defaults(Path extensionDir) {
            return new Settings(extensionDir, null, null, null);
        }

        /**
         * Share of a Lambda function's memory given to DuckDB's memory_limit. The rest is the Java heap
         * (capped by the stack with -Xmx, infra FunctionsConstruct.heapMb, which uses the same share) and
         * a native reserve: at 3008 MB, 1804 MB DuckDB + 753 MB heap (a 96 MB rollup batch decoded) + 451 MB.
         */
        public static final double LAMBDA_DUCKDB_SHARE = 0.6;

        /** Sized from a Lambda function's memory: 60% to DuckDB, one thread per ~1769 MB (one vCPU). */
        public static Settings forLambda(Path extensionDir, Path tempDir, int functionMemoryMb) {
            int mem = Math.max(256, (int) (functionMemoryMb * LAMBDA_DUCKDB_SHARE));
            int threads = Math.max(1, Math.min(6, functionMemoryMb / 1769));
            return new Settings(extensionDir, tempDir, mem + "MB", threads);
        }
    }

    private LakeEngine(DuckDBConnection root, LakeStorage storage, Redactor redactor, Supplier<S3Credentials> credentials) {
        this.root = root;
        this.storage = storage;
        this.redactor = redactor;
        this.credentials = credentials;
    }

    /**
     * Opens DuckDB, loads the extensions, creates secrets, attaches the lake and creates the
     * tables if they do not exist.
     *
     * @param credentials S3 credentials for DuckDB (ignored in local mode); called again on every
     *     {@link #connect()} so rotated credentials are picked up
     */
    public static LakeEngine open(LakeStorage storage, Settings settings, Supplier<S3Credentials> credentials, Redactor redactor) {
        long t0 = System.nanoTime();
        List<String> extensions = storage instanceof LakeStorage.Local
                ? List.of("ducklake")
                : List.of("ducklake", "httpfs", "postgres_scanner");
        checkExtensions(settings.extensionDir(), extensions);
        Properties props = new Properties();
        props.setProperty("extension_directory", settings.extensionDir().toAbsolutePath().toString());
        props.setProperty("autoinstall_known_extensions", "false");
        props.setProperty("autoload_known_extensions", "false");
        Path tempBase = (settings.tempDir() != null ? settings.tempDir()
                : Path.of(System.getProperty("java.io.tmpdir"), "lakelog-duckdb")).toAbsolutePath();
        sweepStaleSpillDirs(tempBase);
        Path lakeSpill = tempBase.resolve("lake-" + UUID.randomUUID());
        props.setProperty("temp_directory", lakeSpill.toString());
        DuckDBConnection root;
        long tLoad = System.nanoTime();
        try {
            root = (DuckDBConnection) DriverManager.getConnection("jdbc:duckdb:", props);
        } catch (SQLException e) {
            throw new LakeException("cannot start DuckDB: " + e.getMessage(), e);
        }
        long duckdbLoadMs = (System.nanoTime() - tLoad) / 1_000_000;
        LakeEngine engine = new LakeEngine(root, storage, redactor, credentials);
        engine.extensionDir = settings.extensionDir();
        engine.tempBase = tempBase;
        engine.lakeSpillDir = lakeSpill;
        long[] phases;
        try {
            phases = engine.init(settings, extensions);
        } catch (RuntimeException e) {
            engine.close();
            throw e;
        }
        if (storage instanceof LakeStorage.Local local) {
            engine.anchor = Ed25519FileAnchor.open(local.dataDir().toAbsolutePath().resolve("integrity"));
        }
        try (Connection c = engine.connect()) {
            engine.anchorHead(c); // a head committed but not yet published (a crash in between) is published now
        } catch (SQLException e) {
            LOG.warn("anchor_catch_up_failed", "error", redactor.redact(e.getMessage()));
        }
        long total = (System.nanoTime() - t0) / 1_000_000;
        engine.timings = new Timings(duckdbLoadMs, phases[0], phases[1], total);
        LOG.info("lake_attached", "storage", storage.toString(), "ms", total, "duckdb_load_ms", duckdbLoadMs,
                "extension_load_ms", phases[0], "attach_ms", phases[1]);
        return engine;
    }

    /** What {@link #prime} ran: the extensions loaded, the rows its query counted, how long it took. */
    public record Priming(List<String> extensions, long rows, long ms) {}

    /** Rows the priming query writes to Parquet and reads back. */
    static final int PRIMING_ROWS = 1000;

    /**
     * Primes this process before a snapshot (Lambda SnapStart, handler.LambdaApp): a throw-away
     * in-memory DuckDB with the engine's settings (the same extension directory, signature checks
     * on, no auto-install) loads DuckDB's native library and the extensions of this storage kind,
     * writes a small Parquet file shaped like the logs table into a private directory under
     * {@code tempDir}, reads it back with an aggregate, and is closed; the directory is removed.
     * No lake, no secret, no connection to anything outside the process.
     *
     * @param s3 the AWS storage kind (ducklake, httpfs, postgres_scanner) rather than local files (ducklake)
     */
    public static Priming prime(Path extensionDir, Path tempDir, boolean s3) {
        long t0 = System.nanoTime();
        List<String> extensions = s3 ? List.of("ducklake", "httpfs", "postgres_scanner") : List.of("ducklake");
        checkExtensions(extensionDir, extensions);
        Properties props = new Properties();
        props.setProperty("extension_directory", extensionDir.toAbsolutePath().toString());
        props.setProperty("autoinstall_known_extensions", "false");
        props.setProperty("autoload_known_extensions", "false");
        Path dir = tempDir.toAbsolutePath().resolve("priming-" + UUID.randomUUID());
        props.setProperty("temp_directory", dir.resolve("spill").toString());
        long rows = 0;
        try {
            Files.createDirectories(dir);
            try (Connection c = DriverManager.getConnection("jdbc:duckdb:", props); Statement st = c.createStatement()) {
                for (String e : extensions) st.execute("LOAD " + e);
                st.execute("SET TimeZone = 'UTC'");
                String file = literal(dir.resolve("priming.parquet").toString());
                st.execute("COPY (SELECT 'tenant-' || (i % 3) AS tenant_id, TIMESTAMPTZ '2026-01-01 00:00:00+00' + to_seconds(i) AS timestamp, "
                        + "'event-' || (i % 7) AS event_type, uuid() AS log_id, to_json({'n': i}) AS payload FROM range(" + PRIMING_ROWS
                        + ") t(i)) TO " + file + " (FORMAT parquet, COMPRESSION zstd)");
                try (ResultSet rs = st.executeQuery("SELECT tenant_id, count(*) AS n, max(timestamp) AS last, "
                        + "count(DISTINCT event_type) AS types, max(payload::JSON ->> 'n') AS p FROM read_parquet(" + file
                        + ") GROUP BY ALL ORDER BY tenant_id")) {
                    while (rs.next()) {
                        rs.getString(1);
                        rows += rs.getLong(2);
                        rs.getObject(3);
                        rs.getLong(4);
                        rs.getString(5);
                    }
                }
            }
        } catch (SQLException e) {
            throw new LakeException("DuckDB priming failed: " + e.getMessage(), e);
        } catch (java.io.IOException e) {
            throw new LakeException("DuckDB priming failed: cannot create " + dir + ": " + e.getMessage(), e);
        } finally {
            Sandbox.deleteTree(dir);
        }
        return new Priming(extensions, rows, (System.nanoTime() - t0) / 1_000_000);
    }

    private static void checkExtensions(Path dir, List<String> names) {
        String platform = platform();
        for (String name : names) {
            Path f = dir.resolve(DUCKDB_VERSION_DIR).resolve(platform).resolve(name + ".duckdb_extension");
            if (!Files.isRegularFile(f)) {
                throw new LakeException("DuckDB extension '" + name + "' is missing: expected " + f.toAbsolutePath()
                        + ". Fetch it with: build/fetch-duckdb-extensions.sh " + dir + " " + platform
                        + " (or: mvn -pl functions generate-resources); set LAKELOG_DUCKDB_EXTENSION_DIR to that directory");
            }
        }
    }

    static String platform() {
        String arch = System.getProperty("os.arch", "");
        return arch.contains("aarch64") || arch.contains("arm64") ? "linux_arm64" : "linux_amd64";
    }

    /** Returns {extension load ms, attach + schema ms}. */
    private long[] init(Settings settings, List<String> extensions) {
        try (Statement st = root.createStatement()) {
            long t0 = System.nanoTime();
            for (String e : extensions) st.execute("LOAD " + e);
            long t1 = System.nanoTime();
            st.execute("SET TimeZone = 'UTC'");
            if (settings.tempDir() != null) {
                Files.createDirectories(settings.tempDir());
                st.execute("SET home_directory = " + literal(settings.tempDir().toString()));
            }
            if (settings.memoryLimit() != null) st.execute("SET memory_limit = " + literal(settings.memoryLimit()));
            if (settings.threads() != null) st.execute("SET threads = " + settings.threads());
            if (storage instanceof LakeStorage.Local local) {
                Path dir = local.dataDir().toAbsolutePath();
                Files.createDirectories(dir.resolve("lake"));
                // OVERRIDE_DATA_PATH: the data directory is where it is now; a lake that was moved,
                // copied or restored from a backup opens from its new place (file paths in the
                // catalog are relative to the data path)
                st.execute("ATTACH " + literal("ducklake:" + dir.resolve("catalog.ducklake"))
                        + " AS lake (DATA_PATH " + literal(dir.resolve("lake") + "/") + ", OVERRIDE_DATA_PATH true, DATA_INLINING_ROW_LIMIT 0)");
            } else if (storage instanceof LakeStorage.S3Postgres s3) {
                redactor.register(s3.pgPassword());
                refreshS3Secret(st);
                st.execute("CREATE OR REPLACE SECRET (TYPE postgres, HOST " + literal(s3.pgHost())
                        + ", PORT " + s3.pgPort() + ", DATABASE " + literal(s3.pgDatabase())
                        + ", USER " + literal(s3.pgUser()) + ", PASSWORD " + literal(s3.pgPassword()) + ")");
                st.execute("ATTACH " + literal("ducklake:postgres:dbname=" + s3.pgDatabase() + " sslmode=" + s3.pgSslmode())
                        + " AS lake (DATA_PATH " + literal("s3://" + s3.bucket() + "/lake/") + ", OVERRIDE_DATA_PATH true, DATA_INLINING_ROW_LIMIT 0)");
            }
            // Concurrent committers (per-tenant rollups side by side, docs/rollup.md) race for the next
            // snapshot id; DuckLake retries a race without a logical conflict by itself, cheaply (no
            // file is rewritten). Its default of 10 attempts ran out with 8 workers on one catalog.
            try {
                st.execute("SET GLOBAL ducklake_max_retry_count = " + DUCKLAKE_MAX_RETRY_COUNT);
            } catch (SQLException e) {
                LOG.warn("ducklake_retry_setting_failed", "error", redactor.redact(e.getMessage()));
            }
            createTables(st);
            return new long[] {(t1 - t0) / 1_000_000, (System.nanoTime() - t1) / 1_000_000};
        } catch (SQLException e) {
            String msg = redactor.redact(e.getMessage());
            if (msg != null && msg.contains("Could not set lock on file") && storage instanceof LakeStorage.Local local) {
                java.util.regex.Matcher pid = java.util.regex.Pattern.compile("PID (\\d+)").matcher(msg);
                throw new LakeException("the lake in " + local.dataDir().toAbsolutePath() + " is in use by another lakelog process"
                        + (pid.find() ? " (PID " + pid.group(1) + ")" : "") + ", most likely a running `lakelog serve`; a local lake "
                        + "has one owner at a time. Ask that server instead (e.g. POST /v1/analytics/rollup with a tenant's token), "
                        + "or stop it and run the command again.", null);
            }
            throw new LakeException("cannot open the lake: " + msg, null);
        } catch (java.io.IOException e) {
            throw new LakeException("cannot create lake directories: " + e.getMessage(), e);
        }
    }

    private void createTables(Statement st) throws SQLException {
        createIfMissing(st, "logs", List.of(LakeSchema.CREATE_LOGS, LakeSchema.PARTITION_LOGS, LakeSchema.CREATE_LEDGER,
                "CALL lake.set_commit_message('lakelog', 'create lakelog tables', extra_info => '{\"kind\":\"maintenance\"}')"));
        // Separately: lakes created before the fence existed get it on their next start.
        createIfMissing(st, "rollup_fence", List.of(LakeSchema.CREATE_FENCE, LakeSchema.SEED_FENCE,
                "CALL lake.set_commit_message('lakelog', 'create the rollup commit fence', extra_info => '{\"kind\":\"maintenance\"}')"));
        addMissingColumns(st);
        setParquetOptions(st);
        createIfMissing(st, "legal_holds", List.of(LegalHolds.CREATE,
                "CALL lake.set_commit_message('lakelog', 'create the legal holds table', extra_info => '{\"kind\":\"maintenance\"}')"));
        try (Statement fresh = st.getConnection().createStatement()) { // st may be closed by a failed statement above
            createIfMissing(fresh, "access_trail", List.of(AccessLog.CREATE,
                    "CALL lake.set_commit_message('lakelog', 'create the access trail table', extra_info => '{\"kind\":\"maintenance\"}')"));
        }
        IntegrityChain.ensure(st.getConnection());
    }

    /**
     * Sets {@link LakeSchema#PARQUET_OPTIONS} where the catalog holds another value (a new lake, or
     * one written before they existed). Options are catalog metadata, not a snapshot: setting them
     * changes no table and no file; the next data files are written with them.
     */
    private static void setParquetOptions(Statement st) throws SQLException {
        java.util.Map<String, String> current = new java.util.HashMap<>();
        try (ResultSet rs = st.executeQuery("SELECT option_name, value FROM lake.options() WHERE scope = 'GLOBAL'")) {
            while (rs.next()) current.put(rs.getString(1), rs.getString(2));
        }
        for (java.util.Map.Entry<String, String> o : new java.util.TreeMap<>(LakeSchema.PARQUET_OPTIONS).entrySet()) {
            String have = current.get(o.getKey());
            String want = o.getValue();
            if (have != null && (have.equalsIgnoreCase(want) || have.equalsIgnoreCase("V" + want))) continue;
            try {
                st.execute("CALL lake.set_option(" + literal(o.getKey()) + ", " + literal(want) + ")");
                LOG.info("lake_option_set", "option", o.getKey(), "value", want, "was", have);
            } catch (SQLException e) {
                // a concurrent starter setting the same option; the files stay readable either way
                LOG.warn("lake_option_set_failed", "option", o.getKey(), "error", e.getMessage());
            }
        }
    }

    /** DuckLake's own retries of a snapshot-id race that has no logical conflict (its default is 10). */
    public static final int DUCKLAKE_MAX_RETRY_COUNT = 100;

    /** Where the chain head is published (docs/integrity.md). */
    public ChainAnchor anchor() {
        return anchor;
    }

    /** Replaces the anchor (the AWS backend's, once there is one). */
    public void anchor(ChainAnchor a) {
        this.anchor = a;
    }

    /** Uses {@code a} as the anchor from now on and publishes the current head to it (one a crash left unpublished, or the first). */
    public void useAnchor(ChainAnchor a) {
        this.anchor = a;
        try (Connection c = connect()) {
            anchorHead(c);
        } catch (SQLException e) {
            LOG.warn("anchor_catch_up_failed", "error", redactor.redact(e.getMessage()));
        }
    }

    /**
     * After rollups: seals the heads of these tenants' integrity lanes into the lake chain
     * ({@link IntegrityChain#seal}) and publishes the lake chain's head to the anchor. Throws
     * {@link LakeException} when the seal cannot be committed.
     */
    public void sealLanes(java.util.Collection<String> tenants) {
        try (Connection c = connect()) {
            IntegrityChain.seal(c, tenants);
            anchorHead(c);
        } catch (SQLException e) {
            throw new LakeException("sealing the integrity lanes failed: " + redactor.redact(e.getMessage()), e);
        }
    }

    /** After a commit: publishes the chain head {@code c} sees; a failure is logged, the next publish catches up. */
    public void anchorHead(Connection c) {
        try {
            anchor.publish(IntegrityChain.head(c));
        } catch (SQLException | RuntimeException e) {
            LOG.warn("anchor_publish_failed", "error", redactor.redact(e.getMessage()));
        }
    }

    /**
     * Schema evolution: a lake written before a column existed gains it now, in one commit
     * ({@link LakeSchema#ADDED_COLUMNS}). A concurrent starter doing the same wins or conflicts;
     * either way the column exists afterwards.
     */
    private static void addMissingColumns(Statement st) throws SQLException {
        List<String> missing = new java.util.ArrayList<>();
        for (String column : LakeSchema.ADDED_COLUMNS) {
            String name = column.substring(0, column.indexOf(' '));
            try (ResultSet rs = st.executeQuery("SELECT count(*) FROM duckdb_columns() WHERE database_name = 'lake' "
                    + "AND table_name = 'logs' AND column_name = " + literal(name))) {
                rs.next();
                if (rs.getLong(1) == 0) missing.add(column);
            }
        }
        if (missing.isEmpty()) return;
        try {
            st.execute("BEGIN TRANSACTION");
            for (String column : missing) st.execute("ALTER TABLE " + LakeSchema.LOGS + " ADD COLUMN IF NOT EXISTS " + column);
            st.execute("CALL lake.set_commit_message('lakelog', " + literal("add columns " + String.join(", ", missing))
                    + ", extra_info => '{\"kind\":\"maintenance\"}')");
            st.execute("COMMIT");
            LOG.info("lake_columns_added", "columns", missing);
        } catch (SQLException e) {
            try {
                st.execute("ROLLBACK");
            } catch (SQLException ignored) {
                // the failed statement may already have ended the transaction
            }
            for (String column : missing) {
                String name = column.substring(0, column.indexOf(' '));
                try (ResultSet rs = st.executeQuery("SELECT count(*) FROM duckdb_columns() WHERE database_name = 'lake' "
                        + "AND table_name = 'logs' AND column_name = " + literal(name))) {
                    rs.next();
                    if (rs.getLong(1) == 0) throw e;
                }
            }
        }
    }

    /**
     * Runs {@code ddl} in one transaction unless table {@code lake.main.<table>} exists. When
     * another process creates it at the same moment its commit wins and ours conflicts: that is
     * fine as long as the table exists afterwards.
     */
    private static void createIfMissing(Statement st, String table, List<String> ddl) throws SQLException {
        if (tableExists(st, table)) return;
        Connection conn = st.getConnection(); // before: a statement whose execution failed is closed, getConnection too
        try {
            st.execute("BEGIN TRANSACTION");
            for (String sql : ddl) st.execute(sql);
            st.execute("COMMIT");
        } catch (SQLException e) {
            try {
                st.execute("ROLLBACK");
            } catch (SQLException ignored) {
                // the failed statement may already have ended the transaction
            }
            // a fresh statement: DuckDB's JDBC driver closes a statement whose execution failed
            try (Statement check = conn.createStatement()) {
                if (!tableExists(check, table)) throw e;
            }
        }
    }

    private static boolean tableExists(Statement st, String table) throws SQLException {
        return LakeCatalog.tableExists(st, table);
    }

    /** Creates or replaces the S3 secret when the credentials changed (Lambda rotates them). */
    private void refreshS3Secret(Statement st) throws SQLException {
        if (!(storage instanceof LakeStorage.S3Postgres)) return;
        S3Credentials c = credentials.get();
        if (Objects.equals(c, currentCredentials)) return;
        st.execute(s3SecretSql(c));
        currentCredentials = c;
    }

    /** {@code CREATE OR REPLACE SECRET lakelog_s3 ...} for these credentials, scoped to the bucket. */
    private String s3SecretSql(S3Credentials c) {
        LakeStorage.S3Postgres s3 = (LakeStorage.S3Postgres) storage;
        redactor.register(c.secretAccessKey());
        redactor.register(c.sessionToken());
        StringBuilder sql = new StringBuilder("CREATE OR REPLACE SECRET lakelog_s3 (TYPE s3, KEY_ID ")
                .append(literal(c.accessKeyId())).append(", SECRET ").append(literal(c.secretAccessKey()))
                .append(", REGION ").append(literal(s3.region()));
        if (c.sessionToken() != null && !c.sessionToken().isEmpty()) {
            sql.append(", SESSION_TOKEN ").append(literal(c.sessionToken()));
        }
        if (s3.s3Endpoint().isPresent()) {
            String ep = s3.s3Endpoint().get();
            boolean ssl = ep.startsWith("https://");
            String hostPort = ep.replaceFirst("^https?://", "").replaceAll("/+$", "");
            sql.append(", ENDPOINT ").append(literal(hostPort)).append(", URL_STYLE 'path', USE_SSL ").append(ssl);
        } else {
            // The regional endpoint, so traffic from a VPC stays on its S3 gateway endpoint.
            sql.append(", ENDPOINT ").append(literal("s3." + s3.region() + ".amazonaws.com"));
        }
        return sql.append(", SCOPE ").append(literal("s3://" + s3.bucket())).append(")").toString();
    }

    /** A new connection sharing this instance and its attached lake. Close it when done. */
    public Connection connect() {
        try {
            synchronized (this) {
                try (Statement st = root.createStatement()) {
                    refreshS3Secret(st);
                }
            }
            Connection c = root.duplicate();
            return c;
        } catch (SQLException e) {
            throw new LakeException("cannot open a lake connection: " + redactor.redact(e.getMessage()), null);
        }
    }

    public Timings timings() {
        return timings;
    }

    /**
     * A separate, locked-down DuckDB instance for untrusted SQL: no lake attached, no catalog
     * access, external access disabled except for {@code allowedPaths} (read_parquet of exactly those
     * files), configuration locked, memory and threads bounded. {@code setup} runs before the lock
     * (e.g. to create the view over the allowed files). The caller closes it.
     */
    public Sandbox openSandbox(List<String> allowedPaths, String memoryLimit, int threads, List<String> setup) {
        String id = UUID.randomUUID().toString();
        Path spill = tempBase.resolve("sandbox-" + id); // DuckDB creates it only when a query spills
        Path out = tempBase.resolve("answers-" + id);
        Properties props = new Properties();
        props.setProperty("extension_directory", extensionDir.toAbsolutePath().toString());
        props.setProperty("autoinstall_known_extensions", "false");
        props.setProperty("autoload_known_extensions", "false");
        props.setProperty("temp_directory", spill.toString());
        props.setProperty("max_temp_directory_size", SANDBOX_SPILL_LIMIT);
        Connection c;
        try {
            c = DriverManager.getConnection("jdbc:duckdb:", props);
        } catch (SQLException e) {
            throw new LakeException("cannot start DuckDB: " + e.getMessage(), e);
        }
        try (Statement st = c.createStatement()) {
            st.execute("SET TimeZone = 'UTC'");
            st.execute("SET memory_limit = " + literal(memoryLimit));
            st.execute("SET threads = " + threads);
            // the allowed files never change under a sandbox (a new snapshot means a new sandbox), so
            // their Parquet footers may be cached for the next query of a reused sandbox
            st.execute("SET parquet_metadata_cache = true");
            // but no file data: an idle pooled sandbox then holds almost no memory beyond the
            // QueryLimiter's count of running ones (the OS page cache / S3 are the data cache)
            st.execute("SET enable_external_file_cache = false");
            if (storage instanceof LakeStorage.S3Postgres) {
                st.execute("LOAD httpfs");
                S3Credentials cr = credentials.get();
                refreshSecretOn(st, cr);
            }
            StringBuilder paths = new StringBuilder("[");
            for (int i = 0; i < allowedPaths.size(); i++) {
                if (i > 0) paths.append(", ");
                paths.append(literal(allowedPaths.get(i)));
            }
            st.execute("SET allowed_paths = " + paths.append("]::VARCHAR[]"));
            // the one place the sandbox may write: its own output directory (answers are COPYed there)
            Files.createDirectories(out);
            st.execute("SET allowed_directories = [" + literal(out + "/") + "]");
            st.execute("SET enable_external_access = false");
            for (String sql : setup) st.execute(sql);
            st.execute("SET lock_configuration = true");
            return new Sandbox(c, spill, out);
        } catch (SQLException e) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // nothing more to release
            }
            Sandbox.deleteTree(spill);
            Sandbox.deleteTree(out);
            throw new LakeException("cannot prepare the SQL sandbox: " + redactor.redact(e.getMessage()), null);
        } catch (java.io.IOException e) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // nothing more to release
            }
            Sandbox.deleteTree(spill);
            Sandbox.deleteTree(out);
            throw new LakeException("cannot prepare the SQL sandbox's directory: " + e.getMessage(), e);
        }
    }

    /**
     * A locked sandbox for {@code tenant} as {@link #openSandbox} makes it, reused from an earlier
     * query of the same tenant when everything it was built from is equal ({@link SandboxPool}):
     * the allowed files, set-up SQL, limits and S3 credentials. The caller calls
     * {@link Sandbox#keep} after a query that ended cleanly, then closes it; a sandbox not kept is
     * closed for good.
     */
    public Sandbox sandbox(String tenant, List<String> allowedPaths, String memoryLimit, int threads, List<String> setup) {
        S3Credentials cr = storage instanceof LakeStorage.S3Postgres ? credentials.get() : null;
        SandboxPool.Key key = new SandboxPool.Key(tenant, allowedPaths, memoryLimit, threads, setup, cr);
        Sandbox s = sandboxes.take(key, System.currentTimeMillis());
        if (s == null) s = openSandbox(allowedPaths, memoryLimit, threads, setup);
        s.pooled(sandboxes, key);
        return s;
    }

    /** Sandboxes reused and opened by {@link #sandbox} so far, and how many are idle now. */
    public record SandboxCounts(long reused, long opened, int idle) {}

    public SandboxCounts sandboxCounts() {
        long[] c = sandboxes.counts();
        return new SandboxCounts(c[0], c[1], sandboxes.idleCount());
    }

    private void refreshSecretOn(Statement st, S3Credentials c) throws SQLException {
        st.execute(s3SecretSql(c));
    }

    public LakeStorage storage() {
        return storage;
    }

    public Redactor redactor() {
        return redactor;
    }

    /** SQL string literal. */
    public static String literal(String s) {
        return "'" + s.replace("'", "''") + "'";
    }

    @Override
    public void close() {
        sandboxes.close();
        try {
            root.close();
        } catch (SQLException e) {
            LOG.warn("duckdb_close_failed", "error", e.getMessage());
        }
        Sandbox.deleteTree(lakeSpillDir);
    }

    /** Spill space one sandbox may use ({@code max_temp_directory_size}); docs/query.md states it. */
    public static final String SANDBOX_SPILL_LIMIT = "2GB";

    /** Spill directories older than this are left over from a process that died: removed at start. */
    static final java.time.Duration STALE_SPILL = java.time.Duration.ofHours(1);

    private static void sweepStaleSpillDirs(Path base) {
        if (!Files.isDirectory(base)) return;
        java.time.Instant cutoff = java.time.Instant.now().minus(STALE_SPILL);
        try (var dirs = Files.list(base)) {
            dirs.filter(d -> d.getFileName().toString().startsWith("sandbox-") || d.getFileName().toString().startsWith("lake-"))
                    .filter(d -> {
                        try {
                            return Files.getLastModifiedTime(d).toInstant().isBefore(cutoff);
                        } catch (java.io.IOException e) {
                            return false;
                        }
                    })
                    .forEach(Sandbox::deleteTree);
        } catch (java.io.IOException e) {
            LOG.warn("spill_sweep_failed", "path", base.toString(), "error", e.getMessage());
        }
    }
}
