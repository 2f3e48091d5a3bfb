package dev.lakelog.rollup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lakelog.auth.Tier;
import dev.lakelog.testing.LakelogFixture;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** An invocation starts no batch past its time budget; the next one carries on. */
class RollupBudgetTest {

    @Test
    void with_a_spent_budget_each_invocation_runs_one_batch_and_the_next_carries_on() throws Exception {
        try (LakelogFixture fx = LakelogFixture.aws(Map.of("LAKELOG_ROLLUP_MIN_AGE_SECONDS", "0",
                "LAKELOG_ROLLUP_BATCH_MAX_SEGMENTS", "2", "LAKELOG_ROLLUP_TIME_BUDGET_SECONDS", "0"), Clock.systemUTC())) {
            var t = fx.createTenant("budget", Tier.PAID);
            List<String> acked = RollupTesting.ingest(fx, t, "b", 5, 3);
            RollupRequest req = new RollupRequest("schedule", Optional.empty(), Duration.ZERO, true);
            RollupReport r1 = fx.app().rollup().rollup(req);
            assertThat(r1.segmentsProcessed()).isEqualTo(2);
            assertThat(r1.budgetExhausted()).isTrue();
            assertThat(RollupTesting.segmentCount(fx, "budget")).isEqualTo(3);
            RollupReport r2 = fx.app().rollup().rollup(req);
            assertThat(r2.segmentsProcessed()).isEqualTo(2);
            assertThat(r2.budgetExhausted()).isTrue();
            RollupReport r3 = fx.app().rollup().rollup(req);
            assertThat(r3.segmentsProcessed()).isEqualTo(1);
            assertThat(r3.budgetExhausted()).as("nothing left").isFalse();
            assertThat(r1.errors()).isEmpty();
            RollupTesting.assertExactlyOnce(fx.app(), "budget", acked);
        }
    }

    @Test
    void with_budget_left_one_invocation_takes_every_batch_one_parquet_commit_per_batch() throws Exception {
        try (LakelogFixture fx = LakelogFixture.aws(Map.of("LAKELOG_ROLLUP_MIN_AGE_SECONDS", "0",
                "LAKELOG_ROLLUP_BATCH_MAX_SEGMENTS", "2"), Clock.systemUTC())) {
            var t = fx.createTenant("nobudget", Tier.PAID);
            List<String> acked = RollupTesting.ingest(fx, t, "n", 5, 3);
            RollupReport r = fx.app().rollup().rollup(new RollupRequest("rest", Optional.of("nobudget"), Duration.ZERO, false));
            assertThat(r.segmentsProcessed()).isEqualTo(5);
            assertThat(r.budgetExhausted()).isFalse();
            RollupTesting.assertExactlyOnce(fx.app(), "nobudget", acked);
            try (var c = fx.app().lake().connect(); var st = c.createStatement();
                    var rs = st.executeQuery("SELECT count(DISTINCT rollup_id) FROM lake.main.rollup_ledger")) {
                rs.next();
                assertThat(rs.getLong(1)).as("3 batches of at most 2 segments, one commit each").isEqualTo(3);
            }
            RollupReport again = fx.app().rollup().rollup(new RollupRequest("rest", Optional.of("nobudget"), Duration.ZERO, false));
            assertThat(again.logsInserted()).as("kept segments are in the ledger").isZero();
        }
    }
}
