package dev.lakelog.ingest.drop;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lakelog.api.ErrorCode;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.Set;

/**
 * A Parquet file with the columns of {@code lake.main.logs} (what {@code format=parquet} exports),
 * read with an in-memory DuckDB (its Parquet reader is built in; no extension, no lake) from a local
 * copy, row by row with streamed results. The columns the server sets ({@code tenant_id},
 * {@code ingested_at}, {@code archived_at}, {@code segment_key}) are ignored: the folder names the
 * tenant, and ingest sets the rest. Timestamps become ISO 8601 UTC text, lists JSON arrays, other
 * strings stay strings, numbers and booleans stay what they are (so the validator names a column of
 * the wrong type).
 */
final class ParquetCursor implements EventCursor {
    static final Set<String> SERVER_COLUMNS = Set.of("tenant_id", "ingested_at", "archived_at", "segment_key");
    private final Connection conn;
    private final Statement st;
    private final ResultSet rs;
    private final ObjectMapper json;
    private final List<String> names = new ArrayList<>();
    private final List<Kind> kinds = new ArrayList<>();
    private long row;

    private enum Kind { TEXT, JSON, BOOLEAN, NUMBER }

    ParquetCursor(ObjectMapper json, Path file) throws DropProblem, IOException {
        this.json = json;
        String path = "'" + file.toAbsolutePath().toString().replace("'", "''") + "'";
        Properties props = new Properties();
        props.setProperty("jdbc_stream_results", "true");
        props.setProperty("autoinstall_known_extensions", "false"); // Parquet is built in; nothing is fetched
        props.setProperty("autoload_known_extensions", "false");
        try {
            conn = DriverManager.getConnection("jdbc:duckdb:", props);
        } catch (SQLException e) {
            throw new IOException("cannot start DuckDB to read Parquet: " + e.getMessage(), e);
        }
        try {
            st = conn.createStatement();
            st.execute("SET threads = 1");
            st.execute("SET memory_limit = '256MB'");
            List<String> select = new ArrayList<>();
            try (ResultSet d = st.executeQuery("DESCRIBE SELECT * FROM read_parquet(" + path + ")")) {
                while (d.next()) {
                    String name = d.getString(1);
                    String type = d.getString(2).toUpperCase(Locale.ROOT);
                    if (SERVER_COLUMNS.contains(name)) continue;
                    String q = "\"" + name.replace("\"", "\"\"") + "\"";
                    names.add(name);
                    if (type.equals("TIMESTAMP WITH TIME ZONE")) {
                        select.add("strftime(" + q + " AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%fZ')");
                        kinds.add(Kind.TEXT);
                    } else if (type.startsWith("TIMESTAMP")) {
                        select.add("strftime(" + q + "::TIMESTAMP, '%Y-%m-%dT%H:%M:%S.%fZ')");
                        kinds.add(Kind.TEXT);
                    } else if (type.equals("VARCHAR")) {
                        select.add(q);
                        kinds.add(Kind.TEXT);
                    } else if (type.equals("BOOLEAN")) {
                        select.add(q);
                        kinds.add(Kind.BOOLEAN);
                    } else if (type.matches("(TINY|SMALL|BIG|HUGE|U?)?INT.*|U?(TINY|SMALL|BIG|HUGE)INT|DOUBLE|FLOAT|REAL|DECIMAL.*")) {
                        select.add(q + "::DOUBLE");
                        kinds.add(Kind.NUMBER);
                    } else {
                        select.add("to_json(" + q + ")::VARCHAR");
                        kinds.add(Kind.JSON);
                    }
                }
            }
            if (names.isEmpty()) throw new DropProblem(ErrorCode.INVALID_BODY, "the Parquet file has no event columns");
            rs = st.executeQuery("SELECT " + String.join(", ", select) + " FROM read_parquet(" + path + ")");
        } catch (SQLException e) {
            closeQuietly();
            throw new DropProblem(ErrorCode.INVALID_BODY, "not a readable Parquet file: " + firstLine(e.getMessage()));
        }
    }

    @Override
    public Item next() throws DropProblem {
        try {
            if (!rs.next()) return null;
            row++;
            ObjectNode e = json.createObjectNode();
            for (int i = 0; i < names.size(); i++) {
                String name = names.get(i);
                switch (kinds.get(i)) {
                    case TEXT -> {
                        String v = rs.getString(i + 1);
                        if (v != null) e.put(name, v);
                    }
                    case BOOLEAN -> {
                        boolean v = rs.getBoolean(i + 1);
                        if (!rs.wasNull()) e.put(name, v);
                    }
                    case NUMBER -> {
                        double v = rs.getDouble(i + 1);
                        if (!rs.wasNull()) e.put(name, v);
                    }
                    case JSON -> {
                        String v = rs.getString(i + 1);
                        if (v != null && !v.equals("null")) {
                            try {
                                e.set(name, json.readTree(v));
                            } catch (JsonProcessingException ex) {
                                e.put(name, v);
                            }
                        }
                    }
                }
            }
            return new Item(e, "row " + row);
        } catch (SQLException ex) {
            throw new DropProblem(ErrorCode.INVALID_BODY, "row " + (row + 1) + ": the Parquet file cannot be read: " + firstLine(ex.getMessage()));
        }
    }

    private static String firstLine(String s) {
        if (s == null) return "";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    private void closeQuietly() {
        try {
            conn.close();
        } catch (SQLException ignored) {
            // closing after a failure
        }
    }

    @Override
    public void close() {
        closeQuietly();
    }
}
