package dev.lakelog.ingest;

import static dev.lakelog.ingest.IngestTestSupport.objects;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lakelog.api.ApiResponse;
import dev.lakelog.auth.Tier;
import dev.lakelog.rollup.RollupReport;
import dev.lakelog.rollup.RollupRequest;
import dev.lakelog.segment.Segment;
import dev.lakelog.segment.SegmentCodec;
import dev.lakelog.testing.LakelogFixture;
import dev.lakelog.testing.S3Faults;
import dev.lakelog.testing.TestServers;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Multi-segment requests (LAKELOG_SEGMENT_MAX_BYTES at its minimum, 64 KiB): a request whose
 * second PUT fails and whose cleanup DELETE fails too leaves a part that neither the rollup nor
 * the hot-tier read counts; a complete group rolls up whole. And GET /v1/logs/recent.
 */
class SegmentGroupAndRecentTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @AfterEach
    void clearFaults() {
        TestServers.s3().faults().clear();
    }

    private static String bigBatch(String prefix, int n, Instant ts) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < n; i++) {
            if (i > 0) b.append(',');
            b.append("{\"log_id\":\"").append(prefix).append(i).append("\",\"timestamp\":\"").append(ts.plusMillis(i))
                    .append("\",\"event_type\":\"EXPORT\",\"outcome\":\"SUCCESS\",\"severity\":\"INFO\",\"component\":\"")
                    .append(i % 2 == 0 ? "even" : "odd").append("\",\"message\":\"row ").append(i)
                    .append("\",\"payload\":{\"pad\":\"").append("p".repeat(1000)).append("\"}}");
        }
        return b.append(']').toString();
    }

    private static RollupReport rollup(LakelogFixture fx) {
        return fx.app().rollup().rollup(new RollupRequest("test", Optional.of("acme"), Duration.ZERO, false));
    }

    @Test
    void a_request_whose_second_put_and_cleanup_fail_leaves_nothing_a_rollup_counts() throws Exception {
        try (LakelogFixture fx = LakelogFixture.aws(Map.of("LAKELOG_SEGMENT_MAX_BYTES", "65536"), java.time.Clock.systemUTC())) {
            var acme = fx.createTenant("acme", Tier.PAID);
            AtomicInteger puts = new AtomicInteger();
            TestServers.s3().faults().failWhen(c -> c.bucket().equals(fx.bucket()) && c.key().startsWith("segments/")
                    && ((c.op() == S3Faults.Op.PUT && puts.incrementAndGet() >= 2) || c.op() == S3Faults.Op.DELETE));
            ApiResponse failed = fx.call(IngestTestSupport.signed(acme, "/v1/log/batch", "application/json",
                    bigBatch("bad", 200, Instant.now().minusSeconds(600))));
            assertThat(failed.status()).isEqualTo(503);
            assertThat(failed.headers()).containsEntry("Retry-After", "5");
            TestServers.s3().faults().clear();

            List<String> left = objects(fx);
            assertThat(left).as("the first part stays: its cleanup DELETE failed too").hasSize(1);
            Segment part = new SegmentCodec().decode(TestServers.s3().client()
                    .getObjectAsBytes(b -> b.bucket(fx.bucket()).key(left.get(0))).asByteArray());
            assertThat(part.groupKeys()).hasSizeGreaterThan(1).startsWith(left.get(0));

            ApiResponse recent = fx.call(LakelogFixture.bearer(acme, "GET", "/v1/logs/recent", Map.of(), null));
            assertThat(JSON.readTree(recent.body()).path("count").asInt()).isZero();
            RollupReport r = rollup(fx);
            assertThat(r.logsInserted()).isZero();
            assertThat(r.segmentsProcessed()).isZero();

            // A complete multi-segment request rolls up whole, and the orphan part still does not.
            ApiResponse ok = fx.call(IngestTestSupport.signed(acme, "/v1/log/batch", "application/json",
                    bigBatch("good", 200, Instant.now().minusSeconds(300))));
            assertThat(ok.status()).as(ok.bodyText()).isEqualTo(200);
            assertThat(objects(fx).size()).isGreaterThan(3);
            RollupReport r2 = rollup(fx);
            assertThat(r2.logsInserted()).isEqualTo(200);
            assertThat(objects(fx)).contains(left.get(0));
            assertThat(rollup(fx).logsInserted()).isZero();

            // Past the grace period the group can never complete: the orphan part is quarantined
            // with a note saying why, still never counted.
            java.time.Clock later = java.time.Clock.offset(java.time.Clock.systemUTC(), Duration.ofHours(2));
            try (dev.lakelog.Lakelog app = dev.lakelog.Lakelog.start(dev.lakelog.config.LakelogConfig.from(fx.env()), later)) {
                RollupReport r3 = app.rollup().rollup(new RollupRequest("test", Optional.of("acme"), Duration.ZERO, false));
                assertThat(r3.logsInserted()).isZero();
                assertThat(r3.errors()).singleElement().asString().contains(left.get(0)).contains("quarantine/");
            }
            assertThat(objects(fx)).doesNotContain(left.get(0));
            String quarantined = "quarantine/" + left.get(0).substring("segments/".length());
            String note = TestServers.s3().client().getObjectAsBytes(b -> b.bucket(fx.bucket()).key(quarantined + ".error.json")).asUtf8String();
            assertThat(note).contains("multi-segment request").contains(left.get(0));
            assertThat(TestServers.s3().client().headObject(b -> b.bucket(fx.bucket()).key(quarantined)).contentLength()).isPositive();
        }
    }

    @Test
    void recent_returns_the_newest_not_yet_rolled_up_events_newest_first_with_filters() throws Exception {
        try (LakelogFixture fx = LakelogFixture.aws()) {
            var acme = fx.createTenant("acme", Tier.FREE);
            var other = fx.createTenant("other", Tier.FREE);
            Instant ts = Instant.now().minusSeconds(900);
            for (int req = 0; req < 3; req++) {
                StringBuilder b = new StringBuilder("[");
                for (int i = 0; i < 5; i++) {
                    if (i > 0) b.append(',');
                    b.append("{\"log_id\":\"r").append(req).append('-').append(i).append("\",\"timestamp\":\"").append(ts.plusSeconds(req * 10 + i))
                            .append("\",\"event_type\":\"E\",\"outcome\":\"SUCCESS\",\"severity\":\"").append(i == 4 ? "ERROR" : "INFO")
                            .append("\",\"message\":\"m\"}");
                }
                assertThat(fx.call(IngestTestSupport.signed(acme, "/v1/log/batch", "application/json", b.append(']').toString())).status()).isEqualTo(200);
            }
            assertThat(fx.call(LakelogFixture.signedJson(other, "/v1/log", IngestTestSupport.event("theirs"))).status()).isEqualTo(200);

            JsonNode all = JSON.readTree(fx.call(LakelogFixture.bearer(acme, "GET", "/v1/logs/recent", Map.of("limit", "4"), null)).body());
            assertThat(all.path("logs").findValuesAsText("log_id")).containsExactly("r2-4", "r2-3", "r2-2", "r2-1");
            assertThat(all.path("segments_read").asInt()).isEqualTo(1);

            JsonNode errors = JSON.readTree(fx.call(LakelogFixture.bearer(acme, "GET", "/v1/logs/recent", Map.of("severity", "ERROR"), null)).body());
            assertThat(errors.path("logs").findValuesAsText("log_id")).containsExactly("r2-4", "r1-4", "r0-4");

            ApiResponse bad = fx.call(LakelogFixture.bearer(acme, "GET", "/v1/logs/recent", Map.of("limit", "1001"), null));
            assertThat(bad.status()).isEqualTo(400);
            assertThat(JSON.readTree(bad.body()).path("detail").asText()).contains("'limit' must be between 1 and 1000");
            assertThat(fx.call(new dev.lakelog.api.ApiRequest("GET", "/v1/logs/recent", Map.of(), Map.of(), null)).status()).isEqualTo(401);

            assertThat(rollup(fx).logsInserted()).isEqualTo(15);
            JsonNode after = JSON.readTree(fx.call(LakelogFixture.bearer(acme, "GET", "/v1/logs/recent", Map.of(), null)).body());
            assertThat(after.path("count").asInt()).as("rolled-up segments are no longer hot").isZero();
        }
    }
}
