package dev.lakelog.ingest;

import dev.lakelog.segment.LogEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lakelog.api.ErrorCode;
import dev.lakelog.api.LakelogException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Maps an OTLP/HTTP JSON {@code ExportLogsServiceRequest} (or a protobuf one, turned into that
 * shape by {@link OtlpProtobuf}) onto lakelog events (as JSON objects
 * that then go through {@link EventValidator} like any other event). The mapping is documented
 * in docs/ingest.md, "OTLP mapping". Events are numbered in document order
 * (resourceLogs, then scopeLogs, then logRecords), which is the index a 400 names.
 */
public final class OtlpMapper {
    private static final Map<String, String> SEVERITY_TEXT = Map.ofEntries(
            Map.entry("TRACE", "DEBUG"), Map.entry("DEBUG", "DEBUG"), Map.entry("INFO", "INFO"),
            Map.entry("INFORMATION", "INFO"), Map.entry("NOTICE", "NOTICE"), Map.entry("WARN", "WARNING"),
            Map.entry("WARNING", "WARNING"), Map.entry("ERROR", "ERROR"), Map.entry("FATAL", "CRITICAL"),
            Map.entry("CRITICAL", "CRITICAL"), Map.entry("CRIT", "CRITICAL"), Map.entry("ALERT", "CRITICAL"),
            Map.entry("EMERGENCY", "CRITICAL"));
    private final ObjectMapper json;

    public OtlpMapper(ObjectMapper json) {
        this.json = json;
    }

    /** The events of the request; structural problems are a 400 naming the JSON path. */
    public List<JsonNode> toEvents(JsonNode req, Instant now) {
        if (!req.isObject()) throw new LakelogException(ErrorCode.INVALID_OTLP, "OTLP body must be a JSON object ExportLogsServiceRequest");
        List<JsonNode> out = new ArrayList<>();
        JsonNode rls = req.get("resourceLogs");
        if (rls == null || rls.isNull()) return out;
        requireArray(rls, "resourceLogs");
        for (int i = 0; i < rls.size(); i++) {
            JsonNode rl = rls.get(i);
            String rp = "resourceLogs[" + i + "]";
            requireObject(rl, rp);
            ObjectNode resAttrs = attributes(rl.path("resource").get("attributes"), rp + ".resource.attributes");
            JsonNode sls = rl.get("scopeLogs");
            if (sls == null || sls.isNull()) continue;
            requireArray(sls, rp + ".scopeLogs");
            for (int j = 0; j < sls.size(); j++) {
                JsonNode sl = sls.get(j);
                String sp = rp + ".scopeLogs[" + j + "]";
                requireObject(sl, sp);
                JsonNode scope = sl.path("scope");
                ObjectNode scopeNode = json.createObjectNode();
                if (scope.hasNonNull("name")) scopeNode.put("name", scope.get("name").asText());
                if (scope.hasNonNull("version")) scopeNode.put("version", scope.get("version").asText());
                ObjectNode scopeAttrs = attributes(scope.get("attributes"), sp + ".scope.attributes");
                if (!scopeAttrs.isEmpty()) scopeNode.set("attributes", scopeAttrs);
                JsonNode lrs = sl.get("logRecords");
                if (lrs == null || lrs.isNull()) continue;
                requireArray(lrs, sp + ".logRecords");
                for (int k = 0; k < lrs.size(); k++) {
                    JsonNode lr = lrs.get(k);
                    String lp = sp + ".logRecords[" + k + "]";
                    requireObject(lr, lp);
                    out.add(record(lr, lp, resAttrs, scopeNode, now));
                }
            }
        }
        return out;
    }

    private ObjectNode record(JsonNode lr, String path, ObjectNode resAttrs, ObjectNode scope, Instant now) {
        ObjectNode attrs = attributes(lr.get("attributes"), path + ".attributes");
        ObjectNode e = json.createObjectNode();
        long nanos = nanos(lr.get("timeUnixNano"), path + ".timeUnixNano");
        if (nanos == 0) nanos = nanos(lr.get("observedTimeUnixNano"), path + ".observedTimeUnixNano");
        Instant t = nanos == 0 ? now : Instant.EPOCH.plus(nanos, ChronoUnit.NANOS);
        e.put("timestamp", t.toString());
        String eventType = firstText(lr.get("eventName"), attrs.get("event.name"), attrs.get("event_type"));
        e.put("event_type", eventType != null ? eventType : "otel.log");
        String outcome = text(attrs.get("outcome"));
        e.put("outcome", outcome != null && LogEvent.OUTCOMES.contains(outcome.toUpperCase(Locale.ROOT))
                ? outcome.toUpperCase(Locale.ROOT) : "UNKNOWN");
        e.put("severity", severity(text(lr.get("severityText")), lr.path("severityNumber")));
        JsonNode body = lr.get("body");
        String message = null;
        if (body != null && !body.isNull()) {
            JsonNode v = anyValue(body, path + ".body");
            message = v.isTextual() ? v.textValue() : v.isNull() ? null : v.toString();
        }
        e.put("message", message == null || message.isBlank() ? "(empty OTLP log body)" : message);
        putIf(e, "component", text(resAttrs.get("service.name")));
        putIf(e, "environment", firstText(resAttrs.get("deployment.environment.name"), resAttrs.get("deployment.environment")));
        putIf(e, "actor_id", text(attrs.get("enduser.id")));
        putIf(e, "source_ip", firstText(attrs.get("client.address"), attrs.get("source.address")));
        // OTLP: an empty or all-zero id means "no trace"; anything else must be valid hex (EventValidator checks).
        putIf(e, "trace_id", traceContextId(lr.get("traceId")));
        putIf(e, "span_id", traceContextId(lr.get("spanId")));
        ObjectNode payload = json.createObjectNode();
        if (lr.hasNonNull("flags")) payload.set("flags", lr.get("flags"));
        putIf(payload, "severity_text", text(lr.get("severityText")));
        if (lr.path("severityNumber").canConvertToInt() && lr.path("severityNumber").asInt() > 0) {
            payload.put("severity_number", lr.get("severityNumber").asInt());
        }
        if (body != null && !body.isNull() && !anyValue(body, path + ".body").isTextual()) payload.set("body", anyValue(body, path + ".body"));
        if (!attrs.isEmpty()) payload.set("attributes", attrs);
        if (!resAttrs.isEmpty()) payload.set("resource", resAttrs);
        if (!scope.isEmpty()) payload.set("scope", scope);
        if (!payload.isEmpty()) e.set("payload", payload);
        return e;
    }

    static String severity(String text, JsonNode number) {
        if (text != null) {
            String m = SEVERITY_TEXT.get(text.trim().toUpperCase(Locale.ROOT));
            if (m != null) return m;
        }
        int n = number.canConvertToInt() ? number.asInt() : 0;
        if (number.isTextual()) {
            // protojson may send the enum name, e.g. "SEVERITY_NUMBER_WARN".
            String s = number.textValue().replace("SEVERITY_NUMBER_", "");
            String m = SEVERITY_TEXT.get(s.replaceAll("\\d+$", ""));
            if (m != null) return m;
        }
        if (n >= 21) return "CRITICAL";
        if (n >= 17) return "ERROR";
        if (n >= 13) return "WARNING";
        if (n >= 9) return "INFO";
        if (n >= 1) return "DEBUG";
        return "INFO";
    }

    /** A trace or span id as sent, or null when it is absent, empty or all zeros (OTLP's "not set"). */
    private static String traceContextId(JsonNode n) {
        String s = text(n);
        if (s == null || s.isEmpty() || s.chars().allMatch(c -> c == '0')) return null;
        return s;
    }

    private static void putIf(ObjectNode n, String f, String v) {
        if (v != null && !v.isEmpty()) n.put(f, v);
    }

    private static String text(JsonNode n) {
        return n == null || n.isNull() || n.isContainerNode() ? null : n.asText();
    }

    private static String firstText(JsonNode... ns) {
        for (JsonNode n : ns) {
            String s = text(n);
            if (s != null && !s.isEmpty()) return s;
        }
        return null;
    }

    /** int64 nanos: protojson sends a decimal string, some senders a number. 0 when absent. */
    private static long nanos(JsonNode n, String path) {
        if (n == null || n.isNull()) return 0;
        try {
            if (n.isIntegralNumber() && n.canConvertToLong()) return n.asLong();
            if (n.isTextual()) return n.textValue().isEmpty() ? 0 : Long.parseUnsignedLong(n.textValue());
        } catch (NumberFormatException e) {
            // fall through
        }
        throw new LakelogException(ErrorCode.INVALID_OTLP, path + " must be a decimal string of nanoseconds since the epoch, got " + n);
    }

    /** {key, value: AnyValue} list to a JSON object of plain values. */
    private ObjectNode attributes(JsonNode list, String path) {
        ObjectNode out = json.createObjectNode();
        if (list == null || list.isNull()) return out;
        requireArray(list, path);
        for (int i = 0; i < list.size(); i++) {
            JsonNode kv = list.get(i);
            if (!kv.isObject() || !kv.path("key").isTextual()) {
                throw new LakelogException(ErrorCode.INVALID_OTLP, path + "[" + i + "] must be an object with a string 'key' and a 'value'");
            }
            out.set(kv.get("key").textValue(), kv.hasNonNull("value") ? anyValue(kv.get("value"), path + "[" + i + "].value") : json.nullNode());
        }
        return out;
    }

    /** OTLP AnyValue to a plain JSON value. */
    private JsonNode anyValue(JsonNode v, String path) {
        if (!v.isObject()) throw new LakelogException(ErrorCode.INVALID_OTLP, path + " must be an OTLP AnyValue object, e.g. {\"stringValue\": \"...\"}");
        if (v.has("stringValue")) return json.getNodeFactory().textNode(v.get("stringValue").asText());
        if (v.has("boolValue")) return json.getNodeFactory().booleanNode(v.get("boolValue").asBoolean());
        if (v.has("intValue")) {
            JsonNode i = v.get("intValue");
            try {
                return json.getNodeFactory().numberNode(i.isTextual() ? Long.parseLong(i.textValue()) : i.asLong());
            } catch (NumberFormatException e) {
                throw new LakelogException(ErrorCode.INVALID_OTLP, path + ".intValue must be an integer, got " + i);
            }
        }
        if (v.has("doubleValue")) return json.getNodeFactory().numberNode(v.get("doubleValue").asDouble());
        if (v.has("bytesValue")) return json.getNodeFactory().textNode(v.get("bytesValue").asText());
        if (v.has("arrayValue")) {
            ArrayNode a = json.createArrayNode();
            JsonNode vals = v.get("arrayValue").path("values");
            if (!vals.isMissingNode() && !vals.isNull()) {
                requireArray(vals, path + ".arrayValue.values");
                for (int i = 0; i < vals.size(); i++) a.add(anyValue(vals.get(i), path + ".arrayValue.values[" + i + "]"));
            }
            return a;
        }
        if (v.has("kvlistValue")) return attributes(v.get("kvlistValue").get("values"), path + ".kvlistValue.values");
        return json.nullNode();
    }

    private static void requireArray(JsonNode n, String path) {
        if (!n.isArray()) throw new LakelogException(ErrorCode.INVALID_OTLP, path + " must be an array");
    }

    private static void requireObject(JsonNode n, String path) {
        if (!n.isObject()) throw new LakelogException(ErrorCode.INVALID_OTLP, path + " must be an object");
    }
}
