package dev.lakelog.rollup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lakelog.Lakelog;
import dev.lakelog.api.ApiResponse;
import dev.lakelog.config.LakelogConfig;
import dev.lakelog.testing.LakelogFixture;
import dev.lakelog.testing.S3Server;
import dev.lakelog.testing.TestServers;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/** Helpers shared by the rollup tests: ingest through the real route, count what the lake holds. */
final class RollupTesting {
    private RollupTesting() {}

    /** Sends {@code requests} signed batches of {@code perRequest} events; returns the acknowledged log ids. */
    static List<String> ingest(LakelogFixture fx, LakelogFixture.TenantCredentials t, String tag, int requests, int perRequest) {
        List<String> acked = new ArrayList<>();
        for (int r = 0; r < requests; r++) {
            StringBuilder body = new StringBuilder("[");
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < perRequest; i++) {
                String id = tag + "-" + r + "-" + i;
                ids.add(id);
                if (i > 0) body.append(',');
                body.append("{\"log_id\":\"").append(id).append("\",\"timestamp\":\"2026-11-2").append(r % 3)
                        .append("T10:00:0").append(i % 10).append("Z\",\"event_type\":\"LOGIN\",\"outcome\":\"SUCCESS\",\"severity\":\"INFO\",")
                        .append("\"message\":\"event ").append(i).append("\",\"retention_until\":\"2030-01-01T00:00:00Z\"}");
            }
            body.append(']');
            ApiResponse resp = fx.call(LakelogFixture.signedJson(t, "/v1/log/batch", body.toString()));
            if (resp.status() == 200) acked.addAll(ids);
        }
        return acked;
    }

    /** Rows of the tenant in the lake, and how many distinct log_ids they have. */
    record LakeCount(long rows, long distinctLogIds) {}

    static LakeCount count(Lakelog app, String tenant) throws Exception {
        try (Connection c = app.lake().connect(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT count(*), count(DISTINCT log_id) FROM lake.main.logs WHERE tenant_id = '" + tenant + "'")) {
            rs.next();
            return new LakeCount(rs.getLong(1), rs.getLong(2));
        }
    }

    /** Asserts the lake holds each acknowledged event of the tenant exactly once. */
    static void assertExactlyOnce(Lakelog app, String tenant, List<String> acked) throws Exception {
        LakeCount n = count(app, tenant);
        assertThat(n.rows()).as("rows in the lake == events acknowledged").isEqualTo(acked.size());
        assertThat(n.distinctLogIds()).as("no log_id twice").isEqualTo(acked.size());
        try (Connection c = app.lake().connect(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT list(log_id ORDER BY log_id) FROM lake.main.logs WHERE tenant_id = '" + tenant + "'")) {
            rs.next();
            Object arr = rs.getArray(1) == null ? new Object[0] : rs.getArray(1).getArray();
            assertThat((Object[]) arr).containsExactlyInAnyOrderElementsOf(acked);
        }
    }

    /** Another {@link Lakelog} on the same environment: like a second Lambda container. */
    static Lakelog another(Map<String, String> env) {
        S3Server s3 = TestServers.s3();
        return Lakelog.start(LakelogConfig.from(env), Clock.systemUTC());
    }

    static long segmentCount(LakelogFixture fx, String tenant) {
        return TestServers.s3().client().listObjectsV2Paginator(b -> b.bucket(fx.bucket()).prefix("segments/tenant=" + tenant + "/"))
                .contents().stream().count();
    }
}
