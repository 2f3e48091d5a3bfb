package dev.lakelog.maintenance;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lakelog.api.ApiResponse;
import dev.lakelog.auth.Tier;
import dev.lakelog.rollup.RollupRequest;
import dev.lakelog.testing.LakelogFixture;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Lake-wide maintenance belongs to the operator: whatever tenant B does with its own token, tenant
 * A's data files, the snapshots and A's time travel are exactly as they were.
 */
class MaintenanceAuthorityTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static LakelogFixture fx;
    private static LakelogFixture.TenantCredentials a;
    private static LakelogFixture.TenantCredentials b;
    private static String operator;

    @BeforeAll
    static void start() {
        fx = LakelogFixture.aws(Map.of(), Clock.systemUTC());
        a = fx.createTenant("tenanta", Tier.PAID);
        b = fx.createTenant("tenantb", Tier.PAID);
        operator = fx.createOperator("platform-team");
    }

    @AfterAll
    static void stop() {
        fx.close();
    }

    private static void ingestAndRollup(LakelogFixture.TenantCredentials t, String tag, boolean expired) {
        StringBuilder body = new StringBuilder("[");
        for (int i = 0; i < 3; i++) {
            if (i > 0) body.append(',');
            body.append("{\"log_id\":\"").append(tag).append('-').append(i).append("\",\"timestamp\":\"2026-11-20T10:00:00Z\",")
                    .append("\"event_type\":\"X\",\"outcome\":\"SUCCESS\",\"severity\":\"INFO\",\"message\":\"m\",\"retention_until\":\"")
                    .append(expired ? "2021-01-01T00:00:00Z" : "2099-01-01T00:00:00Z").append("\"}");
        }
        assertThat(fx.call(LakelogFixture.signedJson(t, "/v1/log/batch", body.append(']').toString())).status()).isEqualTo(200);
        assertThat(fx.app().rollup().rollup(new RollupRequest("test", Optional.of(t.tenantId()), Duration.ZERO, true)).errors()).isEmpty();
    }

    private static List<String> query(String sql) throws Exception {
        List<String> out = new ArrayList<>();
        try (Connection c = fx.app().lake().connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) out.add(rs.getString(1));
        }
        return out;
    }

    /** A's log ids at each snapshot where the table exists. */
    private static Map<String, List<String>> timeTravel(List<String> snapshots) throws Exception {
        Map<String, List<String>> out = new java.util.TreeMap<>();
        for (String s : snapshots) {
            try {
                out.put(s, query("SELECT log_id FROM lake.main.logs AT (VERSION => " + s + ") WHERE tenant_id = 'tenanta' ORDER BY 1"));
            } catch (java.sql.SQLException e) {
                // before the table was created
            }
        }
        return out;
    }

    @Test
    void tenant_b_cannot_run_lake_wide_jobs_and_its_own_retention_leaves_tenant_a_as_it_was() throws Exception {
        for (int i = 0; i < 3; i++) ingestAndRollup(a, "a" + i, false);
        for (int i = 0; i < 3; i++) ingestAndRollup(b, "b" + i, true);
        List<String> aFiles = query("SELECT data_file FROM ducklake_list_files('lake', 'logs') WHERE contains(data_file, 'tenant_id=tenanta') ORDER BY 1");
        List<String> snapshots = query("SELECT snapshot_id::VARCHAR FROM lake.snapshots() ORDER BY snapshot_id");
        Map<String, List<String>> aAtEachSnapshot = timeTravel(snapshots);

        for (String job : List.of("compact", "cleanup", "expire-snapshots")) {
            ApiResponse r = fx.call(LakelogFixture.bearer(b, "POST", "/v1/analytics/maintenance/" + job,
                    job.equals("cleanup") ? Map.of("dry_run", "false", "older_than_hours", "1") : job.equals("expire-snapshots")
                            ? Map.of("older_than_days", "1") : Map.of(), new byte[0]));
            assertThat(r.status()).as(job + ": " + r.bodyText()).isEqualTo(403);
            assertThat(JSON.readTree(r.body()).path("detail").asText()).contains("operator token");
        }
        ApiResponse own = fx.call(LakelogFixture.bearer(b, "POST", "/v1/analytics/maintenance/retention", Map.of(), new byte[0]));
        assertThat(own.status()).as(own.bodyText()).isEqualTo(200);
        assertThat(JSON.readTree(own.body()).path("result").path("rows_removed").asLong()).isEqualTo(9);

        assertThat(query("SELECT data_file FROM ducklake_list_files('lake', 'logs') WHERE contains(data_file, 'tenant_id=tenanta') ORDER BY 1"))
                .as("tenant A's files").isEqualTo(aFiles);
        List<String> after = query("SELECT snapshot_id::VARCHAR FROM lake.snapshots() ORDER BY snapshot_id");
        assertThat(after).as("no snapshot expired").containsSubsequence(snapshots);
        // A's time travel: every snapshot answers with exactly A's rows of that time, as before
        assertThat(timeTravel(snapshots)).isEqualTo(aAtEachSnapshot);
        assertThat(aAtEachSnapshot.get(snapshots.get(snapshots.size() - 1))).hasSize(9);

        // the operator may run them
        for (String job : List.of("compact", "expire-snapshots", "cleanup")) {
            ApiResponse r = fx.call(LakelogFixture.operator(operator, "POST", "/v1/analytics/maintenance/" + job, Map.of()));
            assertThat(r.status()).as(job + ": " + r.bodyText()).isEqualTo(200);
        }
        // ... and an operator token reads no tenant's data
        ApiResponse read = fx.call(LakelogFixture.operator(operator, "GET", "/v1/analytics/logs", Map.of()));
        assertThat(read.status()).isEqualTo(401);
    }
}
