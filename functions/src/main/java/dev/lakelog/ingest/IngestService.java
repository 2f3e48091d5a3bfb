package dev.lakelog.ingest;

import dev.lakelog.api.StrictJson;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lakelog.api.ErrorCode;
import dev.lakelog.api.LakelogException;
import dev.lakelog.auth.Tenant;
import dev.lakelog.log.JsonLog;
import dev.lakelog.segment.LogEvent;
import dev.lakelog.segment.SegmentCodec;
import dev.lakelog.segment.SegmentKeys;
import dev.lakelog.storage.BlobStore;
import dev.lakelog.storage.StorageException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The hot-tier write path: parse strictly, validate every event, encode CBOR segments and PUT
 * them. The caller answers only after every PUT succeeded; if one fails, the segments already
 * written by this request are deleted and the request fails with 503, so a retry cannot double
 * events. Batches are all-or-nothing.
 */
public final class IngestService {
    public static final int MAX_BATCH_EVENTS = 1000;
    public static final int MAX_BODY_BYTES = 5 * 1024 * 1024;
    private static final JsonLog LOG = JsonLog.get(IngestService.class);

    private final BlobStore store;
    private final SegmentCodec codec;
    private final ObjectMapper json;
    private final EventValidator validator;
    private final Clock clock;
    private final long segmentMaxBytes;
    private final OtlpMapper otlp;
    private final OtlpProtobuf otlpProtobuf;
    private final JsonFactory streaming = StrictJson.streamingFactory();

    public IngestService(BlobStore store, SegmentCodec codec, Clock clock, long segmentMaxBytes) {
        this.store = store;
        this.codec = codec;
        this.json = StrictJson.mapper();
        this.validator = new EventValidator(json);
        this.clock = clock;
        this.segmentMaxBytes = segmentMaxBytes;
        this.otlp = new OtlpMapper(json);
        this.otlpProtobuf = new OtlpProtobuf(json);
    }

    /** {@code POST /v1/log}: one JSON object. */
    public IngestResult ingestOne(Tenant tenant, byte[] body, String contentType) {
        requireJsonContentType(contentType, false);
        checkBody(body);
        Instant now = clock.instant();
        List<FieldError> errors = new ArrayList<>();
        List<LogEvent> streamed = streamed(body, Shape.ONE, tenant.id(), now, errors);
        LogEvent e;
        if (streamed != null) {
            e = streamed.isEmpty() ? null : streamed.get(0);
        } else { // the tree path: its words for what the token stream does not answer
            errors.clear();
            e = validator.validate(readChecked(body), null, tenant.id(), now, errors);
        }
        if (!errors.isEmpty()) throw new ValidationException(errors);
        return write(tenant, List.of(e), now);
    }

    /** {@code POST /v1/log/batch}: a JSON array, or NDJSON with {@code application/x-ndjson}. */
    public IngestResult ingestBatch(Tenant tenant, byte[] body, String contentType) {
        boolean ndjson = requireJsonContentType(contentType, true);
        checkBody(body);
        Instant now = clock.instant();
        List<FieldError> errors = new ArrayList<>();
        List<LogEvent> events = streamed(body, ndjson ? Shape.NDJSON : Shape.ARRAY, tenant.id(), now, errors);
        if (events == null) return ingestNodes(tenant, ndjson ? parseNdjsonChecked(body) : parseArrayChecked(body));
        if (!errors.isEmpty()) throw new ValidationException(errors);
        return write(tenant, events, now);
    }

    /** What a request body holds: one event, a JSON array of events, or NDJSON lines. */
    enum Shape { ONE, ARRAY, NDJSON }

    /**
     * The fast path of {@code /v1/log} and {@code /v1/log/batch}: validates the events from the JSON
     * token stream (no tree, no duplicate-key detector of the parser; {@link EventValidator}
     * detects duplicates) and returns them, with every field problem in {@code errors}, exactly as
     * the tree path would. Returns null when only the tree path can answer with its exact words:
     * invalid JSON, a duplicate key, an unknown field, a wrong JSON type, an element that is not an
     * object, an empty batch, more than {@link #MAX_BATCH_EVENTS} events, trailing tokens. Those
     * requests are then read again through the tree ({@code IngestStreamingMatchesTreeTest}).
     * {@code body} has passed {@link #checkBody}.
     */
    List<LogEvent> streamed(byte[] body, Shape shape, String tenantId, Instant now, List<FieldError> errors) {
        List<LogEvent> events = new ArrayList<>(shape == Shape.ONE ? 1 : 64);
        try {
            switch (shape) {
                case ONE -> {
                    try (JsonParser p = streaming.createParser(body)) {
                        if (p.nextToken() != JsonToken.START_OBJECT) return null;
                        LogEvent e = validator.validate(p, null, tenantId, now, errors);
                        if (p.nextToken() != null) return null;
                        if (e != null) events.add(e);
                    }
                }
                case ARRAY -> {
                    try (JsonParser p = streaming.createParser(body)) {
                        if (p.nextToken() != JsonToken.START_ARRAY) return null;
                        int i = 0;
                        JsonToken t;
                        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
                            if (t != JsonToken.START_OBJECT || i >= MAX_BATCH_EVENTS) return null;
                            LogEvent e = validator.validate(p, i++, tenantId, now, errors);
                            if (e != null) events.add(e);
                        }
                        if (i == 0 || p.nextToken() != null) return null;
                    }
                }
                case NDJSON -> {
                    String[] lines = new String(body, StandardCharsets.UTF_8).split("\r?\n", -1);
                    int i = 0;
                    for (String line : lines) {
                        if (line.isBlank()) continue;
                        if (i >= MAX_BATCH_EVENTS) return null;
                        try (JsonParser p = streaming.createParser(line)) {
                            if (p.nextToken() != JsonToken.START_OBJECT) return null;
                            LogEvent e = validator.validate(p, i++, tenantId, now, errors);
                            if (p.nextToken() != null) return null;
                            if (e != null) events.add(e);
                        }
                    }
                    if (i == 0) return null;
                }
            }
        } catch (java.io.IOException | RuntimeException e) { // invalid JSON, a limit, or EventValidator.NeedsTree
            return null;
        }
        return events;
    }

    /**
     * What an OTLP export did: the events written, and how many log records were refused (with a
     * message naming each), for the {@code partial_success} of the {@code ExportLogsServiceResponse}.
     * {@code protobuf} says which encoding the request (and so the answer) uses.
     */
    public record OtlpOutcome(IngestResult written, int rejected, String errorMessage, boolean protobuf) {}

    /**
     * {@code POST /v1/logs}: an OTLP/HTTP {@code ExportLogsServiceRequest}, JSON
     * ({@code application/json}) or protobuf ({@code application/x-protobuf}), mapped by
     * {@link OtlpMapper}. A request that cannot be read (not JSON / not protobuf, wrong structure,
     * too large, too many records) is refused whole. Log records that fail event validation are
     * refused one by one, as OTLP's partial success intends: the others are written and the answer
     * counts and names the refused ones; when every record is refused, the request is a 400 and
     * nothing is written. An empty request (no records) is accepted and writes nothing.
     */
    public OtlpOutcome ingestOtlp(Tenant tenant, byte[] body, String contentType) {
        boolean protobuf = requireOtlpContentType(contentType);
        JsonNode node;
        if (protobuf) {
            if (body.length > MAX_BODY_BYTES) {
                throw new LakelogException(ErrorCode.PAYLOAD_TOO_LARGE, "request body is " + body.length + " bytes; at most " + MAX_BODY_BYTES + " are accepted");
            }
            node = otlpProtobuf.toJson(body);
        } else {
            node = parse(body);
        }
        Instant now = clock.instant();
        List<JsonNode> nodes = otlp.toEvents(node, now);
        if (nodes.isEmpty()) return new OtlpOutcome(new IngestResult(List.of(), List.of()), 0, null, protobuf);
        if (nodes.size() > MAX_BATCH_EVENTS) {
            throw new LakelogException(ErrorCode.PAYLOAD_TOO_LARGE, "request has " + nodes.size() + " log records; at most " + MAX_BATCH_EVENTS + " are accepted");
        }
        List<FieldError> errors = new ArrayList<>();
        List<LogEvent> events = new ArrayList<>(nodes.size());
        for (int i = 0; i < nodes.size(); i++) {
            LogEvent e = validator.validate(nodes.get(i), i, tenant.id(), now, errors);
            if (e != null) events.add(e);
        }
        if (events.isEmpty()) throw new ValidationException(errors);
        IngestResult written = write(tenant, events, now);
        int rejected = nodes.size() - events.size();
        String message = rejected == 0 ? null
                : rejected + " of " + nodes.size() + " log records rejected (the others were stored): " + ValidationException.list(errors);
        if (rejected > 0) LOG.info("otlp_records_rejected", "tenant", tenant.id(), "rejected", rejected, "accepted", events.size());
        return new OtlpOutcome(written, rejected, message, protobuf);
    }

    /** True for protobuf, false for JSON; anything else is a 415 naming both. */
    private static boolean requireOtlpContentType(String contentType) {
        if (contentType == null || contentType.isBlank()) {
            throw new LakelogException(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "Content-Type header is required: application/x-protobuf or application/json (OTLP/HTTP)");
        }
        String ct = contentType.split(";")[0].trim().toLowerCase(java.util.Locale.ROOT);
        if (ct.equals("application/x-protobuf")) return true;
        if (ct.equals("application/json")) return false;
        throw new LakelogException(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "Content-Type must be application/x-protobuf or application/json (OTLP/HTTP), got '" + contentType + "'");
    }

    /**
     * Undoes {@code Content-Encoding: gzip} (what an OpenTelemetry Collector sends by default),
     * bounded by {@link #MAX_BODY_BYTES} decompressed. Identity passes through; others are 415.
     */
    public static byte[] decodeBody(byte[] body, String contentEncoding) {
        if (contentEncoding == null || contentEncoding.isBlank() || contentEncoding.trim().equalsIgnoreCase("identity")) return body;
        if (!contentEncoding.trim().equalsIgnoreCase("gzip")) {
            throw new LakelogException(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "Content-Encoding must be gzip or identity, got '" + contentEncoding + "'");
        }
        try (java.util.zip.GZIPInputStream in = new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(body))) {
            byte[] out = in.readNBytes(MAX_BODY_BYTES + 1);
            if (out.length > MAX_BODY_BYTES) {
                throw new LakelogException(ErrorCode.PAYLOAD_TOO_LARGE, "decompressed request body is larger than " + MAX_BODY_BYTES + " bytes");
            }
            return out;
        } catch (java.io.IOException e) {
            throw new LakelogException(ErrorCode.INVALID_BODY, "request body is not valid gzip: " + e.getMessage());
        }
    }

    /** Validates and writes already-parsed events (batch and OTLP paths): all or nothing. */
    public IngestResult ingestNodes(Tenant tenant, List<JsonNode> nodes) {
        if (nodes.isEmpty()) throw new LakelogException(ErrorCode.INVALID_BODY, "batch is empty: send at least one event");
        if (nodes.size() > MAX_BATCH_EVENTS) {
            throw new LakelogException(ErrorCode.PAYLOAD_TOO_LARGE, "batch has " + nodes.size() + " events; at most " + MAX_BATCH_EVENTS + " are accepted");
        }
        Instant now = clock.instant();
        List<FieldError> errors = new ArrayList<>();
        List<LogEvent> events = new ArrayList<>(nodes.size());
        for (int i = 0; i < nodes.size(); i++) {
            LogEvent e = validator.validate(nodes.get(i), i, tenant.id(), now, errors);
            if (e != null) events.add(e);
        }
        if (!errors.isEmpty()) throw new ValidationException(errors);
        return write(tenant, events, now);
    }

    private IngestResult write(Tenant tenant, List<LogEvent> events, Instant now) {
        SegmentCodec.Encoded encoded = codec.encodeEach(events); // every event encoded once
        int[] bounds = split(encoded);
        int parts = bounds.length - 1;
        List<String> keys = new ArrayList<>(parts);
        for (int i = 0; i < parts; i++) keys.add(SegmentKeys.newKey(tenant.id(), now));
        // Several parts: each names the whole group, so rollup never counts a partial request.
        String group = parts > 1 ? java.util.UUID.randomUUID().toString() : null;
        List<String> written = new ArrayList<>();
        long createdAt = LogEvent.micros(now);
        try {
            for (int i = 0; i < parts; i++) {
                String key = keys.get(i);
                store.put(key, codec.encodeSegment(tenant.id(), createdAt, encoded, bounds[i], bounds[i + 1], group, i + 1, keys));
                written.add(key);
            }
        } catch (StorageException e) {
            for (String key : written) {
                try {
                    store.delete(key);
                } catch (StorageException de) {
                    LOG.error("ingest_cleanup_failed", de, "segment_key", key);
                }
            }
            LOG.error("ingest_put_failed", e, "tenant", tenant.id(), "events", events.size());
            throw LakelogException.unavailable(ErrorCode.STORAGE_UNAVAILABLE, "storage is unavailable; nothing was stored, retry later", 5, e);
        }
        LOG.info("ingested", "tenant", tenant.id(), "events", events.size(), "segments", written.size());
        List<String> ids = new ArrayList<>(events.size());
        for (LogEvent e : events) ids.add(e.logId());
        return new IngestResult(ids, written);
    }

    /**
     * Splits into chunks whose encoded size stays under the segment threshold: the start index of
     * each chunk, then the number of events.
     */
    private int[] split(SegmentCodec.Encoded encoded) {
        int n = encoded.count();
        int[] bounds = new int[n + 1];
        int parts = 0;
        long size = 0;
        for (int i = 0; i < n; i++) {
            int s = n == 1 ? 0 : encoded.size(i);
            if (i > 0 && size + s > segmentMaxBytes) {
                bounds[++parts] = i;
                size = 0;
            }
            size += s;
        }
        if (n > 0) parts++;
        bounds[parts] = n;
        return java.util.Arrays.copyOf(bounds, parts + 1);
    }

    /** Returns true for NDJSON. */
    private static boolean requireJsonContentType(String contentType, boolean allowNdjson) {
        if (contentType == null || contentType.isBlank()) {
            throw new LakelogException(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "Content-Type header is required: application/json"
                    + (allowNdjson ? " or application/x-ndjson" : ""));
        }
        String ct = contentType.split(";")[0].trim().toLowerCase(java.util.Locale.ROOT);
        if (ct.equals("application/json")) return false;
        if (allowNdjson && (ct.equals("application/x-ndjson") || ct.equals("application/ndjson"))) return true;
        throw new LakelogException(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "Content-Type must be application/json"
                + (allowNdjson ? " or application/x-ndjson" : "") + ", got '" + contentType + "'");
    }

    private void checkBody(byte[] body) {
        if (body.length == 0) throw new LakelogException(ErrorCode.INVALID_BODY, "request body is empty");
        if (body.length >= 3 && (body[0] & 0xff) == 0xEF && (body[1] & 0xff) == 0xBB && (body[2] & 0xff) == 0xBF) {
            // RFC 8259: a JSON text must not begin with a byte order mark
            throw new LakelogException(ErrorCode.INVALID_BODY, "request body starts with a UTF-8 byte order mark; send the JSON without it");
        }
        if (body.length > MAX_BODY_BYTES) {
            throw new LakelogException(ErrorCode.PAYLOAD_TOO_LARGE, "request body is " + body.length + " bytes; at most " + MAX_BODY_BYTES + " are accepted");
        }
        if (ascii(body)) return; // ASCII is valid UTF-8: the common case needs no decoder
        try {
            StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(body));
        } catch (CharacterCodingException e) {
            throw new LakelogException(ErrorCode.INVALID_BODY, "request body is not valid UTF-8");
        }
    }

    private static final java.lang.invoke.VarHandle LONGS =
            java.lang.invoke.MethodHandles.byteArrayViewVarHandle(long[].class, java.nio.ByteOrder.LITTLE_ENDIAN);

    /** No byte has its high bit set: tested eight bytes at a time. */
    private static boolean ascii(byte[] b) {
        int i = 0;
        for (; i + 8 <= b.length; i += 8) {
            if (((long) LONGS.get(b, i) & 0x8080808080808080L) != 0) return false;
        }
        for (; i < b.length; i++) if (b[i] < 0) return false;
        return true;
    }

    private JsonNode parse(byte[] body) {
        checkBody(body);
        return readChecked(body);
    }

    /** The strict tree of a body that passed {@link #checkBody}. */
    private JsonNode readChecked(byte[] body) {
        try {
            JsonNode n = json.readTree(body);
            if (n == null || n.isMissingNode()) throw new LakelogException(ErrorCode.INVALID_BODY, "request body is empty");
            return n;
        } catch (JsonProcessingException e) {
            throw new LakelogException(ErrorCode.INVALID_BODY, "request body is not valid JSON: " + e.getOriginalMessage());
        } catch (java.io.IOException e) {
            throw new LakelogException(ErrorCode.INVALID_BODY, "request body cannot be read: " + e.getMessage());
        }
    }

    private List<JsonNode> parseArrayChecked(byte[] body) {
        JsonNode n = readChecked(body);
        if (!n.isArray()) throw new LakelogException(ErrorCode.INVALID_BODY, "batch body must be a JSON array of events (or NDJSON with Content-Type application/x-ndjson)");
        List<JsonNode> out = new ArrayList<>(n.size());
        n.forEach(out::add);
        return out;
    }

    private List<JsonNode> parseNdjsonChecked(byte[] body) {
        String text = new String(body, StandardCharsets.UTF_8);
        List<JsonNode> out = new ArrayList<>();
        String[] lines = text.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            if (line.isBlank()) continue;
            try {
                out.add(json.readTree(line));
            } catch (JsonProcessingException e) {
                throw new LakelogException(ErrorCode.INVALID_BODY, "NDJSON line " + (i + 1) + " (event " + out.size() + ") is not valid JSON: " + e.getOriginalMessage());
            }
            if (out.size() > MAX_BATCH_EVENTS) {
                throw new LakelogException(ErrorCode.PAYLOAD_TOO_LARGE, "batch has more than " + MAX_BATCH_EVENTS + " events");
            }
        }
        return out;
    }

    public ObjectMapper json() {
        return json;
    }
}
