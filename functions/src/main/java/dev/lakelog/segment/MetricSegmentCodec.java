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
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Metric segments: the hot tier of {@code POST /v1/metrics}, self-describing CBOR like the log
 * segments of {@link SegmentCodec}, under their own prefix so that the log rollup never sees them:
 * {@code metric-segments/tenant=<t>/date=<YYYY-MM-DD>/hour=<HH>/<uuidv7>.cbor} (ingest time, UTC).
 *
 * <pre>
 * { "format": 1, "kind": "metrics", "tenant": "...", "count": N, "created_at": micros,
 *   "digest": "sha256:&lt;hex of points bytes&gt;", "points": h'&lt;CBOR array of point maps&gt;' }
 * </pre>
 * The digest covers exactly the bytes the rollup decodes.
 */
public final class MetricSegmentCodec {
    public static final int FORMAT_VERSION = 1;
    public static final String ROOT = "metric-segments/";
    private static final CBORFactory CBOR = new CBORFactory();
    private static final Pattern KEY = Pattern.compile(
            "metric-segments/tenant=([^/]+)/date=(\\d{4}-\\d{2}-\\d{2})/hour=(\\d{2})/([0-9a-f-]{36})\\.cbor");

    /** A decoded metric segment. */
    public record Decoded(String tenantId, long createdAtMicros, String digest, List<MetricPoint> points) {}

    public static String newKey(String tenantId, Instant ingestTime) {
        ZonedDateTime t = ingestTime.atZone(ZoneOffset.UTC);
        return String.format("%stenant=%s/date=%04d-%02d-%02d/hour=%02d/%s.cbor", ROOT, tenantId,
                t.getYear(), t.getMonthValue(), t.getDayOfMonth(), t.getHour(), UuidV7.next(ingestTime));
    }

    public static String tenantPrefix(String tenantId) {
        return ROOT + "tenant=" + tenantId + "/";
    }

    public static Optional<String> tenantOf(String key) {
        Matcher m = KEY.matcher(key);
        return m.matches() ? Optional.of(m.group(1)) : Optional.empty();
    }

    public byte[] encode(String tenantId, long createdAtMicros, List<MetricPoint> points) {
        byte[] body = encodePoints(points);
        ByteArrayOutputStream out = new ByteArrayOutputStream(body.length + 160);
        try (JsonGenerator g = CBOR.createGenerator(out)) {
            g.writeStartObject();
            g.writeNumberField("format", FORMAT_VERSION);
            g.writeStringField("kind", "metrics");
            g.writeStringField("tenant", tenantId);
            g.writeNumberField("count", points.size());
            g.writeNumberField("created_at", createdAtMicros);
            g.writeStringField("digest", "sha256:" + sha256Hex(body));
            g.writeFieldName("points");
            g.writeBinary(body);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** Size of one point once encoded, to split large requests into several segments. */
    public int encodedSize(MetricPoint p) {
        return encodePoints(List.of(p)).length;
    }

    private static byte[] encodePoints(List<MetricPoint> points) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(points.size() * 200 + 16);
        try (JsonGenerator g = CBOR.createGenerator(out)) {
            g.writeStartArray();
            for (MetricPoint p : points) {
                g.writeStartObject();
                g.writeStringField("tenant_id", p.tenantId());
                g.writeStringField("metric_name", p.name());
                g.writeStringField("metric_type", p.type());
                str(g, "unit", p.unit());
                str(g, "temporality", p.temporality());
                if (p.monotonic() != null) g.writeBooleanField("is_monotonic", p.monotonic());
                g.writeStringField("series_id", p.seriesId());
                g.writeNumberField("timestamp", p.timestampMicros());
                if (p.startMicros() != null) g.writeNumberField("start_time", p.startMicros());
                if (p.value() != null) g.writeNumberField("value", p.value());
                if (p.histCount() != null) g.writeNumberField("hist_count", p.histCount());
                if (p.histSum() != null) g.writeNumberField("hist_sum", p.histSum());
                if (p.histMin() != null) g.writeNumberField("hist_min", p.histMin());
                if (p.histMax() != null) g.writeNumberField("hist_max", p.histMax());
                if (p.bounds() != null) {
                    g.writeFieldName("explicit_bounds");
                    g.writeArray(p.bounds(), 0, p.bounds().length);
                }
                if (p.bucketCounts() != null) {
                    g.writeFieldName("bucket_counts");
                    g.writeArray(p.bucketCounts(), 0, p.bucketCounts().length);
                }
                map(g, "attributes", p.attributes());
                map(g, "resource_attributes", p.resourceAttributes());
                str(g, "scope_name", p.scopeName());
                str(g, "exemplar_trace_id", p.exemplarTraceId());
                str(g, "exemplar_span_id", p.exemplarSpanId());
                g.writeNumberField("ingested_at", p.ingestedAtMicros());
                g.writeEndObject();
            }
            g.writeEndArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static void str(JsonGenerator g, String f, String v) throws IOException {
        if (v != null) g.writeStringField(f, v);
    }

    private static void map(JsonGenerator g, String f, Map<String, String> m) throws IOException {
        g.writeObjectFieldStart(f);
        for (Map.Entry<String, String> e : m.entrySet()) g.writeStringField(e.getKey(), e.getValue());
        g.writeEndObject();
    }

    public Decoded decode(byte[] bytes) throws SegmentFormatException {
        try (JsonParser p = CBOR.createParser(bytes)) {
            if (p.nextToken() != JsonToken.START_OBJECT) throw new SegmentFormatException("metric segment is not a CBOR map");
            Integer format = null;
            String tenant = null;
            String kind = null;
            Long count = null;
            Long created = null;
            String digest = null;
            byte[] body = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String f = p.currentName();
                p.nextToken();
                switch (f) {
                    case "format" -> format = p.getIntValue();
                    case "kind" -> kind = p.getText();
                    case "tenant" -> tenant = p.getText();
                    case "count" -> count = p.getLongValue();
                    case "created_at" -> created = p.getLongValue();
                    case "digest" -> digest = p.getText();
                    case "points" -> body = p.getBinaryValue();
                    default -> p.skipChildren();
                }
            }
            if (format == null || format != FORMAT_VERSION) throw new SegmentFormatException("unsupported metric segment format " + format);
            if (!"metrics".equals(kind)) throw new SegmentFormatException("not a metric segment (kind " + kind + ")");
            if (tenant == null || count == null || created == null || digest == null || body == null) {
                throw new SegmentFormatException("metric segment header is incomplete");
            }
            String actual = "sha256:" + sha256Hex(body);
            if (!actual.equals(digest)) throw new SegmentFormatException("metric segment digest mismatch: header " + digest + ", content " + actual);
            List<MetricPoint> points = decodePoints(body);
            if (points.size() != count) throw new SegmentFormatException("metric segment count " + count + " but " + points.size() + " points");
            return new Decoded(tenant, created, digest, points);
        } catch (IOException | RuntimeException e) {
            throw new SegmentFormatException("metric segment cannot be decoded: " + e.getMessage());
        }
    }

    private static List<MetricPoint> decodePoints(byte[] body) throws IOException {
        List<MetricPoint> out = new ArrayList<>();
        try (JsonParser p = CBOR.createParser(body)) {
            if (p.nextToken() != JsonToken.START_ARRAY) throw new IOException("points are not an array");
            while (p.nextToken() == JsonToken.START_OBJECT) {
                String tenant = null, name = null, type = null, unit = null, temporality = null, series = null, scope = null, trace = null, span = null;
                Boolean mono = null;
                long ts = 0, ingested = 0;
                Long start = null, hcount = null;
                Double value = null, hsum = null, hmin = null, hmax = null;
                double[] bounds = null;
                long[] counts = null;
                Map<String, String> attrs = Map.of(), res = Map.of();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String f = p.currentName();
                    JsonToken t = p.nextToken();
                    switch (f) {
                        case "tenant_id" -> tenant = p.getText();
                        case "metric_name" -> name = p.getText();
                        case "metric_type" -> type = p.getText();
                        case "unit" -> unit = p.getText();
                        case "temporality" -> temporality = p.getText();
                        case "is_monotonic" -> mono = p.getBooleanValue();
                        case "series_id" -> series = p.getText();
                        case "timestamp" -> ts = p.getLongValue();
                        case "start_time" -> start = p.getLongValue();
                        case "value" -> value = p.getDoubleValue();
                        case "hist_count" -> hcount = p.getLongValue();
                        case "hist_sum" -> hsum = p.getDoubleValue();
                        case "hist_min" -> hmin = p.getDoubleValue();
                        case "hist_max" -> hmax = p.getDoubleValue();
                        case "explicit_bounds" -> {
                            List<Double> xs = new ArrayList<>();
                            while (p.nextToken() != JsonToken.END_ARRAY) xs.add(p.getDoubleValue());
                            bounds = xs.stream().mapToDouble(Double::doubleValue).toArray();
                        }
                        case "bucket_counts" -> {
                            List<Long> xs = new ArrayList<>();
                            while (p.nextToken() != JsonToken.END_ARRAY) xs.add(p.getLongValue());
                            counts = xs.stream().mapToLong(Long::longValue).toArray();
                        }
                        case "attributes" -> attrs = readMap(p);
                        case "resource_attributes" -> res = readMap(p);
                        case "scope_name" -> scope = p.getText();
                        case "exemplar_trace_id" -> trace = p.getText();
                        case "exemplar_span_id" -> span = p.getText();
                        case "ingested_at" -> ingested = p.getLongValue();
                        default -> {
                            if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) p.skipChildren();
                        }
                    }
                }
                if (tenant == null || name == null || type == null || series == null) throw new IOException("a point lacks tenant, name, type or series");
                out.add(new MetricPoint(tenant, name, type, unit, temporality, mono, series, ts, start, value, hcount, hsum, hmin, hmax,
                        bounds, counts, attrs, res, scope, trace, span, ingested));
            }
        }
        return out;
    }

    private static Map<String, String> readMap(JsonParser p) throws IOException {
        Map<String, String> m = new LinkedHashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String k = p.currentName();
            p.nextToken();
            m.put(k, p.getText());
        }
        return m;
    }

    private static String sha256Hex(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
