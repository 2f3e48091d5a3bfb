package dev.lakelog.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lakelog.api.LakelogException;
import dev.lakelog.api.StrictJson;
import dev.lakelog.auth.Tenant;
import dev.lakelog.auth.Tier;
import dev.lakelog.generate.EventGenerator;
import dev.lakelog.local.LocalBlobStore;
import dev.lakelog.segment.LogEvent;
import dev.lakelog.segment.SegmentCodec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ingest fast path (events validated from the JSON token stream, no tree) answers exactly as the
 * tree path does: the same events, byte for byte the same payload text, the same field errors in the
 * same order; and where it cannot word an answer the same way it declines, so the tree path answers.
 */
class IngestStreamingMatchesTreeTest {
    private static final Instant NOW = Instant.parse("2026-11-30T12:00:00Z");
    private static final ObjectMapper TREE = StrictJson.mapper();

    @TempDir
    Path dir;

    private IngestService service() {
        return new IngestService(new LocalBlobStore(dir), new SegmentCodec(), Clock.fixed(NOW, ZoneOffset.UTC), 8L * 1024 * 1024);
    }

    /** The tree path's answer for a batch array: its events and errors, or the exception it throws. */
    private record Answer(List<LogEvent> events, List<FieldError> errors) {}

    private static Answer tree(String body) throws Exception {
        JsonNode n = TREE.readTree(body);
        EventValidator v = new EventValidator(TREE);
        List<FieldError> errors = new ArrayList<>();
        List<LogEvent> events = new ArrayList<>();
        for (int i = 0; i < n.size(); i++) {
            LogEvent e = v.validate(n.get(i), i, "acme", NOW, errors);
            if (e != null) events.add(e);
        }
        return new Answer(events, errors);
    }

    private Answer streamed(String body, IngestService.Shape shape) {
        List<FieldError> errors = new ArrayList<>();
        List<LogEvent> events = service().streamed(body.getBytes(StandardCharsets.UTF_8), shape, "acme", NOW, errors);
        return events == null ? null : new Answer(events, errors);
    }

    /** Events with a server-assigned id (a fresh UUIDv7 on each path; no client id here is a UUID) compare without it. */
    private static List<LogEvent> comparable(List<LogEvent> events) {
        List<LogEvent> out = new ArrayList<>();
        for (LogEvent e : events) {
            if (e.logId().matches("[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}")) {
                e = new LogEvent(e.tenantId(), "(assigned)", e.timestampMicros(), e.eventType(), e.outcome(), e.severity(),
                        e.sensitivity(), e.actorId(), e.component(), e.environment(), e.resource(), e.message(), e.payload(),
                        e.policyTags(), e.sessionId(), e.requestId(), e.sourceIp(), e.retentionUntilMicros(),
                        e.ingestedAtMicros(), e.traceId(), e.spanId());
            }
            out.add(e);
        }
        return out;
    }

    private void assertSame(String body, boolean mustStream) throws Exception {
        Answer s = streamed(body, IngestService.Shape.ARRAY);
        if (mustStream) assertNotNull(s, "the fast path declined " + body);
        if (s == null) return;
        Answer t = tree(body);
        assertEquals(t.errors(), s.errors(), body);
        assertEquals(comparable(t.events()), comparable(s.events()), body);
    }

    /** A valid event; the fields of {@code extra} (JSON members, as text) replace or add to its own. */
    private static String base(String extra) {
        String[][] own = {{"log_id", "\"e-1\""}, {"timestamp", "\"2026-11-30T11:00:00Z\""}, {"event_type", "\"LOGIN\""},
            {"outcome", "\"SUCCESS\""}, {"severity", "\"INFO\""}, {"message", "\"user logged in\""}};
        StringBuilder b = new StringBuilder("{");
        for (String[] f : own) {
            String key = "\"" + f[0] + "\":";
            if (extra.startsWith(key) || extra.contains("," + key)) continue;
            if (b.length() > 1) b.append(',');
            b.append(key).append(f[1]);
        }
        if (!extra.isEmpty()) b.append(',').append(extra);
        return b.append('}').toString();
    }

    /** A valid event with {@code member} appended as is (for duplicates). */
    private static String withMember(String member) {
        String e = base("");
        return e.substring(0, e.length() - 1) + "," + member + "}";
    }

    @Test
    void the_generators_corpus_gives_the_same_events_through_both_paths() throws Exception {
        EventGenerator g = new EventGenerator(new EventGenerator.Spec(42, 3000, 2, 1, NOW.minusSeconds(3600)));
        List<ObjectNode> all = new ArrayList<>();
        g.generate((t, e) -> all.add(e));
        for (int from = 0; from < all.size(); from += 1000) {
            String body = TREE.writeValueAsString(all.subList(from, Math.min(all.size(), from + 1000)));
            assertSame(body, true);
        }
    }

    @Test
    void every_field_rule_reports_the_same_errors_in_the_same_order() throws Exception {
        String longText = "x".repeat(300);
        String[] extras = {
            "", "\"log_id\":\"has space\"", "\"sensitivity\":\"" + "s".repeat(65) + "\"", "\"actor_id\":\"" + longText + "\"",
            "\"source_ip\":\"10.0.0.256\"", "\"source_ip\":\"::1\"", "\"source_ip\":\"not-an-ip\"", "\"source_ip\":\"2001:db8::1\"",
            "\"policy_tags\":[\"pii\",\"hr\"]", "\"policy_tags\":[]", "\"policy_tags\":[\"\"]", "\"policy_tags\":\"pii\"",
            "\"policy_tags\":[\"" + "t".repeat(65) + "\"]", "\"policy_tags\":" + TREE.writeValueAsString(java.util.Collections.nCopies(33, "a")),
            "\"policy_tags\":[\"\\ud800\"]", "\"trace_id\":\"0AF7651916CD43DD8448EB211C80319C\"", "\"trace_id\":\"00000000000000000000000000000000\"",
            "\"span_id\":\"b7ad6b7169203331\"", "\"span_id\":\"xyz\"", "\"retention_until\":\"2027-01-01T00:00:00+01:00\"",
            "\"retention_until\":\"tomorrow\"", "\"component\":\"a\\u0000b\"", "\"resource\":\"\\udc00\"", "\"environment\":null",
            "\"payload\":null", "\"payload\":\"just text\"", "\"payload\":\"\\ud83d\"", "\"payload\":{}", "\"payload\":[]",
            "\"payload\":{\"a\":1,\"b\":[1,2,{\"c\":null}],\"d\":true,\"e\":false,\"f\":\"\\u00e9\\n\\t\\\"q\\\"\\u2028\"}",
            "\"payload\":{\"big\":\"" + "p".repeat(70 * 1024) + "\"}", "\"payload\":{\"k\":\"\\ud800\"}",
            "\"session_id\":\"s-1\",\"request_id\":\"r-1\",\"actor_id\":\"u\",\"component\":\"c\",\"environment\":\"prod\",\"resource\":\"/x\"",
        };
        StringBuilder all = new StringBuilder("[");
        for (String x : extras) {
            assertSame("[" + base(x) + "]", true);
            if (all.length() > 1) all.append(',');
            all.append(base(x));
        }
        // required fields absent, blank, wrong enums, bad and out-of-range times, in one event and across a batch
        String[] events = {
            "{\"message\":\"m\"}", "{\"timestamp\":\"\",\"event_type\":\" \",\"outcome\":\"MAYBE\",\"severity\":\"LOUD\",\"message\":\"\"}",
            "{\"timestamp\":\"2026-11-30T11:00:00\",\"event_type\":\"X\",\"outcome\":\"SUCCESS\",\"severity\":\"INFO\",\"message\":\"m\"}",
            "{\"timestamp\":\"1969-12-31T23:59:59Z\",\"event_type\":\"X\",\"outcome\":\"SUCCESS\",\"severity\":\"INFO\",\"message\":\"m\"}",
            "{\"timestamp\":\"2026-12-05T00:00:00Z\",\"event_type\":\"X\",\"outcome\":\"SUCCESS\",\"severity\":\"INFO\",\"message\":\"m\"}",
            "{\"timestamp\":\"2026-11-30T11:00:00.123456789-05:30\",\"event_type\":\"X\",\"outcome\":\"FAILURE\",\"severity\":\"ERROR\",\"message\":\"m\"}",
            "{\"timestamp\":\"2026-11-30t11:00:00z\",\"event_type\":\"X\",\"outcome\":\"UNKNOWN\",\"severity\":\"DEBUG\",\"message\":\"m\"}",
        };
        for (String e : events) {
            assertSame("[" + e + "]", true);
            all.append(',').append(e);
        }
        assertSame(all.append(']').toString(), true);
    }

    @Test
    void payload_numbers_are_written_as_the_tree_writes_them() throws Exception {
        String[] numbers = {"0", "-1", "2147483647", "2147483648", "-9223372036854775808", "9223372036854775808",
            "123456789012345678901234567890", "1.5", "1.50", "-0.0", "0.1", "1e5", "1E-7", "1.0e+2", "3.4028235e38",
            "1.7976931348623157e308", "4.9e-324", "123456789.123456789", "0.30000000000000004", "1e-400"};
        for (String n : numbers) {
            assertSame("[" + base("\"payload\":{\"n\":" + n + ",\"list\":[" + n + "]}") + "]", true);
            assertSame("[" + base("\"payload\":[" + n + "]") + "]", true);
        }
    }

    @Test
    void random_events_from_a_pool_of_values_give_the_same_answer_on_both_paths() throws Exception {
        String[] fields = {"log_id", "timestamp", "event_type", "outcome", "severity", "sensitivity", "actor_id", "component",
            "environment", "resource", "message", "payload", "policy_tags", "session_id", "request_id", "source_ip",
            "retention_until", "trace_id", "span_id"};
        String[] values = {"null", "\"\"", "\" \"", "\"INFO\"", "\"SUCCESS\"", "\"a-b.c\"", "\"2026-11-30T10:00:00Z\"",
            "\"2026-11-30T10:00:00.5+02:00\"", "\"10.1.2.3\"", "\"fe80::1\"", "\"4bf92f3577b34da6a3ce929d0e0e4736\"",
            "\"00f067aa0ba902b7\"", "[\"x\"]", "[]", "{\"a\":[1,2.5,\"s\",null,{\"b\":{}}]}", "{\"deep\":[[[[1]]]]}",
            "\"\\u00fc\\u4e2d\\ud83d\\ude00\"", "\"m\\\\n\"", "\"" + "y".repeat(257) + "\""};
        SplittableRandom r = new SplittableRandom(13);
        for (int round = 0; round < 300; round++) {
            StringBuilder b = new StringBuilder("[");
            int n = 1 + r.nextInt(5);
            for (int e = 0; e < n; e++) {
                if (e > 0) b.append(',');
                b.append('{');
                boolean first = true;
                for (String f : fields) {
                    if (r.nextInt(4) == 0) continue;
                    if (!first) b.append(',');
                    first = false;
                    b.append('"').append(f).append("\":").append(values[r.nextInt(values.length)]);
                }
                b.append('}');
            }
            assertSame(b.append(']').toString(), false);
        }
    }

    @Test
    void what_only_the_tree_can_word_is_left_to_the_tree() throws Exception {
        String[] declined = {
            "[" + base("\"extra\":1") + "]", // unknown field
            "[" + base("\"tenant_id\":\"other\"") + "]", // a server-set field
            "[" + withMember("\"message\":\"again\"") + "]", // a duplicate key
            "[" + base("\"payload\":{\"a\":1,\"a\":2}") + "]", // a duplicate key inside the payload
            "[" + base("\"payload\":{\"n\":1e400}") + "]", // a number that is not finite: the tree names where
            "[" + base("\"payload\":42") + "]", "[" + base("\"actor_id\":7") + "]", "[" + base("\"policy_tags\":[1]") + "]",
            "[]", "[1]", "[" + base("") + "] trailing", "{\"not\":\"an array\"}", "[" + base("") + ",", "[{\"a\":}]",
        };
        for (String body : declined) assertNull(streamed(body, IngestService.Shape.ARRAY), body);
    }

    @Test
    void the_public_routes_answer_through_the_fast_path_and_the_tree_alike() throws Exception {
        IngestService s = service();
        Tenant t = new Tenant("acme", Tier.PAID);
        // a duplicate key: the tree path's words (the fast path declined)
        LakelogException dup = assertThrows(LakelogException.class,
                () -> s.ingestBatch(t, ("[" + withMember("\"message\":\"again\"") + "]").getBytes(StandardCharsets.UTF_8), "application/json"));
        assertTrue(dup.getMessage().contains("Duplicate field 'message'"), dup.getMessage());
        // a field error found by the fast path
        ValidationException bad = assertThrows(ValidationException.class,
                () -> s.ingestOne(t, base("\"source_ip\":\"10.0.0.999\"").getBytes(StandardCharsets.UTF_8), "application/json"));
        assertEquals(List.of(new FieldError(null, "source_ip", "must be an IPv4 or IPv6 address")), bad.errors());
        // NDJSON: blank lines skipped, indexes counted over events
        IngestResult ok = s.ingestBatch(t, (base("") + "\n\n" + base("").replace("e-1", "e-2") + "\r\n").getBytes(StandardCharsets.UTF_8),
                "application/x-ndjson");
        assertEquals(List.of("e-1", "e-2"), ok.logIds());
        ValidationException nd = assertThrows(ValidationException.class, () -> s.ingestBatch(t,
                (base("") + "\n" + base("\"severity\":\"LOUD\"")).getBytes(StandardCharsets.UTF_8),
                "application/x-ndjson"));
        assertEquals(1, nd.errors().get(0).index());
        assertEquals("severity", nd.errors().get(0).field());
    }

    @Test
    void a_non_ascii_byte_at_any_offset_is_decoded_and_a_broken_one_refused() throws Exception {
        IngestService s = service();
        Tenant t = new Tenant("acme", Tier.PAID);
        for (int pad = 0; pad < 17; pad++) { // the ASCII pre-check reads eight bytes at a time: every offset in a word
            String message = "m".repeat(pad);
            byte[] ok = base("\"message\":\"" + message + "\u00e9\"").getBytes(StandardCharsets.UTF_8);
            assertEquals(1, s.ingestOne(t, ok, "application/json").logIds().size());
            String text = base("\"message\":\"" + message + "@@\"");
            byte[] broken = text.getBytes(StandardCharsets.UTF_8);
            int at = text.indexOf("@@");
            broken[at] = (byte) 0xC3;
            broken[at + 1] = (byte) 0x28;
            LakelogException e = assertThrows(LakelogException.class, () -> s.ingestOne(t, broken, "application/json"));
            assertEquals("request body is not valid UTF-8", e.getMessage());
        }
    }
}
