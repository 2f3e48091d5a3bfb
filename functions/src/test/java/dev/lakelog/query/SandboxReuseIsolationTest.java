package dev.lakelog.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lakelog.api.ApiResponse;
import dev.lakelog.auth.Tier;
import dev.lakelog.lake.LakeCatalog;
import dev.lakelog.lake.LakeEngine;
import dev.lakelog.lake.Sandbox;
import dev.lakelog.rollup.RollupRequest;
import dev.lakelog.testing.LakelogFixture;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A warm container keeps a tenant's locked sandbox for its next query (issue 13), and that reuse
 * never widens what the sandbox can read: a sandbox reused for tenant acme sees acme's rows only and
 * cannot open any of tenant other's files, before and after other's data changes; when acme's own
 * snapshot changes, acme gets a new sandbox over its new files and still none of other's.
 */
class SandboxReuseIsolationTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static LakelogFixture fx;
    static LakelogFixture.TenantCredentials acme;
    static LakelogFixture.TenantCredentials other;
    static final Instant T0 = Instant.parse("2026-11-20T00:00:00Z");
    static final String COUNTS = "SELECT count(*) AS n, count(*) FILTER (WHERE message LIKE '%SECRET%' OR tenant_id <> 'acme') AS foreign_rows FROM logs";

    @BeforeAll
    static void start() {
        fx = LakelogFixture.aws(Map.of(), java.time.Clock.systemUTC());
        acme = fx.createTenant("acme", Tier.PAID);
        other = fx.createTenant("other", Tier.PAID);
        AnalyticsQueryTest.fx = fx;
        AnalyticsQueryTest.ingest(acme, AnalyticsQueryTest.events("a", 10, T0, Duration.ofMinutes(30)));
        AnalyticsQueryTest.ingest(other, AnalyticsQueryTest.events("SECRET", 10, T0, Duration.ofMinutes(30)));
        rollup();
    }

    @AfterAll
    static void stop() {
        fx.close();
    }

    static void rollup() {
        assertThat(fx.app().rollup().rollup(new RollupRequest("test", Optional.empty(), Duration.ZERO, true)).errors()).isEmpty();
    }

    static JsonNode query(LakelogFixture.TenantCredentials t, String sql) throws Exception {
        ObjectNode body = JSON.createObjectNode().put("query", sql);
        ApiResponse r = fx.call(LakelogFixture.bearer(t, "POST", "/v1/analytics/query", Map.of(), body.toString().getBytes(StandardCharsets.UTF_8)));
        assertThat(r.status()).as(r.bodyText()).isEqualTo(200);
        return JSON.readTree(r.bodyText()).path("rows").get(0);
    }

    static List<String> files(String tenant) throws Exception {
        List<String> out = new ArrayList<>();
        try (Connection c = fx.app().lake().connect()) {
            for (LakeCatalog.DataFile f : LakeCatalog.tenantDataFiles(c, tenant)) out.add(f.path());
        }
        return out;
    }

    static LakeEngine.SandboxCounts counts() {
        return fx.app().lake().sandboxCounts();
    }

    /** The pooled sandbox the query route would use for acme now (the same key it builds), checked from inside. */
    static void fromInsideAcmesSandbox(long expectedRows, List<String> otherFiles) throws Exception {
        List<String> mine = files("acme");
        List<String> setup = new ArrayList<>(SqlGuard.SANDBOX_MACROS);
        setup.add(CustomQueryService.viewSql("acme", mine, List.of()));
        CustomQueryService.metricsViews(fx.app().lake(), "acme", mine, setup); // the metrics tables' views, as the route adds them
        long reusedBefore = counts().reused();
        try (Sandbox box = fx.app().lake().sandbox("acme", mine, CustomQueryService.SANDBOX_MEMORY, CustomQueryService.SANDBOX_THREADS, setup);
                Statement st = box.connection().createStatement()) {
            assertThat(counts().reused()).as("the route's sandbox for acme was reused").isEqualTo(reusedBefore + 1);
            try (ResultSet rs = st.executeQuery("SELECT count(*), count(*) FILTER (WHERE tenant_id <> 'acme') FROM logs")) {
                rs.next();
                assertThat(rs.getLong(1)).isEqualTo(expectedRows);
                assertThat(rs.getLong(2)).isZero();
            }
            for (String f : otherFiles) {
                assertThatThrownBy(() -> box.connection().createStatement().executeQuery("SELECT count(*) FROM read_parquet('" + f + "')"))
                        .as(f).hasMessageContaining("disabled by configuration");
            }
            assertThatThrownBy(() -> box.connection().createStatement().execute("SET allowed_paths = ['" + otherFiles.get(0) + "']"))
                    .hasMessageContaining("locked");
            box.keep();
        }
    }

    @Test
    void a_reused_sandbox_sees_only_its_tenants_files_before_and_after_either_tenants_data_changes() throws Exception {
        // the first query leaves acme's sandbox idle (opened, or reused from an earlier test); the second reuses it
        assertThat(query(acme, COUNTS).path("n").asLong()).isEqualTo(10);
        long opened = counts().opened();
        long reused = counts().reused();
        JsonNode again = query(acme, COUNTS);
        assertThat(again.path("n").asLong()).isEqualTo(10);
        assertThat(again.path("foreign_rows").asLong()).isZero();
        assertThat(counts().reused()).isEqualTo(reused + 1);
        assertThat(counts().opened()).isEqualTo(opened);
        fromInsideAcmesSandbox(10, files("other"));

        // other's data changes: acme's snapshot of its own files is the same, so its sandbox is reused, still walled off
        AnalyticsQueryTest.ingest(other, AnalyticsQueryTest.events("SECRET-2", 7, T0.plusSeconds(60), Duration.ofMinutes(30)));
        rollup();
        List<String> otherNow = files("other");
        assertThat(otherNow).hasSizeGreaterThan(1);
        reused = counts().reused();
        JsonNode afterOther = query(acme, COUNTS);
        assertThat(afterOther.path("n").asLong()).isEqualTo(10);
        assertThat(afterOther.path("foreign_rows").asLong()).isZero();
        assertThat(counts().reused()).isEqualTo(reused + 1);
        fromInsideAcmesSandbox(10, otherNow);

        // other queries: its own sandbox, never acme's
        opened = counts().opened();
        JsonNode others = query(other, "SELECT count(*) AS n, count(*) FILTER (WHERE tenant_id <> 'other') AS foreign_rows FROM logs");
        assertThat(others.path("n").asLong()).isEqualTo(17);
        assertThat(others.path("foreign_rows").asLong()).isZero();
        assertThat(counts().opened()).isEqualTo(opened + 1);

        // acme's snapshot changes: a new sandbox over acme's new files; the old one is not reused
        List<String> acmeBefore = files("acme");
        AnalyticsQueryTest.ingest(acme, AnalyticsQueryTest.events("a2", 5, T0.plusSeconds(120), Duration.ofMinutes(30)));
        rollup();
        assertThat(files("acme")).isNotEqualTo(acmeBefore);
        opened = counts().opened();
        reused = counts().reused();
        JsonNode afterMine = query(acme, COUNTS);
        assertThat(afterMine.path("n").asLong()).isEqualTo(15);
        assertThat(afterMine.path("foreign_rows").asLong()).isZero();
        assertThat(counts().opened()).isEqualTo(opened + 1);
        assertThat(counts().reused()).isEqualTo(reused);
        fromInsideAcmesSandbox(15, files("other"));
        assertThat(counts().idle()).isLessThanOrEqualTo(2);
    }

    @Test
    void a_query_that_fails_does_not_leave_its_sandbox_for_the_next_one() throws Exception {
        query(acme, "SELECT 1 AS n");
        long opened = counts().opened();
        ObjectNode body = JSON.createObjectNode().put("query", "SELECT CAST(message AS INTEGER) AS n FROM logs");
        ApiResponse r = fx.call(LakelogFixture.bearer(acme, "POST", "/v1/analytics/query", Map.of(), body.toString().getBytes(StandardCharsets.UTF_8)));
        assertThat(r.status()).isEqualTo(400);
        long reusedAfterFailure = counts().reused();
        query(acme, "SELECT 1 AS n");
        // the failed query took the idle sandbox and closed it; the next one opens a fresh one
        assertThat(counts().opened()).isEqualTo(opened + 1);
        assertThat(counts().reused()).isEqualTo(reusedAfterFailure);
    }

    @Test
    void a_reused_sandbox_keeps_what_it_derived_from_its_set_up_and_a_sandbox_with_another_set_up_starts_empty() throws Exception {
        // what the query route keeps per sandbox (the columns a statement answers) lives and dies with the instance
        List<String> mine = files("acme");
        List<String> setup = new ArrayList<>(SqlGuard.SANDBOX_MACROS);
        setup.add(CustomQueryService.viewSql("acme", mine, List.of()));
        LakeEngine lake = fx.app().lake();
        try (Sandbox box = lake.sandbox("acme", mine, CustomQueryService.SANDBOX_MEMORY, CustomQueryService.SANDBOX_THREADS, setup)) {
            assertThat(box.memo("memo-test", () -> "first")).isEqualTo("first");
            box.keep();
        }
        long reused = counts().reused();
        try (Sandbox box = lake.sandbox("acme", mine, CustomQueryService.SANDBOX_MEMORY, CustomQueryService.SANDBOX_THREADS, setup)) {
            assertThat(counts().reused()).isEqualTo(reused + 1);
            assertThat(box.memo("memo-test", () -> "second")).as("the reused instance remembers").isEqualTo("first");
            box.keep();
        }
        List<String> otherSetUp = new ArrayList<>(setup);
        otherSetUp.add("CREATE VIEW memo_probe AS SELECT 1 AS x");
        try (Sandbox box = lake.sandbox("acme", mine, CustomQueryService.SANDBOX_MEMORY, CustomQueryService.SANDBOX_THREADS, otherSetUp)) {
            assertThat(box.memo("memo-test", () -> "third")).as("another set-up, another instance").isEqualTo("third");
        }
    }
}
