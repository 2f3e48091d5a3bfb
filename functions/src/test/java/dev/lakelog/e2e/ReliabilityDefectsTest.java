package dev.lakelog.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lakelog.Lakelog;
import dev.lakelog.api.ApiResponse;
import dev.lakelog.auth.Tier;
import dev.lakelog.config.LakelogConfig;
import dev.lakelog.rollup.RollupReport;
import dev.lakelog.rollup.RollupRequest;
import dev.lakelog.testing.LakelogFixture;
import dev.lakelog.testing.TestDuckDb;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The defects found by outside use (issue 10), each shown fixed on the real stack. */
class ReliabilityDefectsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    static String event(String id, String day, String extra) {
        return "{" + (id == null ? "" : "\"log_id\":\"" + id + "\",") + "\"timestamp\":\"" + day + "T10:00:00Z\",\"event_type\":\"E\","
                + "\"outcome\":\"SUCCESS\",\"severity\":\"INFO\",\"message\":\"m\"" + extra + "}";
    }

    static void ingest(LakelogFixture fx, LakelogFixture.TenantCredentials t, String body) {
        ApiResponse r = fx.call(LakelogFixture.signedJson(t, body.startsWith("[") ? "/v1/log/batch" : "/v1/log", body));
        assertThat(r.status()).as(r.bodyText()).isEqualTo(200);
    }

    static JsonNode get(LakelogFixture fx, LakelogFixture.TenantCredentials t, String path, Map<String, String> q) throws Exception {
        ApiResponse r = fx.call(LakelogFixture.bearer(t, "GET", path, q, null));
        assertThat(r.status()).as(path + " " + r.bodyText()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    @Test
    void a_data_directory_that_was_copied_elsewhere_opens_and_keeps_working() throws Exception {
        Path copy = Files.createTempDirectory("lakelog-restored-");
        String token;
        try (LakelogFixture fx = LakelogFixture.local()) {
            var t = fx.createTenant("moved", Tier.PAID);
            token = t.token();
            ingest(fx, t, event("m-1", "2026-11-20", ""));
            fx.app().rollup().rollup(new RollupRequest("test", Optional.empty(), Duration.ZERO, true));
            Path original = Path.of(fx.env().get("LAKELOG_DATA_DIR"));
            fx.app().close();
            try (Stream<Path> files = Files.walk(original)) {
                for (Path p : files.toList()) {
                    Path target = copy.resolve(original.relativize(p).toString());
                    if (Files.isDirectory(p)) Files.createDirectories(target);
                    else Files.copy(p, target);
                }
            }
            try (Stream<Path> files = Files.walk(original)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete()); // the original is gone
            }
        }
        Map<String, String> env = new HashMap<>();
        env.put("LAKELOG_DATA_DIR", copy.toString());
        env.put("LAKELOG_DUCKDB_EXTENSION_DIR", TestDuckDb.extensionDirectory().toString());
        try (Lakelog app = Lakelog.start(LakelogConfig.from(env))) {
            Map<String, String> auth = Map.of("Authorization", "Bearer " + token);
            ApiResponse logs = app.router().handle(new dev.lakelog.api.ApiRequest("GET", "/v1/analytics/logs", Map.of(), auth, null));
            assertThat(logs.status()).as(logs.bodyText()).isEqualTo(200);
            assertThat(JSON.readTree(logs.body()).path("logs").get(0).path("log_id").asText()).isEqualTo("m-1");
            assertThat(app.rollup().rollup(new RollupRequest("test", Optional.empty(), Duration.ZERO, true)).errors()).isEmpty();
        }
    }

    @Test
    void the_hot_tier_read_takes_the_documented_offset() throws Exception {
        try (LakelogFixture fx = LakelogFixture.local()) {
            var t = fx.createTenant("off", Tier.PAID);
            for (int i = 0; i < 3; i++) ingest(fx, t, event("o-" + i, "2026-11-20", ""));
            JsonNode page = get(fx, t, "/v1/logs/recent", Map.of("offset", "1", "limit", "1"));
            assertThat(page.path("offset").asInt()).isEqualTo(1);
            assertThat(page.path("logs")).hasSize(1);
        }
    }

    @Test
    void the_change_feed_labels_a_delete_with_its_snapshot_and_hides_file_rewrites() throws Exception {
        try (LakelogFixture fx = LakelogFixture.local()) {
            var t = fx.createTenant("feed", Tier.PAID);
            String operator = fx.createOperator("ops");
            for (int round = 0; round < 3; round++) {
                StringBuilder b = new StringBuilder("[");
                for (int i = 0; i < 6; i++) {
                    if (i > 0) b.append(',');
                    b.append(event("f-" + round + "-" + i, "2026-11-20", ",\"retention_until\":\""
                            + (i % 3 == 0 ? "2021-01-01T00:00:00Z" : "2099-01-01T00:00:00Z") + "\""));
                }
                ingest(fx, t, b.append(']').toString());
                fx.app().rollup().rollup(new RollupRequest("test", Optional.empty(), Duration.ZERO, true));
            }
            assertThat(fx.call(LakelogFixture.operator(operator, "POST", "/v1/analytics/maintenance/compact", Map.of())).status()).isEqualTo(200);
            ApiResponse ret = fx.call(LakelogFixture.operator(operator, "POST", "/v1/analytics/maintenance/retention", Map.of()));
            assertThat(ret.status()).as(ret.bodyText()).isEqualTo(200);
            // the commits that record a compaction's integrity entry (docs/integrity.md) are set aside here
            List<JsonNode> snaps = new java.util.ArrayList<>();
            for (JsonNode s : get(fx, t, "/v1/analytics/snapshots", Map.of()).path("snapshots")) {
                if (!s.path("commit_message").asText().endsWith(dev.lakelog.lake.IntegrityChain.INTEGRITY_ENTRY_LABEL)) snaps.add(s);
            }
            long rewrite = snaps.get(0).path("snapshot_id").asLong();
            long delete = snaps.get(1).path("snapshot_id").asLong();
            assertThat(snaps.get(0).path("commit_message").asText()).startsWith("retention rewrite");
            assertThat(snaps.get(1).path("commit_message").asText()).isEqualTo("retention (every tenant)");
            JsonNode deleted = get(fx, t, "/v1/analytics/changes", Map.of("from_snapshot", Long.toString(delete), "to_snapshot", Long.toString(delete)));
            assertThat(deleted.path("changes")).hasSize(6).allSatisfy(c -> {
                assertThat(c.path("snapshot_id").asLong()).isEqualTo(delete);
                assertThat(c.path("change_type").asText()).isEqualTo("delete");
            });
            JsonNode rewritten = get(fx, t, "/v1/analytics/changes", Map.of("from_snapshot", Long.toString(rewrite), "to_snapshot", Long.toString(rewrite)));
            assertThat(rewritten.path("changes")).as("a file rewrite changes no row").isEmpty();
            JsonNode all = get(fx, t, "/v1/analytics/changes", Map.of("from_snapshot", "0", "to_snapshot", Long.toString(rewrite)));
            assertThat(all.path("changes").findValuesAsText("change_type")).containsOnly("insert", "delete");
        }
    }

    @Test
    void a_tenants_own_retention_and_maintenance_commits_are_labelled_in_its_snapshot_list() throws Exception {
        try (LakelogFixture fx = LakelogFixture.local()) {
            var t = fx.createTenant("labels", Tier.PAID);
            String operator = fx.createOperator("ops");
            ingest(fx, t, "[" + event("l-1", "2026-11-20", ",\"retention_until\":\"2021-01-01T00:00:00Z\"") + ","
                    + event("l-2", "2026-11-20", "") + "]");
            fx.app().rollup().rollup(new RollupRequest("test", Optional.empty(), Duration.ZERO, true));
            ingest(fx, t, event("l-3", "2026-11-21", ""));
            fx.app().rollup().rollup(new RollupRequest("test", Optional.empty(), Duration.ZERO, true));
            assertThat(fx.call(LakelogFixture.bearer(t, "POST", "/v1/analytics/maintenance/retention", Map.of(), null)).status()).isEqualTo(200);
            assertThat(fx.call(LakelogFixture.operator(operator, "POST", "/v1/analytics/maintenance/compact", Map.of())).status()).isEqualTo(200);
            List<String> all = get(fx, t, "/v1/analytics/snapshots", Map.of()).path("snapshots").findValuesAsText("commit_message");
            assertThat(all.get(0)).as("the compaction's integrity entry, labelled with it").startsWith("compaction trigger=")
                    .endsWith(dev.lakelog.lake.IntegrityChain.INTEGRITY_ENTRY_LABEL);
            List<String> messages = all.stream().filter(m -> !m.endsWith(dev.lakelog.lake.IntegrityChain.INTEGRITY_ENTRY_LABEL)).toList();
            assertThat(messages.get(0)).startsWith("compaction trigger=");
            assertThat(messages.get(1)).isEqualTo("retention trigger=rest tenant=labels rows=1");
            assertThat(messages).doesNotContain("(other commit)");
        }
    }

    @Test
    void a_null_component_is_reported_as_null_by_events_by_component() throws Exception {
        try (LakelogFixture fx = LakelogFixture.local()) {
            var t = fx.createTenant("nulls", Tier.PAID);
            ingest(fx, t, "[" + event("n-1", "2026-11-20", ",\"component\":\"api\"") + "," + event("n-2", "2026-11-20", "") + ","
                    + event("n-3", "2026-11-20", ",\"component\":\"api\"") + "]");
            fx.app().rollup().rollup(new RollupRequest("test", Optional.empty(), Duration.ZERO, true));
            ApiResponse r = fx.call(LakelogFixture.bearer(t, "POST", "/v1/analytics/queries/events_by_component", Map.of(),
                    "{\"params\":{\"since\":\"2026-11-01T00:00:00Z\"},\"page_size\":1}".getBytes(StandardCharsets.UTF_8)));
            JsonNode first = JSON.readTree(r.body());
            assertThat(first.path("rows").get(0).path("component").isNull()).as(r.bodyText()).isTrue();
            assertThat(first.path("rows").get(0).has("_has_component")).isFalse();
            ApiResponse next = fx.call(LakelogFixture.bearer(t, "POST", "/v1/analytics/queries/events_by_component", Map.of(),
                    ("{\"params\":{\"since\":\"2026-11-01T00:00:00Z\"},\"page_size\":1,\"cursor\":\"" + first.path("next_cursor").asText() + "\"}")
                            .getBytes(StandardCharsets.UTF_8)));
            assertThat(JSON.readTree(next.body()).path("rows").get(0).path("component").asText()).as(next.bodyText()).isEqualTo("api");
            assertThat(JSON.readTree(next.body()).path("rows").get(0).path("events").asLong()).isEqualTo(2);
        }
    }

    @Test
    void a_producer_retrying_without_idempotency_keys_ends_with_one_row_per_log_id() throws Exception {
        try (LakelogFixture fx = LakelogFixture.local()) {
            var t = fx.createTenant("retry", Tier.PAID);
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 10; i++) ids.add("r-" + i);
            // first send, then every event again (a retry after a lost answer), some a third time in one batch
            StringBuilder b = new StringBuilder("[");
            for (String id : ids) b.append(b.length() > 1 ? "," : "").append(event(id, "2026-11-20", ""));
            ingest(fx, t, b.append(']').toString());
            RollupReport first = fx.app().rollup().rollup(new RollupRequest("test", Optional.empty(), Duration.ZERO, true));
            assertThat(first.duplicatesDropped()).isZero();
            for (String id : ids) ingest(fx, t, event(id, "2026-11-20", ""));
            ingest(fx, t, "[" + event("r-1", "2026-11-20", "") + "," + event("r-1", "2026-11-20", "") + "," + event("r-new", "2026-11-20", "") + "]");
            RollupReport again = fx.app().rollup().rollup(new RollupRequest("test", Optional.empty(), Duration.ZERO, true));
            assertThat(again.duplicatesDropped()).isEqualTo(12);
            assertThat(again.logsInserted()).isEqualTo(1);
            JsonNode rows = get(fx, t, "/v1/analytics/logs", Map.of("limit", "100", "fresh", "false"));
            List<String> got = rows.path("logs").findValuesAsText("log_id");
            assertThat(got).hasSize(11).doesNotHaveDuplicates();
            // the same log_id on another day is another event
            ingest(fx, t, event("r-0", "2026-11-21", ""));
            assertThat(fx.app().rollup().rollup(new RollupRequest("test", Optional.empty(), Duration.ZERO, true)).logsInserted()).isEqualTo(1);
        }
    }
}
