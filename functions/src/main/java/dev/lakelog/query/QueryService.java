package dev.lakelog.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lakelog.api.ErrorCode;
import dev.lakelog.api.LakelogException;
import dev.lakelog.auth.Tenant;
import dev.lakelog.lake.LakeEngine;
import dev.lakelog.lake.LakeException;
import dev.lakelog.lake.LakeCatalog;
import dev.lakelog.lake.LakeSchema;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Reads one tenant's rows. Every statement binds the tenant id and filters as parameters, or reads
 * the per-connection view {@link TenantView#VIEW} that holds only the tenant's rows; nothing from
 * the request is spliced into SQL text.
 */
public final class QueryService {
    private final Supplier<LakeEngine> lake;
    private final TenantView view;
    private final ObjectMapper json;

    public QueryService(Supplier<LakeEngine> lake, TenantView view, ObjectMapper json) {
        this.lake = lake;
        this.view = view;
        this.json = json;
    }

    public TenantView view() {
        return view;
    }

    /** The file answers ({@code format=csv|ndjson|parquet}) over the same tenant view. */
    public Exports exports(BigResults big) {
        return new Exports(lake, view, big, json);
    }

    /** The WHERE clause of a {@link LogFilter} and its arguments, in order. */
    record Where(String sql, List<Object> args) {
        static Where of(LogFilter f) {
            StringBuilder sql = new StringBuilder(" WHERE true");
            List<Object> args = new ArrayList<>();
            f.since().ifPresent(t -> {
                sql.append(" AND \"timestamp\" >= ?");
                args.add(t.atOffset(ZoneOffset.UTC));
            });
            f.until().ifPresent(t -> {
                sql.append(" AND \"timestamp\" <= ?");
                args.add(t.atOffset(ZoneOffset.UTC));
            });
            equal(sql, args, "severity", f.severity());
            equal(sql, args, "component", f.component());
            equal(sql, args, "event_type", f.eventType());
            equal(sql, args, "actor_id", f.actorId());
            equal(sql, args, "outcome", f.outcome());
            equal(sql, args, "trace_id", f.traceId());
            equal(sql, args, "span_id", f.spanId());
            f.text().ifPresent(v -> {
                sql.append(" AND (contains(lower(message), ?) OR contains(lower(coalesce(payload, '')), ?))");
                args.add(v);
                args.add(v);
            });
            return new Where(sql.toString(), args);
        }

        /** {@code AND column = ?} with its value, when the filter is given. */
        private static void equal(StringBuilder sql, List<Object> args, String column, java.util.Optional<String> value) {
            value.ifPresent(v -> {
                sql.append(" AND ").append(column).append(" = ?");
                args.add(v);
            });
        }
    }

    /** The SQL the logs route runs on a connection from {@link TenantView#open}. */
    static String logsSql(LogFilter f) {
        return logsSql(f, false);
    }

    /** As {@link #logsSql(LogFilter)}; {@code newestFirst} orders by timestamp and log_id descending. */
    static String logsSql(LogFilter f, boolean newestFirst) {
        return "SELECT " + LogRows.SELECT_LIST + " FROM " + TenantView.VIEW + Where.of(f).sql()
                + (newestFirst ? " ORDER BY \"timestamp\" DESC, log_id DESC" : " ORDER BY \"timestamp\", log_id") + " LIMIT ? OFFSET ?";
    }

    /** {@code GET /v1/analytics/logs}: {@code {logs, count, limit, offset}}, ordered by timestamp then log_id. */
    public ObjectNode logs(Tenant tenant, LogFilter f, TenantView.At at) {
        return logs(tenant, f, at, false);
    }

    /** As {@link #logs(Tenant, LogFilter, TenantView.At)}, newest first when {@code newestFirst}. */
    public ObjectNode logs(Tenant tenant, LogFilter f, TenantView.At at, boolean newestFirst) {
        Where w = Where.of(f);
        List<Object> args = new ArrayList<>(w.args());
        args.add(f.limit());
        args.add(f.offset());
        ArrayNode logs = json.createArrayNode();
        int hot;
        try (TenantView.Opened o = view.open(tenant.id(), at);
                PreparedStatement ps = o.connection().prepareStatement(logsSql(f, newestFirst))) {
            bind(ps, args);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) logs.add(LogRows.toJson(rs, json));
            }
            hot = o.hotSegments();
        } catch (SQLException e) {
            throw failed(e);
        }
        ObjectNode out = json.createObjectNode();
        out.set("logs", logs);
        out.put("count", logs.size());
        out.put("limit", f.limit());
        out.put("offset", f.offset());
        if (at instanceof TenantView.AsOfVersion v) out.put("snapshot_id", v.snapshotId());
        if (at instanceof TenantView.AsOfTime t) out.put("as_of", t.time().toString());
        if (at instanceof TenantView.Latest l) {
            out.put("fresh", l.fresh());
            if (l.fresh()) out.put("hot_segments_read", hot);
        }
        return out;
    }

    /** Severities in the order a histogram reports them (least to most severe). */
    public static final List<String> SEVERITY_ORDER = List.of("DEBUG", "INFO", "NOTICE", "WARNING", "ERROR", "CRITICAL");

    /**
     * {@code GET /v1/analytics/histogram}: event counts per time bucket, by severity, over the
     * filter's rows within {@code h}'s range; every bucket of the range is present (zeros included).
     */
    public ObjectNode histogram(Tenant tenant, LogFilter f, TenantView.At at, Histogram h) {
        LogFilter ranged = new LogFilter(java.util.Optional.of(h.since()), java.util.Optional.of(h.until()), f.severity(), f.component(),
                f.eventType(), f.actorId(), f.outcome(), f.traceId(), f.spanId(), f.text(), 1, 0);
        Where w = Where.of(ranged);
        long step = h.intervalSeconds() * 1_000_000L;
        int n = h.bucketCount();
        long first = h.firstBucketSecond();
        long[][] counts = new long[n][SEVERITY_ORDER.size()];
        int hot;
        try (TenantView.Opened o = view.open(tenant.id(), at);
                PreparedStatement ps = o.connection().prepareStatement("SELECT (epoch_us(\"timestamp\") - ?) // ? AS b, severity, count(*) AS n FROM "
                        + TenantView.VIEW + w.sql() + " GROUP BY 1, 2")) {
            List<Object> args = new ArrayList<>();
            args.add(first * 1_000_000L);
            args.add(step);
            args.addAll(w.args());
            bind(ps, args);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    long b = rs.getLong(1);
                    int sev = SEVERITY_ORDER.indexOf(rs.getString(2));
                    if (b < 0 || b >= n || sev < 0) continue;
                    counts[(int) b][sev] += rs.getLong(3);
                }
            }
            hot = o.hotSegments();
        } catch (SQLException e) {
            throw failed(e);
        }
        ArrayNode buckets = json.createArrayNode();
        long total = 0;
        long[] bySeverity = new long[SEVERITY_ORDER.size()];
        for (int i = 0; i < n; i++) {
            ObjectNode b = buckets.addObject();
            b.put("start", java.time.Instant.ofEpochSecond(first + i * h.intervalSeconds()).toString());
            long sum = 0;
            ObjectNode c = b.putObject("counts");
            for (int k = 0; k < SEVERITY_ORDER.size(); k++) {
                c.put(SEVERITY_ORDER.get(k), counts[i][k]);
                sum += counts[i][k];
                bySeverity[k] += counts[i][k];
            }
            b.put("total", sum);
            total += sum;
        }
        ObjectNode out = json.createObjectNode();
        out.put("since", h.since().toString());
        out.put("until", h.until().toString());
        out.put("interval", Histogram.label(h.intervalSeconds()));
        out.put("interval_seconds", h.intervalSeconds());
        out.put("total", total);
        ObjectNode sev = out.putObject("by_severity");
        for (int k = 0; k < SEVERITY_ORDER.size(); k++) sev.put(SEVERITY_ORDER.get(k), bySeverity[k]);
        out.set("buckets", buckets);
        if (at instanceof TenantView.AsOfVersion v) out.put("snapshot_id", v.snapshotId());
        if (at instanceof TenantView.AsOfTime t) out.put("as_of", t.time().toString());
        if (at instanceof TenantView.Latest l) {
            out.put("fresh", l.fresh());
            if (l.fresh()) out.put("hot_segments_read", hot);
        }
        return out;
    }

    /**
     * {@code GET /v1/analytics/snapshots}: newest first. Snapshots are catalog-wide; a commit message
     * is shown only for the caller's own commits (rollup of its rows), others read "(other commit)",
     * so no other tenant's id or volume leaks.
     */
    public ObjectNode snapshots(Tenant tenant, int limit) {
        ArrayNode list = json.createArrayNode();
        try (Connection c = lake.get().connect()) {
            for (LakeCatalog.Snapshot snap : LakeCatalog.snapshots(c, limit)) {
                ObjectNode n = list.addObject();
                n.put("snapshot_id", snap.id());
                n.put("snapshot_time", LogRows.iso(snap.timeMicros()));
                n.put("schema_version", snap.schemaVersion());
                n.put("commit_message", commitMessageFor(tenant, snap));
            }
        } catch (SQLException e) {
            throw failed(e);
        }
        ObjectNode out = json.createObjectNode();
        out.set("snapshots", list);
        out.put("count", list.size());
        return out;
    }

    /**
     * What a tenant may see of a commit's message: its own commits (rollup, its retention) in full;
     * lake-wide maintenance by kind (it names no tenant); everything else as "(other commit)", so no
     * other tenant's id or volume leaks. Commits lakelog did not make (the table's creation by an
     * older version, say) have no message.
     */
    private String commitMessageFor(Tenant tenant, LakeCatalog.Snapshot snap) {
        JsonNode extra = null;
        if (snap.commitExtraInfo() != null) {
            try {
                extra = json.readTree(snap.commitExtraInfo());
            } catch (java.io.IOException ignored) {
                extra = null;
            }
        }
        String owner = extra == null ? null : extra.path("tenant_id").asText(null);
        String kind = extra == null ? null : extra.path("kind").asText(null);
        if (tenant.id().equals(owner)) return snap.commitMessage();
        if ("maintenance".equals(kind)) return snap.commitMessage();
        if ("retention".equals(kind) && owner == null) return "retention (every tenant)";
        if (owner == null && snap.commitMessage() == null) return null;
        return "(other commit)";
    }

    /**
     * {@code GET /v1/analytics/info}: the tenant's live data files from the DuckLake catalog's own
     * metadata tables (data files whose first partition value, tenant_id, is the caller's and that
     * are live at the latest snapshot) and its exact row count.
     */
    public ObjectNode info(Tenant tenant) {
        ObjectNode out = json.createObjectNode();
        out.put("tenant_id", tenant.id());
        try (Connection c = lake.get().connect()) {
            long[] files = LakeCatalog.tenantFileStats(c, tenant.id());
            out.put("file_count", files[0]);
            out.put("total_size_bytes", files[1]);
            out.put("row_count", LakeCatalog.tenantRowCount(c, tenant.id()));
            out.put("snapshot_id", LakeCatalog.latestSnapshot(c));
        } catch (SQLException e) {
            throw failed(e);
        }
        // The FlightRecorder shape: {"table": "logs", "info": {...}}, beside lakelog's flat fields.
        ObjectNode info = json.createObjectNode().put("table_name", "logs");
        info.set("file_count", out.get("file_count"));
        info.set("total_size_bytes", out.get("total_size_bytes"));
        info.set("row_count", out.get("row_count"));
        out.put("table", "logs");
        out.set("info", info);
        return out;
    }

    /**
     * {@code GET /v1/analytics/changes}: rows of the tenant inserted or deleted between two
     * snapshots (DuckLake's change feed), ordered by snapshot and row id.
     */
    public ObjectNode changes(Tenant tenant, long from, long to, int limit) {
        if (to < from) throw new LakelogException(ErrorCode.INVALID_PARAMETER, "parameter 'to_snapshot' (" + to + ") is before 'from_snapshot' (" + from + ")");
        ArrayNode rows = json.createArrayNode();
        try (Connection c = lake.get().connect()) {
            TenantView.requireSnapshot(c, to);
            if (from > 0) TenantView.requireSnapshot(c, from);
            // lakelog never updates a row (rows are appended, and deleted by retention), so the
            // update_preimage/update_postimage rows DuckLake reports are file rewrites (retention's
            // rewrite, compaction) that changed no data: left out. Deletes are read snapshot by
            // snapshot and labelled with it (LakeCatalog.snapshotsDeletingLogs).
            List<Long> deleting = LakeCatalog.snapshotsDeletingLogs(c, from, to);
            if (deleting.size() > MAX_DELETE_SNAPSHOTS) {
                throw new LakelogException(ErrorCode.RESULT_TOO_LARGE, deleting.size() + " snapshots between " + from + " and " + to
                        + " deleted rows, more than the " + MAX_DELETE_SNAPSHOTS + " one request may cover; narrow the snapshot range");
            }
            StringBuilder deletes = new StringBuilder();
            for (long d : deleting) {
                deletes.append(" UNION ALL SELECT ").append(d).append("::BIGINT AS snapshot_id, rowid, change_type, ")
                        .append(LogRows.SELECT_LIST).append(" FROM ").append(LakeCatalog.changesOf(d))
                        .append(" WHERE change_type = 'delete' AND tenant_id = ?");
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT snapshot_id, rowid, change_type, " + LogRows.SELECT_LIST + " FROM "
                    + LakeCatalog.CHANGES_FROM + " WHERE tenant_id = ? AND change_type = 'insert'" + deletes
                    + " ORDER BY snapshot_id, rowid, change_type LIMIT ?")) {
                int i = 1;
                ps.setLong(i++, from);
                ps.setLong(i++, to);
                ps.setString(i++, tenant.id());
                for (int k = 0; k < deleting.size(); k++) ps.setString(i++, tenant.id());
                ps.setInt(i, limit + 1);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        if (rows.size() == limit) {
                            throw new LakelogException(ErrorCode.RESULT_TOO_LARGE, "more than " + limit + " changed rows between snapshots " + from
                                    + " and " + to + "; narrow the snapshot range or raise 'limit' (at most " + 10_000 + ")");
                        }
                        ObjectNode n = LogRows.toJson(rs, json);
                        ObjectNode r = json.createObjectNode();
                        r.put("snapshot_id", rs.getLong("snapshot_id"));
                        r.put("change_type", rs.getString("change_type"));
                        r.setAll(n);
                        rows.add(r);
                    }
                }
            }
        } catch (SQLException e) {
            throw failed(e);
        }
        ObjectNode out = json.createObjectNode();
        out.put("from_snapshot", from);
        out.put("to_snapshot", to);
        out.set("changes", rows);
        out.put("count", rows.size());
        return out;
    }

    /** Snapshots with deletes one change-feed request may cover (each is a query of its own). */
    static final int MAX_DELETE_SNAPSHOTS = 200;

    static void bind(PreparedStatement ps, List<Object> args) throws SQLException {
        for (int i = 0; i < args.size(); i++) ps.setObject(i + 1, args.get(i));
    }

    private LakeException failed(SQLException e) {
        return new LakeException("query failed: " + lake.get().redactor().redact(e.getMessage()), null);
    }

    static OffsetDateTime utc(java.time.Instant t) {
        return t.atOffset(ZoneOffset.UTC);
    }
}
