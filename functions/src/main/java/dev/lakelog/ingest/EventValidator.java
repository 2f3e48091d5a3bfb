package dev.lakelog.ingest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lakelog.segment.LogEvent;
import dev.lakelog.segment.UuidV7;
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
        String logId = optText(node, "log_id", index, errors, 128);
        if (logId != null && !logIdChars(logId)) {
            errors.add(new FieldError(index, "log_id", "must be 1-128 characters of letters, digits and ._:@/+-"));
        }
        Long ts = time(node, "timestamp", true, index, now, errors);
        String eventType = reqText(node, "event_type", index, errors, SHORT_FIELDS.get("event_type"));
        String outcome = enumText(node, "outcome", LogEvent.OUTCOMES, index, errors);
        String severity = enumText(node, "severity", LogEvent.SEVERITIES, index, errors);
        String message = reqText(node, "message", index, errors, MAX_MESSAGE_CHARS);
        String sensitivity = optText(node, "sensitivity", index, errors, SHORT_FIELDS.get("sensitivity"));
        String actorId = optText(node, "actor_id", index, errors, SHORT_FIELDS.get("actor_id"));
        String component = optText(node, "component", index, errors, SHORT_FIELDS.get("component"));
        String environment = optText(node, "environment", index, errors, SHORT_FIELDS.get("environment"));
        String resource = optText(node, "resource", index, errors, SHORT_FIELDS.get("resource"));
        String sessionId = optText(node, "session_id", index, errors, SHORT_FIELDS.get("session_id"));
        String requestId = optText(node, "request_id", index, errors, SHORT_FIELDS.get("request_id"));
        String sourceIp = optText(node, "source_ip", index, errors, 64);
        if (sourceIp != null && !validIp(sourceIp)) {
            errors.add(new FieldError(index, "source_ip", "must be an IPv4 or IPv6 address"));
        }
        List<String> tags = tags(node, index, errors);
        String payload = payload(node, index, errors);
        Long retention = time(node, "retention_until", false, index, null, errors);
        String traceId = hexId(node, "trace_id", 32, index, errors);
        String spanId = hexId(node, "span_id", 16, index, errors);
        if (errors.size() > before) return null;
        return new LogEvent(tenantId, logId != null ? logId : UuidV7.next(now).toString(), ts, eventType, outcome,
                severity, sensitivity, actorId, component, environment, resource, message, payload, tags, sessionId,
                requestId, sourceIp, retention, LogEvent.micros(now), traceId, spanId);
    }

    /** A W3C trace or span id: {@code digits} hex digits, not all zero; stored lower-case. */
    private static String hexId(JsonNode node, String f, int digits, Integer index, List<FieldError> errors) {
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

    private static String text(JsonNode node, String f, Integer index, List<FieldError> errors, int max, boolean required) {
        JsonNode v = node.get(f);
        if (v == null || v.isNull()) {
            if (required) errors.add(new FieldError(index, f, "is required"));
            return null;
        }
        if (!v.isTextual()) {
            errors.add(new FieldError(index, f, "must be a string, got " + v.getNodeType().name().toLowerCase()));
            return null;
        }
        String s = v.textValue();
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

    private static String reqText(JsonNode node, String f, Integer index, List<FieldError> errors, int max) {
        return text(node, f, index, errors, max, true);
    }

    private static String optText(JsonNode node, String f, Integer index, List<FieldError> errors, int max) {
        return text(node, f, index, errors, max, false);
    }

    private static String enumText(JsonNode node, String f, Set<String> allowed, Integer index, List<FieldError> errors) {
        String s = reqText(node, f, index, errors, 32);
        if (s != null && !allowed.contains(s)) {
            errors.add(new FieldError(index, f, "must be one of " + new java.util.TreeSet<>(allowed) + ", got '" + s + "'"));
            return null;
        }
        return s;
    }

    private Long time(JsonNode node, String f, boolean required, Integer index, Instant now, List<FieldError> errors) {
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

    private static List<String> tags(JsonNode node, Integer index, List<FieldError> errors) {
        JsonNode v = node.get("policy_tags");
        if (v == null || v.isNull()) return null;
        if (!v.isArray()) {
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
    private String payload(JsonNode node, Integer index, List<FieldError> errors) {
        JsonNode v = node.get("payload");
        if (v == null || v.isNull()) return null;
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
