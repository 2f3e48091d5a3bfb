package dev.lakelog.ingest.drop;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import dev.lakelog.api.ErrorCode;
import dev.lakelog.api.LakelogException;
import dev.lakelog.ingest.OtlpMapper;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;

/**
 * A JSON file, streamed: a JSON array of native events, a sequence of native events (NDJSON: one
 * per line), or a sequence of OTLP/JSON {@code ExportLogsServiceRequest}s. The first value decides.
 * Parsing is as strict as the HTTP routes' (duplicate keys, depth and sizes: {@code StrictJson}).
 */
final class JsonCursor implements EventCursor {
    private enum Mode { ARRAY, SEQUENCE, OTLP }

    private final JsonParser p;
    private final ObjectReader reader;
    private final OtlpMapper otlp;
    private final Instant now;
    private Mode mode;
    private JsonNode first;
    private int firstLine;
    private final ArrayDeque<Item> pending = new ArrayDeque<>();
    private int request;

    JsonCursor(ObjectMapper json, InputStream in, OtlpMapper otlp, Instant now) throws DropProblem, IOException {
        // values one after another: trailing tokens are the next value, not an error
        this.reader = json.reader().without(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        this.p = json.getFactory().createParser(in);
        this.otlp = otlp;
        this.now = now;
        JsonToken t = token();
        if (t == null) throw new DropProblem(ErrorCode.INVALID_BODY, "the file is empty: no events");
        if (t == JsonToken.START_ARRAY) {
            mode = Mode.ARRAY;
        } else if (t == JsonToken.START_OBJECT) {
            firstLine = line();
            first = tree();
            if (first.has("resourceLogs")) {
                mode = Mode.OTLP;
                request(first, firstLine);
                first = null;
            } else if (first.has("resourceMetrics") || first.has("resourceSpans")) {
                throw new DropProblem(ErrorCode.UNSUPPORTED_MEDIA_TYPE, first.has("resourceMetrics")
                        ? "the file holds OTLP metrics (resourceMetrics); the drop folder reads OTLP logs only until metrics ingest exists"
                        : "the file holds OTLP traces (resourceSpans); the drop folder reads OTLP logs only");
            } else {
                mode = Mode.SEQUENCE;
            }
        } else {
            throw new DropProblem(ErrorCode.INVALID_BODY, "line " + line() + ": the file must hold a JSON array of events, "
                    + "NDJSON (one event object per line) or OTLP/JSON ExportLogsServiceRequests; it starts with " + t.asString());
        }
    }

    @Override
    public Item next() throws DropProblem, IOException {
        switch (mode) {
            case ARRAY -> {
                JsonToken t = token();
                if (t == null) throw new DropProblem(ErrorCode.INVALID_BODY, "line " + line() + ": the JSON array is not closed (file truncated?)");
                if (t == JsonToken.END_ARRAY) {
                    JsonToken after = token();
                    if (after != null) throw new DropProblem(ErrorCode.INVALID_BODY, "line " + line() + ": content after the JSON array of events");
                    return null;
                }
                int l = line();
                return new Item(tree(), "line " + l);
            }
            case SEQUENCE -> {
                if (first != null) {
                    Item i = new Item(first, "line " + firstLine);
                    first = null;
                    return i;
                }
                JsonToken t = token();
                if (t == null) return null;
                int l = line();
                return new Item(tree(), "line " + l);
            }
            default -> {
                while (pending.isEmpty()) {
                    JsonToken t = token();
                    if (t == null) return null;
                    int l = line();
                    JsonNode req = tree();
                    if (req.has("resourceMetrics") && !req.has("resourceLogs")) {
                        throw new DropProblem(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "line " + l + ": OTLP metrics (resourceMetrics) in a logs file");
                    }
                    request(req, l);
                }
                return pending.poll();
            }
        }
    }

    /** An OTLP request is decoded whole: each one (one JSON value) is bounded like a protobuf message. */
    static final long MAX_REQUEST_BYTES = ProtobufCursor.MAX_MESSAGE_BYTES;

    private void request(JsonNode req, int line) throws DropProblem {
        request++;
        long bytes = p.currentLocation().getByteOffset() - start;
        if (start >= 0 && bytes > MAX_REQUEST_BYTES) {
            throw new DropProblem(dev.lakelog.api.ErrorCode.PAYLOAD_TOO_LARGE, "request " + request + " (line " + line + ") is " + bytes
                    + " bytes; each OTLP request in a file is read whole and may have at most " + MAX_REQUEST_BYTES);
        }
        List<JsonNode> events;
        try {
            events = otlp.toEvents(req, now);
        } catch (LakelogException e) {
            throw new DropProblem(e.code(), "request " + request + " (line " + line + "): " + e.getMessage());
        }
        for (JsonNode e : events) pending.add(new Item(e, "request " + request + " (line " + line + ")"));
    }

    private JsonToken token() throws DropProblem, IOException {
        try {
            return p.nextToken();
        } catch (JsonProcessingException e) {
            throw new DropProblem(ErrorCode.INVALID_BODY, "line " + line() + ": not valid JSON: " + e.getOriginalMessage());
        }
    }

    /** Byte offset where the value being read starts (-1 when the parser does not count bytes). */
    private long start = -1;

    private JsonNode tree() throws DropProblem, IOException {
        start = p.currentTokenLocation().getByteOffset();
        try {
            return reader.readTree(p);
        } catch (JsonProcessingException e) {
            throw new DropProblem(ErrorCode.INVALID_BODY, "line " + line() + ": not valid JSON: " + e.getOriginalMessage());
        }
    }

    private int line() {
        return p.currentTokenLocation().getLineNr();
    }

    @Override
    public void close() throws IOException {
        p.close();
    }
}
