package dev.lakelog.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lakelog.api.ErrorCode;
import dev.lakelog.api.LakelogException;
import dev.lakelog.auth.Tenant;
import dev.lakelog.lake.LakeCatalog;
import dev.lakelog.lake.LakeEngine;
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

/**
 * {@code POST /v1/analytics/query}: untrusted read-only SQL over the caller's own rows.
 *
 * <ol>
 *   <li>{@link SqlGuard} judges the query from DuckDB's parse tree and returns canonical SQL.</li>
 *   <li>The caller's live data files are listed from the lake (its tenant partition) with their
 *       delete files.</li>
 *   <li>A fresh DuckDB instance (no lake, no catalog, no secrets but the S3 one) gets
 *       {@code allowed_paths} = exactly those files, {@code enable_external_access = false}, a view
 *       {@code logs} over them filtered to the tenant, then {@code lock_configuration = true}.</li>
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

    public CustomQueryService(Supplier<LakeEngine> lake, ObjectMapper json, int maxRows, Duration timeLimit) {
        this.lake = lake;
        this.guard = new SqlGuard(json);
        this.json = json;
        this.maxRows = maxRows;
        this.timeLimit = timeLimit;
    }

    public ObjectNode run(Tenant tenant, JsonNode body) {
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
        try (Connection c = lake.get().connect()) {
            checked = guard.check(c, q.asText());
            bindable(checked, params); // fail fast before touching data
            for (LakeCatalog.DataFile f : LakeCatalog.tenantDataFiles(c, tenant.id())) {
                data.add(f.path());
                if (f.deleteFile() != null) deletes.add(f.deleteFile());
            }
        } catch (SQLException e) {
            throw new LakeException("query failed: " + lake.get().redactor().redact(e.getMessage()), null);
        }
        List<String> allowed = new ArrayList<>(data);
        allowed.addAll(deletes);
        try (Connection sandbox = lake.get().openSandbox(allowed, "512MB", 2, List.of(viewSql(tenant.id(), data, deletes)));
                PreparedStatement ps = sandbox.prepareStatement(checked.sql())) {
            List<Object> values = bindable(checked, params);
            for (int i = 0; i < values.size(); i++) ps.setObject(i + 1, values.get(i));
            return execute(ps);
        } catch (SQLException e) {
            throw new LakelogException(ErrorCode.SQL_FAILED, "the query failed: " + SqlGuard.firstLine(lake.get().redactor().redact(e.getMessage())));
        }
    }

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

    static String viewSql(String tenant, List<String> data, List<String> deletes) {
        if (data.isEmpty()) {
            return "CREATE TABLE logs (" + LakeSchema.LOGS_COLUMNS + ")";
        }
        String files = list(data);
        StringBuilder sql = new StringBuilder("CREATE VIEW logs AS SELECT d.* EXCLUDE (filename, file_row_number) FROM read_parquet(")
                .append(files).append(", filename = true, file_row_number = true, hive_partitioning = false) d WHERE d.tenant_id = ")
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

    private ObjectNode execute(PreparedStatement ps) throws SQLException {
        AtomicBoolean cancelled = new AtomicBoolean();
        ScheduledFuture<?> watchdog = WATCHDOG.schedule(() -> {
            cancelled.set(true);
            try {
                ps.cancel();
            } catch (SQLException ignored) {
                // the statement already finished
            }
        }, timeLimit.toMillis(), TimeUnit.MILLISECONDS);
        ArrayNode rows = json.createArrayNode();
        ArrayNode columns = json.createArrayNode();
        try (ResultSet rs = ps.executeQuery()) {
            ResultSetMetaData md = rs.getMetaData();
            int n = md.getColumnCount();
            for (int i = 1; i <= n; i++) {
                columns.addObject().put("name", md.getColumnLabel(i)).put("type", md.getColumnTypeName(i));
            }
            while (rs.next()) {
                if (rows.size() == maxRows) {
                    throw new LakelogException(ErrorCode.RESULT_TOO_LARGE, "the result has more than " + maxRows
                            + " rows; aggregate, filter or add a LIMIT (nothing was truncated)");
                }
                ObjectNode row = rows.addObject();
                for (int i = 1; i <= n; i++) JsonValues.put(row, md.getColumnLabel(i), rs.getObject(i));
            }
        } catch (SQLException e) {
            if (cancelled.get()) {
                throw new LakelogException(ErrorCode.QUERY_TIMEOUT, "the query ran longer than its time limit of " + timeLimit.toMillis()
                        + " ms and was cancelled; filter by time or aggregate");
            }
            throw e;
        } finally {
            watchdog.cancel(false);
        }
        ObjectNode out = json.createObjectNode();
        out.set("columns", columns);
        out.set("rows", rows);
        out.put("count", rows.size());
        return out;
    }
}
