package dev.lakelog.ingest.drop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lakelog.auth.Tier;
import dev.lakelog.handler.DropFolderHandler;
import dev.lakelog.handler.LocalInvoker;
import dev.lakelog.rollup.RollupRequest;
import dev.lakelog.storage.BlobStore;
import dev.lakelog.testing.LakelogFixture;
import dev.lakelog.testing.S3Faults;
import dev.lakelog.testing.TestServers;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The drop folder on the real servers (s3proxy, DynamoDB Local for the idempotency records,
 * PostgreSQL for the catalog), through {@link DropFolderHandler} invoked the way the Lambda runtime
 * does ({@link LocalInvoker}: the runtime's own serializers turn the S3 notification JSON, as S3
 * sends it, into an {@code S3Event}).
 */
class DropFolderS3Test {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static LakelogFixture fx;
    private static S3Client s3;
    private final S3Faults faults = TestServers.s3().faults();

    @BeforeAll
    static void start() {
        // small segments, so that a big file is split and a crash can happen between its segments
        fx = LakelogFixture.aws(Map.of("LAKELOG_ROLLUP_MIN_AGE_SECONDS", "0", "LAKELOG_SEGMENT_MAX_BYTES", "65536"), Clock.systemUTC());
        fx.createTenant("acme", Tier.PAID);
        s3 = TestServers.s3().client();
    }

    @AfterAll
    static void stop() {
        fx.close();
    }

    @AfterEach
    void clearFaults() {
        faults.clear();
    }

    @Test
    void every_supported_file_type_dropped_twice_and_announced_twice_lands_in_the_lake_exactly_once() throws Exception {
        List<DropFiles.Dropped> files = DropFiles.goodFiles("incoming/tenant=acme/", "twice");
        Map<String, String> firstAnswers = new LinkedHashMap<>();
        for (DropFiles.Dropped f : files) {
            String event = upload(f.key(), f.bytes());
            JsonNode first = invoke(event).get("files").get(0);
            JsonNode again = invoke(event).get("files").get(0); // S3 delivers the same notification twice
            firstAnswers.put(f.key(), first.get("status").asText());
            assertThat(first.get("status").asText()).as(f.key() + ": " + first).isEqualTo("ingested");
            assertThat(first.get("events").asLong()).as(f.key()).isEqualTo(f.messages().size());
            assertThat(again.get("status").asText()).as(f.key()).isIn("gone", "duplicate");
            assertThat(exists(f.key())).as("the source is removed once ingested: " + f.key()).isFalse();
            // the same file dropped a second time: recognised by path and ETag, not ingested again
            JsonNode second = invoke(upload(f.key(), f.bytes())).get("files").get(0);
            assertThat(second.get("status").asText()).as(f.key()).isEqualTo("duplicate");
            assertThat(exists(f.key())).as("a duplicate is removed too: " + f.key()).isFalse();
        }
        assertThat(firstAnswers.values()).containsOnly("ingested");
        rollup();
        for (DropFiles.Dropped f : files) {
            Map<String, Long> counts = countsByMessage(f.messages().get(0).substring(0, f.messages().get(0).lastIndexOf('-') + 1));
            Map<String, Long> expected = new HashMap<>();
            for (String m : f.messages()) expected.put(m, 1L);
            assertThat(counts).as(f.key()).isEqualTo(expected);
        }
        // the values came through as HTTP ingest would store them
        try (Connection c = fx.app().lake().connect(); PreparedStatement ps = c.prepareStatement(
                "SELECT severity, outcome, payload, policy_tags, tenant_id, log_id, trace_id, actor_id, ingested_at IS NOT NULL FROM lake.main.logs WHERE message = ?")) {
            ps.setString(1, "twice-parquet-3");
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("NOTICE");
                assertThat(rs.getString(3)).isEqualTo("{\"k\":3}");
                assertThat(rs.getString(5)).as("the folder names the tenant, not the file").isEqualTo("acme");
                assertThat(rs.getString(6)).as("a client's log_id is kept").isEqualTo("twice-parquet-3");
            }
            ps.setString(1, "twice-csv-1");
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(2)).isEqualTo("FAILURE");
                assertThat(rs.getString(8)).isEqualTo("alice, \"the admin\"\nsecond line");
                assertThat(rs.getString(4)).contains("pii").contains("gdpr");
            }
            ps.setString(1, "twice-pb-2");
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("WARNING");
                assertThat(rs.getString(7)).isEqualTo("0102030405060708090a0b0c0d0e0f03");
            }
        }
    }

    private record Bad(String key, byte[] bytes, String code, String at, String field) {}

    @Test
    void a_bad_file_of_each_type_is_quarantined_whole_with_a_note_and_writes_nothing() throws Exception {
        String t = "incoming/tenant=acme/bad/";
        List<Bad> bad = List.of(
                new Bad(t + "events.ndjson", DropFiles.ndjson("bad-ndjson", 5, 2), "invalid_event", "line 3", "severity"),
                new Bad(t + "events.json", DropFiles.jsonArray("bad-array", 4, 1), "invalid_event", "line 3", "severity"),
                new Bad(t + "logs.json", DropFiles.otlpJson("bad-otlpjson", 6, "4"), "invalid_event", "request 2 (line 2)", "trace_id"),
                new Bad(t + "otel.pb", new byte[] {0x0A, (byte) 0xFF, 0x01, 0x02}, "invalid_otlp", null, null),
                new Bad(t + "events.csv", DropFiles.csv("bad-csv", 4, 2), "invalid_event", "row 3 (line 5)", "outcome"),
                new Bad(t + "events.parquet", DropFiles.parquet("bad-parquet", 5, 2), "invalid_event", "row 3", "severity"),
                new Bad(t + "events.ndjson.gz", DropFiles.ndjson("bad-notgzip", 2, -1), "invalid_body", null, null),
                new Bad(t + "truncated.json", "[{\"timestamp\":".getBytes(StandardCharsets.UTF_8), "invalid_body", null, null),
                new Bad(t + "notes.txt", "hello".getBytes(StandardCharsets.UTF_8), "unsupported_media_type", null, null),
                new Bad(t + "metrics.json", "{\"resourceMetrics\":[]}".getBytes(StandardCharsets.UTF_8), "unsupported_media_type", null, null),
                new Bad("incoming/tenant=nobody/events.ndjson", DropFiles.ndjson("bad-tenant", 2, -1), "forbidden", null, null));
        int segmentsBefore = fx.app().blobs().list("segments/").size();
        for (Bad b : bad) {
            JsonNode answer = invoke(upload(b.key(), b.bytes())).get("files").get(0);
            assertThat(answer.get("status").asText()).as(b.key() + ": " + answer).isEqualTo("quarantined");
            String qkey = answer.get("quarantine_key").asText();
            assertThat(qkey).startsWith("quarantine/tenant=" + b.key().split("/")[1].substring("tenant=".length()) + "/incoming/");
            assertThat(fx.app().blobs().get(qkey)).as("the file itself, unchanged").hasValue(b.bytes());
            JsonNode note = JSON.readTree(fx.app().blobs().get(qkey + ".error.json").orElseThrow());
            assertThat(note.get("code").asText()).as(b.key() + ": " + note).isEqualTo(b.code());
            assertThat(note.get("source_key").asText()).isEqualTo(b.key());
            assertThat(note.get("detail").asText()).isNotBlank();
            if (b.field() != null) {
                JsonNode first = note.get("errors").get(0);
                assertThat(first.get("at").asText()).as(b.key() + ": " + note).isEqualTo(b.at());
                assertThat(first.get("field").asText()).isEqualTo(b.field());
                assertThat(first.get("code").asText()).isEqualTo("invalid_event");
                assertThat(note.get("invalid_events").asLong()).isEqualTo(1);
            }
            assertThat(exists(b.key())).as("moved out of incoming/: " + b.key()).isFalse();
        }
        assertThat(fx.app().blobs().list("segments/")).as("no segment of a bad file").hasSize(segmentsBefore);
        rollup();
        assertThat(countsByMessage("bad-")).as("nothing of a bad file in the lake").isEmpty();
    }

    @Test
    void a_crash_between_the_segments_of_a_big_file_is_retried_to_exactly_once_even_with_a_rollup_in_between() throws Exception {
        int n = 3000; // ~ 900 KB of NDJSON: more than ten 64 KB segments
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append(DropFiles.event("crash-" + i + "-" + "x".repeat(200), "INFO")).append('\n');
        }
        String key = "incoming/tenant=acme/big/crash.ndjson";
        String event = upload(key, sb.toString().getBytes(StandardCharsets.UTF_8));
        // the first segment PUT goes through; every later one fails (the function dies midway)
        AtomicReference<String> firstSegment = new AtomicReference<>();
        faults.failWhen(c -> c.op() == S3Faults.Op.PUT && c.bucket().equals(fx.bucket()) && c.key().startsWith("segments/")
                && !c.key().equals(firstSegment.updateAndGet(k -> k == null ? c.key() : k)));
        assertThatThrownBy(() -> invoke(event)).hasStackTraceContaining("S3 PUT failed");
        faults.clear();
        assertThat(exists(key)).as("the source stays until the file is done").isTrue();
        rollup(); // the one segment written rolls up (and is deleted) before the retry
        long partial = countsByMessage("crash-").size();
        assertThat(partial).isPositive().isLessThan(n);

        JsonNode retry = invoke(event).get("files").get(0); // Lambda's retry of the failed invocation
        assertThat(retry.get("status").asText()).isEqualTo("ingested");
        assertThat(retry.get("segments").asInt()).isGreaterThan(10);
        rollup();
        Map<String, Long> counts = countsByMessage("crash-");
        assertThat(counts).hasSize(n);
        assertThat(counts.values()).containsOnly(1L);
        assertThat(exists(key)).isFalse();
    }

    @Test
    void two_deliveries_of_one_notification_running_at_the_same_time_still_store_each_event_once() throws Exception {
        int n = 1500; // several segments, so the two runs overlap while writing
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) sb.append(DropFiles.event("race-" + i + "-" + "x".repeat(200), "INFO")).append('\n');
        String event = upload("incoming/tenant=acme/race/both.ndjson", sb.toString().getBytes(StandardCharsets.UTF_8));
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
            List<java.util.concurrent.Future<JsonNode>> runs = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                runs.add(pool.submit(() -> {
                    go.await();
                    return invoke(event).get("files").get(0);
                }));
            }
            go.countDown();
            List<String> statuses = new ArrayList<>();
            for (var r : runs) statuses.add(r.get().get("status").asText());
            assertThat(statuses).contains("ingested").allMatch(st -> st.equals("ingested") || st.equals("duplicate") || st.equals("gone"));
        } finally {
            pool.shutdownNow();
        }
        rollup();
        Map<String, Long> counts = countsByMessage("race-");
        assertThat(counts).hasSize(n);
        assertThat(counts.values()).containsOnly(1L);
    }

    // --- helpers -------------------------------------------------------------------------

    /**
     * PUTs the object and returns the notification S3 sends for it: the sample events/s3-object-created-incoming.json
     * (event structure 2.1, the key URL-encoded as S3 encodes it) with this bucket, key, size and ETag.
     */
    private static String upload(String key, byte[] bytes) throws Exception {
        String etag = s3.putObject(b -> b.bucket(fx.bucket()).key(key), RequestBody.fromBytes(bytes)).eTag().replace("\"", "");
        JsonNode sample = JSON.readTree(java.nio.file.Files.readString(java.nio.file.Path.of("..", "events", "s3-object-created-incoming.json")));
        com.fasterxml.jackson.databind.node.ObjectNode r = (com.fasterxml.jackson.databind.node.ObjectNode) sample.get("Records").get(0);
        r.put("eventTime", java.time.Instant.now().toString());
        com.fasterxml.jackson.databind.node.ObjectNode bucket = (com.fasterxml.jackson.databind.node.ObjectNode) r.get("s3").get("bucket");
        bucket.put("name", fx.bucket()).put("arn", "arn:aws:s3:::" + fx.bucket());
        com.fasterxml.jackson.databind.node.ObjectNode object = (com.fasterxml.jackson.databind.node.ObjectNode) r.get("s3").get("object");
        object.put("key", URLEncoder.encode(key, StandardCharsets.UTF_8).replace("%2F", "/")).put("size", bytes.length).put("eTag", etag);
        object.remove("versionId"); // s3proxy's bucket is not versioned
        return JSON.writeValueAsString(sample);
    }

    private static JsonNode invoke(String event) throws Exception {
        return JSON.readTree(LocalInvoker.invoke(new DropFolderHandler(fx.app()), event));
    }

    private static boolean exists(String key) {
        return fx.app().blobs().list(key).stream().map(BlobStore.BlobInfo::key).anyMatch(key::equals);
    }

    private static void rollup() {
        var report = fx.app().rollup().rollup(new RollupRequest("test", Optional.of("acme"), Duration.ZERO, true));
        assertThat(report.errors()).isEmpty();
    }

    private static Map<String, Long> countsByMessage(String prefix) throws Exception {
        Map<String, Long> out = new HashMap<>();
        try (Connection c = fx.app().lake().connect(); PreparedStatement ps = c.prepareStatement(
                "SELECT regexp_replace(message, '-x+$', ''), count(*) FROM lake.main.logs WHERE tenant_id = 'acme' AND starts_with(message, ?) GROUP BY 1")) {
            ps.setString(1, prefix);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.put(rs.getString(1), rs.getLong(2));
            }
        }
        return out;
    }
}
