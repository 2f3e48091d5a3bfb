package dev.lakelog.query;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lakelog.api.ApiResponse;
import dev.lakelog.auth.Tier;
import dev.lakelog.rollup.RollupReport;
import dev.lakelog.rollup.RollupRequest;
import dev.lakelog.testing.LakelogFixture;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Time travel to a snapshot that snapshot expiry removed answers 404, and newer snapshots still work. */
class ExpiredSnapshotTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static long ingestAndRollUp(LakelogFixture fx, LakelogFixture.TenantCredentials t, String msg) {
        String event = "{\"timestamp\":\"" + Instant.now().minusSeconds(60) + "\",\"event_type\":\"E\",\"outcome\":\"SUCCESS\","
                + "\"severity\":\"INFO\",\"message\":\"" + msg + "\"}";
        assertThat(fx.call(LakelogFixture.signedJson(t, "/v1/log", event)).status()).isEqualTo(200);
        RollupReport r = fx.app().rollup().rollup(new RollupRequest("test", Optional.of(t.tenantId()), Duration.ZERO, true));
        assertThat(r.errors()).isEmpty();
        return r.snapshotId();
    }

    @Test
    void an_expired_snapshot_is_a_404_that_points_to_the_snapshot_list() throws Exception {
        try (LakelogFixture fx = LakelogFixture.local()) {
            LakelogFixture.TenantCredentials t = fx.createTenant("travel", Tier.PAID);
            long first = ingestAndRollUp(fx, t, "one");
            long second = ingestAndRollUp(fx, t, "two");
            ApiResponse before = fx.call(LakelogFixture.bearer(t, "GET", "/v1/analytics/logs/snapshot/" + first, Map.of(), null));
            assertThat(before.status()).as(before.bodyText()).isEqualTo(200);
            assertThat(JSON.readTree(before.body()).path("count").asInt()).isEqualTo(1);

            try (Connection c = fx.app().lake().connect(); Statement st = c.createStatement()) {
                st.execute("CALL ducklake_expire_snapshots('lake', versions => [" + first + "])");
            }

            ApiResponse expired = fx.call(LakelogFixture.bearer(t, "GET", "/v1/analytics/logs/snapshot/" + first, Map.of(), null));
            assertThat(expired.status()).isEqualTo(404);
            assertThat(JSON.readTree(expired.body()).path("detail").asText())
                    .contains("snapshot " + first).contains("expired").contains("/v1/analytics/snapshots");
            JsonNode snapshots = JSON.readTree(fx.call(LakelogFixture.bearer(t, "GET", "/v1/analytics/snapshots", Map.of(), null)).body());
            assertThat(snapshots.path("snapshots").findValuesAsText("snapshot_id")).doesNotContain(Long.toString(first));

            ApiResponse later = fx.call(LakelogFixture.bearer(t, "GET", "/v1/analytics/logs/snapshot/" + second, Map.of(), null));
            assertThat(later.status()).isEqualTo(200);
            assertThat(JSON.readTree(later.body()).path("count").asInt()).isEqualTo(2);
        }
    }
}
