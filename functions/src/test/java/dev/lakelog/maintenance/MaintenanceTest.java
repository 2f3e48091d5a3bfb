package dev.lakelog.maintenance;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lakelog.api.ApiResponse;
import dev.lakelog.auth.Tier;
import dev.lakelog.lake.TenantLock;
import dev.lakelog.rollup.RollupReport;
import dev.lakelog.rollup.RollupRequest;
import dev.lakelog.testing.LakelogFixture;
import dev.lakelog.testing.TestServers;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Compaction, snapshot expiry, cleanup and retention on the real servers, through the routes. */
class MaintenanceTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static LakelogFixture fx;
    private static LakelogFixture.TenantCredentials paid;
    private static String operator;

    @BeforeAll
    static void start() {
        fx = LakelogFixture.aws(Map.of("LAKELOG_ROLLUP_MIN_AGE_SECONDS", "0"), Clock.systemUTC());
        paid = fx.createTenant("mt", Tier.PAID);
        operator = fx.createOperator("ops");
    }

    @AfterAll
    static void stop() {
        fx.close();
    }

    /** Lake-wide jobs go with the operator's token, retention with the tenant's. */
    private static ApiResponse post(LakelogFixture.TenantCredentials t, String job, Map<String, String> q) {
        if (!job.equals("retention")) return fx.call(LakelogFixture.operator(operator, "POST", "/v1/analytics/maintenance/" + job, q));
        return fx.call(LakelogFixture.bearer(t, "POST", "/v1/analytics/maintenance/" + job, q, new byte[0]));
    }

    private static JsonNode body(ApiResponse r) throws Exception {
        return JSON.readTree(r.body());
    }

    private static List<String> ingestAndRollup(LakelogFixture.TenantCredentials t, String tag, int rounds) {
        List<String> acked = new java.util.ArrayList<>();
        for (int i = 0; i < rounds; i++) {
            acked.addAll(ingest(t, tag + i, 4));
            RollupReport r = fx.app().rollup().rollup(new RollupRequest("test", Optional.of(t.tenantId()), Duration.ZERO, true));
            assertThat(r.errors()).isEmpty();
        }
        return acked;
    }

    private static List<String> ingest(LakelogFixture.TenantCredentials t, String tag, int n) {
        StringBuilder b = new StringBuilder("[");
        List<String> ids = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            String id = tag + "-" + i;
            ids.add(id);
            if (i > 0) b.append(',');
            // even events expired in 2021, odd ones kept until 2099
            b.append("{\"log_id\":\"").append(id).append("\",\"timestamp\":\"2026-11-20T10:00:00Z\",\"event_type\":\"X\",")
                    .append("\"outcome\":\"SUCCESS\",\"severity\":\"INFO\",\"message\":\"m\",\"retention_until\":\"")
                    .append(i % 2 == 0 ? "2021-01-01T00:00:00Z" : "2099-01-01T00:00:00Z").append("\"}");
        }
        ApiResponse r = fx.call(LakelogFixture.signedJson(t, "/v1/log/batch", b.append(']').toString()));
        assertThat(r.status()).as(new String(r.body())).isEqualTo(200);
        return ids;
    }

    private static long rows(String where) throws Exception {
        try (Connection c = fx.app().lake().connect(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT count(*) FROM lake.main.logs WHERE " + where)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void compaction_merges_the_small_files_of_several_rollups_and_keeps_every_row() throws Exception {
        var t = fx.createTenant("compact", Tier.PAID);
        List<String> acked = ingestAndRollup(t, "c", 4);
        ApiResponse r = post(t, "compact", Map.of());
        assertThat(r.status()).as(new String(r.body())).isEqualTo(200);
        JsonNode res = body(r).path("result");
        assertThat(res.path("files_before").asLong()).isGreaterThan(res.path("files_after").asLong());
        assertThat(res.path("files_merged").asLong()).isGreaterThanOrEqualTo(4);
        assertThat(rows("tenant_id = 'compact'")).isEqualTo(acked.size());
        assertThat(rows("tenant_id = 'compact'")).isEqualTo(
                rowsDistinct("compact"));
    }

    private static long rowsDistinct(String tenant) throws Exception {
        try (Connection c = fx.app().lake().connect(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT count(DISTINCT log_id) FROM lake.main.logs WHERE tenant_id = '" + tenant + "'")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void each_parameter_out_of_range_or_not_a_number_is_a_400_naming_it_and_runs_nothing() throws Exception {
        record Case(String job, String param, String value) {}
        for (Case c : List.of(new Case("cleanup", "older_than_hours", "-1"), new Case("cleanup", "older_than_hours", "8761"),
                new Case("cleanup", "older_than_hours", "week"), new Case("cleanup", "dry_run", "perhaps"),
                new Case("expire-snapshots", "older_than_days", "-1"), new Case("expire-snapshots", "older_than_days", "3651"),
                new Case("expire-snapshots", "older_than_days", "1.5"))) {
            ApiResponse r = post(paid, c.job(), Map.of(c.param(), c.value()));
            assertThat(r.status()).as(c.toString()).isEqualTo(400);
            assertThat(body(r).path("detail").asText()).as(c.toString()).contains(c.param());
        }
    }

    @Test
    void maintenance_needs_a_paid_bearer_token() throws Exception {
        var free = fx.createTenant("freemt", Tier.FREE);
        assertThat(post(free, "retention", Map.of()).status()).isEqualTo(403);
        ApiResponse none = fx.call(new dev.lakelog.api.ApiRequest("POST", "/v1/analytics/maintenance/compact", Map.of(), Map.of(), new byte[0]));
        assertThat(none.status()).isEqualTo(401);
    }

    @Test
    void a_second_maintenance_job_while_one_holds_the_lease_gets_409() throws Exception {
        TenantLock.Held held = fx.app().rollup().lock().tryAcquire(MaintenanceService.LEASE_KEY).orElseThrow();
        try {
            ApiResponse r = post(paid, "compact", Map.of());
            assertThat(r.status()).isEqualTo(409);
            assertThat(body(r).path("detail").asText()).contains("another maintenance job");
        } finally {
            held.close();
        }
    }

    @Test
    void expiry_then_cleanup_removes_the_files_compaction_replaced_and_dry_run_only_counts_them() throws Exception {
        var t = fx.createTenant("expire", Tier.PAID);
        ingestAndRollup(t, "e", 3);
        assertThat(post(t, "compact", Map.of()).status()).isEqualTo(200);
        // the REST defaults: nothing is 90 days old, nothing was scheduled a week ago, dry run
        JsonNode exp = body(post(t, "expire-snapshots", Map.of())).path("result");
        assertThat(exp.path("expired_count").asLong()).isZero();
        JsonNode cl = body(post(t, "cleanup", Map.of())).path("result");
        assertThat(cl.path("dry_run").asBoolean()).isTrue();
        // the same service a hundred days later (its clock is the only difference)
        Clock later = Clock.offset(Clock.systemUTC(), Duration.ofDays(100));
        MaintenanceService future = new MaintenanceService(fx.app()::lake, fx.app().rollup().lock(), later);
        assertThat(future.expireSnapshots("test", 90).expiredCount()).isGreaterThan(0);
        long before = lakeObjects();
        MaintenanceService.CleanupResult dry = future.cleanup("test", 168, true);
        assertThat(dry.filesCleaned()).isGreaterThan(0);
        assertThat(lakeObjects()).as("dry run deletes nothing").isEqualTo(before);
        MaintenanceService.CleanupResult wet = future.cleanup("test", 168, false);
        assertThat(wet.filesCleaned()).isEqualTo(dry.filesCleaned());
        assertThat(lakeObjects()).isEqualTo(before - wet.filesCleaned());
        assertThat(rowsDistinct("expire")).isEqualTo(rows("tenant_id = 'expire'"));
        assertThat(rows("tenant_id = 'expire'")).isEqualTo(12);
    }

    private static long lakeObjects() {
        return TestServers.s3().client().listObjectsV2Paginator(b -> b.bucket(fx.bucket()).prefix("lake/")).contents().stream().count();
    }

    @Test
    void retention_deletes_the_callers_expired_rows_only_and_the_operators_rewrites_the_files() throws Exception {
        var a = fx.createTenant("reta", Tier.PAID);
        var b = fx.createTenant("retb", Tier.PAID);
        ingestAndRollup(a, "a", 2);
        ingestAndRollup(b, "b", 1);
        ApiResponse r = post(a, "retention", Map.of());
        assertThat(r.status()).as(new String(r.body())).isEqualTo(200);
        JsonNode res = body(r).path("result");
        assertThat(res.path("rows_removed").asLong()).isEqualTo(4);
        assertThat(res.path("files_rewritten").asLong()).as("a tenant's retention rewrites no file").isZero();
        assertThat(rows("tenant_id = 'reta'")).isEqualTo(4);
        assertThat(rows("tenant_id = 'reta' AND retention_until < now()")).isZero();
        assertThat(rows("tenant_id = 'retb' AND retention_until < now()")).as("other tenant untouched").isEqualTo(2);
        assertThat(body(post(a, "retention", Map.of())).path("result").path("rows_removed").asLong()).isZero();
        // the operator's retention covers every tenant and rewrites the files that have deleted rows
        ApiResponse all = fx.call(LakelogFixture.operator(operator, "POST", "/v1/analytics/maintenance/retention", Map.of()));
        assertThat(all.status()).as(all.bodyText()).isEqualTo(200);
        assertThat(body(all).path("result").path("files_rewritten").asLong()).isGreaterThanOrEqualTo(1);
        assertThat(rows("tenant_id = 'retb' AND retention_until < now()")).isZero();
    }

    @Test
    void compaction_racing_rollups_of_the_same_table_loses_or_doubles_nothing() throws Exception {
        var t = fx.createTenant("racemt", Tier.PAID);
        List<String> acked = ingestAndRollup(t, "pre", 3);
        for (int i = 0; i < 6; i++) acked.addAll(ingest(t, "late" + i, 5));
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<Object> compaction = pool.submit(() -> {
                try {
                    return fx.app().maintenance().compact("test");
                } catch (RuntimeException e) {
                    return e;
                }
            });
            Future<RollupReport> rollup = pool.submit(() ->
                    fx.app().rollup().rollup(new RollupRequest("test", Optional.of("racemt"), Duration.ZERO, true)));
            Object c = compaction.get();
            RollupReport r = rollup.get();
            // Whichever lost a conflict changed nothing; a rerun finishes the rollup.
            RollupReport rerun = fx.app().rollup().rollup(new RollupRequest("test", Optional.of("racemt"), Duration.ZERO, true));
            assertThat(rerun.errors()).isEmpty();
            assertThat(c).isNotNull();
            assertThat(r).isNotNull();
        } finally {
            pool.shutdownNow();
        }
        assertThat(rows("tenant_id = 'racemt'")).isEqualTo(acked.size());
        assertThat(rowsDistinct("racemt")).isEqualTo(acked.size());
    }
}
