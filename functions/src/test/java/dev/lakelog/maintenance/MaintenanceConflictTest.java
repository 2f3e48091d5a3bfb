package dev.lakelog.maintenance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lakelog.Lakelog;
import dev.lakelog.auth.Tier;
import dev.lakelog.rollup.RollupReport;
import dev.lakelog.rollup.RollupRequest;
import dev.lakelog.testing.LakelogFixture;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Maintenance and rollup interleaved deterministically, each in its own Lakelog (like two Lambda
 * containers): a maintenance transaction is held open while a real rollup commits, then the
 * maintenance commits. DuckLake's commit protocol must either merge the two or abort the
 * maintenance whole; the rows of the rollup are never lost or doubled.
 */
class MaintenanceConflictTest {

    private static List<String> ingest(LakelogFixture fx, LakelogFixture.TenantCredentials t, String tag) {
        List<String> ids = new ArrayList<>();
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < 5; i++) {
            String id = tag + "-" + i;
            ids.add(id);
            if (i > 0) b.append(',');
            b.append("{\"log_id\":\"").append(id).append("\",\"timestamp\":\"2026-11-20T10:00:00Z\",\"event_type\":\"X\",")
                    .append("\"outcome\":\"SUCCESS\",\"severity\":\"INFO\",\"message\":\"m\",\"retention_until\":\"")
                    .append(i % 2 == 0 ? "2021-01-01T00:00:00Z" : "2099-01-01T00:00:00Z").append("\"}");
        }
        assertThat(fx.call(LakelogFixture.signedJson(t, "/v1/log/batch", b.append(']').toString())).status()).isEqualTo(200);
        return ids;
    }

    private static RollupReport rollup(Lakelog app, String tenant) {
        return app.rollup().rollup(new RollupRequest("test", Optional.of(tenant), Duration.ZERO, true));
    }

    private static long[] counts(Lakelog app, String tenant) throws SQLException {
        try (Connection c = app.lake().connect(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT count(*), count(DISTINCT log_id) FROM lake.main.logs WHERE tenant_id = '" + tenant + "'")) {
            rs.next();
            return new long[] {rs.getLong(1), rs.getLong(2)};
        }
    }

    /** Runs {@code maintenanceSql} in a transaction left open while a rollup commits; returns the commit error, if any. */
    private static String interleave(Lakelog maint, Lakelog roller, String tenant, String maintenanceSql) throws SQLException {
        try (Connection c = maint.lake().connect(); Statement st = c.createStatement()) {
            st.execute("BEGIN TRANSACTION");
            st.execute(maintenanceSql);
            RollupReport r = rollup(roller, tenant);
            assertThat(r.errors()).as("the rollup commits first").isEmpty();
            try {
                st.execute("COMMIT");
                return null;
            } catch (SQLException e) {
                try {
                    st.execute("ROLLBACK");
                } catch (SQLException ignored) {
                    // already ended
                }
                return e.getMessage();
            }
        }
    }

    @Test
    void compaction_and_retention_committing_after_a_rollup_they_overlapped_lose_or_double_nothing() throws Exception {
        try (LakelogFixture fx = LakelogFixture.aws(Map.of("LAKELOG_ROLLUP_MIN_AGE_SECONDS", "0"), Clock.systemUTC());
                Lakelog other = dev.lakelog.rollup.RollupTestingAccess.another(fx.env())) {
            var t = fx.createTenant("mix", Tier.PAID);
            List<String> acked = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                acked.addAll(ingest(fx, t, "pre" + i));
                assertThat(rollup(fx.app(), "mix").errors()).isEmpty();
            }
            acked.addAll(ingest(fx, t, "during-compact"));
            String compactError = interleave(other, fx.app(), "mix", "CALL ducklake_merge_adjacent_files('lake')");
            long[] n = counts(fx.app(), "mix");
            assertThat(n[0]).as("compaction outcome: " + compactError).isEqualTo(acked.size());
            assertThat(n[1]).isEqualTo(acked.size());

            acked.addAll(ingest(fx, t, "during-retention"));
            String retentionError = interleave(other, fx.app(), "mix",
                    "DELETE FROM lake.main.logs WHERE tenant_id = 'mix' AND retention_until < now()");
            long[] m = counts(fx.app(), "mix");
            long expired = acked.stream().filter(id -> Integer.parseInt(id.substring(id.lastIndexOf('-') + 1)) % 2 == 0).count();
            long expectedRows = retentionError == null ? acked.size() - expired + 3 /* the rollup's own expired rows stay */ : acked.size();
            System.err.println("interleaved: compaction commit -> " + (compactError == null ? "merged" : compactError)
                    + "; retention commit -> " + (retentionError == null ? "merged" : retentionError));
            assertThat(m[1]).as("no log_id twice").isEqualTo(m[0]);
            assertThat(m[0]).as("retention outcome: " + retentionError).isEqualTo(expectedRows);
        }
    }
}
