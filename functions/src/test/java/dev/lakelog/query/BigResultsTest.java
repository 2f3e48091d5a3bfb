package dev.lakelog.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lakelog.api.ErrorCode;
import dev.lakelog.api.LakelogException;
import dev.lakelog.api.ApiResponse;
import dev.lakelog.auth.Tenant;
import dev.lakelog.auth.Tier;
import dev.lakelog.rollup.RollupReport;
import dev.lakelog.rollup.RollupRequest;
import dev.lakelog.storage.BlobStore;
import dev.lakelog.testing.LakelogFixture;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Results larger than a Lambda response: written as CSV under {@code results/<tenant>/} in the
 * bucket (real S3-protocol server) and answered with a presigned URL; fetched here with a plain
 * HTTP client and compared row by row with the inline pages. Local mode answers a {@code file:} URL.
 */
class BigResultsTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static final int EVENTS = 8000;
    static final String TRICKY = "he said \"hi\", then\r\nleft; ünïcode ✓ ";
    static LakelogFixture fx;
    static LakelogFixture.TenantCredentials big;
    static LakelogFixture.TenantCredentials other;

    @BeforeAll
    static void start() {
        fx = LakelogFixture.aws(Map.of("LAKELOG_ROLLUP_MIN_AGE_SECONDS", "0"), Clock.systemUTC());
        big = fx.createTenant("big", Tier.PAID);
        other = fx.createTenant("other", Tier.PAID);
        ingestBig(fx, big);
        RollupReport r = fx.app().rollup().rollup(new RollupRequest("test", Optional.of("big"), Duration.ZERO, false));
        assertThat(r.errors()).isEmpty();
        // a few more that stay in the hot tier: the logs route reads them too (fresh)
        ingest(fx, big, AnalyticsQueryTest.events("h", 5, Instant.parse("2026-11-23T00:00:00Z"), Duration.ofSeconds(1)));
    }

    @AfterAll
    static void stop() {
        fx.close();
    }

    /** 8 x 1000 events of ~1 KB (about 8 MB as JSON); every 100th has quotes, a comma, CRLF and non-ASCII, every 7th policy tags. */
    static void ingestBig(LakelogFixture f, LakelogFixture.TenantCredentials t) {
        String msg = "x".repeat(900);
        for (int b = 0; b < 8; b++) {
            List<ObjectNode> ev = AnalyticsQueryTest.events("g" + b, 1000, Instant.parse("2026-11-22T00:00:00Z").plusSeconds(b), Duration.ofSeconds(10));
            for (int i = 0; i < ev.size(); i++) {
                ev.get(i).put("message", i % 100 == 0 ? TRICKY + i : msg);
                if (i % 7 == 0) ev.get(i).putArray("policy_tags").add("pii").add("gdpr");
            }
            ingest(f, t, ev);
        }
    }

    static void ingest(LakelogFixture f, LakelogFixture.TenantCredentials t, List<ObjectNode> events) {
        ArrayNode arr = JSON.createArrayNode();
        arr.addAll(events);
        ApiResponse r = f.call(LakelogFixture.signedJson(t, "/v1/log/batch", arr.toString()));
        assertThat(r.status()).as(r.bodyText()).isEqualTo(200);
    }

    static JsonNode call(LakelogFixture f, LakelogFixture.TenantCredentials t, String method, String path, Map<String, String> q, String body, int status) throws Exception {
        ApiResponse r = f.call(LakelogFixture.bearer(t, method, path, q, body == null ? null : body.getBytes(StandardCharsets.UTF_8)));
        assertThat(r.status()).as(path + " " + q + " -> " + r.bodyText().substring(0, Math.min(500, r.bodyText().length()))).isEqualTo(status);
        assertThat(r.body().length).isLessThanOrEqualTo(QueryRoutes.MAX_RESPONSE_BYTES);
        return JSON.readTree(r.body());
    }

    static HttpResponse<byte[]> fetch(String url) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    @Test
    void a_logs_result_over_the_limit_is_a_200_with_a_presigned_url_to_exactly_the_rows() throws Exception {
        Instant before = Instant.now();
        JsonNode r = call(fx, big, "GET", "/v1/analytics/logs", Map.of("limit", "10000"), null, 200);
        assertThat(r.has("logs")).as("no rows inline").isFalse();
        assertThat(r.path("format").asText()).isEqualTo("csv");
        assertThat(r.path("row_count").asInt()).isEqualTo(EVENTS + 5);
        assertThat(r.path("count").asInt()).isEqualTo(EVENTS + 5);
        assertThat(r.path("limit").asInt()).isEqualTo(10000);
        assertThat(r.path("fresh").asBoolean()).isTrue();
        assertThat(r.path("bytes").asLong()).isGreaterThan(EVENTS * 900L);
        Instant expires = Instant.parse(r.path("expires_at").asText());
        assertThat(expires).isBetween(before.plus(Duration.ofMinutes(15)).minusSeconds(2), Instant.now().plus(Duration.ofMinutes(15)));
        String url = r.path("result_url").asText();
        assertThat(url).startsWith(fx.env().get("LAKELOG_S3_ENDPOINT")).contains("/" + fx.bucket() + "/results/big/")
                .contains("X-Amz-Expires=900").contains("X-Amz-Signature=");

        // the object is under results/<tenant>/
        String key = URI.create(url).getPath().substring(("/" + fx.bucket() + "/").length());
        assertThat(key).matches("results/big/[0-9a-f-]{36}\\.csv");
        List<BlobStore.BlobInfo> objects = fx.app().blobs().list("results/big/");
        assertThat(objects).anySatisfy(o -> {
            assertThat(o.key()).isEqualTo(key);
            assertThat(o.size()).isEqualTo(r.path("bytes").asLong());
        });

        // fetched with no token at all: the URL is the capability
        HttpResponse<byte[]> got = fetch(url);
        assertThat(got.statusCode()).isEqualTo(200);
        assertThat(got.headers().firstValue("Content-Type")).hasValueSatisfying(ct -> assertThat(ct).startsWith("text/csv"));
        assertThat(got.body().length).isEqualTo(r.path("bytes").asInt());
        List<List<String>> csv = parseCsv(new String(got.body(), StandardCharsets.UTF_8));
        assertThat(csv).hasSize(1 + EVENTS + 5);

        // exactly the rows of the inline pages, in the same order, with the same values
        List<String> header = csv.get(0);
        int row = 1;
        for (int offset = 0; offset < EVENTS + 5; offset += 1000) {
            JsonNode page = call(fx, big, "GET", "/v1/analytics/logs", Map.of("limit", "1000", "offset", String.valueOf(offset)), null, 200);
            for (JsonNode l : page.path("logs")) {
                List<String> expected = new ArrayList<>();
                for (String col : header) expected.add(cell(l.get(col)));
                assertThat(csv.get(row)).as("row " + row).isEqualTo(expected);
                row++;
            }
        }
        assertThat(row).isEqualTo(1 + EVENTS + 5);
        List<String> names = new ArrayList<>();
        call(fx, big, "GET", "/v1/analytics/logs", Map.of("limit", "1"), null, 200).path("logs").get(0).fieldNames().forEachRemaining(names::add);
        assertThat(header).isEqualTo(names);
        int msg = header.indexOf("message");
        assertThat(csv.stream().filter(c -> c.get(msg) != null && c.get(msg).startsWith(TRICKY)).count()).isEqualTo(80);
        int tags = header.indexOf("policy_tags");
        assertThat(csv.get(1).get(tags)).isEqualTo("[\"pii\",\"gdpr\"]");
        assertThat(csv.get(1).get(header.indexOf("payload"))).isNull();

        // a tampered signature is refused by S3
        String tampered = url.replaceFirst("X-Amz-Signature=(.)", "X-Amz-Signature=" + (url.contains("X-Amz-Signature=0") ? "1" : "0"));
        assertThat(fetch(tampered).statusCode()).isEqualTo(403);
    }

    @Test
    void custom_sql_over_the_limit_is_written_too_and_another_tenant_finds_nothing_of_it() throws Exception {
        JsonNode r = call(fx, big, "POST", "/v1/analytics/query", Map.of(),
                "{\"query\":\"SELECT log_id, message, length(message) AS n FROM logs ORDER BY log_id\"}", 200);
        assertThat(r.has("rows")).isFalse();
        assertThat(r.path("row_count").asInt()).isEqualTo(EVENTS); // custom SQL reads the cold tier
        assertThat(r.path("columns").size()).isEqualTo(3);
        String url = r.path("result_url").asText();
        assertThat(url).contains("/results/big/");
        List<List<String>> csv = parseCsv(new String(fetch(url).body(), StandardCharsets.UTF_8));
        assertThat(csv.get(0)).containsExactly("log_id", "message", "n");
        assertThat(csv).hasSize(EVENTS + 1);
        assertThat(csv.get(1)).containsExactly("g0-0000", TRICKY + 0, String.valueOf((TRICKY + 0).length()));
        assertThat(csv.get(EVENTS).get(0)).isEqualTo("g7-0999");

        // the other tenant has nothing that large, nothing under results/other/, and sees its own rows only
        assertThat(call(fx, other, "GET", "/v1/analytics/logs", Map.of("limit", "10000"), null, 200).path("count").asInt()).isZero();
        assertThat(fx.app().blobs().list("results/other/")).isEmpty();
    }

    @Test
    void small_results_stay_inline() throws Exception {
        JsonNode r = call(fx, big, "GET", "/v1/analytics/logs", Map.of("limit", "100"), null, 200);
        assertThat(r.path("logs").size()).isEqualTo(100);
        assertThat(r.has("result_url")).isFalse();
    }

    @Test
    void without_a_url_from_the_store_the_answer_is_a_413_and_never_truncated() {
        Map<String, byte[]> objects = new HashMap<>();
        BlobStore noUrls = new BlobStore() {
            public void put(String key, byte[] bytes) { objects.put(key, bytes); }
            public void putFile(String key, java.nio.file.Path file, String contentType) {
                try {
                    objects.put(key, java.nio.file.Files.readAllBytes(file));
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
            public Optional<byte[]> get(String key) { return Optional.ofNullable(objects.get(key)); }
            public List<BlobInfo> list(String prefix) { return List.of(); }
            public void delete(String key) { objects.remove(key); }
            public String uri(String key) { return key; }
        };
        ObjectNode body = JSON.createObjectNode();
        body.putArray("rows").addObject().put("a", 1);
        assertThatThrownBy(() -> new BigResults(noUrls, Clock.systemUTC()).spill(new Tenant("t", Tier.PAID), body, "rows", 7_000_000))
                .isInstanceOfSatisfying(LakelogException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.RESULT_TOO_LARGE);
                    assertThat(e.detail()).contains("7000000 bytes").contains("nothing was truncated");
                });
        assertThat(objects).as("nothing left behind").isEmpty();
    }

    @Test
    void csv_quotes_strings_leaves_null_empty_and_writes_lists_as_json() {
        ArrayNode rows = JSON.createArrayNode();
        rows.addObject().put("s", "a\"b,c\nd").put("n", 3).put("b", true).putNull("x").putArray("l").add("p").add(1);
        rows.addObject().put("s", "").put("n", 1.5).put("b", false).put("x", "y").put("extra", "e");
        String csv = new String(BigResults.csv(rows), StandardCharsets.UTF_8);
        assertThat(csv).isEqualTo("\"s\",\"n\",\"b\",\"x\",\"l\",\"extra\"\r\n"
                + "\"a\"\"b,c\nd\",3,true,,\"[\"\"p\"\",1]\",\r\n"
                + "\"\",1.5,false,\"y\",,\"e\"\r\n");
    }

    @Test
    void local_mode_answers_a_file_url() throws Exception {
        try (LakelogFixture local = LakelogFixture.local()) {
            LakelogFixture.TenantCredentials t = local.createTenant("big", Tier.PAID);
            ingestBig(local, t);
            JsonNode r = call(local, t, "GET", "/v1/analytics/logs", Map.of("limit", "10000"), null, 200);
            URI url = URI.create(r.path("result_url").asText());
            assertThat(url.getScheme()).isEqualTo("file");
            assertThat(r.path("expires_at").isNull()).isTrue();
            Path file = Path.of(url);
            assertThat(file.startsWith(Path.of(local.env().get("LAKELOG_DATA_DIR")).toRealPath().resolve("results/big"))
                    || file.startsWith(Path.of(local.env().get("LAKELOG_DATA_DIR")).toAbsolutePath().resolve("results/big"))).isTrue();
            assertThat(parseCsv(Files.readString(file))).hasSize(EVENTS + 1);
        }
    }

    /** A value as the CSV carries it: null for SQL NULL, else its text (lists and objects as JSON). */
    static String cell(JsonNode v) {
        if (v == null || v.isNull()) return null;
        if (v.isTextual()) return v.textValue();
        if (v.isContainerNode()) return v.toString();
        return v.asText();
    }

    /** RFC 4180: an empty unquoted field is null, a quoted one is a string. */
    static List<List<String>> parseCsv(String s) {
        List<List<String>> out = new ArrayList<>();
        List<String> row = new ArrayList<>();
        int i = 0;
        while (i < s.length()) {
            String field;
            if (s.charAt(i) == '"') {
                StringBuilder sb = new StringBuilder();
                i++;
                while (true) {
                    char c = s.charAt(i++);
                    if (c == '"') {
                        if (i < s.length() && s.charAt(i) == '"') {
                            sb.append('"');
                            i++;
                        } else {
                            break;
                        }
                    } else {
                        sb.append(c);
                    }
                }
                field = sb.toString();
            } else {
                int j = i;
                while (j < s.length() && s.charAt(j) != ',' && s.charAt(j) != '\r') j++;
                field = j == i ? null : s.substring(i, j);
                i = j;
            }
            row.add(field);
            if (i < s.length() && s.charAt(i) == ',') {
                i++;
            } else {
                assertThat(s.startsWith("\r\n", i)).as("CRLF at " + i).isTrue();
                i += 2;
                out.add(row);
                row = new ArrayList<>();
            }
        }
        return out;
    }
}
