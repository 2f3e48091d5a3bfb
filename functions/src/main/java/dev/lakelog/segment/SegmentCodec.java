package dev.lakelog.segment;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Encodes and decodes segment objects: self-describing CBOR.
 *
 * <pre>
 * { "format": 1, "tenant": "...", "count": N, "created_at": micros,
 *   "digest": "sha256:&lt;hex of events bytes&gt;",
 *   ["group": "&lt;request uuid&gt;", "part": i, "parts": n, "group_keys": [key1, ..., keyn],]
 *   "events": h'&lt;CBOR array of event maps&gt;' }
 * </pre>
 *
 * The group fields appear only when one request wrote n &gt; 1 segments (part i is 1-based);
 * readers that do not know them skip them, and a segment without them is a group of one.
 *
 * The events array is embedded as a byte string so the digest covers exactly the bytes that
 * rollup decodes. Event maps use the column names of {@code lake.main.logs}; absent optional
 * fields are omitted.
 */
public final class SegmentCodec {
    public static final int FORMAT_VERSION = 1;
    private static final CBORFactory CBOR = new CBORFactory();

    public byte[] encode(String tenantId, long createdAtMicros, List<LogEvent> events) {
        return encode(tenantId, createdAtMicros, events, null, 0, List.of());
    }

    /**
     * A plain segment of {@code events} whose maps take {@code eventBytes} in all (the sum of
     * {@link #encodedSize} less 2 per event, or more): encoded without regrowing a buffer, for
     * callers that fill segments to a size in bounded memory (the drop folder).
     */
    public byte[] encode(String tenantId, long createdAtMicros, List<LogEvent> events, long eventBytes) {
        Encoded enc = encodeEach(events, (int) Math.min(Integer.MAX_VALUE - 64, eventBytes + 16));
        return encodeSegment(tenantId, createdAtMicros, enc, 0, enc.count(), null, 0, List.of());
    }

    /**
     * Encodes part {@code part} (1-based) of a request that writes the segments {@code groupKeys};
     * with fewer than two group keys this is a plain segment.
     */
    public byte[] encode(String tenantId, long createdAtMicros, List<LogEvent> events, String group, int part, List<String> groupKeys) {
        Encoded enc = encodeEach(events);
        return encodeSegment(tenantId, createdAtMicros, enc, 0, enc.count(), group, part, groupKeys);
    }

    /**
     * Events encoded once, each event's CBOR map back to back, so that a batch can be split into
     * segments by {@link #size} and each segment assembled by {@link #encodeSegment} without
     * encoding any event twice.
     */
    public static final class Encoded {
        private final byte[] bytes;
        private final int[] ends;

        private Encoded(byte[] bytes, int[] ends) {
            this.bytes = bytes;
            this.ends = ends;
        }

        public int count() {
            return ends.length;
        }

        private int start(int i) {
            return i == 0 ? 0 : ends[i - 1];
        }

        /** What {@link #encodedSize} says of event {@code i}: its map plus the array around it. */
        public int size(int i) {
            return ends[i] - start(i) + 2;
        }
    }

    /** Encodes every event's map once (see {@link Encoded}). */
    public Encoded encodeEach(List<LogEvent> events) {
        return encodeEach(events, events.size() * 320 + 16);
    }

    /** As {@link #encodeEach(List)}, into a buffer of {@code capacity} bytes at first (the caller's exact size: no regrowth). */
    public Encoded encodeEach(List<LogEvent> events, int capacity) {
        CborWriter w = new CborWriter(Math.max(16, capacity));
        int[] ends = new int[events.size()];
        for (int i = 0; i < events.size(); i++) {
            writeEvent(w, events.get(i));
            ends[i] = w.size();
        }
        return new Encoded(w.array(), ends);
    }

    /** The segment of events {@code [from, to)} of {@code enc}, with its header and digest. */
    public byte[] encodeSegment(String tenantId, long createdAtMicros, Encoded enc, int from, int to, String group, int part,
                                List<String> groupKeys) {
        int a = enc.start(from);
        int b = to == 0 ? 0 : enc.ends[to - 1];
        // the events array (indefinite-length array of the maps) is the byte string the digest covers
        MessageDigest sha = sha256();
        sha.update((byte) 0x9F);
        sha.update(enc.bytes, a, b - a);
        sha.update((byte) 0xFF);
        CborWriter w = new CborWriter(256);
        w.startMap();
        w.field("format", FORMAT_VERSION);
        w.field("tenant", tenantId);
        w.field("count", to - from);
        w.field("created_at", createdAtMicros);
        w.field("digest", "sha256:" + HexFormat.of().formatHex(sha.digest()));
        if (groupKeys != null && groupKeys.size() > 1) {
            w.field("group", group);
            w.field("part", part);
            w.field("parts", groupKeys.size());
            w.text("group_keys");
            w.startArray();
            for (String k : groupKeys) w.text(k);
            w.end();
        }
        w.text("events");
        w.bytesHead(b - a + 2);
        // one exact-size copy: header, then the events array, then the map's end
        byte[] out = new byte[w.size() + (b - a) + 3];
        System.arraycopy(w.array(), 0, out, 0, w.size());
        int p = w.size();
        out[p++] = (byte) 0x9F;
        System.arraycopy(enc.bytes, a, out, p, b - a);
        p += b - a;
        out[p++] = (byte) 0xFF;
        out[p] = (byte) 0xFF;
        return out;
    }

    /** Size in bytes of one event once encoded, for splitting batches into segments. */
    public int encodedSize(LogEvent e) {
        return encodeEach(List.of(e)).size(0);
    }

    private static void writeEvent(CborWriter w, LogEvent e) {
        w.startMap();
        w.field("tenant_id", e.tenantId());
        w.field("log_id", e.logId());
        w.field("timestamp", e.timestampMicros());
        w.field("event_type", e.eventType());
        w.field("outcome", e.outcome());
        w.field("severity", e.severity());
        w.field("sensitivity", e.sensitivity());
        w.field("actor_id", e.actorId());
        w.field("component", e.component());
        w.field("environment", e.environment());
        w.field("resource", e.resource());
        w.field("message", e.message());
        w.field("payload", e.payload());
        if (e.policyTags() != null) {
            w.text("policy_tags");
            w.startArray();
            for (String t : e.policyTags()) w.text(t);
            w.end();
        }
        w.field("session_id", e.sessionId());
        w.field("request_id", e.requestId());
        w.field("source_ip", e.sourceIp());
        if (e.retentionUntilMicros() != null) w.field("retention_until", e.retentionUntilMicros());
        w.field("ingested_at", e.ingestedAtMicros());
        w.field("trace_id", e.traceId());
        w.field("span_id", e.spanId());
        w.end();
    }

    public Segment decode(byte[] bytes) throws SegmentFormatException {
        Integer format = null;
        String tenant = null;
        Long count = null;
        Long createdAt = null;
        String digest = null;
        byte[] eventBytes = null;
        List<String> groupKeys = List.of();
        Integer part = null;
        Integer parts = null;
        try (JsonParser p = CBOR.createParser(bytes)) {
            if (p.nextToken() != JsonToken.START_OBJECT) throw new SegmentFormatException("segment is not a CBOR map");
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String f = p.currentName();
                p.nextToken();
                switch (f) {
                    case "format" -> format = p.getIntValue();
                    case "tenant" -> tenant = p.getText();
                    case "count" -> count = p.getLongValue();
                    case "created_at" -> createdAt = p.getLongValue();
                    case "digest" -> digest = p.getText();
                    case "events" -> eventBytes = p.getBinaryValue();
                    case "part" -> part = p.getIntValue();
                    case "parts" -> parts = p.getIntValue();
                    case "group_keys" -> {
                        if (p.currentToken() != JsonToken.START_ARRAY) throw new SegmentFormatException("group_keys is not an array");
                        List<String> ks = new ArrayList<>();
                        while (p.nextToken() != JsonToken.END_ARRAY) ks.add(p.getText());
                        groupKeys = ks;
                    }
                    default -> p.skipChildren();
                }
            }
        } catch (IOException e) {
            throw new SegmentFormatException("segment is not valid CBOR: " + e.getMessage(), e);
        }
        if (format == null || format != FORMAT_VERSION) throw new SegmentFormatException("unsupported segment format " + format);
        if (tenant == null || count == null || createdAt == null || digest == null || eventBytes == null) {
            throw new SegmentFormatException("segment header is incomplete");
        }
        String actual = "sha256:" + sha256Hex(eventBytes);
        if (!MessageDigest.isEqual(actual.getBytes(), digest.getBytes())) {
            throw new SegmentFormatException("segment digest mismatch: header says " + digest + ", content is " + actual);
        }
        List<LogEvent> events = decodeEvents(eventBytes);
        if (events.size() != count) {
            throw new SegmentFormatException("segment header count " + count + " but " + events.size() + " events");
        }
        for (LogEvent e : events) {
            if (!tenant.equals(e.tenantId())) throw new SegmentFormatException("event tenant differs from segment tenant");
        }
        if (!groupKeys.isEmpty() && (parts == null || parts != groupKeys.size() || part == null || part < 1 || part > parts)) {
            throw new SegmentFormatException("segment group header is inconsistent: part " + part + " of " + parts + " with " + groupKeys.size() + " group keys");
        }
        return new Segment(format, tenant, createdAt, digest, events, groupKeys);
    }

    private List<LogEvent> decodeEvents(byte[] bytes) throws SegmentFormatException {
        List<LogEvent> out = new ArrayList<>();
        try (JsonParser p = CBOR.createParser(bytes)) {
            if (p.nextToken() != JsonToken.START_ARRAY) throw new SegmentFormatException("events is not a CBOR array");
            while (p.nextToken() == JsonToken.START_OBJECT) {
                out.add(readEvent(p));
            }
        } catch (IOException e) {
            throw new SegmentFormatException("events are not valid CBOR: " + e.getMessage(), e);
        }
        return out;
    }

    private static LogEvent readEvent(JsonParser p) throws IOException, SegmentFormatException {
        String tenantId = null, logId = null, eventType = null, outcome = null, severity = null, sensitivity = null,
                actorId = null, component = null, environment = null, resource = null, message = null, payload = null,
                sessionId = null, requestId = null, sourceIp = null, traceId = null, spanId = null;
        Long timestamp = null, retention = null, ingested = null;
        List<String> tags = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String f = p.currentName();
            JsonToken t = p.nextToken();
            switch (f) {
                case "tenant_id" -> tenantId = p.getText();
                case "log_id" -> logId = p.getText();
                case "timestamp" -> timestamp = p.getLongValue();
                case "event_type" -> eventType = p.getText();
                case "outcome" -> outcome = p.getText();
                case "severity" -> severity = p.getText();
                case "sensitivity" -> sensitivity = p.getText();
                case "actor_id" -> actorId = p.getText();
                case "component" -> component = p.getText();
                case "environment" -> environment = p.getText();
                case "resource" -> resource = p.getText();
                case "message" -> message = p.getText();
                case "payload" -> payload = p.getText();
                case "policy_tags" -> {
                    if (t != JsonToken.START_ARRAY) throw new SegmentFormatException("policy_tags is not an array");
                    tags = new ArrayList<>();
                    while (p.nextToken() != JsonToken.END_ARRAY) tags.add(p.getText());
                }
                case "session_id" -> sessionId = p.getText();
                case "request_id" -> requestId = p.getText();
                case "source_ip" -> sourceIp = p.getText();
                case "retention_until" -> retention = p.getLongValue();
                case "ingested_at" -> ingested = p.getLongValue();
                case "trace_id" -> traceId = p.getText();
                case "span_id" -> spanId = p.getText();
                default -> p.skipChildren();
            }
        }
        if (tenantId == null || logId == null || timestamp == null || ingested == null) {
            throw new SegmentFormatException("event lacks tenant_id, log_id, timestamp or ingested_at");
        }
        return new LogEvent(tenantId, logId, timestamp, eventType, outcome, severity, sensitivity, actorId, component,
                environment, resource, message, payload, tags, sessionId, requestId, sourceIp, retention, ingested, traceId, spanId);
    }

    static String sha256Hex(byte[] b) {
        return HexFormat.of().formatHex(sha256().digest(b));
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
