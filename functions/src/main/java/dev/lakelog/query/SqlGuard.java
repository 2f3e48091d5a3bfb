package dev.lakelog.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.lakelog.api.ErrorCode;
import dev.lakelog.api.LakelogException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Judges untrusted SQL by DuckDB's own parse tree ({@code json_serialize_sql}), never by regex:
 * exactly one SELECT (set operations and CTEs allowed) whose only tables are {@code logs} (or
 * {@code compliance_lake.logs}) and its own CTEs, with no table function and only allow-listed
 * scalar, aggregate and window functions. The accepted tree is rewritten (the alias becomes
 * {@code logs}, each named {@code $param} a positional {@code $n}) and turned back into SQL by
 * {@code json_deserialize_sql}: what runs is exactly what was checked.
 */
public final class SqlGuard {
    public static final int MAX_QUERY_CHARS = 20_000;

    /** A checked query: canonical SQL with {@code $1..$n} and the parameter names in that order. */
    public record Checked(String sql, List<String> paramNames) {}

    private static final Set<String> EXPRESSION_CLASSES = Set.of("COLUMN_REF", "CONSTANT", "FUNCTION", "WINDOW", "CASE",
            "CAST", "COMPARISON", "CONJUNCTION", "OPERATOR", "BETWEEN", "PARAMETER", "STAR", "SUBQUERY", "LAMBDA",
            "COLLATE", "POSITIONAL_REFERENCE");

    /** Functions that compute on their arguments only: no files, network, settings, environment or catalog. */
    static final Set<String> FUNCTIONS = Set.of(
            // operators
            "+", "-", "*", "/", "//", "%", "**", "^", "~~", "!~~", "~~*", "!~~*", "~~~", "!~~~", "||", "->", "->>",
            "@>", "<@", "&&", "&", "|", "<<", ">>", "~", "!",
            // aggregates
            "count", "count_star", "sum", "avg", "mean", "min", "max", "any_value", "first", "last", "arg_min", "arg_max",
            "argmin", "argmax", "min_by", "max_by", "median", "quantile", "quantile_cont", "quantile_disc",
            "approx_count_distinct", "approx_quantile", "string_agg", "group_concat", "list", "array_agg", "histogram",
            "mode", "stddev", "stddev_pop", "stddev_samp", "variance", "var_pop", "var_samp", "bool_and", "bool_or",
            "count_if", "countif", "product", "entropy", "kurtosis", "skewness", "corr", "covar_pop", "covar_samp", "fsum",
            "favg", "sumkahan",
            // window
            "row_number", "rank", "dense_rank", "percent_rank", "cume_dist", "ntile", "lag", "lead", "first_value",
            "last_value", "nth_value",
            // numeric
            "abs", "ceil", "ceiling", "floor", "round", "sign", "sqrt", "cbrt", "ln", "log", "log10", "log2", "exp", "pow",
            "power", "greatest", "least", "trunc", "mod", "isnan", "isinf", "isfinite",
            // text
            "lower", "upper", "lcase", "ucase", "length", "strlen", "char_length", "character_length", "substr",
            "substring", "left", "right", "trim", "ltrim", "rtrim", "replace", "concat", "concat_ws", "contains",
            "starts_with", "ends_with", "prefix", "suffix", "strpos", "instr", "position", "split_part", "string_split",
            "str_split", "regexp_matches", "regexp_extract", "regexp_extract_all", "regexp_replace", "regexp_full_match",
            "like_escape", "ilike_escape", "not_like_escape", "lpad", "rpad", "repeat", "reverse", "md5", "sha256", "hash",
            "ascii", "chr", "levenshtein", "jaccard", "nullif", "ifnull", "coalesce", "if", "iff",
            // (printf and format are left out: a width like %0999999999d makes a value of any size)
            // time
            "date_trunc", "datetrunc", "date_part", "datepart", "date_diff", "datediff", "date_sub", "datesub", "date_add",
            "epoch", "epoch_ms", "epoch_us", "epoch_ns", "to_timestamp", "make_timestamp", "make_timestamptz", "make_date",
            "strftime", "strptime", "try_strptime", "time_bucket", "year", "month", "day", "hour", "minute", "second",
            "millisecond", "microsecond", "dayofweek", "dayofmonth", "dayofyear", "isodow", "isoyear", "week",
            "weekofyear", "weekday", "quarter", "yearweek", "era", "century", "decade", "last_day", "dayname",
            "monthname", "to_days", "to_hours", "to_minutes", "to_seconds", "to_milliseconds", "to_microseconds",
            "to_weeks", "to_months", "to_years", "age", "extract", "timezone", "current_date", "current_timestamp",
            "get_current_timestamp", "now", "today", "transaction_timestamp",
            // json, lists, structs
            "to_json", "json_extract", "json_extract_string", "json_extract_path", "json_extract_path_text", "json_value",
            "json_exists", "json_keys", "json_array_length", "json_type", "json_valid", "json_object", "json_array",
            "json_contains", "json_structure", "json", "list_value", "list_pack", "list_contains", "list_has",
            "array_contains", "array_has", "list_extract", "array_extract", "list_element", "len", "array_length",
            "list_sort", "list_reverse_sort", "array_sort", "list_distinct", "array_distinct", "list_unique",
            "list_transform", "array_transform", "apply", "list_filter", "array_filter", "filter", "list_aggregate",
            "array_aggregate", "list_aggr", "list_reduce", "list_slice", "array_slice", "list_concat", "array_concat",
            "list_cat", "list_has_any", "list_has_all", "array_has_any", "array_has_all", "flatten", "unnest",
            "struct_pack", "struct_extract", "struct_extract_at", "row", "typeof", "generate_subscripts",
            // maps (the metrics tables' attributes)
            "map_extract", "map_extract_value", "element_at", "map_keys", "map_values", "map_contains", "cardinality");

    /**
     * The largest value one expression may compute, in bytes: functions whose result can be much
     * larger than their arguments (repeat, lpad, rpad, replace, regexp_replace) are checked before
     * they run against the largest result they could give, and functions that join their
     * arguments (concat, ||, list building) are checked after; either refuses with
     * {@link ErrorCode#VALUE_TOO_LARGE}. DuckDB's memory limit does not cover such values.
     */
    public static final long MAX_VALUE_BYTES = 256 * 1024;

    /** Parse trees deeper than this (in JSON levels) are refused: about 60 nested subqueries or 300 nested calls. */
    static final int MAX_TREE_DEPTH = 1000;

    /** Marker in the error that the sandbox's value checks raise. */
    public static final String VALUE_LIMIT_MARKER = "lakelog value limit:";

    /** Multiplying functions: renamed to a macro of the same arguments that checks the bound first. */
    private static final Map<String, String> CHECKED_BEFORE = Map.of(
            "repeat", "lakelog_repeat", "lpad", "lakelog_lpad", "rpad", "lakelog_rpad", "replace", "lakelog_replace");

    /** Joining functions: the result is wrapped in {@code lakelog_cap(...)}, which checks its size. */
    private static final Set<String> CHECKED_AFTER = Set.of("concat", "concat_ws", "||", "list_concat", "array_concat",
            "list_cat", "list_value", "list_pack", "to_json", "json_object", "json_array", "struct_pack", "row",
            "string_split", "str_split", "regexp_extract_all", "list_transform", "array_transform", "apply");

    /**
     * The macros the rewritten queries call; created in the sandbox before its configuration is
     * locked. Each refuses with an error starting with {@link #VALUE_LIMIT_MARKER}.
     */
    public static final List<String> SANDBOX_MACROS = sandboxMacros();

    private static List<String> sandboxMacros() {
        String max = Long.toString(MAX_VALUE_BYTES);
        String err = "error('" + VALUE_LIMIT_MARKER + " %s would make a value larger than " + max
                + " bytes, the per-value limit of custom SQL (docs/query.md)')";
        String size = "coalesce(strlen(CAST(%s AS VARCHAR)), 0)::DOUBLE";
        return List.of(
                "CREATE MACRO lakelog_repeat(s, n) AS CASE WHEN " + size.formatted("s") + " * greatest(coalesce(n, 0), 0) > " + max
                        + " THEN " + err.formatted("repeat()") + " ELSE repeat(s, n) END",
                "CREATE MACRO lakelog_lpad(s, n, p) AS CASE WHEN coalesce(n, 0)::DOUBLE * 4 > " + max
                        + " THEN " + err.formatted("lpad()") + " ELSE lpad(s, n, p) END",
                "CREATE MACRO lakelog_rpad(s, n, p) AS CASE WHEN coalesce(n, 0)::DOUBLE * 4 > " + max
                        + " THEN " + err.formatted("rpad()") + " ELSE rpad(s, n, p) END",
                "CREATE MACRO lakelog_replace(s, a, b) AS CASE WHEN " + size.formatted("s") + " + " + size.formatted("s")
                        + " / greatest(" + size.formatted("a") + ", 1) * greatest(" + size.formatted("b") + " - " + size.formatted("a")
                        + ", 0) > " + max + " THEN " + err.formatted("replace()") + " ELSE replace(s, a, b) END",
                // regexp_replace(s, p, r[, o]) becomes regexp_replace(lakelog_regexp_bound(s, r), p, r[, o])
                // (its options must stay a constant): each of at most strlen(s)+1 matches is replaced by r,
                // whose backreferences (at most one per backslash) insert up to strlen(s) bytes each
                "CREATE MACRO lakelog_regexp_bound(s, r) AS CASE WHEN " + size.formatted("s") + " + (" + size.formatted("s")
                        + " + 1) * (" + size.formatted("r") + " + (" + size.formatted("r") + " - strlen(replace(CAST(r AS VARCHAR), '\\', ''))) * "
                        + size.formatted("s") + ") > " + max + " THEN " + err.formatted("regexp_replace()") + " ELSE s END",
                "CREATE MACRO lakelog_cap(v) AS CASE WHEN " + size.formatted("v") + " > " + max
                        + " THEN " + err.formatted("this expression") + " ELSE v END");
    }

    private final ObjectMapper json;
    private final ObjectMapper treeReader;

    public SqlGuard(ObjectMapper json) {
        this.json = json;
        // The parse tree of a deeply nested query is deeper than Jackson's default limit: read it
        // with room to spare, then refuse it by our own, documented limit.
        this.treeReader = json.copy();
        this.treeReader.getFactory().setStreamReadConstraints(com.fasterxml.jackson.core.StreamReadConstraints.builder()
                .maxNestingDepth(MAX_TREE_DEPTH * 20).build());
        this.treeReader.getFactory().setStreamWriteConstraints(com.fasterxml.jackson.core.StreamWriteConstraints.builder()
                .maxNestingDepth(MAX_TREE_DEPTH * 20).build());
    }

    /**
     * Checks {@code query} with DuckDB's parser on {@code c} (any connection: only
     * {@code json_serialize_sql} and {@code json_deserialize_sql} run, pure functions) and returns
     * the canonical SQL to run, or throws a 400 naming what is not allowed.
     */
    public Checked check(Connection c, String query) {
        if (query == null || query.isBlank()) throw new LakelogException(ErrorCode.SQL_REJECTED, "field 'query' is empty");
        if (query.length() > MAX_QUERY_CHARS) throw new LakelogException(ErrorCode.SQL_REJECTED, "field 'query' is longer than " + MAX_QUERY_CHARS + " characters");
        if (query.indexOf('\0') >= 0) throw new LakelogException(ErrorCode.SQL_REJECTED, "field 'query' contains a NUL character");
        JsonNode tree = serialize(c, query);
        int depth = depth(tree, 0);
        if (depth > MAX_TREE_DEPTH) {
            throw new LakelogException(ErrorCode.SQL_REJECTED, "the query is nested too deeply: its parse tree has " + depth
                    + " levels, more than the limit of " + MAX_TREE_DEPTH + " (about 60 nested subqueries or 300 nested calls)");
        }
        if (tree.path("error").asBoolean(false)) {
            String msg = tree.path("error_message").asText("");
            if (msg.contains("Only SELECT statements")) {
                throw new LakelogException(ErrorCode.SQL_REJECTED, "only a single SELECT statement is allowed (the query is not a SELECT)");
            }
            throw new LakelogException(ErrorCode.SQL_REJECTED, "the query does not parse: " + msg);
        }
        JsonNode statements = tree.path("statements");
        if (!statements.isArray() || statements.size() != 1) {
            throw new LakelogException(ErrorCode.SQL_REJECTED, "exactly one SELECT statement is allowed, got " + statements.size());
        }
        List<String> names = new ArrayList<>();
        new Walker(names).node(statements.get(0).path("node"), new ArrayDeque<>());
        // named_param_map is rebuilt: positional identifiers 1..n, in first-seen order
        ((ObjectNode) statements.get(0)).set("named_param_map", json.createArrayNode());
        return new Checked(deserialize(c, tree), List.copyOf(names));
    }

    private JsonNode serialize(Connection c, String query) {
        try (PreparedStatement ps = c.prepareStatement("SELECT json_serialize_sql(?::VARCHAR)")) {
            ps.setString(1, query);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return treeReader.readTree(rs.getString(1));
            }
        } catch (SQLException e) {
            throw new LakelogException(ErrorCode.SQL_REJECTED, "the query does not parse: " + firstLine(e.getMessage()));
        } catch (java.io.IOException e) {
            throw new IllegalStateException("json_serialize_sql returned no JSON", e);
        }
    }

    private String deserialize(Connection c, JsonNode tree) {
        try (PreparedStatement ps = c.prepareStatement("SELECT json_deserialize_sql(?::JSON)")) {
            ps.setString(1, treeReader.writeValueAsString(tree));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        } catch (SQLException e) {
            throw new LakelogException(ErrorCode.SQL_REJECTED, "the query cannot be normalised: " + firstLine(e.getMessage()));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static int depth(JsonNode n, int level) {
        int max = level;
        if (n.isContainerNode()) {
            for (JsonNode c : n) {
                max = Math.max(max, depth(c, level + 1));
                if (max > MAX_TREE_DEPTH) return max;
            }
        }
        return max;
    }

    static String firstLine(String s) {
        if (s == null) return "";
        int i = s.indexOf('\n');
        return i < 0 ? s : s.substring(0, i);
    }

    private static LakelogException reject(String what) {
        return new LakelogException(ErrorCode.SQL_REJECTED, "query rejected: " + what
                + " (allowed: one SELECT over 'logs', your own rows, with plain scalar, aggregate and window functions)");
    }

    private static final class Walker {
        private final List<String> params;

        Walker(List<String> params) {
            this.params = params;
        }

        void node(JsonNode n, Deque<Set<String>> scope) {
            String type = n.path("type").asText();
            // A CTE's body sees only the CTEs defined before it: DuckDB binds a name in the body of
            // a non-recursive CTE (its own, or a later one's) to the real table or view of that
            // name, so letting such a name pass as a CTE would let pg_settings, duckdb_views or a
            // file path through (docs/query.md). The query itself sees them all.
            Set<String> ctes = new HashSet<>();
            scope.push(ctes);
            try {
                for (JsonNode e : n.path("cte_map").path("map")) {
                    node(e.path("value").path("query").path("node"), scope);
                    ctes.add(e.path("key").asText().toLowerCase(Locale.ROOT));
                }
                for (JsonNode m : n.path("modifiers")) expressions(m, scope);
                switch (type) {
                    case "SELECT_NODE" -> {
                        for (JsonNode e : n.path("select_list")) expression(e, scope);
                        table(n.path("from_table"), scope);
                        for (String f : List.of("where_clause", "having", "qualify")) expression(n.path(f), scope);
                        for (JsonNode e : n.path("group_expressions")) expression(e, scope);
                        if (!n.path("sample").isNull() && !n.path("sample").isMissingNode()) expressions(n.path("sample"), scope);
                    }
                    case "SET_OPERATION_NODE" -> {
                        if (n.has("children")) {
                            for (JsonNode ch : n.path("children")) node(ch, scope);
                        } else {
                            node(n.path("left"), scope);
                            node(n.path("right"), scope);
                        }
                    }
                    default -> throw reject("query node " + type + " is not allowed");
                }
            } finally {
                scope.pop();
            }
        }

        void table(JsonNode t, Deque<Set<String>> scope) {
            if (t == null || t.isNull() || t.isMissingNode()) return;
            String type = t.path("type").asText();
            switch (type) {
                case "EMPTY" -> { }
                case "BASE_TABLE" -> {
                    String catalog = t.path("catalog_name").asText("");
                    String schema = t.path("schema_name").asText("");
                    String name = t.path("table_name").asText("");
                    String lname = name.toLowerCase(Locale.ROOT);
                    if (!t.path("at_clause").isNull() && !t.path("at_clause").isMissingNode()) {
                        throw reject("time travel (AT ...) inside a query; use GET /v1/analytics/logs/snapshot/{id}");
                    }
                    if (catalog.isEmpty() && schema.isEmpty() && inScope(lname, scope)) return;
                    boolean logs = lname.equals("logs") && catalog.isEmpty()
                            && (schema.isEmpty() || schema.equalsIgnoreCase("compliance_lake"));
                    // the tenant's metrics tables (docs/metrics.md): views over its own files, like logs
                    boolean metrics = dev.lakelog.lake.MetricsSchema.SANDBOX_TABLES.containsKey(lname) && catalog.isEmpty() && schema.isEmpty();
                    if (!logs && !metrics) {
                        String full = (catalog.isEmpty() ? "" : catalog + ".") + (schema.isEmpty() ? "" : schema + ".") + name;
                        throw reject("table '" + full + "' is not allowed; the tables are 'logs' (alias 'compliance_lake.logs'), 'metrics', "
                                + "'metrics_1m', 'metrics_5m', 'metrics_1h' and 'metrics_1d'");
                    }
                    ((ObjectNode) t).set("schema_name", TextNode.valueOf(""));
                    ((ObjectNode) t).set("table_name", TextNode.valueOf(logs ? "logs" : lname));
                }
                case "SUBQUERY" -> node(t.path("subquery").path("node"), scope);
                case "JOIN" -> {
                    table(t.path("left"), scope);
                    table(t.path("right"), scope);
                    expression(t.path("condition"), scope);
                }
                case "EXPRESSION_LIST" -> expressions(t.path("values"), scope);
                case "TABLE_FUNCTION" -> throw reject("table function '" + t.path("function").path("function_name").asText() + "' is not allowed");
                default -> throw reject("table reference of kind " + type + " is not allowed");
            }
        }

        private static boolean inScope(String name, Deque<Set<String>> scope) {
            for (Set<String> s : scope) if (s.contains(name)) return true;
            return false;
        }

        void expression(JsonNode e, Deque<Set<String>> scope) {
            if (e == null || e.isNull() || e.isMissingNode()) return;
            String cls = e.path("class").asText();
            if (!EXPRESSION_CLASSES.contains(cls)) throw reject("expression of kind " + cls + " is not allowed");
            switch (cls) {
                case "FUNCTION", "WINDOW" -> {
                    String fn = e.path("function_name").asText().toLowerCase(Locale.ROOT);
                    String schema = e.path("schema").asText("");
                    // list and struct literals ([1, 2], {'a': 1}) parse as main.list_value / main.struct_pack
                    boolean plainName = schema.isEmpty() || schema.equals("main");
                    if (!plainName || !e.path("catalog").asText("").isEmpty() || !FUNCTIONS.contains(fn)) {
                        throw reject("function '" + e.path("function_name").asText() + "' is not allowed");
                    }
                    if (cls.equals("FUNCTION")) {
                        checkChildren(e, scope);
                        limitValueSize((ObjectNode) e, fn);
                        return;
                    }
                }
                case "SUBQUERY" -> {
                    node(e.path("subquery").path("node"), scope);
                    expression(e.path("child"), scope);
                    return;
                }
                case "PARAMETER" -> {
                    String id = e.path("identifier").asText("");
                    if (id.isEmpty() || Character.isDigit(id.charAt(0))) {
                        throw new LakelogException(ErrorCode.SQL_REJECTED, "positional parameters ('?', '$1') are not supported; use named ones like $since and pass them in 'params'");
                    }
                    int idx = params.indexOf(id);
                    if (idx < 0) {
                        params.add(id);
                        idx = params.size() - 1;
                    }
                    ((ObjectNode) e).set("identifier", TextNode.valueOf(Integer.toString(idx + 1)));
                    return;
                }
                default -> { }
            }
            Iterator<Map.Entry<String, JsonNode>> it = e.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> f = it.next();
                if (f.getKey().equals("class")) continue;
                expressions(f.getValue(), scope);
            }
        }

        private void checkChildren(JsonNode e, Deque<Set<String>> scope) {
            Iterator<Map.Entry<String, JsonNode>> it = e.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> f = it.next();
                if (f.getKey().equals("class")) continue;
                expressions(f.getValue(), scope);
            }
        }

        /** Rewrites a call whose result could exceed {@link #MAX_VALUE_BYTES} into its checked form. */
        private void limitValueSize(ObjectNode e, String fn) {
            if (fn.equals("regexp_replace")) {
                int args = e.path("children").size();
                if (args != 3 && args != 4) throw reject("function 'regexp_replace' with " + args + " arguments");
                ArrayNode children = (ArrayNode) e.path("children");
                ObjectNode bound = call("lakelog_regexp_bound", children.get(0).deepCopy(), children.get(2).deepCopy());
                children.set(0, bound);
                return;
            }
            String checked = CHECKED_BEFORE.get(fn);
            if (checked != null) {
                int args = e.path("children").size();
                boolean fits = switch (fn) {
                    case "repeat" -> args == 2;
                    default -> args == 3; // lpad, rpad, replace
                };
                if (!fits) throw reject("function '" + fn + "' with " + args + " arguments");
                e.put("function_name", checked);
                e.put("schema", "");
                return;
            }
            if (CHECKED_AFTER.contains(fn)) {
                ObjectNode inner = e.deepCopy();
                inner.put("alias", "");
                String alias = e.path("alias").asText("");
                ObjectNode wrapper = call("lakelog_cap", inner);
                wrapper.put("alias", alias);
                e.removeAll();
                e.setAll(wrapper);
            }
        }

        /** A plain function call node as json_serialize_sql writes one. */
        private static ObjectNode call(String function, JsonNode... args) {
            ObjectNode e = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
            e.put("class", "FUNCTION");
            e.put("type", "FUNCTION");
            e.put("alias", "");
            e.put("query_location", 0);
            e.put("function_name", function);
            e.put("schema", "");
            ArrayNode children = e.putArray("children");
            for (JsonNode a : args) children.add(a);
            e.putNull("filter");
            e.putObject("order_bys").put("type", "ORDER_MODIFIER").putArray("orders");
            e.put("distinct", false);
            e.put("is_operator", false);
            e.put("export_state", false);
            e.put("catalog", "");
            return e;
        }

        /** Any structure that holds expressions (lists, modifiers, order-bys): each expression inside is checked. */
        void expressions(JsonNode v, Deque<Set<String>> scope) {
            if (v == null || v.isNull() || v.isMissingNode() || v.isValueNode()) return;
            if (v.isArray()) {
                for (JsonNode x : (ArrayNode) v) expressions(x, scope);
                return;
            }
            if (v.has("class")) {
                expression(v, scope);
                return;
            }
            for (String forbidden : List.of("from_table", "table_name", "cte_map", "node", "subquery")) {
                if (v.has(forbidden)) throw reject("unexpected query structure '" + forbidden + "'");
            }
            Iterator<JsonNode> it = v.elements();
            while (it.hasNext()) expressions(it.next(), scope);
        }
    }
}
