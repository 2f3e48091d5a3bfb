package dev.lakelog.segment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The hot tier's CBOR segment format: what goes in comes out, and anything damaged is refused by name. */
class SegmentCodecTest {
    private final SegmentCodec codec = new SegmentCodec();
    private static final ObjectMapper CBOR = new ObjectMapper(new CBORFactory());

    static LogEvent full(String tenant, String id) {
        return new LogEvent(tenant, id, 1_763_600_000_123_456L, "AUTH_LOGIN", "SUCCESS", "INFO", "CONFIDENTIAL", "user-1",
                "auth-api", "production", "/login", "héllo wörld ✓ 日本", "{\"a\":[1,2,{\"b\":null}]}", List.of("pii", "sox"),
                "sess-1", "req-1", "10.0.0.1", 1_900_000_000_000_000L, 1_763_600_001_000_000L);
    }

    static LogEvent minimal(String tenant, String id) {
        return new LogEvent(tenant, id, 1L, null, null, null, null, null, null, null, null, null, null, null, null, null,
                null, null, 2L);
    }

    @Test
    void every_field_round_trips_including_nulls_and_non_ascii_text() throws Exception {
        List<LogEvent> events = List.of(full("acme", "a"), minimal("acme", "b"));
        Segment s = codec.decode(codec.encode("acme", 42L, events));
        assertThat(s.tenantId()).isEqualTo("acme");
        assertThat(s.createdAtMicros()).isEqualTo(42L);
        assertThat(s.formatVersion()).isEqualTo(SegmentCodec.FORMAT_VERSION);
        assertThat(s.events()).containsExactlyElementsOf(events);
        assertThat(s.digest()).startsWith("sha256:");
        assertThat(s.grouped()).isFalse();
    }

    @Test
    void a_part_of_a_multi_segment_request_round_trips_its_group() throws Exception {
        List<String> keys = List.of("segments/k1.cbor", "segments/k2.cbor");
        Segment s = codec.decode(codec.encode("acme", 1L, List.of(minimal("acme", "x")), "g1", 2, keys));
        assertThat(s.grouped()).isTrue();
        assertThat(s.groupKeys()).containsExactlyElementsOf(keys);
    }

    @Test
    void an_empty_segment_round_trips() throws Exception {
        assertThat(codec.decode(codec.encode("acme", 1L, List.of())).events()).isEmpty();
    }

    @Test
    void encoded_size_is_a_fair_estimate_of_the_encoded_bytes() {
        LogEvent e = full("acme", "a");
        int one = codec.encode("acme", 1L, List.of(e)).length;
        int two = codec.encode("acme", 1L, List.of(e, e)).length;
        assertThat(codec.encodedSize(e)).isBetween((two - one) / 2, (two - one) * 2);
    }

    @Test
    void a_truncated_segment_is_refused() {
        byte[] b = codec.encode("acme", 1L, List.of(full("acme", "a")));
        for (int cut : new int[] {0, 1, b.length / 2, b.length - 1}) {
            assertThatThrownBy(() -> codec.decode(Arrays.copyOf(b, cut))).as("cut at " + cut).isInstanceOf(SegmentFormatException.class);
        }
    }

    @Test
    void one_flipped_byte_in_the_events_fails_the_digest() throws Exception {
        byte[] b = codec.encode("acme", 1L, List.of(full("acme", "a")));
        ObjectNode header = (ObjectNode) CBOR.readTree(b);
        byte[] events = header.get("events").binaryValue();
        events[events.length / 2] ^= 0x01;
        header.put("events", events);
        assertThatThrownBy(() -> codec.decode(CBOR.writeValueAsBytes(header)))
                .isInstanceOf(SegmentFormatException.class).hasMessageContaining("digest mismatch");
    }

    @Test
    void another_format_version_is_refused_by_number() throws Exception {
        ObjectNode header = (ObjectNode) CBOR.readTree(codec.encode("acme", 1L, List.of(minimal("acme", "a"))));
        header.put("format", 99);
        assertThatThrownBy(() -> codec.decode(CBOR.writeValueAsBytes(header)))
                .isInstanceOf(SegmentFormatException.class).hasMessageContaining("format 99");
    }

    @Test
    void a_header_without_its_digest_or_count_is_refused() throws Exception {
        for (String field : new String[] {"digest", "count", "tenant", "created_at", "events"}) {
            ObjectNode header = (ObjectNode) CBOR.readTree(codec.encode("acme", 1L, List.of(minimal("acme", "a"))));
            header.remove(field);
            assertThatThrownBy(() -> codec.decode(CBOR.writeValueAsBytes(header))).as(field)
                    .isInstanceOf(SegmentFormatException.class).hasMessageContaining("incomplete");
        }
    }

    @Test
    void a_count_that_disagrees_with_the_events_is_refused() throws Exception {
        ObjectNode header = (ObjectNode) CBOR.readTree(codec.encode("acme", 1L, List.of(minimal("acme", "a"))));
        header.put("count", 2);
        assertThatThrownBy(() -> codec.decode(CBOR.writeValueAsBytes(header)))
                .isInstanceOf(SegmentFormatException.class).hasMessageContaining("count 2 but 1");
    }

    @Test
    void an_event_of_another_tenant_inside_the_segment_is_refused() {
        byte[] b = codec.encode("acme", 1L, List.of(minimal("acme", "a"), minimal("globex", "b")));
        assertThatThrownBy(() -> codec.decode(b)).isInstanceOf(SegmentFormatException.class).hasMessageContaining("tenant");
    }

    @Test
    void garbage_and_json_are_refused() {
        List<byte[]> junk = new ArrayList<>();
        junk.add("{\"format\":1}".getBytes());
        junk.add(new byte[] {(byte) 0xff, 0x00, 0x13, 0x37});
        junk.add(new byte[] {(byte) 0x82, 0x01, 0x02}); // a CBOR array, not a map
        for (byte[] b : junk) assertThatThrownBy(() -> codec.decode(b)).isInstanceOf(SegmentFormatException.class);
    }

    @Test
    void an_inconsistent_group_header_is_refused() throws Exception {
        ObjectNode header = (ObjectNode) CBOR.readTree(codec.encode("acme", 1L, List.of(minimal("acme", "a")), "g", 1,
                List.of("k1", "k2")));
        header.put("part", 3);
        assertThatThrownBy(() -> codec.decode(CBOR.writeValueAsBytes(header)))
                .isInstanceOf(SegmentFormatException.class).hasMessageContaining("group header");
    }
}
