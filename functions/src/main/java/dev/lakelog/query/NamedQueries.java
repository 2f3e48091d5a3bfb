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
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The AnalyticsSpec idea: a named query with typed parameters and typed result columns; the SQL
 * and the engine stay hidden. Each runs over {@link TenantView#VIEW} (the caller's rows, with the
 * hot tier when fresh) and pages with an opaque cursor over a unique, stable sort key.
 */
public final class NamedQueries {
    public static final int MAX_PAGE_SIZE = 10_000;

    public enum Type { STRING, TIMESTAMP, INTEGER }

    public record Param(String name, Type type, boolean required, Object dflt, String description) {}

    public record Column(String name, String type) {}

    /** One sort key column; the set of keys is unique per result row. */
    public record Key(String column, boolean descending, String type) {}

    /** SQL (with {@code ?}) and its arguments, built from validated parameters. */
    public record Sql(String text, List<Object> args) {}

    public record Spec(String name, String description, List<Param> params, List<Column> columns, List<Key> keys,
                       Function<Map<String, Object>, Sql> sql) {}

    private final Map<String, Spec> specs = new LinkedHashMap<>();
    private final TenantView view;
    private final Supplier<LakeEngine> lake;
    private final ObjectMapper json;

    public NamedQueries(TenantView view, Supplier<LakeEngine> lake, ObjectMapper json) {
        this.view = view;
        this.lake = lake;
        this.json = json;
        for (Spec s : builtIn()) specs.put(s.name(), s);
    }

    private static final Param SINCE = new Param("since", Type.TIMESTAMP, true, null, "events at or after this time (ISO 8601)");
    private static final Param UNTIL = new Param("until", Type.TIMESTAMP, false, null, "events before this time (ISO 8601); default: no bound");

    /** WHERE clause on time plus optional equality filters, in the order given. */
    private static Sql where(Map<String, Object> p, String... equalities) {
        StringBuilder w = new StringBuilder(" WHERE \"timestamp\" >= ?");
        List<Object> args = new ArrayList<>();
        args.add(p.get("since"));
        if (p.get("until") != null) {
            w.append(" AND \"timestamp\" < ?");
            args.add(p.get("until"));
        }
        for (String e : equalities) {
            if (p.get(e) != null) {
                w.append(" AND ").append(e).append(" = ?");
                args.add(p.get(e));
            }
        }
        return new Sql(w.toString(), args);
    }

    /** The named query over the metrics rollups; its SQL gets the caller's tenant as {@link #TENANT}. */
    static final String METRIC_SUMMARY = "metric_summary";
    /** Reserved parameter: the caller's tenant id, added after validation (never from the body). */
    static final String TENANT = "_tenant";

    static List<Spec> builtIn() {
        return List.of(
                new Spec("events_by_component", "Events and failures per component in a time window.",
                        List.of(SINCE, UNTIL, new Param("event_type", Type.STRING, false, null, "only this event type")),
                        List.of(new Column("component", "VARCHAR"), new Column("events", "BIGINT"), new Column("failures", "BIGINT")),
                        // a NULL component is its own group, reported as null (not ""): paged by whether it
                        // is set, then by the name
                        List.of(new Key("_has_component", false, "BIGINT"), new Key("_component_key", false, "VARCHAR")),
                        p -> {
                            Sql w = where(p, "event_type");
                            return new Sql("SELECT component, count(*) AS events, "
                                    + "count(*) FILTER (WHERE outcome = 'FAILURE') AS failures, "
                                    + "(component IS NOT NULL)::BIGINT AS _has_component, coalesce(component, '') AS _component_key FROM "
                                    + TenantView.VIEW + w.text() + " GROUP BY component", w.args());
                        }),
                new Spec("failures_by_actor", "Actors with FAILURE outcomes, most failures first.",
                        List.of(SINCE, UNTIL, new Param("component", Type.STRING, false, null, "only this component"),
                                new Param("min_failures", Type.INTEGER, false, 1L, "only actors with at least this many failures")),
                        List.of(new Column("actor_id", "VARCHAR"), new Column("failures", "BIGINT"), new Column("last_failure", "TIMESTAMPTZ")),
                        List.of(new Key("failures", true, "BIGINT"), new Key("_has_actor", false, "BIGINT"),
                                new Key("_actor_key", false, "VARCHAR")),
                        p -> {
                            Sql w = where(p, "component");
                            List<Object> args = new ArrayList<>(w.args());
                            args.add(p.get("min_failures"));
                            return new Sql("SELECT actor_id, count(*) AS failures, max(\"timestamp\") AS last_failure, "
                                    + "(actor_id IS NOT NULL)::BIGINT AS _has_actor, coalesce(actor_id, '') AS _actor_key FROM "
                                    + TenantView.VIEW + w.text() + " AND outcome = 'FAILURE' GROUP BY actor_id HAVING count(*) >= ?", args);
                        }),
                new Spec("hourly_counts", "Events per UTC hour, with errors (ERROR and CRITICAL) and failures.",
                        List.of(SINCE, UNTIL, new Param("component", Type.STRING, false, null, "only this component")),
                        List.of(new Column("hour", "TIMESTAMPTZ"), new Column("events", "BIGINT"), new Column("errors", "BIGINT"),
                                new Column("failures", "BIGINT")),
                        List.of(new Key("hour", false, "TIMESTAMPTZ")),
                        p -> {
                            Sql w = where(p, "component");
                            return new Sql("SELECT date_trunc('hour', \"timestamp\") AS hour, count(*) AS events, "
                                    + "count(*) FILTER (WHERE severity IN ('ERROR', 'CRITICAL')) AS errors, "
                                    + "count(*) FILTER (WHERE outcome = 'FAILURE') AS failures FROM " + TenantView.VIEW + w.text()
                                    + " GROUP BY 1", w.args());
                        }),
                new Spec("top_resources", "Most accessed resources, with distinct actors.",
                        List.of(SINCE, UNTIL, new Param("event_type", Type.STRING, false, null, "only this event type")),
                        List.of(new Column("resource", "VARCHAR"), new Column("events", "BIGINT"), new Column("distinct_actors", "BIGINT")),
                        List.of(new Key("events", true, "BIGINT"), new Key("resource", false, "VARCHAR")),
                        p -> {
                            Sql w = where(p, "event_type");
                            return new Sql("SELECT coalesce(resource, '') AS resource, count(*) AS events, "
                                    + "count(DISTINCT actor_id) AS distinct_actors FROM " + TenantView.VIEW + w.text()
                                    + " GROUP BY 1", w.args());
                        }),
                // metrics (docs/metrics.md): the tenant's metrics from the 1h rollups, its own rows only
                new Spec(METRIC_SUMMARY, "Metrics sent in a time window (from the hourly rollups): type, unit, series, samples, range of values.",
                        List.of(SINCE, UNTIL, new Param("metric_type", Type.STRING, false, null, "only gauge, sum or histogram")),
                        List.of(new Column("metric_name", "VARCHAR"), new Column("metric_type", "VARCHAR"), new Column("unit", "VARCHAR"),
                                new Column("series", "BIGINT"), new Column("samples", "BIGINT"), new Column("min_value", "DOUBLE"),
                                new Column("max_value", "DOUBLE"), new Column("last_hour", "TIMESTAMPTZ")),
                        List.of(new Key("metric_name", false, "VARCHAR"), new Key("metric_type", false, "VARCHAR")),
                        p -> {
                            List<Object> args = new ArrayList<>(List.of(p.get(TENANT), p.get("since")));
                            StringBuilder w = new StringBuilder(" WHERE tenant_id = ? AND bucket_start >= ?");
                            if (p.get("until") != null) {
                                w.append(" AND bucket_start < ?");
                                args.add(p.get("until"));
                            }
                            if (p.get("metric_type") != null) {
                                w.append(" AND metric_type = ?");
                                args.add(p.get("metric_type"));
                            }
                            return new Sql("SELECT metric_name, metric_type, any_value(unit) AS unit, count(DISTINCT series_id) AS series, "
                                    + "sum(samples)::BIGINT AS samples, min(\"min\") AS min_value, max(\"max\") AS max_value, "
                                    + "max(bucket_start) AS last_hour FROM " + dev.lakelog.lake.MetricsSchema.Level.H1.qualified() + w
                                    + " GROUP BY metric_name, metric_type", args);
                        }));
    }

    /** {@code GET /v1/analytics/queries}. */
    public ObjectNode list() {
        ArrayNode qs = json.createArrayNode();
        for (Spec s : specs.values()) {
            ObjectNode q = qs.addObject();
            q.put("name", s.name());
            q.put("description", s.description());
            ArrayNode ps = q.putArray("params");
            for (Param p : s.params()) {
                ObjectNode n = ps.addObject().put("name", p.name()).put("type", p.type().name()).put("required", p.required())
                        .put("description", p.description());
                if (p.dflt() == null) n.putNull("default");
                else n.putPOJO("default", p.dflt());
            }
            ArrayNode cs = q.putArray("columns");
            for (Column c : s.columns()) cs.addObject().put("name", c.name()).put("type", c.type());
            ArrayNode ks = q.putArray("order_by");
            for (Key k : s.keys()) ks.add(k.column() + (k.descending() ? " DESC" : " ASC"));
        }
        ObjectNode out = json.createObjectNode();
        out.set("queries", qs);
        return out;
    }

    /** True when a named query of that name exists. */
    public boolean exists(String name) {
        return specs.containsKey(name);
    }

    /** {@code POST /v1/analytics/queries/{name}} with {@code {params, cursor?, page_size?, fresh?}}. */
    public ObjectNode run(Tenant tenant, String name, JsonNode body) {
        Spec spec = specs.get(name);
        if (spec == null) throw new LakelogException(ErrorCode.QUERY_NOT_FOUND, "no named query '" + name + "'; GET /v1/analytics/queries lists them");
        if (body == null || body.isMissingNode() || body.isNull()) body = json.createObjectNode();
        if (!body.isObject()) throw new LakelogException(ErrorCode.INVALID_BODY, "the body must be a JSON object {\"params\": {...}, \"cursor\": ..., \"page_size\": ...}");
        Iterator<String> fields = body.fieldNames();
        while (fields.hasNext()) {
            String f = fields.next();
            if (!List.of("params", "cursor", "page_size", "fresh").contains(f)) {
                throw new LakelogException(ErrorCode.INVALID_BODY, "unknown field '" + f + "'; expected params, cursor, page_size, fresh");
            }
        }
        Map<String, Object> params = validate(spec, body.path("params"));
        JsonNode ps = body.path("page_size");
        long pageSize = 1000;
        if (!ps.isMissingNode() && !ps.isNull()) {
            if (!ps.canConvertToLong() || !ps.isIntegralNumber()) throw new LakelogException(ErrorCode.INVALID_BODY, "field 'page_size' must be a whole number between 1 and " + MAX_PAGE_SIZE);
            pageSize = ps.asLong();
            if (pageSize < 1 || pageSize > MAX_PAGE_SIZE) throw new LakelogException(ErrorCode.INVALID_BODY, "field 'page_size' must be between 1 and " + MAX_PAGE_SIZE + ", got " + pageSize);
        }
        JsonNode fr = body.path("fresh");
        if (!fr.isMissingNode() && !fr.isBoolean()) throw new LakelogException(ErrorCode.INVALID_BODY, "field 'fresh' must be true or false");
        boolean fresh = fr.asBoolean(true);
        String fingerprint = fingerprint(spec, params);
        Optional<List<Object>> after = body.hasNonNull("cursor") ? Optional.of(decodeCursor(spec, body.path("cursor"), fingerprint)) : Optional.empty();

        Map<String, Object> withTenant = new LinkedHashMap<>(params);
        withTenant.put(TENANT, tenant.id());
        if (spec.name().equals(METRIC_SUMMARY)) {
            try (java.sql.Connection c = lake.get().connect()) {
                dev.lakelog.lake.MetricsSchema.ensure(c);
            } catch (SQLException e) {
                throw new LakeException("query failed: " + lake.get().redactor().redact(e.getMessage()), null);
            }
        }
        Sql inner = spec.sql().apply(withTenant);
        StringBuilder sql = new StringBuilder("SELECT * FROM (").append(inner.text()).append(") q");
        List<Object> args = new ArrayList<>(inner.args());
        if (after.isPresent()) {
            sql.append(" WHERE ");
            List<Key> keys = spec.keys();
            for (int i = 0; i < keys.size(); i++) {
                if (i > 0) sql.append(" OR ");
                sql.append("(");
                for (int j = 0; j < i; j++) {
                    sql.append(keys.get(j).column()).append(" = ? AND ");
                    args.add(after.get().get(j));
                }
                sql.append(keys.get(i).column()).append(keys.get(i).descending() ? " < ?" : " > ?").append(")");
                args.add(after.get().get(i));
            }
        }
        sql.append(" ORDER BY ");
        for (int i = 0; i < spec.keys().size(); i++) {
            if (i > 0) sql.append(", ");
            sql.append(spec.keys().get(i).column()).append(spec.keys().get(i).descending() ? " DESC" : " ASC");
        }
        sql.append(" LIMIT ?");
        args.add(pageSize + 1);

        ArrayNode rows = json.createArrayNode();
        List<Object> lastKey = null;
        boolean more = false;
        try (TenantView.Opened o = view.open(tenant.id(), new TenantView.Latest(fresh));
                PreparedStatement st = o.connection().prepareStatement(sql.toString())) {
            QueryService.bind(st, args);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    if (rows.size() == pageSize) {
                        more = true;
                        break;
                    }
                    ObjectNode row = rows.addObject();
                    for (Column c : spec.columns()) JsonValues.put(row, c.name(), rs.getObject(c.name()));
                    lastKey = new ArrayList<>();
                    for (Key k : spec.keys()) lastKey.add(rs.getObject(k.column()));
                }
            }
        } catch (SQLException e) {
            throw new LakeException("query failed: " + lake.get().redactor().redact(e.getMessage()), null);
        }
        ObjectNode out = json.createObjectNode();
        out.put("query", spec.name());
        ArrayNode cols = out.putArray("columns");
        for (Column c : spec.columns()) cols.addObject().put("name", c.name()).put("type", c.type());
        out.set("rows", rows);
        out.put("count", rows.size());
        if (more) out.put("next_cursor", encodeCursor(spec, lastKey, fingerprint));
        else out.putNull("next_cursor");
        return out;
    }

    private static Map<String, Object> validate(Spec spec, JsonNode given) {
        if (!given.isMissingNode() && !given.isNull() && !given.isObject()) throw new LakelogException(ErrorCode.INVALID_BODY, "field 'params' must be a JSON object");
        Map<String, Param> known = new LinkedHashMap<>();
        for (Param p : spec.params()) known.put(p.name(), p);
        Iterator<String> names = given.fieldNames();
        while (names.hasNext()) {
            String n = names.next();
            if (!known.containsKey(n)) throw new LakelogException(ErrorCode.INVALID_PARAMETER, "parameter '" + n + "' is not a parameter of " + spec.name() + "; expected one of " + known.keySet());
        }
        Map<String, Object> out = new TreeMap<>();
        for (Param p : spec.params()) {
            JsonNode v = given.path(p.name());
            if (v.isMissingNode() || v.isNull()) {
                if (p.required()) throw new LakelogException(ErrorCode.INVALID_PARAMETER, "parameter '" + p.name() + "' (" + p.type() + ") is required");
                out.put(p.name(), p.dflt());
                continue;
            }
            switch (p.type()) {
                case STRING -> {
                    if (!v.isTextual() || v.asText().isEmpty() || v.asText().length() > 256) {
                        throw new LakelogException(ErrorCode.INVALID_PARAMETER, "parameter '" + p.name() + "' must be a non-empty string of at most 256 characters");
                    }
                    out.put(p.name(), v.asText());
                }
                case INTEGER -> {
                    if (!v.isIntegralNumber() || !v.canConvertToLong()) throw new LakelogException(ErrorCode.INVALID_PARAMETER, "parameter '" + p.name() + "' must be a whole number, got " + v);
                    out.put(p.name(), v.asLong());
                }
                case TIMESTAMP -> {
                    try {
                        if (!v.isTextual()) throw new DateTimeParseException("not a string", v.toString(), 0);
                        out.put(p.name(), OffsetDateTime.parse(v.asText()).withOffsetSameInstant(ZoneOffset.UTC));
                    } catch (DateTimeParseException e) {
                        throw new LakelogException(ErrorCode.INVALID_PARAMETER, "parameter '" + p.name() + "' must be an ISO 8601 date-time with offset, e.g. 2026-11-23T00:00:00Z; got " + v);
                    }
                }
                default -> throw new IllegalStateException(p.type().name());
            }
        }
        return out;
    }

    private static String fingerprint(Spec spec, Map<String, Object> params) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            d.update((spec.name() + "\n" + params).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d.digest()).substring(0, 16);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private String encodeCursor(Spec spec, List<Object> key, String fingerprint) {
        ObjectNode c = json.createObjectNode();
        c.put("f", fingerprint);
        ArrayNode k = c.putArray("k");
        for (int i = 0; i < key.size(); i++) {
            Object v = key.get(i);
            if (v instanceof OffsetDateTime t) k.add(t.toInstant().toString());
            else if (v instanceof Number n) k.add(n.longValue());
            else k.add(String.valueOf(v));
        }
        return Base64.getUrlEncoder().withoutPadding().encodeToString(c.toString().getBytes(StandardCharsets.UTF_8));
    }

    private List<Object> decodeCursor(Spec spec, JsonNode cursor, String fingerprint) {
        LakelogException bad = new LakelogException(ErrorCode.INVALID_CURSOR, "field 'cursor' is not a cursor of this query with these params; "
                + "pass back 'next_cursor' unchanged together with the same params");
        if (!cursor.isTextual()) throw bad;
        JsonNode c;
        try {
            c = json.readTree(Base64.getUrlDecoder().decode(cursor.asText()));
        } catch (IllegalArgumentException | java.io.IOException e) {
            throw bad;
        }
        if (c == null || !fingerprint.equals(c.path("f").asText()) || c.path("k").size() != spec.keys().size()) throw bad;
        List<Object> out = new ArrayList<>();
        for (int i = 0; i < spec.keys().size(); i++) {
            JsonNode v = c.path("k").get(i);
            switch (spec.keys().get(i).type()) {
                case "BIGINT" -> {
                    if (!v.isIntegralNumber()) throw bad;
                    out.add(v.asLong());
                }
                case "TIMESTAMPTZ" -> {
                    try {
                        out.add(Instant.parse(v.asText()).atOffset(ZoneOffset.UTC));
                    } catch (DateTimeParseException e) {
                        throw bad;
                    }
                }
                default -> {
                    if (!v.isTextual()) throw bad;
                    out.add(v.asText());
                }
            }
        }
        return out;
    }
}
