package dev.lakelog.query;

import dev.lakelog.api.Params;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lakelog.api.ApiResponse;
import dev.lakelog.auth.Tier;
import dev.lakelog.rollup.RollupReport;
import dev.lakelog.rollup.RollupRequest;
import dev.lakelog.testing.LakelogFixture;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
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
 * The analytics routes on the real test servers (S3 + PostgreSQL catalog + DynamoDB): filters and
 * their 400s, time travel, snapshots, info, change feed, pruning, fresh hot-tier reads and
 * named queries.
 */
public class AnalyticsQueryTest {
    static final ObjectMapper JSON = new ObjectMapper();
    public static LakelogFixture fx;
    static LakelogFixture.TenantCredentials acme;
    static LakelogFixture.TenantCredentials other;
    static long snapshotAfterFirst;
    static Instant betweenRollups;

    @BeforeAll
    static void start() throws Exception {
        fx = LakelogFixture.aws(Map.of("LAKELOG_ROLLUP_MIN_AGE_SECONDS", "0"), java.time.Clock.systemUTC());
        acme = fx.createTenant("acme", Tier.PAID);
        other = fx.createTenant("other", Tier.PAID);
        // acme: 40 events over 2026-11-20 (one every 30 min), then 10 on 2026-11-21
        ingest(acme, events("a", 40, Instant.parse("2026-11-20T00:00:00Z"), Duration.ofMinutes(30)));
        ingest(other, events("o", 30, Instant.parse("2026-11-20T00:00:00Z"), Duration.ofMinutes(30)));
        RollupReport r1 = rollup(null);
        snapshotAfterFirst = r1.snapshotId();
        Thread.sleep(5); // a distinct commit time for as_of (not synchronisation: a clock tick)
        betweenRollups = Instant.now();
        ingest(acme, events("b", 10, Instant.parse("2026-11-21T00:00:00Z"), Duration.ofHours(1)));
        rollup("acme");
    }

    @AfterAll
    static void stop() {
        fx.close();
    }

    /** {@code n} events with ids prefix-0000.., severity cycling, every 4th a FAILURE. */
    public static List<ObjectNode> events(String prefix, int n, Instant start, Duration step) {
        String[] sev = {"INFO", "WARNING", "ERROR", "NOTICE"};
        String[] comp = {"auth", "records-api", "billing"};
        List<ObjectNode> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ObjectNode e = JSON.createObjectNode();
            e.put("log_id", String.format("%s-%04d", prefix, i));
            e.put("timestamp", start.plus(step.multipliedBy(i)).toString());
            e.put("event_type", i % 2 == 0 ? "RECORD_VIEW" : "AUTH_LOGIN");
            e.put("outcome", i % 4 == 0 ? "FAILURE" : "SUCCESS");
            e.put("severity", sev[i % 4]);
            e.put("actor_id", "user-" + (i % 5));
            e.put("component", comp[i % 3]);
            e.put("resource", "/r/" + (i % 7));
            e.put("message", "m" + i);
            out.add(e);
        }
        return out;
    }

    public static void ingest(LakelogFixture.TenantCredentials t, List<ObjectNode> events) {
        ArrayNode arr = JSON.createArrayNode();
        arr.addAll(events);
        ApiResponse r = fx.call(LakelogFixture.signedJson(t, "/v1/log/batch", arr.toString()));
        assertThat(r.status()).as(r.bodyText()).isEqualTo(200);
    }

    static RollupReport rollup(String tenant) {
        RollupReport r = fx.app().rollup().rollup(new RollupRequest("test", Optional.ofNullable(tenant), Duration.ZERO, false));
        assertThat(r.errors()).isEmpty();
        return r;
    }

    static JsonNode get(LakelogFixture.TenantCredentials t, String path, Map<String, String> q, int status) throws Exception {
        ApiResponse r = fx.call(LakelogFixture.bearer(t, "GET", path, q, null));
        assertThat(r.status()).as(path + " " + q + " -> " + r.bodyText()).isEqualTo(status);
        return JSON.readTree(r.body());
    }

    static JsonNode post(LakelogFixture.TenantCredentials t, String path, String body, int status) throws Exception {
        ApiResponse r = fx.call(LakelogFixture.bearer(t, "POST", path, Map.of(), body.getBytes(StandardCharsets.UTF_8)));
        assertThat(r.status()).as(path + " " + body + " -> " + r.bodyText()).isEqualTo(status);
        return JSON.readTree(r.body());
    }

    static List<String> ids(JsonNode body) {
        List<String> out = new ArrayList<>();
        for (JsonNode l : body.path("logs")) out.add(l.path("log_id").asText());
        return out;
    }

    @Test
    void logs_are_filtered_and_ordered_by_timestamp_then_log_id_and_only_the_callers() throws Exception {
        JsonNode all = get(acme, "/v1/analytics/logs", Map.of("fresh", "false"), 200);
        assertThat(all.path("count").asInt()).isEqualTo(50);
        assertThat(all.path("limit").asInt()).isEqualTo(1000);
        assertThat(ids(all)).allMatch(id -> id.startsWith("a-") || id.startsWith("b-"));
        List<String> ts = new ArrayList<>();
        for (JsonNode l : all.path("logs")) ts.add(l.path("timestamp").asText());
        assertThat(ts).isSorted();

        JsonNode narrow = get(acme, "/v1/analytics/logs", Map.of("since", "2026-11-20T01:00:00Z", "until", "2026-11-20T02:00:00Z",
                "severity", "ERROR"), 200);
        assertThat(ids(narrow)).containsExactly("a-0002");
        JsonNode page = get(acme, "/v1/analytics/logs", Map.of("component", "auth", "actor_id", "user-0", "limit", "2", "offset", "1"), 200);
        assertThat(ids(page)).containsExactly("a-0015", "a-0030");
        assertThat(page.path("offset").asInt()).isEqualTo(1);
        JsonNode et = get(acme, "/v1/analytics/logs", Map.of("event_type", "AUTH_LOGIN", "since", "2026-11-21T00:00:00Z"), 200);
        assertThat(ids(et)).containsExactly("b-0001", "b-0003", "b-0005", "b-0007", "b-0009");
    }

    @Test
    void a_bad_or_out_of_range_parameter_gets_a_400_that_names_it() throws Exception {
        Map<String, String> cases = new HashMap<>();
        cases.put("limit=0", "limit");
        cases.put("limit=10001", "limit");
        cases.put("limit=abc", "limit");
        cases.put("offset=-1", "offset");
        cases.put("since=yesterday", "since");
        cases.put("until=2026-11-20", "until");
        cases.put("severity=LOUD", "severity");
        cases.put("as_of=now", "as_of");
        cases.put("fresh=maybe", "fresh");
        cases.put("colour=red", "colour");
        for (var c : cases.entrySet()) {
            String[] kv = c.getKey().split("=", 2);
            JsonNode b = get(acme, "/v1/analytics/logs", Map.of(kv[0], kv[1]), 400);
            assertThat(b.path("detail").asText()).as(c.getKey()).contains("'" + c.getValue() + "'");
        }
        JsonNode b = get(acme, "/v1/analytics/logs", Map.of("since", "2026-11-21T00:00:00Z", "until", "2026-11-20T00:00:00Z"), 400);
        assertThat(b.path("detail").asText()).contains("'until'");
        assertThat(get(acme, "/v1/analytics/logs/snapshot/x1", Map.of(), 400).path("detail").asText()).contains("'id'");
        assertThat(get(acme, "/v1/analytics/logs/snapshot/1", Map.of("limit", "1001"), 400).path("detail").asText()).contains("'limit'");
        assertThat(get(acme, "/v1/analytics/changes", Map.of("from_snapshot", "1"), 400).path("detail").asText()).contains("'to_snapshot'");
    }

    @Test
    void time_travel_by_snapshot_id_and_by_timestamp_sees_the_table_as_it_was() throws Exception {
        JsonNode atFirst = get(acme, "/v1/analytics/logs/snapshot/" + snapshotAfterFirst, Map.of("limit", "1000"), 200);
        assertThat(atFirst.path("count").asInt()).isEqualTo(40);
        assertThat(atFirst.path("snapshot_id").asLong()).isEqualTo(snapshotAfterFirst);
        assertThat(get(acme, "/v1/analytics/logs/snapshot/" + snapshotAfterFirst, Map.of(), 200).path("count").asInt())
                .as("default limit 100").isEqualTo(40);
        assertThat(get(acme, "/v1/analytics/logs/snapshot/" + snapshotAfterFirst, Map.of("limit", "5"), 200).path("count").asInt()).isEqualTo(5);
        JsonNode asOf = get(acme, "/v1/analytics/logs", Map.of("as_of", betweenRollups.toString()), 200);
        assertThat(asOf.path("count").asInt()).isEqualTo(40);
        assertThat(ids(asOf)).noneMatch(id -> id.startsWith("b-"));

        JsonNode unknown = get(acme, "/v1/analytics/logs/snapshot/999999", Map.of(), 404);
        assertThat(unknown.path("detail").asText()).contains("snapshot 999999").contains("expired");
        JsonNode tooEarly = get(acme, "/v1/analytics/logs", Map.of("as_of", "2001-01-01T00:00:00Z"), 404);
        assertThat(tooEarly.path("detail").asText()).contains("as_of");
        assertThat(get(acme, "/v1/analytics/logs", Map.of("as_of", betweenRollups.toString(), "fresh", "true"), 400)
                .path("detail").asText()).contains("'fresh'");
    }

    @Test
    void snapshots_are_listed_newest_first_without_other_tenants_commit_messages() throws Exception {
        JsonNode s = get(acme, "/v1/analytics/snapshots", Map.of(), 200);
        List<Long> ids = new ArrayList<>();
        for (JsonNode n : s.path("snapshots")) {
            ids.add(n.path("snapshot_id").asLong());
            assertThat(n.has("snapshot_time") && n.has("commit_message") && n.has("schema_version")).isTrue();
            assertThat(n.path("commit_message").asText("")).doesNotContain("tenant=other");
        }
        assertThat(ids).isSortedAccordingTo(java.util.Comparator.reverseOrder());
        assertThat(ids).contains(snapshotAfterFirst);
        assertThat(s.toString()).contains("tenant=acme");
        assertThat(get(acme, "/v1/analytics/snapshots", Map.of("limit", "2"), 200).path("count").asInt()).isEqualTo(2);
    }

    @Test
    void info_counts_only_the_callers_files_bytes_and_rows() throws Exception {
        JsonNode a = get(acme, "/v1/analytics/info", Map.of(), 200);
        JsonNode o = get(other, "/v1/analytics/info", Map.of(), 200);
        assertThat(a.path("row_count").asLong()).isEqualTo(50);
        assertThat(o.path("row_count").asLong()).isEqualTo(30);
        // acme: day 20 in the first rollup, day 21 in the second -> 2 files; other: 1
        assertThat(a.path("file_count").asLong()).isEqualTo(2);
        assertThat(o.path("file_count").asLong()).isEqualTo(1);
        assertThat(a.path("total_size_bytes").asLong()).isPositive();
        long s3Bytes = 0;
        for (var obj : dev.lakelog.testing.TestServers.s3().client()
                .listObjectsV2(b -> b.bucket(fx.bucket()).prefix("lake/main/logs/tenant_id=acme/")).contents()) {
            s3Bytes += obj.size();
        }
        assertThat(a.path("total_size_bytes").asLong()).isEqualTo(s3Bytes);
    }

    @Test
    void the_change_feed_between_two_snapshots_has_only_the_callers_inserted_rows() throws Exception {
        JsonNode s = get(acme, "/v1/analytics/snapshots", Map.of("limit", "1"), 200);
        long latest = s.path("snapshots").get(0).path("snapshot_id").asLong();
        JsonNode ch = get(acme, "/v1/analytics/changes", Map.of("from_snapshot", Long.toString(snapshotAfterFirst + 1),
                "to_snapshot", Long.toString(latest)), 200);
        assertThat(ch.path("count").asInt()).isEqualTo(10);
        for (JsonNode r : ch.path("changes")) {
            assertThat(r.path("change_type").asText()).isEqualTo("insert");
            assertThat(r.path("log_id").asText()).startsWith("b-");
        }
        JsonNode first = get(other, "/v1/analytics/changes", Map.of("from_snapshot", "0", "to_snapshot", Long.toString(latest)), 200);
        assertThat(first.path("count").asInt()).isEqualTo(30);
        assertThat(get(acme, "/v1/analytics/changes", Map.of("from_snapshot", "0", "to_snapshot", "99999"), 404)
                .path("detail").asText()).contains("99999");
    }

    @Test
    void a_narrow_time_filter_reads_one_data_file_of_the_tenant_partition() throws Exception {
        try (TenantView.Opened o = fx.app().query().view().open("acme", new TenantView.Latest(false));
                java.sql.PreparedStatement ps = o.connection().prepareStatement("EXPLAIN ANALYZE " + QueryService.logsSql(
                        LogFilter.from(new Params(Map.of("since", "2026-11-21T03:00:00Z", "until", "2026-11-21T04:00:00Z")))))) {
            QueryService.bind(ps, List.of(Instant.parse("2026-11-21T03:00:00Z").atOffset(java.time.ZoneOffset.UTC),
                    Instant.parse("2026-11-21T04:00:00Z").atOffset(java.time.ZoneOffset.UTC), 1000, 0L));
            String plan;
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                plan = rs.getString(2);
            }
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("Total Files Read: *(\\d+)").matcher(plan);
            assertThat(m.find()).as(plan).isTrue();
            assertThat(Integer.parseInt(m.group(1))).as("files read of the 3 in the lake (acme day 20, acme day 21, other)").isEqualTo(1);
        }
    }

    @Test
    void custom_sql_counts_only_the_callers_rows_with_named_params() throws Exception {
        JsonNode r = post(acme, "/v1/analytics/query", """
                {"query": "WITH f AS (SELECT * FROM logs WHERE outcome = $outcome AND \\"timestamp\\" >= $since) SELECT severity, count(*) AS n FROM f GROUP BY severity ORDER BY severity",
                 "params": {"outcome": "FAILURE", "since": "2026-11-20T00:00:00Z"}}""", 200);
        assertThat(r.path("rows").toString()).isEqualTo("[{\"severity\":\"INFO\",\"n\":13}]");
        assertThat(r.path("columns").get(1).path("type").asText()).isEqualTo("BIGINT");
        JsonNode alias = post(acme, "/v1/analytics/query", "{\"query\": \"SELECT count(*) AS n, min(\\\"timestamp\\\") AS first FROM compliance_lake.logs\"}", 200);
        assertThat(alias.path("rows").get(0).path("n").asLong()).isEqualTo(50);
        assertThat(alias.path("rows").get(0).path("first").asText()).isEqualTo("2026-11-20T00:00:00Z");
        JsonNode otherCount = post(other, "/v1/analytics/query", "{\"query\": \"SELECT count(*) AS n FROM logs\"}", 200);
        assertThat(otherCount.path("rows").get(0).path("n").asLong()).isEqualTo(30);
    }

    @Test
    void hot_events_appear_at_once_and_fresh_false_hides_them() throws Exception {
        LakelogFixture.TenantCredentials t = fx.createTenant("hot1", Tier.PAID);
        ingest(t, events("h", 3, Instant.parse("2026-11-22T00:00:00Z"), Duration.ofMinutes(1)));
        JsonNode fresh = get(t, "/v1/analytics/logs", Map.of(), 200);
        assertThat(ids(fresh)).containsExactly("h-0000", "h-0001", "h-0002");
        assertThat(fresh.path("logs").get(0).path("archived_at").isNull()).isTrue();
        assertThat(get(t, "/v1/analytics/logs", Map.of("fresh", "false"), 200).path("count").asInt()).isZero();
        JsonNode named = post(t, "/v1/analytics/queries/events_by_component", "{\"params\":{\"since\":\"2026-11-22T00:00:00Z\"}}", 200);
        assertThat(named.path("rows").toString()).contains("\"events\":1");
        assertThat(post(t, "/v1/analytics/queries/events_by_component", "{\"params\":{\"since\":\"2026-11-22T00:00:00Z\"},\"fresh\":false}", 200)
                .path("count").asInt()).isZero();
    }

    /** A rollup commits and deletes the segments between listing and the snapshot. */
    @Test
    void events_appear_once_when_a_rollup_commits_between_listing_and_snapshot() throws Exception {
        LakelogFixture.TenantCredentials t = fx.createTenant("race1", Tier.PAID);
        ingest(t, events("r", 4, Instant.parse("2026-11-22T00:00:00Z"), Duration.ofMinutes(1)));
        withHooks(new TenantView.Hooks() {
            @Override
            public void afterList(int attempt) {
                if (attempt == 1) fx.app().rollup().rollup(new RollupRequest("test", Optional.of("race1"), Duration.ZERO, true));
            }
        }, () -> assertThat(ids(get(t, "/v1/analytics/logs", Map.of(), 200))).containsExactly("r-0000", "r-0001", "r-0002", "r-0003"));
    }

    /** A rollup commits after the snapshot, keeping the segments: hot read, not in the lake at the snapshot. */
    @Test
    void events_appear_once_when_a_rollup_commits_after_the_snapshot() throws Exception {
        LakelogFixture.TenantCredentials t = fx.createTenant("race2", Tier.PAID);
        ingest(t, events("s", 4, Instant.parse("2026-11-22T00:00:00Z"), Duration.ofMinutes(1)));
        withHooks(new TenantView.Hooks() {
            @Override
            public void afterSnapshot(int attempt) {
                if (attempt == 1) fx.app().rollup().rollup(new RollupRequest("test", Optional.of("race2"), Duration.ZERO, false));
            }
        }, () -> {
            JsonNode b = get(t, "/v1/analytics/logs", Map.of(), 200);
            assertThat(ids(b)).containsExactly("s-0000", "s-0001", "s-0002", "s-0003");
            assertThat(b.path("hot_segments_read").asInt()).isEqualTo(1);
        });
        assertThat(ids(get(t, "/v1/analytics/logs", Map.of(), 200))).as("after the rollup: from the lake").hasSize(4);
        assertThat(get(t, "/v1/analytics/logs", Map.of(), 200).path("hot_segments_read").asInt()).isZero();
    }

    /** A rollup commits and deletes after the snapshot: the hot GET misses, the read restarts at a newer snapshot. */
    @Test
    void events_appear_once_when_a_rollup_deletes_the_segment_before_it_is_read() throws Exception {
        LakelogFixture.TenantCredentials t = fx.createTenant("race3", Tier.PAID);
        ingest(t, events("u", 4, Instant.parse("2026-11-22T00:00:00Z"), Duration.ofMinutes(1)));
        List<Integer> attempts = new ArrayList<>();
        withHooks(new TenantView.Hooks() {
            @Override
            public void afterSnapshot(int attempt) {
                attempts.add(attempt);
                if (attempt == 1) fx.app().rollup().rollup(new RollupRequest("test", Optional.of("race3"), Duration.ZERO, true));
            }
        }, () -> assertThat(ids(get(t, "/v1/analytics/logs", Map.of(), 200))).containsExactly("u-0000", "u-0001", "u-0002", "u-0003"));
        assertThat(attempts).as("the first attempt found its hot segment gone and retried").containsExactly(1);
        // attempt 2 listed no segments (all deleted), so it never reached afterSnapshot
    }

    interface Body {
        void run() throws Exception;
    }

    static void withHooks(TenantView.Hooks h, Body body) throws Exception {
        TenantView v = fx.app().query().view();
        v.hooks = h;
        try {
            body.run();
        } finally {
            v.hooks = new TenantView.Hooks() {};
        }
    }

    @Test
    void named_queries_are_listed_with_typed_params_and_columns() throws Exception {
        JsonNode l = get(acme, "/v1/analytics/queries", Map.of(), 200);
        List<String> names = new ArrayList<>();
        for (JsonNode q : l.path("queries")) names.add(q.path("name").asText());
        assertThat(names).contains("events_by_component", "failures_by_actor", "hourly_counts", "top_resources");
        JsonNode q = l.path("queries").get(0);
        assertThat(q.path("params").get(0).toString()).contains("\"name\":\"since\"", "\"type\":\"TIMESTAMP\"", "\"required\":true");
        assertThat(q.path("columns").get(1).toString()).isEqualTo("{\"name\":\"events\",\"type\":\"BIGINT\"}");
    }

    @Test
    void named_queries_validate_params_and_page_with_a_cursor() throws Exception {
        assertThat(post(acme, "/v1/analytics/queries/hourly_counts", "{\"params\":{}}", 400).path("detail").asText()).contains("'since'");
        assertThat(post(acme, "/v1/analytics/queries/hourly_counts", "{\"params\":{\"since\":\"soon\"}}", 400).path("detail").asText()).contains("'since'");
        assertThat(post(acme, "/v1/analytics/queries/failures_by_actor", "{\"params\":{\"since\":\"2026-11-20T00:00:00Z\",\"min_failures\":\"x\"}}", 400)
                .path("detail").asText()).contains("'min_failures'");
        assertThat(post(acme, "/v1/analytics/queries/hourly_counts", "{\"params\":{\"since\":\"2026-11-20T00:00:00Z\",\"colour\":1}}", 400)
                .path("detail").asText()).contains("'colour'");
        assertThat(post(acme, "/v1/analytics/queries/nope", "{}", 404).path("detail").asText()).contains("'nope'");
        assertThat(post(acme, "/v1/analytics/queries/hourly_counts", "{\"params\":{\"since\":\"2026-11-20T00:00:00Z\"},\"page_size\":0}", 400)
                .path("detail").asText()).contains("'page_size'");

        String params = "\"params\":{\"since\":\"2026-11-20T00:00:00Z\",\"until\":\"2026-11-22T00:00:00Z\"}";
        JsonNode whole = post(acme, "/v1/analytics/queries/hourly_counts", "{" + params + "}", 200);
        assertThat(whole.path("count").asInt()).isEqualTo(30); // 20 hours on day 20 + 10 on day 21
        assertThat(whole.path("next_cursor").isNull()).isTrue();
        List<JsonNode> paged = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            JsonNode p = post(acme, "/v1/analytics/queries/hourly_counts", "{" + params + ",\"page_size\":7"
                    + (cursor == null ? "" : ",\"cursor\":\"" + cursor + "\"") + "}", 200);
            p.path("rows").forEach(paged::add);
            cursor = p.path("next_cursor").isNull() ? null : p.path("next_cursor").asText();
            pages++;
        } while (cursor != null);
        assertThat(pages).isEqualTo(5);
        assertThat(JSON.valueToTree(paged).toString()).isEqualTo(whole.path("rows").toString());

        JsonNode top = post(acme, "/v1/analytics/queries/top_resources", "{" + params + ",\"page_size\":3}", 200);
        JsonNode top2 = post(acme, "/v1/analytics/queries/top_resources", "{" + params + ",\"page_size\":100}", 200);
        JsonNode next = post(acme, "/v1/analytics/queries/top_resources", "{" + params + ",\"page_size\":100,\"cursor\":\""
                + top.path("next_cursor").asText() + "\"}", 200);
        assertThat(next.path("count").asInt()).isEqualTo(top2.path("count").asInt() - 3);
        assertThat(next.path("rows").get(0)).isEqualTo(top2.path("rows").get(3));
        assertThat(post(acme, "/v1/analytics/queries/top_resources", "{\"params\":{\"since\":\"2026-11-21T00:00:00Z\"},\"cursor\":\""
                + top.path("next_cursor").asText() + "\"}", 400).path("detail").asText()).contains("'cursor'");
        JsonNode fails = post(acme, "/v1/analytics/queries/failures_by_actor", "{" + params + "}", 200);
        long total = 0;
        for (JsonNode r : fails.path("rows")) total += r.path("failures").asLong();
        assertThat(total).isEqualTo(13); // a-0000, a-0004 ... a-0036 (10) + b-0000, b-0004, b-0008 (3)
    }

    @Test
    void a_result_larger_than_a_lambda_response_goes_to_a_results_url_and_is_not_truncated() throws Exception {
        LakelogFixture.TenantCredentials t = fx.createTenant("big", Tier.PAID);
        String msg = "x".repeat(900);
        for (int b = 0; b < 8; b++) {
            List<ObjectNode> ev = events("g" + b, 1000, Instant.parse("2026-11-22T00:00:00Z"), Duration.ofSeconds(1));
            ev.forEach(e -> e.put("message", msg));
            ingest(t, ev);
        }
        // BigResultsTest fetches the file and checks it row by row
        JsonNode r = get(t, "/v1/analytics/logs", Map.of("limit", "10000"), 200);
        assertThat(r.has("logs")).isFalse();
        assertThat(r.path("row_count").asInt()).isEqualTo(8000);
        assertThat(r.path("result_url").asText()).contains("/results/big/");
        assertThat(fx.app().blobs().list("results/big/")).hasSize(1);
        assertThat(get(t, "/v1/analytics/logs", Map.of("limit", "100"), 200).path("count").asInt()).isEqualTo(100);
    }

    static long count(String sql) throws Exception {
        try (Connection c = fx.app().lake().connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
