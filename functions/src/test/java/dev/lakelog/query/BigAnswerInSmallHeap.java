package dev.lakelog.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lakelog.api.ApiResponse;
import dev.lakelog.auth.Tier;
import dev.lakelog.rollup.RollupRequest;
import dev.lakelog.testing.LakelogFixture;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * Run by {@link SandboxLimitsTest} in a JVM with a 256 MB heap: a 2 GB answer, a 40 MB answer, then
 * a small query; prints one line each: {@code <case> <status> <code or "file"> ms=<elapsed>}.
 */
public final class BigAnswerInSmallHeap {
    private BigAnswerInSmallHeap() {}

    public static void main(String[] args) throws Exception {
        ObjectMapper json = new ObjectMapper();
        try (LakelogFixture fx = LakelogFixture.local()) {
            AnalyticsQueryTest.fx = fx;
            LakelogFixture.TenantCredentials t = fx.createTenant("big", Tier.PAID);
            AnalyticsQueryTest.ingest(t, AnalyticsQueryTest.events("big", 20, Instant.parse("2026-11-20T00:00:00Z"), Duration.ofMinutes(1)));
            fx.app().rollup().rollup(new RollupRequest("test", Optional.empty(), Duration.ZERO, true));
            String[][] cases = {
                {"two_gigabytes", "SELECT repeat('x', 200000) AS big FROM logs a, logs b, logs c LIMIT 10000"},
                {"forty_megabytes", "SELECT repeat('x', 100000) AS big FROM logs a, logs b LIMIT 400"},
                {"after", "SELECT count(*) AS n FROM logs"}};
            for (String[] c : cases) {
                long t0 = System.nanoTime();
                String body = json.createObjectNode().put("query", c[1]).toString();
                ApiResponse r = fx.call(LakelogFixture.bearer(t, "POST", "/v1/analytics/query", Map.of(), body.getBytes(StandardCharsets.UTF_8)));
                JsonNode n = json.readTree(r.body());
                String what = n.has("code") ? n.path("code").asText() : n.has("result_url") ? "file" : "inline";
                System.out.println(c[0] + " " + r.status() + " " + what + " ms=" + (System.nanoTime() - t0) / 1_000_000
                        + " bytes=" + n.path("bytes").asLong() + " detail=" + n.path("detail").asText());
            }
        }
        System.exit(0);
    }
}
