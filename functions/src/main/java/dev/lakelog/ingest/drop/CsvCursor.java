package dev.lakelog.ingest.drop;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lakelog.api.ErrorCode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A CSV file (RFC 4180: comma-separated, {@code "}-quoted fields that may hold commas, quotes as
 * {@code ""} and line breaks; CRLF or LF), UTF-8 (a leading byte order mark is skipped), whose first
 * row names the fields of the native event. Each later row is one event: an empty cell is an absent
 * field; every cell is a string, except {@code policy_tags}, which is a JSON array
 * ({@code ["pii","gdpr"]}, as lakelog's own CSV export writes it) or {@code |}-separated
 * ({@code pii|gdpr}). {@code payload} is kept as its text (JSON text, as the lake stores it).
 */
final class CsvCursor implements EventCursor {
    static final int MAX_FIELD_CHARS = 1024 * 1024;
    private final BufferedReader in;
    private final ObjectMapper json;
    private final List<String> header;
    private int line = 1;
    private int row;
    private boolean eof;

    CsvCursor(ObjectMapper json, InputStream stream) throws DropProblem, IOException {
        this.json = json;
        this.in = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)), 64 * 1024);
        in.mark(1);
        int c = read();
        if (c != '\uFEFF' && c != -1) in.reset();
        List<String> h = record();
        if (h == null) throw new DropProblem(ErrorCode.INVALID_BODY, "the CSV file is empty: it needs a header row and at least one event");
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < h.size(); i++) {
            String name = h.get(i).trim();
            if (name.isEmpty()) throw new DropProblem(ErrorCode.INVALID_BODY, "line 1: header column " + (i + 1) + " has no name");
            if (!seen.add(name)) throw new DropProblem(ErrorCode.INVALID_BODY, "line 1: header names column '" + name + "' twice");
            h.set(i, name);
        }
        this.header = h;
    }

    @Override
    public Item next() throws DropProblem, IOException {
        while (true) {
            int startLine = line;
            List<String> cells = record();
            if (cells == null) return null;
            if (cells.size() == 1 && cells.get(0).isEmpty()) continue; // a blank line
            row++;
            String at = "row " + row + " (line " + startLine + ")";
            if (cells.size() != header.size()) {
                throw new DropProblem(ErrorCode.INVALID_BODY, at + ": has " + cells.size() + " fields; the header has " + header.size());
            }
            ObjectNode e = json.createObjectNode();
            for (int i = 0; i < cells.size(); i++) {
                String v = cells.get(i);
                if (v.isEmpty()) continue;
                String name = header.get(i);
                if (name.equals("policy_tags")) e.set(name, tags(v));
                else e.put(name, v);
            }
            return new Item(e, at);
        }
    }

    private JsonNode tags(String v) {
        String t = v.trim();
        if (t.startsWith("[")) {
            try {
                return json.readTree(t);
            } catch (JsonProcessingException ex) {
                return json.getNodeFactory().textNode(v); // the validator names it: not an array
            }
        }
        ArrayNode a = json.createArrayNode();
        for (String s : t.split("\\|", -1)) a.add(s.trim());
        return a;
    }

    /** One record's fields, or null at the end of the file. */
    private List<String> record() throws DropProblem, IOException {
        if (eof) return null;
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        int c = read();
        if (c == -1) {
            eof = true;
            return null;
        }
        boolean quoted = false;
        boolean wasQuoted = false;
        int quoteLine = line;
        while (true) {
            if (quoted) {
                if (c == -1) throw new DropProblem(ErrorCode.INVALID_BODY, "line " + quoteLine + ": a quoted field is not closed (file truncated?)");
                if (c == '"') {
                    in.mark(1);
                    int n = read();
                    if (n == '"') {
                        cur.append('"');
                    } else {
                        quoted = false;
                        if (n != -1) in.reset();
                    }
                } else {
                    if (c == '\n') line++;
                    cur.append((char) c);
                }
            } else if (c == '"' && cur.length() == 0 && !wasQuoted) {
                quoted = true;
                wasQuoted = true;
                quoteLine = line;
            } else if (c == ',') {
                out.add(cur.toString());
                cur.setLength(0);
                wasQuoted = false;
            } else if (c == '\n' || c == -1) {
                if (c == '\n') line++;
                else eof = true;
                out.add(cur.toString());
                return out;
            } else if (c == '\r') {
                in.mark(1);
                int n = read();
                if (n != '\n' && n != -1) in.reset();
                line++;
                if (n == -1) eof = true;
                out.add(cur.toString());
                return out;
            } else if (wasQuoted) {
                throw new DropProblem(ErrorCode.INVALID_BODY, "line " + line + ": text after the closing quote of a field");
            } else if (c == '"') {
                throw new DropProblem(ErrorCode.INVALID_BODY, "line " + line + ": a quote inside an unquoted field (quote the whole field and write \"\")");
            } else {
                cur.append((char) c);
            }
            if (cur.length() > MAX_FIELD_CHARS) {
                throw new DropProblem(ErrorCode.INVALID_BODY, "line " + line + ": a field is longer than " + MAX_FIELD_CHARS + " characters");
            }
            c = read();
        }
    }

    private int read() throws DropProblem, IOException {
        try {
            return in.read();
        } catch (CharacterCodingException e) {
            throw new DropProblem(ErrorCode.INVALID_BODY, "line " + line + ": the CSV file is not valid UTF-8");
        }
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
