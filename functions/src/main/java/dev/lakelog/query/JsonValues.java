package dev.lakelog.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.SQLException;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Map;

/** JDBC values to JSON: numbers stay numbers, timestamps become ISO 8601 UTC, lists and structs nest. */
final class JsonValues {
    private JsonValues() {}

    static void put(ObjectNode row, String name, Object v) throws SQLException {
        row.set(name, node(v));
    }

    /**
     * A value of DuckDB's JSON writer ({@code COPY ... (FORMAT json)}) in the form {@link #node} gives
     * over JDBC: top-level timestamps as ISO 8601 UTC instants, dates as they are, the rest unchanged.
     */
    static JsonNode fromDuckDbJson(JsonNode v, String type) {
        if (v == null || v.isNull()) return JsonNodeFactory.instance.nullNode();
        if (!v.isTextual()) return v;
        String t = type.toUpperCase(java.util.Locale.ROOT);
        try {
            if (t.equals("TIMESTAMP WITH TIME ZONE") || t.equals("TIMESTAMPTZ")) {
                return JsonNodeFactory.instance.textNode(OffsetDateTime.parse(v.asText(), DUCKDB_TIMESTAMPTZ).toInstant().toString());
            }
            if (t.startsWith("TIMESTAMP")) {
                return JsonNodeFactory.instance.textNode(LocalDateTime.parse(v.asText(), DUCKDB_TIMESTAMP).atOffset(ZoneOffset.UTC).toInstant().toString());
            }
        } catch (java.time.format.DateTimeParseException e) {
            return v; // infinity and other special values stay as DuckDB writes them
        }
        return v;
    }

    private static final java.time.format.DateTimeFormatter DUCKDB_TIMESTAMP = new java.time.format.DateTimeFormatterBuilder()
            .appendPattern("yyyy-MM-dd HH:mm:ss").optionalStart().appendFraction(java.time.temporal.ChronoField.NANO_OF_SECOND, 1, 9, true)
            .optionalEnd().toFormatter();
    private static final java.time.format.DateTimeFormatter DUCKDB_TIMESTAMPTZ = new java.time.format.DateTimeFormatterBuilder()
            .append(DUCKDB_TIMESTAMP).appendPattern("x").toFormatter();

    static JsonNode node(Object v) throws SQLException {
        JsonNodeFactory f = JsonNodeFactory.instance;
        if (v == null) return f.nullNode();
        if (v instanceof String s) return f.textNode(s);
        if (v instanceof Boolean b) return f.booleanNode(b);
        if (v instanceof Long l) return f.numberNode(l);
        if (v instanceof Integer i) return f.numberNode(i);
        if (v instanceof Short s) return f.numberNode(s);
        if (v instanceof Byte b) return f.numberNode(b);
        if (v instanceof Double d) return f.numberNode(d);
        if (v instanceof Float d) return f.numberNode(d);
        if (v instanceof BigInteger b) return f.numberNode(b);
        if (v instanceof BigDecimal b) return f.numberNode(b);
        if (v instanceof OffsetDateTime t) return f.textNode(t.toInstant().toString());
        if (v instanceof java.sql.Timestamp t) return f.textNode(t.toLocalDateTime().atOffset(ZoneOffset.UTC).toInstant().toString());
        if (v instanceof LocalDateTime t) return f.textNode(t.atOffset(ZoneOffset.UTC).toInstant().toString());
        if (v instanceof java.sql.Array a) {
            ArrayNode arr = f.arrayNode();
            for (Object x : (Object[]) a.getArray()) arr.add(node(x));
            return arr;
        }
        if (v instanceof java.sql.Struct s) {
            ObjectNode o = f.objectNode();
            if (s instanceof org.duckdb.DuckDBStruct ds) {
                for (Map.Entry<String, Object> e : ds.getMap().entrySet()) o.set(e.getKey(), node(e.getValue()));
                return o;
            }
            Object[] attrs = s.getAttributes();
            ArrayNode arr = f.arrayNode();
            for (Object x : attrs) arr.add(node(x));
            return arr;
        }
        return f.textNode(v.toString());
    }
}
