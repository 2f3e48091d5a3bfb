package dev.lakelog.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lakelog.auth.Tier;
import dev.lakelog.queue.WorkMessage;
import dev.lakelog.testing.LakelogFixture;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** lakelog serve's schedule in fan-out form: planner, in-process queue, worker threads, on local files. */
class LocalRollupFanOutTest {

    private static long rows(LakelogFixture fx, String sql) throws Exception {
        try (Connection c = fx.app().lake().connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void the_local_schedule_fans_tenants_out_to_worker_threads_and_rolls_each_up_once() throws Exception {
        try (LakelogFixture fx = LakelogFixture.local()) {
            List<String> tenants = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                var creds = fx.createTenant("local-fan-" + t, Tier.PAID);
                tenants.add(creds.tenantId());
                for (int r = 0; r < 3; r++) {
                    StringBuilder body = new StringBuilder("[");
                    for (String suffix : new String[] {"a", "b"}) {
                        if (body.length() > 1) body.append(',');
                        body.append("{\"log_id\":\"l").append(t).append('-').append(r).append('-').append(suffix)
                                .append("\",\"timestamp\":\"2026-11-20T10:00:00Z\",\"event_type\":\"LOGIN\",\"outcome\":\"SUCCESS\",")
                                .append("\"severity\":\"INFO\",\"message\":\"m\",\"retention_until\":\"2030-01-01T00:00:00Z\"}");
                    }
                    body.append(']');
                    assertThat(fx.call(LakelogFixture.signedJson(creds, "/v1/log/batch", body.toString())).status()).isEqualTo(200);
                }
            }
            try (RollupScheduler scheduler = new RollupScheduler(fx.app().rollup(), fx.app().blobs(), Duration.ofSeconds(1), Duration.ZERO, 2)) {
                // a second message for a tenant the planner also queues: a no-op or a held lease, never a double
                scheduler.queue().orElseThrow().send(WorkMessage.rollup("local-fan-0", "schedule"));
                long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
                while (System.nanoTime() < deadline && (fx.app().blobs().list("segments/").size() > 0 || scheduler.queue().get().pending() > 0)) {
                    Thread.sleep(200);
                }
                assertThat(fx.app().blobs().list("segments/")).as("every segment rolled up and deleted").isEmpty();
                assertThat(scheduler.queue().get().deadLetters()).isEmpty();
            }
            for (String t : tenants) {
                assertThat(rows(fx, "SELECT count(*) FROM lake.main.logs WHERE tenant_id = '" + t + "'")).as(t).isEqualTo(6);
                assertThat(rows(fx, "SELECT count(DISTINCT log_id) FROM lake.main.logs WHERE tenant_id = '" + t + "'")).as(t).isEqualTo(6);
            }
        }
    }
}
