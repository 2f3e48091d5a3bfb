package dev.lakelog.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lakelog.api.ApiResponse;
import dev.lakelog.api.ErrorCode;
import dev.lakelog.api.LakelogException;
import dev.lakelog.auth.Tenant;
import dev.lakelog.lake.LakeCatalog;
import dev.lakelog.lake.LakeEngine;
import dev.lakelog.lake.Sandbox;
import dev.lakelog.metrics.Metrics;
import dev.lakelog.lake.LakeException;
import dev.lakelog.lake.LakeSchema;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code POST /v1/analytics/query}: untrusted read-only SQL over the caller's own rows.
 *
 * <ol>
 *   <li>{@link SqlGuard} judges the query from DuckDB's parse tree and returns canonical SQL.</li>
 *   <li>The caller's live data files are listed from the lake (its tenant partition) with their
 *       delete files.</li>
 *   <li>A DuckDB instance of its own (no lake, no catalog, no secrets but the S3 one) gets
 *       {@code allowed_paths} = exactly those files, {@code enable_external_access = false}, a view
 *       {@code logs} over them filtered to the tenant, then {@code lock_configuration = true}. In a
 *       warm container the instance of the tenant's previous query is reused when it was locked to
 *       exactly the same files with the same set-up ({@link LakeEngine#sandbox}); otherwise a fresh
 *       one is made.</li>
 *   <li>The query runs with named parameters bound, a row cap and a time limit (a watchdog
 *       cancels the statement).</li>
 * </ol>
 * Even a query that slipped past the guard can only read the tenant's own files.
 */
public final class CustomQueryService {
    public static final int DEFAULT_MAX_ROWS = 10_000;
    /** Below the query function's Lambda timeout, so the answer is a clear 408 rather than a killed invocation. */
    public static final Duration DEFAULT_TIME_LIMIT = Duration.ofSeconds(25);

    private final Supplier<LakeEngine> lake;
    private final SqlGuard guard;
    private final ObjectMapper json;
    private final int maxRows;
    private final Duration timeLimit;
    private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "lakelog-sql-watchdog");
        t.setDaemon(true);
        return t;
    });

    /** DuckDB memory of one sandbox; with {@link QueryLimiter#DEFAULT_TOTAL} sandboxes at once. */
    public static final String SANDBOX_MEMORY = "512MB";
    public static final int SANDBOX_THREADS = 2;

    private final BigResults big;

    /**
     * Queries the guard accepted, with their canonical SQL: the guard's verdict depends on the query
     * text alone, so a repeated query (a dashboard's) skips re-parsing. Refusals are not kept.
     */
    private final java.util.Map<String, SqlGuard.Checked> checkedCache = java.util.Collections.synchronizedMap(
            new java.util.LinkedHashMap<>(64, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(java.util.Map.Entry<String, SqlGuard.Checked> eldest) {
                    return size() > CHECKED_CACHE_SIZE;
                }
            });
    static final int CHECKED_CACHE_SIZE = 256;

    private final Metrics metrics;

    public CustomQueryService(Supplier<LakeEngine> lake, ObjectMapper json, int maxRows, Duration timeLimit, BigResults big) {
        this(lake, json, maxRows, timeLimit, big, Metrics.NONE);
    }

    public CustomQueryService(Supplier<LakeEngine> lake, ObjectMapper json, int maxRows, Duration timeLimit, BigResults big, Metrics metrics) {
        this.metrics = metrics;
        this.big = big;
        this.lake = lake;
        this.guard = new SqlGuard(json);
        this.json = json;
        this.maxRows = maxRows;
        this.timeLimit = timeLimit;
    }

    public ObjectNode run(Tenant tenant, JsonNode body) {
        return run(tenant, body, java.util.Optional.empty());
    }

    /**
     * Time kept back from the invocation's end for writing the answer: a query may run until the
     * invocation's deadline minus this, so the function answers 408 before API Gateway's 29 s.
     */
    public static final Duration ANSWER_MARGIN = Duration.ofSeconds(2);

    /** Runs the query within its time limit, and within {@code deadline} minus {@link #ANSWER_MARGIN} when given. */
    public ObjectNode run(Tenant tenant, JsonNode body, java.util.Optional<java.time.Instant> deadline) {
        return (ObjectNode) guarded(tenant, body, ExportFormat.JSON, null, deadline);
    }

    /**
     * The query's answer as a file ({@code format=csv|ndjson|parquet}): DuckDB writes it in the
     * sandbox with {@code COPY ... TO} under the same row, size and time limits, and
     * {@link Exports#deliver} answers it inline or as a result file.
     */
    public ApiResponse export(Tenant tenant, JsonNode body, ExportFormat format, Exports exports,
                              java.util.Optional<java.time.Instant> deadline) {
        return (ApiResponse) guarded(tenant, body, format, exports, deadline);
    }

    private Object guarded(Tenant tenant, JsonNode body, ExportFormat format, Exports exports,
                           java.util.Optional<java.time.Instant> deadline) {
        Duration limit = timeLimit;
        if (deadline.isPresent()) {
            Duration left = Duration.between(java.time.Instant.now(), deadline.get()).minus(ANSWER_MARGIN);
            if (left.compareTo(limit) < 0) limit = left;
        }
        if (limit.isNegative() || limit.isZero()) {
            throw new LakelogException(ErrorCode.QUERY_TIMEOUT, "no time is left in this invocation to run the query "
                    + "(it ends within " + ANSWER_MARGIN.toSeconds() + " s); retry it");
        }
        try {
            return runChecked(tenant, body, format, exports, limit);
        } catch (LakelogException e) {
            if (e.kind() == dev.lakelog.api.ErrorKind.CALLER_ERROR) metrics.queryRefused(e.code().wireName());
            throw e;
        }
    }

    private Object runChecked(Tenant tenant, JsonNode body, ExportFormat format, Exports exports, Duration limit) {
        if (body == null || !body.isObject()) throw new LakelogException(ErrorCode.INVALID_BODY, "the body must be a JSON object {\"query\": \"...\", \"params\": {...}}");
        Iterator<String> fields = body.fieldNames();
        while (fields.hasNext()) {
            String f = fields.next();
            if (!f.equals("query") && !f.equals("params")) throw new LakelogException(ErrorCode.INVALID_BODY, "unknown field '" + f + "'; expected 'query' and 'params'");
        }
        JsonNode q = body.path("query");
        if (!q.isTextual()) throw new LakelogException(ErrorCode.INVALID_BODY, "field 'query' is required and must be a string");
        JsonNode params = body.path("params");
        if (!params.isMissingNode() && !params.isNull() && !params.isObject()) throw new LakelogException(ErrorCode.INVALID_BODY, "field 'params' must be a JSON object");

        SqlGuard.Checked checked;
        List<String> data = new ArrayList<>();
        List<String> deletes = new ArrayList<>();
        List<String> allowed;
        List<String> setup = new ArrayList<>(SqlGuard.SANDBOX_MACROS);
        try (Connection c = lake.get().connect()) {
            checked = checkedCache.get(q.asText());
            if (checked == null) {
                checked = guard.check(c, q.asText());
                checkedCache.put(q.asText(), checked);
            }
            bindable(checked, params); // fail fast before touching data
            long snapshot = LakeCatalog.currentSnapshot(c);
            for (LakeCatalog.DataFile f : liveFiles(c, snapshot, LOGS, tenant.id())) {
                data.add(f.path());
                if (f.deleteFile() != null) deletes.add(f.deleteFile());
            }
            allowed = new ArrayList<>(data);
            allowed.addAll(deletes);
            setup.add(viewSql(tenant.id(), data, deletes));
            // the metrics tables' views, from the same snapshot's cached file lists
            metricsViews(tenant.id(), allowed, setup, table -> liveFiles(c, snapshot, table, tenant.id()));
        } catch (SQLException e) {
            throw new LakeException("query failed: " + lake.get().redactor().redact(e.getMessage()), null);
        }
        List<Object> values = bindable(checked, params);
        // Reused from this tenant's previous query when its files (snapshot), set-up and limits are
        // unchanged (LakeEngine#sandbox); kept for the next one only when this query ended cleanly.
        try (Sandbox sandbox = lake.get().sandbox(tenant.id(), allowed, SANDBOX_MEMORY, SANDBOX_THREADS, setup)) {
            Object answer = format != ExportFormat.JSON
                    ? exportIn(tenant, sandbox, checked.sql(), values, format, exports, limit)
                    : execute(tenant, sandbox, checked.sql(), values, limit);
            sandbox.keep();
            return answer;
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    private static final String LOGS = "logs";

    /**
     * The tenant's live files of one lake table ({@code logs} or a metrics table) as of the snapshot
     * read just before: listed once per snapshot, so a warm container pays no catalog listing per query.
     */
    private List<LakeCatalog.DataFile> liveFiles(Connection c, long snapshot, String table, String tenant) throws SQLException {
        String key = table + "/" + tenant;
        FilesAt cached = filesCache.get(key);
        if (cached != null && cached.snapshot() == snapshot) return cached.files();
        List<LakeCatalog.DataFile> files = List.copyOf(LOGS.equals(table)
                ? LakeCatalog.tenantDataFiles(c, tenant) : LakeCatalog.tenantDataFiles(c, table, tenant));
        // listed after reading the snapshot id: the list is of that snapshot or a later one, never an older one
        filesCache.put(key, new FilesAt(snapshot, files));
        return files;
    }

    private record FilesAt(long snapshot, List<LakeCatalog.DataFile> files) {}

    /** The names and DuckDB type names of a statement's answer columns. */
    private record Columns(List<String> names, List<String> types) {}

    /**
     * Each (table, tenant)'s data and delete files at the snapshot they were listed at. Any commit
     * makes a new snapshot, so an unchanged snapshot id means an unchanged list.
     */
    private final java.util.Map<String, FilesAt> filesCache = java.util.Collections.synchronizedMap(
            new java.util.LinkedHashMap<>(64, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(java.util.Map.Entry<String, FilesAt> eldest) {
                    return size() > FILES_CACHE_SIZE;
                }
            });

    /** Room for every table of {@link #CHECKED_CACHE_SIZE} tenants. */
    private static final int FILES_CACHE_SIZE = CHECKED_CACHE_SIZE * (1 + dev.lakelog.lake.MetricsSchema.SANDBOX_TABLES.size());

    /** The parameter values in positional order; 400 for a missing or unused or non-scalar one. */
    private static List<Object> bindable(SqlGuard.Checked checked, JsonNode params) {
        List<Object> out = new ArrayList<>();
        for (String name : checked.paramNames()) {
            JsonNode v = params.path(name);
            if (v.isMissingNode()) throw new LakelogException(ErrorCode.INVALID_PARAMETER, "parameter '$" + name + "' is used in the query but has no value in 'params'");
            out.add(value(name, v));
        }
        if (params.isObject()) {
            Iterator<String> names = params.fieldNames();
            while (names.hasNext()) {
                String n = names.next();
                if (!checked.paramNames().contains(n)) throw new LakelogException(ErrorCode.INVALID_PARAMETER, "parameter '" + n + "' in 'params' is not used in the query");
            }
        }
        return out;
    }

    private static Object value(String name, JsonNode v) {
        if (v.isNull()) return null;
        if (v.isTextual()) return v.asText();
        if (v.isBoolean()) return v.asBoolean();
        if (v.isIntegralNumber() && v.canConvertToLong()) return v.asLong();
        if (v.isNumber()) return v.asDouble();
        throw new LakelogException(ErrorCode.INVALID_PARAMETER, "parameter '" + name + "' must be a string, number, boolean or null");
    }

    /**
     * The tenant's metrics tables (docs/metrics.md) as views {@code metrics}, {@code metrics_1m} ...
     * {@code metrics_1d} over exactly its own files, like {@code logs}; an empty table where it has none.
     */
    public static void metricsViews(LakeEngine engine, String tenant, List<String> allowed, List<String> setup) {
        try (Connection c = engine.connect()) {
            metricsViews(tenant, allowed, setup, table -> LakeCatalog.tenantDataFiles(c, table, tenant));
        } catch (SQLException e) {
            throw new LakeException("query failed: " + engine.redactor().redact(e.getMessage()), null);
        }
    }

    /** Lists one lake table's files of the tenant. */
    @FunctionalInterface
    interface TableFiles {
        List<LakeCatalog.DataFile> of(String table) throws SQLException;
    }

    private static void metricsViews(String tenant, List<String> allowed, List<String> setup, TableFiles files) throws SQLException {
        for (java.util.Map.Entry<String, String> t : dev.lakelog.lake.MetricsSchema.SANDBOX_TABLES.entrySet()) {
            List<String> data = new ArrayList<>();
            List<String> deletes = new ArrayList<>();
            for (LakeCatalog.DataFile f : files.of(t.getKey())) {
                data.add(f.path());
                if (f.deleteFile() != null) deletes.add(f.deleteFile());
            }
            allowed.addAll(data);
            allowed.addAll(deletes);
            setup.add(tableViewSql(t.getKey(), t.getValue(), tenant, data, deletes));
        }
    }

    static String tableViewSql(String name, String columns, String tenant, List<String> data, List<String> deletes) {
        if (data.isEmpty()) return "CREATE TABLE " + name + " (" + columns + ")";
        StringBuilder sql = new StringBuilder("CREATE VIEW ").append(name).append(" AS SELECT d.* EXCLUDE (filename, file_row_number) FROM read_parquet(")
                .append(list(data)).append(", filename = true, file_row_number = true, hive_partitioning = false, union_by_name = true) d WHERE d.tenant_id = ")
                .append(LakeEngine.literal(tenant));
        if (!deletes.isEmpty()) {
            sql.append(" AND NOT EXISTS (SELECT 1 FROM read_parquet(").append(list(deletes))
                    .append(") x WHERE x.file_path = d.filename AND x.pos = d.file_row_number)");
        }
        return sql.toString();
    }

    public static String viewSql(String tenant, List<String> data, List<String> deletes) {
        if (data.isEmpty()) {
            return "CREATE TABLE logs (" + LakeSchema.LOGS_COLUMNS + ")";
        }
        String files = list(data);
        // An empty relation with every current column first, so that files written before a column
        // was added (docs/architecture.md#schema-evolution) read NULL there instead of lacking it.
        StringBuilder sql = new StringBuilder("CREATE VIEW logs AS SELECT * FROM (SELECT ").append(LakeSchema.typedNullColumns())
                .append(" LIMIT 0) UNION ALL BY NAME SELECT d.* EXCLUDE (filename, file_row_number) FROM read_parquet(")
                .append(files).append(", filename = true, file_row_number = true, hive_partitioning = false, union_by_name = true) d WHERE d.tenant_id = ")
                .append(LakeEngine.literal(tenant));
        if (!deletes.isEmpty()) {
            sql.append(" AND NOT EXISTS (SELECT 1 FROM read_parquet(").append(list(deletes))
                    .append(") x WHERE x.file_path = d.filename AND x.pos = d.file_row_number)");
        }
        return sql.toString();
    }

    private static String list(List<String> xs) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < xs.size(); i++) {
            if (i > 0) b.append(", ");
            b.append(LakeEngine.literal(xs.get(i)));
        }
        return b.append("]").toString();
    }

    /** The failure of a sandboxed query in words: which limit it hit, or DuckDB's own message. */
    private LakelogException failed(SQLException e) {
        String msg = SqlGuard.firstLine(lake.get().redactor().redact(e.getMessage()));
        int marker = msg.indexOf(SqlGuard.VALUE_LIMIT_MARKER);
        if (marker >= 0) {
            return new LakelogException(ErrorCode.VALUE_TOO_LARGE, "query refused: " + msg.substring(marker + SqlGuard.VALUE_LIMIT_MARKER.length()).trim());
        }
        if (msg.contains("Out of Memory") || msg.contains("max_temp_directory_size") || msg.contains("temp_directory")) {
            return new LakelogException(ErrorCode.QUERY_MEMORY_LIMIT, "the query needs more than its " + SANDBOX_MEMORY + " of memory and "
                    + LakeEngine.SANDBOX_SPILL_LIMIT + " of spill space; aggregate, filter or add a LIMIT");
        }
        return new LakelogException(ErrorCode.SQL_FAILED, "the query failed: " + msg);
    }

    /**
     * Runs the query in the sandbox as {@code COPY (query) TO '<its output directory>/answer.ndjson'}:
     * DuckDB writes the answer as it computes it, in bounded memory whatever its size, and the JVM
     * reads it back a line at a time: inline as JSON rows when it fits in a response, else converted
     * to the CSV result file. The time limit covers the writing and the reading; a file growing past
     * {@link ResultFile#MAX_BYTES} is cancelled.
     */
    private ObjectNode execute(Tenant tenant, Sandbox sandbox, String sql, List<Object> values, Duration limit) throws SQLException {
        Connection c = sandbox.connection();
        // the answer's columns depend only on the SQL and the sandbox's views: prepared once per sandbox
        Columns cols = sandbox.memo("columns:" + sql, () -> {
            List<String> n = new ArrayList<>();
            List<String> t = new ArrayList<>();
            try (PreparedStatement probe = c.prepareStatement(sql)) {
                ResultSetMetaData md = probe.getMetaData();
                for (int i = 1; i <= md.getColumnCount(); i++) {
                    n.add(md.getColumnLabel(i));
                    t.add(md.getColumnTypeName(i));
                }
            }
            return new Columns(List.copyOf(n), List.copyOf(t));
        });
        List<String> names = cols.names();
        List<String> types = cols.types();
        ArrayNode columns = json.createArrayNode();
        for (int i = 0; i < names.size(); i++) columns.addObject().put("name", names.get(i)).put("type", types.get(i));
        Path answer = sandbox.outputDir().resolve("answer.ndjson");
        long deadline = System.nanoTime() + limit.toNanos();
        copy(c, sql, values, answer, "(FORMAT json)", deadline, limit);
        return read(tenant, answer, columns, names, types, deadline, limit);
    }

    /**
     * {@code COPY (SELECT * FROM (sql) LIMIT maxRows + 1) TO target options} under the watchdog: cancelled
     * past the deadline or when the file grows past {@link ResultFile#MAX_BYTES}. Returns the rows written.
     */
    private long copy(Connection c, String sql, List<Object> values, Path target, String options, long deadline,
                      Duration limit) throws SQLException {
        AtomicBoolean timedOut = new AtomicBoolean();
        AtomicBoolean tooLarge = new AtomicBoolean();
        try (PreparedStatement ps = c.prepareStatement("COPY (SELECT * FROM (" + sql + ") LIMIT " + (maxRows + 1L) + ") TO "
                + LakeEngine.literal(target.toString()) + " " + options)) {
            for (int i = 0; i < values.size(); i++) ps.setObject(i + 1, values.get(i));
            ScheduledFuture<?> watchdog = WATCHDOG.scheduleWithFixedDelay(() -> {
                boolean late = System.nanoTime() > deadline;
                boolean big = sizeOf(target) > ResultFile.MAX_BYTES;
                if (late || big) {
                    if (late) timedOut.set(true);
                    if (big) tooLarge.set(true);
                    try {
                        ps.cancel();
                    } catch (SQLException ignored) {
                        // the statement already finished
                    }
                }
            }, WATCH_EVERY_MS, WATCH_EVERY_MS, TimeUnit.MILLISECONDS);
            try {
                return ps.executeUpdate();
            } catch (SQLException e) {
                if (tooLarge.get()) throw resultFileTooLarge();
                if (timedOut.get()) throw timeout(limit);
                throw e;
            } finally {
                watchdog.cancel(false);
            }
        }
    }

    private ApiResponse exportIn(Tenant tenant, Sandbox sandbox, String sql, List<Object> values, ExportFormat format,
                                 Exports exports, Duration limit) throws SQLException {
        Path target = sandbox.outputDir().resolve("answer." + format.wireName());
        long rows = copy(sandbox.connection(), sql, values, target, format.copyOptions, System.nanoTime() + limit.toNanos(), limit);
        if (rows > maxRows) {
            throw new LakelogException(ErrorCode.RESULT_TOO_LARGE, "the result has more than " + maxRows
                    + " rows; aggregate, filter or add a LIMIT (nothing was truncated)");
        }
        return exports.deliver(tenant, target, format, rows, "lakelog-query", json.createObjectNode());
    }

    private static final long WATCH_EVERY_MS = 50;

    private static long sizeOf(Path p) {
        try {
            return Files.size(p);
        } catch (java.io.IOException e) {
            return 0;
        }
    }

    private LakelogException timeout(Duration limit) {
        return new LakelogException(ErrorCode.QUERY_TIMEOUT, "the query ran longer than its time limit of " + limit.toMillis()
                + " ms (writing its answer included) and was cancelled; filter by time or aggregate");
    }

    private static LakelogException resultFileTooLarge() {
        return new LakelogException(ErrorCode.RESULT_TOO_LARGE, "the result is larger than " + ResultFile.MAX_BYTES
                + " bytes, the largest result file an answer may have; nothing was returned: aggregate, filter or add a LIMIT");
    }

    /** Reads the answer file back: inline rows when it fits in a response, else the CSV result file. */
    private ObjectNode read(Tenant tenant, Path answer, ArrayNode columns, List<String> names, List<String> types, long deadline,
                            Duration limit) {
        long size = sizeOf(answer);
        boolean inline = size <= INLINE_ANSWER_BYTES;
        ArrayNode rows = json.createArrayNode();
        try (java.io.BufferedReader in = Files.newBufferedReader(answer, java.nio.charset.StandardCharsets.UTF_8);
                ResultFile file = inline ? null : new ResultFile(names, ResultFile.MAX_BYTES)) {
            long count = 0;
            String line;
            while ((line = in.readLine()) != null) {
                if (line.isEmpty()) continue;
                if (++count > maxRows) {
                    throw new LakelogException(ErrorCode.RESULT_TOO_LARGE, "the result has more than " + maxRows
                            + " rows; aggregate, filter or add a LIMIT (nothing was truncated)");
                }
                JsonNode parsed = json.readTree(line);
                List<JsonNode> row = new ArrayList<>(names.size());
                for (int i = 0; i < names.size(); i++) row.add(JsonValues.fromDuckDbJson(parsed.get(names.get(i)), types.get(i)));
                if (inline) {
                    ObjectNode r = rows.addObject();
                    for (int i = 0; i < names.size(); i++) r.set(names.get(i), row.get(i));
                } else {
                    file.row(row);
                    if ((count & 1023) == 0 && System.nanoTime() > deadline) throw timeout(limit);
                }
            }
            ObjectNode out = json.createObjectNode();
            out.set("columns", columns);
            if (inline) {
                out.set("rows", rows);
                out.set("results", rows); // the FlightRecorder name for the same rows
                out.put("count", rows.size());
                return out;
            }
            out.put("count", file.rows());
            return big.publish(tenant, file, out);
        } catch (java.io.IOException e) {
            throw new LakeException("cannot read the query's answer: " + e.getMessage(), e);
        }
    }

    /**
     * Answers whose NDJSON is at most this large are returned inline; larger ones become a result
     * file. The JSON answer is about as large as the NDJSON, and must stay under the 6 MB a Lambda
     * response may carry.
     */
    static final long INLINE_ANSWER_BYTES = QueryRoutes.MAX_RESPONSE_BYTES - 64 * 1024;
}
