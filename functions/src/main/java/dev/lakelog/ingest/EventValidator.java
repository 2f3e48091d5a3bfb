package dev.lakelog.ingest;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lakelog.segment.LogEvent;
import dev.lakelog.segment.UuidV7;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Turns one JSON event into a {@link LogEvent}, or reports every problem with it. The rules
 * (required fields, enums, lengths, time range, payload size) are documented in docs/api.md.
 */
public final class EventValidator {
    public static final int MAX_MESSAGE_CHARS = 32 * 1024;
    public static final int MAX_SHORT_CHARS = 256;
    public static final int MAX_PAYLOAD_BYTES = 64 * 1024;
    public static final int MAX_TAGS = 32;
    public static final int MAX_TAG_CHARS = 64;
    /** Events may be up to this far in the future (clock skew). */
    public static final Duration MAX_FUTURE = Duration.ofDays(1);
    /** Earliest accepted event time. */
    public static final Instant MIN_TIME = Instant.parse("1970-01-01T00:00:00Z");
    private static final Instant MAX_TIME = Instant.parse("9999-12-31T23:59:59Z");

    private static final Map<String, Integer> SHORT_FIELDS = Map.of(
            "sensitivity", 64, "actor_id", MAX_SHORT_CHARS, "component", MAX_SHORT_CHARS,
            "environment", 64, "resource", 1024, "session_id", MAX_SHORT_CHARS,
            "request_id", MAX_SHORT_CHARS, "event_type", 128);
    private static final Set<String> SERVER_FIELDS = Set.of("tenant_id", "ingested_at", "archived_at", "segment_key");
    private static final Set<String> KNOWN = Set.of("log_id", "timestamp", "event_type", "outcome", "severity",
            "sensitivity", "actor_id", "component", "environment", "resource", "message", "payload", "policy_tags",
            "session_id", "request_id", "source_ip", "retention_until", "trace_id", "span_id");
    static final Pattern LOG_ID = Pattern.compile("[A-Za-z0-9._:@/+-]{1,128}");
    private static final Pattern IP = Pattern.compile("[0-9A-Fa-f:.%a-zA-Z]{2,64}");
    private static final Pattern IPV4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");

    private final ObjectMapper json;

    public EventValidator(ObjectMapper json) {
        this.json = json;
    }

    // Field slots of the known fields, in the order of KNOWN_ORDER.
    private static final int LOG_ID_F = 0, TIMESTAMP_F = 1, EVENT_TYPE_F = 2, OUTCOME_F = 3, SEVERITY_F = 4,
            SENSITIVITY_F = 5, ACTOR_ID_F = 6, COMPONENT_F = 7, ENVIRONMENT_F = 8, RESOURCE_F = 9, MESSAGE_F = 10,
            PAYLOAD_F = 11, POLICY_TAGS_F = 12, SESSION_ID_F = 13, REQUEST_ID_F = 14, SOURCE_IP_F = 15,
            RETENTION_UNTIL_F = 16, TRACE_ID_F = 17, SPAN_ID_F = 18, FIELDS = 19;
    private static final String[] KNOWN_ORDER = {"log_id", "timestamp", "event_type", "outcome", "severity",
            "sensitivity", "actor_id", "component", "environment", "resource", "message", "payload", "policy_tags",
            "session_id", "request_id", "source_ip", "retention_until", "trace_id", "span_id"};

    /** Validates; adds problems to {@code errors} and returns null if there are any. */
    public LogEvent validate(JsonNode node, Integer index, String tenantId, Instant now, List<FieldError> errors) {
        int before = errors.size();
        if (node == null || !node.isObject()) {
            errors.add(new FieldError(index, "$", "an event must be a JSON object"));
            return null;
        }
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (SERVER_FIELDS.contains(f)) {
                errors.add(new FieldError(index, f, "is set by the server and must not be sent"));
            } else if (!KNOWN.contains(f)) {
                errors.add(new FieldError(index, f, "unknown field"));
            }
        }
        Object[] v = new Object[FIELDS];
        for (int i = 0; i < FIELDS; i++) {
            JsonNode n = node.get(KNOWN_ORDER[i]);
            v[i] = n == null || n.isNull() ? null : n.isTextual() ? n.textValue() : n;
        }
        return build(v, index, tenantId, now, errors, before);
    }

    /** Thrown by {@link #validate(JsonParser, Integer, String, Instant, List)} when only the tree path may answer. */
    public static final class NeedsTree extends RuntimeException {
        static final NeedsTree INSTANCE = new NeedsTree();

        private NeedsTree() {
            super("input needs the JSON tree path", null, false, false);
        }
    }

    /**
     * The same validation as {@link #validate(JsonNode, Integer, String, Instant, List)}, read from
     * the token stream of one event: {@code p} is at the event's {@code START_OBJECT} and is left at
     * its {@code END_OBJECT}. No tree is built. The parser must not detect duplicate keys itself
     * (this method does). Anything this path does not answer with the tree path's exact words
     * (a duplicate key, an unknown or server-set field, a value of the wrong JSON type, a payload
     * number that is not finite) throws {@link NeedsTree}: the caller then validates the whole
     * request through the tree, which gives the message. Field problems it does find are added to
     * {@code errors} by the same rules and in the same order as the tree path.
     */
    public LogEvent validate(JsonParser p, Integer index, String tenantId, Instant now, List<FieldError> errors) throws IOException {
        int before = errors.size();
        Object[] v = new Object[FIELDS];
        boolean[] seen = new boolean[FIELDS];
        JsonToken t;
        while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
            int f = slot(p.currentName());
            if (f < 0 || seen[f]) throw NeedsTree.INSTANCE; // unknown/server field or duplicate: the tree's words
            seen[f] = true;
            t = p.nextToken();
            if (t == JsonToken.VALUE_NULL) continue;
            if (t == JsonToken.VALUE_STRING) {
                v[f] = p.getText();
            } else if (f == PAYLOAD_F) {
                if (t != JsonToken.START_OBJECT && t != JsonToken.START_ARRAY) throw NeedsTree.INSTANCE; // a number or boolean
                v[f] = copyJson(p);
            } else if (f == POLICY_TAGS_F && t == JsonToken.START_ARRAY) {
                List<String> tags = new ArrayList<>();
                while ((t = p.nextToken()) == JsonToken.VALUE_STRING) tags.add(p.getText());
                if (t != JsonToken.END_ARRAY) throw NeedsTree.INSTANCE;
                v[f] = tags;
            } else {
                throw NeedsTree.INSTANCE; // a wrong type: rare, worded by the tree path
            }
        }
        if (t != JsonToken.END_OBJECT) throw NeedsTree.INSTANCE;
        return build(v, index, tenantId, now, errors, before);
    }

    private static int slot(String f) {
        return switch (f) {
            case "log_id" -> LOG_ID_F;
            case "timestamp" -> TIMESTAMP_F;
            case "event_type" -> EVENT_TYPE_F;
            case "outcome" -> OUTCOME_F;
            case "severity" -> SEVERITY_F;
            case "sensitivity" -> SENSITIVITY_F;
            case "actor_id" -> ACTOR_ID_F;
            case "component" -> COMPONENT_F;
            case "environment" -> ENVIRONMENT_F;
            case "resource" -> RESOURCE_F;
            case "message" -> MESSAGE_F;
            case "payload" -> PAYLOAD_F;
            case "policy_tags" -> POLICY_TAGS_F;
            case "session_id" -> SESSION_ID_F;
            case "request_id" -> REQUEST_ID_F;
            case "source_ip" -> SOURCE_IP_F;
            case "retention_until" -> RETENTION_UNTIL_F;
            case "trace_id" -> TRACE_ID_F;
            case "span_id" -> SPAN_ID_F;
            default -> -1;
        };
    }

    /**
     * The payload container at {@code p} written as JSON text exactly as {@code writeValueAsString}
     * writes its tree (same generator, numbers as the tree holds them: int, long, BigInteger,
     * double), keys checked for duplicates here. Leaves {@code p} at the container's end.
     */
    private String copyJson(JsonParser p) throws IOException {
        java.io.StringWriter out = new java.io.StringWriter(256);
        try (JsonGenerator g = json.getFactory().createGenerator(out)) {
            KeySets keys = new KeySets();
            int depth = 0;
            JsonToken t = p.currentToken();
            while (true) {
                switch (t) {
                    case START_OBJECT -> {
                        g.writeStartObject();
                        keys.open(++depth);
                    }
                    case START_ARRAY -> {
                        g.writeStartArray();
                        ++depth;
                    }
                    case END_OBJECT -> {
                        g.writeEndObject();
                        depth--;
                    }
                    case END_ARRAY -> {
                        g.writeEndArray();
                        depth--;
                    }
                    case FIELD_NAME -> {
                        String name = p.currentName();
                        if (!keys.add(depth, name)) throw NeedsTree.INSTANCE; // a duplicate key
                        g.writeFieldName(name);
                    }
                    case VALUE_STRING -> g.writeString(p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
                    case VALUE_NUMBER_INT -> {
                        switch (p.getNumberType()) {
                            case INT -> g.writeNumber(p.getIntValue());
                            case LONG -> g.writeNumber(p.getLongValue());
                            default -> {
                                java.math.BigInteger b = p.getBigIntegerValue();
                                if (!Double.isFinite(b.doubleValue())) throw NeedsTree.INSTANCE;
                                g.writeNumber(b);
                            }
                        }
                    }
                    case VALUE_NUMBER_FLOAT -> {
                        switch (p.getNumberType()) {
                            case BIG_DECIMAL -> {
                                java.math.BigDecimal d = p.getDecimalValue();
                                if (!Double.isFinite(d.doubleValue())) throw NeedsTree.INSTANCE;
                                g.writeNumber(d);
                            }
                            case FLOAT -> {
                                float d = p.getFloatValue();
                                if (!Float.isFinite(d)) throw NeedsTree.INSTANCE;
                                g.writeNumber(d);
                            }
                            default -> {
                                double d = p.getDoubleValue();
                                if (!Double.isFinite(d)) throw NeedsTree.INSTANCE; // the tree path names where
                                g.writeNumber(d);
                            }
                        }
                    }
                    case VALUE_TRUE -> g.writeBoolean(true);
                    case VALUE_FALSE -> g.writeBoolean(false);
                    case VALUE_NULL -> g.writeNull();
                    default -> throw NeedsTree.INSTANCE;
                }
                if (depth == 0) break;
                t = p.nextToken();
                if (t == null) throw NeedsTree.INSTANCE;
            }
        }
        return out.toString();
    }

    /** The keys seen in each open object of a payload, for duplicate detection (linear while small). */
    private static final class KeySets {
        private final List<List<String>> levels = new ArrayList<>();
        private final List<Set<String>> big = new ArrayList<>();

        void open(int depth) {
            while (levels.size() < depth) {
                levels.add(new ArrayList<>());
                big.add(null);
            }
            levels.get(depth - 1).clear();
            big.set(depth - 1, null);
        }

        boolean add(int depth, String name) {
            Set<String> b = big.get(depth - 1);
            if (b != null) return b.add(name);
            List<String> l = levels.get(depth - 1);
            for (int i = 0; i < l.size(); i++) if (l.get(i).equals(name)) return false;
            l.add(name);
            if (l.size() > 16) big.set(depth - 1, new java.util.HashSet<>(l));
            return true;
        }
    }

    private LogEvent build(Object[] v, Integer index, String tenantId, Instant now, List<FieldError> errors, int before) {
        String logId = optText(v[LOG_ID_F], "log_id", index, errors, 128);
        if (logId != null && !logIdChars(logId)) {
            errors.add(new FieldError(index, "log_id", "must be 1-128 characters of letters, digits and ._:@/+-"));
        }
        Long ts = time(v[TIMESTAMP_F], "timestamp", true, index, now, errors);
        String eventType = reqText(v[EVENT_TYPE_F], "event_type", index, errors, SHORT_FIELDS.get("event_type"));
        String outcome = enumText(v[OUTCOME_F], "outcome", LogEvent.OUTCOMES, index, errors);
        String severity = enumText(v[SEVERITY_F], "severity", LogEvent.SEVERITIES, index, errors);
        String message = reqText(v[MESSAGE_F], "message", index, errors, MAX_MESSAGE_CHARS);
        String sensitivity = optText(v[SENSITIVITY_F], "sensitivity", index, errors, SHORT_FIELDS.get("sensitivity"));
        String actorId = optText(v[ACTOR_ID_F], "actor_id", index, errors, SHORT_FIELDS.get("actor_id"));
        String component = optText(v[COMPONENT_F], "component", index, errors, SHORT_FIELDS.get("component"));
        String environment = optText(v[ENVIRONMENT_F], "environment", index, errors, SHORT_FIELDS.get("environment"));
        String resource = optText(v[RESOURCE_F], "resource", index, errors, SHORT_FIELDS.get("resource"));
        String sessionId = optText(v[SESSION_ID_F], "session_id", index, errors, SHORT_FIELDS.get("session_id"));
        String requestId = optText(v[REQUEST_ID_F], "request_id", index, errors, SHORT_FIELDS.get("request_id"));
        String sourceIp = optText(v[SOURCE_IP_F], "source_ip", index, errors, 64);
        if (sourceIp != null && !validIp(sourceIp)) {
            errors.add(new FieldError(index, "source_ip", "must be an IPv4 or IPv6 address"));
        }
        List<String> tags = tags(v[POLICY_TAGS_F], index, errors);
        String payload = payload(v[PAYLOAD_F], index, errors);
        Long retention = time(v[RETENTION_UNTIL_F], "retention_until", false, index, null, errors);
        String traceId = hexId(v[TRACE_ID_F], "trace_id", 32, index, errors);
        String spanId = hexId(v[SPAN_ID_F], "span_id", 16, index, errors);
        if (errors.size() > before) return null;
        return new LogEvent(tenantId, logId != null ? logId : UuidV7.next(now).toString(), ts, eventType, outcome,
                severity, sensitivity, actorId, component, environment, resource, message, payload, tags, sessionId,
                requestId, sourceIp, retention, LogEvent.micros(now), traceId, spanId);
    }

    /** A W3C trace or span id: {@code digits} hex digits, not all zero; stored lower-case. */
    private static String hexId(Object node, String f, int digits, Integer index, List<FieldError> errors) {
        String s = optText(node, f, index, errors, digits);
        if (s == null) return null;
        String lower = s.toLowerCase(java.util.Locale.ROOT);
        if (!lowerHex(lower, digits)) {
            errors.add(new FieldError(index, f, "must be " + digits + " hex digits, not all zero (W3C trace context)"));
            return null;
        }
        return lower;
    }

    /** What {@code LOG_ID} matches, without a matcher per event. */
    static boolean logIdChars(String s) {
        int n = s.length();
        if (n < 1 || n > 128) return false;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            boolean ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                    || c == '.' || c == '_' || c == ':' || c == '@' || c == '/' || c == '+' || c == '-';
            if (!ok) return false;
        }
        return true;
    }

    /** Exactly {@code digits} characters of 0-9a-f, not all '0'. */
    private static boolean lowerHex(String s, int digits) {
        if (s.length() != digits) return false;
        boolean nonZero = false;
        for (int i = 0; i < digits; i++) {
            char c = s.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
            if (c != '0') nonZero = true;
        }
        return nonZero;
    }

    private static boolean validIp(String s) {
        int v4 = ipv4(s);
        if (v4 >= 0) return v4 == 1;
        return s.contains(":") && IP.matcher(s).matches() && s.chars().filter(c -> c == ':').count() >= 2;
    }

    /**
     * What {@code IPV4} says of {@code s} without a regex: -1 when it is not four dot-separated
     * groups of 1-3 ASCII digits, else 1 when every group is at most 255 and 0 when one is not.
     */
    static int ipv4(String s) {
        int n = s.length();
        if (n < 7 || n > 15) return -1;
        int groups = 0, digits = 0, value = 0;
        boolean inRange = true;
        for (int i = 0; i <= n; i++) {
            char c = i < n ? s.charAt(i) : '.';
            if (c >= '0' && c <= '9') {
                if (++digits > 3) return -1;
                value = value * 10 + (c - '0');
            } else if (c == '.') {
                if (digits == 0 || ++groups > 4) return -1;
                if (value > 255) inRange = false;
                digits = 0;
                value = 0;
            } else {
                return -1;
            }
        }
        if (groups != 4) return -1;
        return inRange ? 1 : 0;
    }

    /** {@code value}: null (absent or JSON null), a String (a JSON string) or the JsonNode of anything else. */
    private static String text(Object value, String f, Integer index, List<FieldError> errors, int max, boolean required) {
        if (value == null) {
            if (required) errors.add(new FieldError(index, f, "is required"));
            return null;
        }
        if (!(value instanceof String s)) {
            errors.add(new FieldError(index, f, "must be a string, got " + ((JsonNode) value).getNodeType().name().toLowerCase()));
            return null;
        }
        if (required && s.isBlank()) {
            errors.add(new FieldError(index, f, "must not be empty"));
            return null;
        }
        if (s.length() > max) {
            errors.add(new FieldError(index, f, "is longer than " + max + " characters (" + s.length() + ")"));
            return null;
        }
        if (s.indexOf('\0') >= 0) {
            errors.add(new FieldError(index, f, "must not contain NUL characters"));
            return null;
        }
        if (!wellFormed(s)) {
            errors.add(new FieldError(index, f, "contains an unpaired UTF-16 surrogate escape (not valid Unicode)"));
            return null;
        }
        return s;
    }

    private static String reqText(Object node, String f, Integer index, List<FieldError> errors, int max) {
        return text(node, f, index, errors, max, true);
    }

    private static String optText(Object node, String f, Integer index, List<FieldError> errors, int max) {
        return text(node, f, index, errors, max, false);
    }

    private static String enumText(Object node, String f, Set<String> allowed, Integer index, List<FieldError> errors) {
        String s = reqText(node, f, index, errors, 32);
        if (s != null && !allowed.contains(s)) {
            errors.add(new FieldError(index, f, "must be one of " + new java.util.TreeSet<>(allowed) + ", got '" + s + "'"));
            return null;
        }
        return s;
    }

    private Long time(Object node, String f, boolean required, Integer index, Instant now, List<FieldError> errors) {
        String s = text(node, f, index, errors, 64, required);
        if (s == null) return null;
        Instant t = IsoTime.parseCommon(s);
        if (t == null) try {
            t = OffsetDateTime.parse(s, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
        } catch (DateTimeParseException e) {
            errors.add(new FieldError(index, f, "must be an ISO 8601 date-time with offset, e.g. 2026-11-23T10:15:30Z; got '" + s + "'"));
            return null;
        }
        if (t.isBefore(MIN_TIME)) {
            errors.add(new FieldError(index, f, "is before " + MIN_TIME));
            return null;
        }
        if (now != null && t.isAfter(now.plus(MAX_FUTURE))) {
            errors.add(new FieldError(index, f, "is more than " + MAX_FUTURE.toHours() + " hours in the future"));
            return null;
        }
        if (t.isAfter(MAX_TIME)) {
            errors.add(new FieldError(index, f, "is out of range"));
            return null;
        }
        return LogEvent.micros(t);
    }

    /** {@code value}: null, a String, the list of strings read from the token stream, or a JsonNode. */
    @SuppressWarnings("unchecked")
    private static List<String> tags(Object value, Integer index, List<FieldError> errors) {
        if (value == null) return null;
        if (value instanceof List<?> list) {
            List<String> streamed = (List<String>) list;
            if (streamed.size() > MAX_TAGS) {
                errors.add(new FieldError(index, "policy_tags", "has more than " + MAX_TAGS + " tags (" + streamed.size() + ")"));
                return null;
            }
            for (int i = 0; i < streamed.size(); i++) {
                String t = streamed.get(i);
                if (t.isEmpty() || t.length() > MAX_TAG_CHARS || !wellFormed(t)) {
                    errors.add(new FieldError(index, "policy_tags[" + i + "]", "must be a string of 1-" + MAX_TAG_CHARS + " characters"));
                    return null;
                }
            }
            return streamed;
        }
        if (!(value instanceof JsonNode v) || !v.isArray()) {
            errors.add(new FieldError(index, "policy_tags", "must be an array of strings"));
            return null;
        }
        if (v.size() > MAX_TAGS) {
            errors.add(new FieldError(index, "policy_tags", "has more than " + MAX_TAGS + " tags (" + v.size() + ")"));
            return null;
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < v.size(); i++) {
            JsonNode t = v.get(i);
            if (!t.isTextual() || t.textValue().isEmpty() || t.textValue().length() > MAX_TAG_CHARS || !wellFormed(t.textValue())) {
                errors.add(new FieldError(index, "policy_tags[" + i + "]", "must be a string of 1-" + MAX_TAG_CHARS + " characters"));
                return null;
            }
            out.add(t.textValue());
        }
        return out;
    }

    /** Objects and arrays are serialised as JSON text; anything else becomes its string form. */
    private String payload(Object value, Integer index, List<FieldError> errors) {
        if (value == null) return null;
        if (value instanceof String text) return checkedPayload(text, index, errors); // a JSON string, or a streamed container
        JsonNode v = (JsonNode) value;
        String where = nonFinite(v, "payload");
        if (where != null) {
            errors.add(new FieldError(index, "payload", "holds a number that is not finite at " + where
                    + " (JSON numbers must fit a double; send very large values as strings)"));
            return null;
        }
        String s;
        if (v.isContainerNode()) {
            try {
                s = json.writeValueAsString(v);
            } catch (JsonProcessingException e) {
                errors.add(new FieldError(index, "payload", "cannot be serialised: " + e.getOriginalMessage()));
                return null;
            }
        } else {
            s = v.asText();
        }
        return checkedPayload(s, index, errors);
    }

    private static String checkedPayload(String s, Integer index, List<FieldError> errors) {
        if (!wellFormed(s)) {
            errors.add(new FieldError(index, "payload", "contains an unpaired UTF-16 surrogate escape (not valid Unicode)"));
            return null;
        }
        long bytes = utf8Length(s);
        if (bytes > MAX_PAYLOAD_BYTES) {
            errors.add(new FieldError(index, "payload", "is larger than " + MAX_PAYLOAD_BYTES + " bytes (" + bytes + ")"));
            return null;
        }
        return s;
    }

    /** The path of the first number in {@code v} that is infinite or NaN as a double, or null. */
    private static String nonFinite(JsonNode v, String path) {
        if (!hasNonFinite(v)) return null; // the common case: no path strings built
        if (v.isNumber()) return path;
        if (v.isArray()) {
            for (int i = 0; i < v.size(); i++) {
                String w = nonFinite(v.get(i), path + "[" + i + "]");
                if (w != null) return w;
            }
        } else if (v.isObject()) {
            var it = v.fields();
            while (it.hasNext()) {
                var f = it.next();
                String w = nonFinite(f.getValue(), path + "." + f.getKey());
                if (w != null) return w;
            }
        }
        return null;
    }

    private static boolean hasNonFinite(JsonNode v) {
        if (v.isNumber()) return !Double.isFinite(v.doubleValue());
        if (v.isContainerNode()) {
            for (JsonNode c : v) if (hasNonFinite(c)) return true;
        }
        return false;
    }

    /** The UTF-8 length of a well-formed string, without encoding it. */
    static long utf8Length(String s) {
        long n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) n += 1;
            else if (c < 0x800) n += 2;
            else if (Character.isHighSurrogate(c)) {
                n += 4;
                i++;
            } else n += 3;
        }
        return n;
    }

    /** True when every surrogate in {@code s} is part of a pair (so it encodes as UTF-8). */
    static boolean wellFormed(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c)) {
                if (i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1))) return false;
                i++;
            } else if (Character.isLowSurrogate(c)) {
                return false;
            }
        }
        return true;
    }

}
