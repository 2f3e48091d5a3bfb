package dev.lakelog.telemetry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.lakelog.api.ErrorCode;
import dev.lakelog.api.LakelogException;
import dev.lakelog.segment.MetricPoint;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsPartialSuccess;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.Exemplar;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * OTLP/HTTP metrics, both encodings, mapped by one set of rules (the producers' pattern of
 * {@code ingest.OtlpProtobuf}: protobuf is first turned into the OTLP/HTTP JSON shape, then
 * {@link #points} maps JSON). Accepted: gauges, sums (cumulative or delta, monotonic or not) and
 * explicit-bucket histograms. Exponential histograms and summaries are refused with 400
 * {@code unsupported_metric} naming the metric (docs/metrics.md). A point with a non-finite value is
 * rejected alone and counted in {@code partialSuccess}; a point flagged "no recorded value" is skipped.
 */
public final class OtlpMetrics {
    public static final int MAX_ANY_VALUE_DEPTH = 24;
    public static final int MAX_POINTS = 100_000;
    public static final int MAX_NAME_LENGTH = 255;
    private static final HexFormat HEX = HexFormat.of();
    private static final int FLAG_NO_RECORDED_VALUE = 1;
    private final ObjectMapper json;

    public OtlpMetrics(ObjectMapper json) {
        this.json = json;
    }

    /** What a request carried: the points to store, and the points rejected with why. */
    public record Mapped(List<MetricPoint> points, int rejected, String errorMessage) {}

    // ---------------------------------------------------------------- protobuf -> OTLP/HTTP JSON

    public JsonNode protobufToJson(byte[] body) {
        ExportMetricsServiceRequest req;
        try {
            CodedInputStream in = CodedInputStream.newInstance(body);
            in.setRecursionLimit(64);
            req = ExportMetricsServiceRequest.parseFrom(in);
            in.checkLastTagWas(0);
        } catch (InvalidProtocolBufferException e) {
            throw new LakelogException(ErrorCode.INVALID_OTLP, "request body is not a valid OTLP protobuf ExportMetricsServiceRequest: " + e.getMessage());
        } catch (java.io.IOException e) {
            throw new LakelogException(ErrorCode.INVALID_OTLP, "request body cannot be read as OTLP protobuf: " + e.getMessage());
        }
        ObjectNode out = json.createObjectNode();
        ArrayNode rms = out.putArray("resourceMetrics");
        for (ResourceMetrics rm : req.getResourceMetricsList()) {
            ObjectNode rmn = rms.addObject();
            rmn.putObject("resource").set("attributes", attributes(rm.getResource().getAttributesList(), 0));
            ArrayNode sms = rmn.putArray("scopeMetrics");
            for (ScopeMetrics sm : rm.getScopeMetricsList()) {
                ObjectNode smn = sms.addObject();
                ObjectNode scope = smn.putObject("scope");
                if (!sm.getScope().getName().isEmpty()) scope.put("name", sm.getScope().getName());
                if (!sm.getScope().getVersion().isEmpty()) scope.put("version", sm.getScope().getVersion());
                ArrayNode ms = smn.putArray("metrics");
                for (Metric m : sm.getMetricsList()) ms.add(metric(m));
            }
        }
        return out;
    }

    private ObjectNode metric(Metric m) {
        ObjectNode n = json.createObjectNode();
        n.put("name", m.getName());
        if (!m.getUnit().isEmpty()) n.put("unit", m.getUnit());
        if (!m.getDescription().isEmpty()) n.put("description", m.getDescription());
        switch (m.getDataCase()) {
            case GAUGE -> {
                ArrayNode dps = n.putObject("gauge").putArray("dataPoints");
                for (NumberDataPoint p : m.getGauge().getDataPointsList()) dps.add(number(p));
            }
            case SUM -> {
                ObjectNode s = n.putObject("sum");
                s.put("aggregationTemporality", m.getSum().getAggregationTemporalityValue());
                s.put("isMonotonic", m.getSum().getIsMonotonic());
                ArrayNode dps = s.putArray("dataPoints");
                for (NumberDataPoint p : m.getSum().getDataPointsList()) dps.add(number(p));
            }
            case HISTOGRAM -> {
                ObjectNode h = n.putObject("histogram");
                h.put("aggregationTemporality", m.getHistogram().getAggregationTemporalityValue());
                ArrayNode dps = h.putArray("dataPoints");
                for (HistogramDataPoint p : m.getHistogram().getDataPointsList()) dps.add(histogram(p));
            }
            case EXPONENTIAL_HISTOGRAM -> n.putObject("exponentialHistogram");
            case SUMMARY -> n.putObject("summary");
            default -> {
                // no data: refused by the mapper
            }
        }
        return n;
    }

    private ObjectNode number(NumberDataPoint p) {
        ObjectNode n = json.createObjectNode();
        common(n, p.getAttributesList(), p.getStartTimeUnixNano(), p.getTimeUnixNano(), p.getFlags(), p.getExemplarsList());
        switch (p.getValueCase()) {
            case AS_DOUBLE -> putDouble(n, "asDouble", p.getAsDouble());
            case AS_INT -> n.put("asInt", Long.toString(p.getAsInt()));
            default -> {
                // no value
            }
        }
        return n;
    }

    private ObjectNode histogram(HistogramDataPoint p) {
        ObjectNode n = json.createObjectNode();
        common(n, p.getAttributesList(), p.getStartTimeUnixNano(), p.getTimeUnixNano(), p.getFlags(), p.getExemplarsList());
        n.put("count", Long.toUnsignedString(p.getCount()));
        if (p.hasSum()) putDouble(n, "sum", p.getSum());
        if (p.hasMin()) putDouble(n, "min", p.getMin());
        if (p.hasMax()) putDouble(n, "max", p.getMax());
        ArrayNode bc = n.putArray("bucketCounts");
        for (long c : p.getBucketCountsList()) bc.add(Long.toUnsignedString(c));
        ArrayNode eb = n.putArray("explicitBounds");
        for (double b : p.getExplicitBoundsList()) eb.add(b);
        return n;
    }

    /** The protobuf JSON mapping writes non-finite doubles as the strings "NaN", "Infinity", "-Infinity". */
    private static void putDouble(ObjectNode n, String f, double v) {
        if (Double.isFinite(v)) n.put(f, v);
        else n.put(f, Double.isNaN(v) ? "NaN" : (v > 0 ? "Infinity" : "-Infinity"));
    }

    private void common(ObjectNode n, List<KeyValue> attrs, long start, long time, int flags, List<Exemplar> exemplars) {
        if (!attrs.isEmpty()) n.set("attributes", attributes(attrs, 0));
        if (start != 0) n.put("startTimeUnixNano", Long.toUnsignedString(start));
        if (time != 0) n.put("timeUnixNano", Long.toUnsignedString(time));
        if (flags != 0) n.put("flags", Integer.toUnsignedLong(flags));
        if (!exemplars.isEmpty()) {
            ArrayNode ex = n.putArray("exemplars");
            for (Exemplar e : exemplars) {
                ObjectNode en = ex.addObject();
                if (!e.getTraceId().isEmpty()) en.put("traceId", hex(e.getTraceId()));
                if (!e.getSpanId().isEmpty()) en.put("spanId", hex(e.getSpanId()));
            }
        }
    }

    private ArrayNode attributes(List<KeyValue> kvs, int depth) {
        ArrayNode a = json.createArrayNode();
        for (KeyValue kv : kvs) {
            ObjectNode o = a.addObject();
            o.put("key", kv.getKey());
            if (kv.hasValue()) o.set("value", anyValue(kv.getValue(), depth + 1));
        }
        return a;
    }

    private ObjectNode anyValue(AnyValue v, int depth) {
        if (depth > MAX_ANY_VALUE_DEPTH) throw new LakelogException(ErrorCode.INVALID_OTLP, "an attribute nests AnyValues deeper than " + MAX_ANY_VALUE_DEPTH + " levels");
        ObjectNode o = json.createObjectNode();
        switch (v.getValueCase()) {
            case STRING_VALUE -> o.put("stringValue", v.getStringValue());
            case BOOL_VALUE -> o.put("boolValue", v.getBoolValue());
            case INT_VALUE -> o.put("intValue", Long.toString(v.getIntValue()));
            case DOUBLE_VALUE -> putDouble(o, "doubleValue", v.getDoubleValue());
            case BYTES_VALUE -> o.put("bytesValue", Base64.getEncoder().encodeToString(v.getBytesValue().toByteArray()));
            case ARRAY_VALUE -> {
                ArrayNode vals = o.putObject("arrayValue").putArray("values");
                for (AnyValue x : v.getArrayValue().getValuesList()) vals.add(anyValue(x, depth + 1));
            }
            case KVLIST_VALUE -> o.putObject("kvlistValue").set("values", attributes(v.getKvlistValue().getValuesList(), depth + 1));
            default -> {
                // empty AnyValue
            }
        }
        return o;
    }

    private static String hex(ByteString b) {
        return HEX.formatHex(b.toByteArray());
    }

    /** The protobuf answer: empty when everything was accepted, else {@code partial_success}. */
    public static byte[] protobufResponse(long rejected, String errorMessage) {
        ExportMetricsServiceResponse.Builder b = ExportMetricsServiceResponse.newBuilder();
        if (rejected > 0) {
            b.setPartialSuccess(ExportMetricsPartialSuccess.newBuilder().setRejectedDataPoints(rejected)
                    .setErrorMessage(errorMessage == null ? "" : errorMessage));
        }
        return b.build().toByteArray();
    }

    // ---------------------------------------------------------------- OTLP/HTTP JSON -> points

    /** Maps an OTLP/HTTP JSON request; a malformed one is a 400 naming the place, and nothing is stored. */
    public Mapped points(JsonNode root, String tenant, long ingestedAtMicros) {
        if (root == null || !root.isObject()) throw invalid("", "the body must be a JSON object with 'resourceMetrics'");
        JsonNode rms = root.path("resourceMetrics");
        if (!rms.isArray()) throw invalid("resourceMetrics", "is required and must be an array");
        List<MetricPoint> out = new ArrayList<>();
        int rejected = 0;
        List<String> reasons = new ArrayList<>();
        for (int i = 0; i < rms.size(); i++) {
            String rp = "resourceMetrics[" + i + "]";
            JsonNode rm = rms.get(i);
            Map<String, String> resource = attrs(rm.path("resource").path("attributes"), rp + ".resource.attributes");
            JsonNode sms = rm.path("scopeMetrics");
            if (!sms.isMissingNode() && !sms.isArray()) throw invalid(rp + ".scopeMetrics", "must be an array");
            for (int j = 0; j < sms.size(); j++) {
                String sp = rp + ".scopeMetrics[" + j + "]";
                JsonNode sm = sms.get(j);
                String scope = text(sm.path("scope").path("name"), sp + ".scope.name");
                JsonNode ms = sm.path("metrics");
                if (!ms.isMissingNode() && !ms.isArray()) throw invalid(sp + ".metrics", "must be an array");
                for (int k = 0; k < ms.size(); k++) {
                    String mp = sp + ".metrics[" + k + "]";
                    JsonNode m = ms.get(k);
                    String name = text(m.path("name"), mp + ".name");
                    if (name == null || name.isBlank()) throw invalid(mp + ".name", "is required");
                    if (name.length() > MAX_NAME_LENGTH) throw invalid(mp + ".name", "is longer than " + MAX_NAME_LENGTH + " characters");
                    String unit = text(m.path("unit"), mp + ".unit");
                    if (unit != null && unit.isEmpty()) unit = null;
                    String kind = null;
                    for (String c : List.of("gauge", "sum", "histogram", "exponentialHistogram", "summary")) {
                        if (m.has(c)) {
                            if (kind != null) throw invalid(mp, "has both '" + kind + "' and '" + c + "'; a metric has one kind of data");
                            kind = c;
                        }
                    }
                    if (kind == null) throw invalid(mp, "metric '" + name + "' has no data: one of gauge, sum or histogram is required");
                    if (kind.equals("exponentialHistogram") || kind.equals("summary")) {
                        throw new LakelogException(ErrorCode.UNSUPPORTED_METRIC, mp + ": metric '" + name + "' is an OTLP " + kind
                                + ", which lakelog does not store; send gauges, sums or explicit-bucket histograms (configure the SDK's "
                                + "histogram aggregation as explicit buckets), nothing of this request was stored");
                    }
                    JsonNode data = m.get(kind);
                    String type = kind.equals("histogram") ? MetricPoint.HISTOGRAM : (kind.equals("sum") ? MetricPoint.SUM : MetricPoint.GAUGE);
                    String temporality = null;
                    Boolean mono = null;
                    if (!kind.equals("gauge")) {
                        temporality = temporality(data.path("aggregationTemporality"), mp + "." + kind + ".aggregationTemporality");
                        if (kind.equals("sum")) mono = data.path("isMonotonic").asBoolean(false);
                    }
                    JsonNode dps = data.path("dataPoints");
                    if (!dps.isArray()) throw invalid(mp + "." + kind + ".dataPoints", "is required and must be an array");
                    for (int d = 0; d < dps.size(); d++) {
                        String dp = mp + "." + kind + ".dataPoints[" + d + "]";
                        JsonNode p = dps.get(d);
                        long flags = p.path("flags").asLong(0);
                        if ((flags & FLAG_NO_RECORDED_VALUE) != 0) continue;
                        Map<String, String> attributes = attrs(p.path("attributes"), dp + ".attributes");
                        long time = nanos(p.path("timeUnixNano"), dp + ".timeUnixNano");
                        if (time <= 0) throw invalid(dp + ".timeUnixNano", "is required");
                        long startN = nanos(p.path("startTimeUnixNano"), dp + ".startTimeUnixNano");
                        Long start = startN > 0 ? startN / 1000 : null;
                        String trace = null;
                        String span = null;
                        JsonNode ex = p.path("exemplars");
                        if (ex.isArray()) {
                            for (JsonNode e : ex) {
                                String t = text(e.path("traceId"), dp + ".exemplars.traceId");
                                if (t != null && !t.isEmpty()) {
                                    trace = hexId(t, 32, dp + ".exemplars.traceId");
                                    String s = text(e.path("spanId"), dp + ".exemplars.spanId");
                                    span = s == null || s.isEmpty() ? null : hexId(s, 16, dp + ".exemplars.spanId");
                                    break;
                                }
                            }
                        }
                        String series = MetricPoint.seriesId(name, type, unit, attributes, resource);
                        if (type.equals(MetricPoint.HISTOGRAM)) {
                            double[] bounds = doubles(p.path("explicitBounds"), dp + ".explicitBounds");
                            long[] counts = counts(p.path("bucketCounts"), dp + ".bucketCounts");
                            if (counts.length > 0 && counts.length != bounds.length + 1) {
                                throw invalid(dp + ".bucketCounts", "has " + counts.length + " counts for " + bounds.length
                                        + " explicitBounds; there must be one more count than bounds");
                            }
                            for (int b = 1; b < bounds.length; b++) {
                                if (!(bounds[b] > bounds[b - 1])) throw invalid(dp + ".explicitBounds", "must be strictly increasing");
                            }
                            long count = nanos(p.path("count"), dp + ".count");
                            long total = 0;
                            for (long c : counts) total += c;
                            if (counts.length > 0 && total != count) {
                                throw invalid(dp + ".count", "is " + count + " but the bucket counts add up to " + total);
                            }
                            Double sum = optDouble(p.path("sum"), dp + ".sum");
                            Double min = optDouble(p.path("min"), dp + ".min");
                            Double max = optDouble(p.path("max"), dp + ".max");
                            if ((sum != null && !Double.isFinite(sum)) || (min != null && !Double.isFinite(min)) || (max != null && !Double.isFinite(max))) {
                                rejected++;
                                reasons.add(dp + ": non-finite sum, min or max");
                                continue;
                            }
                            out.add(new MetricPoint(tenant, name, type, unit, temporality, null, series, time / 1000, start, null, count, sum, min, max,
                                    counts.length == 0 ? null : bounds, counts.length == 0 ? null : counts, attributes, resource, scope, trace, span,
                                    ingestedAtMicros));
                        } else {
                            Double v;
                            if (p.has("asDouble")) v = optDouble(p.path("asDouble"), dp + ".asDouble");
                            else if (p.has("asInt")) v = (double) nanos(p.path("asInt"), dp + ".asInt", true);
                            else throw invalid(dp, "has no value: asDouble or asInt is required");
                            if (v == null || !Double.isFinite(v)) {
                                rejected++;
                                reasons.add(dp + ": value is not a finite number");
                                continue;
                            }
                            out.add(new MetricPoint(tenant, name, type, unit, temporality, mono, series, time / 1000, start, v, null, null, null, null,
                                    null, null, attributes, resource, scope, trace, span, ingestedAtMicros));
                        }
                        if (out.size() > MAX_POINTS) {
                            throw new LakelogException(ErrorCode.PAYLOAD_TOO_LARGE, "the request has more than " + MAX_POINTS + " data points; send smaller batches");
                        }
                    }
                }
            }
        }
        String msg = reasons.isEmpty() ? null : rejected + " data point(s) rejected: " + String.join("; ", reasons.subList(0, Math.min(10, reasons.size())));
        return new Mapped(out, rejected, msg);
    }

    private static LakelogException invalid(String path, String what) {
        return new LakelogException(ErrorCode.INVALID_OTLP, (path.isEmpty() ? "" : path + " ") + what);
    }

    private static String temporality(JsonNode n, String path) {
        int v;
        if (n.isInt() || n.isLong()) v = n.asInt();
        else if (n.isTextual()) {
            v = switch (n.asText()) {
                case "AGGREGATION_TEMPORALITY_DELTA" -> 1;
                case "AGGREGATION_TEMPORALITY_CUMULATIVE" -> 2;
                default -> 0;
            };
        } else v = 0;
        return switch (v) {
            case 1 -> MetricPoint.DELTA;
            case 2 -> MetricPoint.CUMULATIVE;
            default -> throw invalid(path, "must be 1 (delta) or 2 (cumulative)");
        };
    }

    private static String text(JsonNode n, String path) {
        if (n.isMissingNode() || n.isNull()) return null;
        if (!n.isTextual()) throw invalid(path, "must be a string");
        if (n.asText().indexOf('\0') >= 0) throw invalid(path, "must not contain NUL characters");
        return n.asText();
    }

    private static long nanos(JsonNode n, String path) {
        return nanos(n, path, false);
    }

    /** A uint64/int64 field: the JSON mapping writes them as decimal strings; numbers are accepted too. */
    private static long nanos(JsonNode n, String path, boolean signed) {
        if (n.isMissingNode() || n.isNull()) return 0;
        try {
            if (n.isIntegralNumber() && n.canConvertToLong()) return n.asLong();
            if (n.isTextual()) return signed ? Long.parseLong(n.asText()) : Long.parseUnsignedLong(n.asText());
        } catch (NumberFormatException e) {
            // falls through
        }
        throw invalid(path, "must be an integer (a decimal string or number)");
    }

    private static Double optDouble(JsonNode n, String path) {
        if (n.isMissingNode() || n.isNull()) return null;
        if (n.isNumber()) return n.asDouble();
        if (n.isTextual()) {
            switch (n.asText()) {
                case "NaN": return Double.NaN;
                case "Infinity": return Double.POSITIVE_INFINITY;
                case "-Infinity": return Double.NEGATIVE_INFINITY;
                default:
                    try {
                        return Double.parseDouble(n.asText());
                    } catch (NumberFormatException e) {
                        // falls through
                    }
            }
        }
        throw invalid(path, "must be a number");
    }

    private static double[] doubles(JsonNode n, String path) {
        if (n.isMissingNode() || n.isNull()) return new double[0];
        if (!n.isArray()) throw invalid(path, "must be an array of numbers");
        double[] out = new double[n.size()];
        for (int i = 0; i < n.size(); i++) {
            Double d = optDouble(n.get(i), path + "[" + i + "]");
            if (d == null || !Double.isFinite(d)) throw invalid(path + "[" + i + "]", "must be a finite number");
            out[i] = d;
        }
        return out;
    }

    private static long[] counts(JsonNode n, String path) {
        if (n.isMissingNode() || n.isNull()) return new long[0];
        if (!n.isArray()) throw invalid(path, "must be an array of integers");
        long[] out = new long[n.size()];
        for (int i = 0; i < n.size(); i++) {
            out[i] = nanos(n.get(i), path + "[" + i + "]");
            if (out[i] < 0) throw invalid(path + "[" + i + "]", "must not be negative");
        }
        return out;
    }

    private static String hexId(String s, int len, String path) {
        String h = s.toLowerCase(java.util.Locale.ROOT);
        if (h.length() != len || !h.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            throw invalid(path, "must be " + len + " hex characters");
        }
        return h;
    }

    /** Attributes as text: strings as they are, numbers and booleans in their JSON form, arrays and maps as JSON. */
    private Map<String, String> attrs(JsonNode n, String path) {
        Map<String, String> out = new LinkedHashMap<>();
        if (n.isMissingNode() || n.isNull()) return out;
        if (!n.isArray()) throw invalid(path, "must be an array of {key, value}");
        for (int i = 0; i < n.size(); i++) {
            JsonNode kv = n.get(i);
            String key = text(kv.path("key"), path + "[" + i + "].key");
            if (key == null || key.isEmpty()) throw invalid(path + "[" + i + "].key", "is required");
            String v = anyText(kv.path("value"), path + "[" + i + "].value", 0);
            if (v != null) out.put(key, v);
        }
        return out;
    }

    private String anyText(JsonNode v, String path, int depth) {
        if (v.isMissingNode() || v.isNull()) return null;
        if (depth > MAX_ANY_VALUE_DEPTH) throw invalid(path, "nests deeper than " + MAX_ANY_VALUE_DEPTH + " levels");
        if (!v.isObject()) throw invalid(path, "must be an OTLP AnyValue object");
        Iterator<String> f = v.fieldNames();
        if (!f.hasNext()) return null;
        String k = f.next();
        JsonNode x = v.get(k);
        return switch (k) {
            case "stringValue" -> text(x, path + ".stringValue");
            case "boolValue" -> Boolean.toString(x.asBoolean());
            case "intValue" -> Long.toString(nanos(x, path + ".intValue", true));
            case "doubleValue" -> {
                Double d = optDouble(x, path + ".doubleValue");
                yield d == null ? null : (d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString(d.longValue()) : d.toString());
            }
            case "bytesValue" -> text(x, path + ".bytesValue");
            case "arrayValue", "kvlistValue" -> toJsonText(x, path, depth);
            default -> throw invalid(path, "has unknown AnyValue field '" + k + "'");
        };
    }

    private String toJsonText(JsonNode x, String path, int depth) {
        JsonNode vals = x.path("values");
        if (!vals.isArray()) return "[]";
        if (x.has("values") && vals.size() > 0 && vals.get(0).has("key")) {
            ObjectNode o = json.createObjectNode();
            for (JsonNode kv : vals) o.put(kv.path("key").asText(), anyText(kv.path("value"), path, depth + 1));
            return o.toString();
        }
        ArrayNode a = json.createArrayNode();
        for (JsonNode e : vals) a.add(anyText(e, path, depth + 1));
        return a.toString();
    }
}
