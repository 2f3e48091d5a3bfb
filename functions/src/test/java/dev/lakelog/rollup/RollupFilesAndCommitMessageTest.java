package dev.lakelog.rollup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lakelog.auth.Tier;
import dev.lakelog.testing.LakelogFixture;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A batch becomes one Parquet file per tenant/day partition, in a snapshot whose message names the trigger. */
class RollupFilesAndCommitMessageTest {

    @Test
    void many_segments_of_one_day_become_one_parquet_file_and_the_commit_message_names_the_trigger() throws Exception {
        try (LakelogFixture fx = LakelogFixture.aws(Map.of("LAKELOG_ROLLUP_MIN_AGE_SECONDS", "0"), Clock.systemUTC())) {
            var t = fx.createTenant("files", Tier.PAID);
            for (int r = 0; r < 6; r++) {
                StringBuilder b = new StringBuilder("[");
                for (int i = 0; i < 50; i++) {
                    if (i > 0) b.append(',');
                    b.append("{\"timestamp\":\"2026-11-21T0").append(i % 10).append(":00:00Z\",\"event_type\":\"X\",\"outcome\":\"SUCCESS\",")
                            .append("\"severity\":\"INFO\",\"message\":\"m").append(i).append("\"}");
                }
                assertThat(fx.call(LakelogFixture.signedJson(t, "/v1/log/batch", b.append(']').toString())).status()).isEqualTo(200);
            }
            RollupReport r = fx.app().rollup().rollup(new RollupRequest("iot", Optional.of("files"), Duration.ZERO, true));
            assertThat(r.logsInserted()).isEqualTo(300);
            try (Connection c = fx.app().lake().connect(); Statement st = c.createStatement()) {
                try (ResultSet rs = st.executeQuery("SELECT count(*) FROM ducklake_list_files('lake', 'logs') WHERE data_file LIKE '%tenant_id=files%'")) {
                    rs.next();
                    assertThat(rs.getLong(1)).as("300 events of one day from 6 segments: one file").isEqualTo(1);
                }
                try (ResultSet rs = st.executeQuery("SELECT commit_message, commit_extra_info FROM lake.snapshots() WHERE snapshot_id = " + r.snapshotId())) {
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getString(1)).isEqualTo("rollup trigger=iot tenant=files segments=6 rows=300");
                    assertThat(rs.getString(2)).contains("\"trigger\":\"iot\"").contains("\"rollup_id\"");
                }
            }
        }
    }
}
