package dev.lakelog.segment;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
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
     * Encodes part {@code part} (1-based) of a request that writes the segments {@code groupKeys};
     * with fewer than two group keys this is a plain segment.
     */
    public byte[] encode(String tenantId, long createdAtMicros, List<LogEvent> events, String group, int part, List<String> groupKeys) {
        byte[] eventBytes = encodeEvents(events);
        ByteArrayOutputStream out = new ByteArrayOutputStream(eventBytes.length + 160);
        try (JsonGenerator g = CBOR.createGenerator(out)) {
            g.writeStartObject();
            g.writeNumberField("format", FORMAT_VERSION);
            g.writeStringField("tenant", tenantId);
            g.writeNumberField("count", events.size());
            g.writeNumberField("created_at", createdAtMicros);
            g.writeStringField("digest", "sha256:" + sha256Hex(eventBytes));
            if (groupKeys != null && groupKeys.size() > 1) {
                g.writeStringField("group", group);
                g.writeNumberField("part", part);
                g.writeNumberField("parts", groupKeys.size());
                g.writeArrayFieldStart("group_keys");
                for (String k : groupKeys) g.writeString(k);
                g.writeEndArray();
            }
            g.writeFieldName("events");
            g.writeBinary(eventBytes);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** Size in bytes of one event once encoded, for splitting batches into segments. */
    public int encodedSize(LogEvent e) {
        return encodeEvents(List.of(e)).length;
    }

    private byte[] encodeEvents(List<LogEvent> events) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(events.size() * 256 + 16);
        try (JsonGenerator g = CBOR.createGenerator(out)) {
            g.writeStartArray();
            for (LogEvent e : events) {
                g.writeStartObject();
                str(g, "tenant_id", e.tenantId());
                str(g, "log_id", e.logId());
                g.writeNumberField("timestamp", e.timestampMicros());
                str(g, "event_type", e.eventType());
                str(g, "outcome", e.outcome());
                str(g, "severity", e.severity());
                str(g, "sensitivity", e.sensitivity());
                str(g, "actor_id", e.actorId());
                str(g, "component", e.component());
                str(g, "environment", e.environment());
                str(g, "resource", e.resource());
                str(g, "message", e.message());
                str(g, "payload", e.payload());
                if (e.policyTags() != null) {
                    g.writeArrayFieldStart("policy_tags");
                    for (String t : e.policyTags()) g.writeString(t);
                    g.writeEndArray();
                }
                str(g, "session_id", e.sessionId());
                str(g, "request_id", e.requestId());
                str(g, "source_ip", e.sourceIp());
                if (e.retentionUntilMicros() != null) g.writeNumberField("retention_until", e.retentionUntilMicros());
                g.writeNumberField("ingested_at", e.ingestedAtMicros());
                str(g, "trace_id", e.traceId());
                str(g, "span_id", e.spanId());
                g.writeEndObject();
            }
            g.writeEndArray();
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        return out.toByteArray();
    }

    private static void str(JsonGenerator g, String name, String v) throws IOException {
        if (v != null) g.writeStringField(name, v);
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
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
