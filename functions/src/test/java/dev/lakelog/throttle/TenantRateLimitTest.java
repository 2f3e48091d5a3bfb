package dev.lakelog.throttle;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lakelog.auth.Tier;
import dev.lakelog.local.LocalServer;
import dev.lakelog.testing.LakelogFixture;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Per-tenant limits on the real local server: a tenant past its token bucket is answered 429
 * rate_limited with Retry-After while another tenant is served; ingest and analytics have separate
 * buckets.
 */
class TenantRateLimitTest {
    static LakelogFixture fx;
    static LocalServer server;
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() throws Exception {
        // a bucket of 3 refilled at 1 request per second: the 4th request in a burst is refused for about a second
        fx = LakelogFixture.local(Map.of("LAKELOG_TENANT_INGEST_RATE", "1", "LAKELOG_TENANT_INGEST_BURST", "3",
                "LAKELOG_TENANT_QUERY_RATE", "1", "LAKELOG_TENANT_QUERY_BURST", "2"));
        server = new LocalServer(fx.app().router(), 0);
    }

    @AfterAll
    static void stop() {
        server.close();
        fx.close();
    }

    static HttpResponse<String> ingest(LakelogFixture.TenantCredentials t) throws Exception {
        var req = LakelogFixture.signedJson(t, "/v1/log", "{\"timestamp\":\"2026-11-20T00:00:00Z\",\"event_type\":\"E\","
                + "\"outcome\":\"SUCCESS\",\"severity\":\"INFO\",\"message\":\"m\"}");
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.url() + "/v1/log")).timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofByteArray(req.body()));
        req.headers().forEach(b::header);
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> logs(LakelogFixture.TenantCredentials t) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(server.url() + "/v1/analytics/logs?limit=1"))
                .header("Authorization", "Bearer " + t.token()).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** {@code n} requests sent at once: their tokens are taken within a moment, however slow the machine. */
    static List<HttpResponse<String>> burst(int n, java.util.concurrent.Callable<HttpResponse<String>> request) throws Exception {
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(n);
        try {
            List<java.util.concurrent.Callable<HttpResponse<String>>> calls = new ArrayList<>();
            for (int i = 0; i < n; i++) calls.add(request);
            List<HttpResponse<String>> out = new ArrayList<>();
            for (var f : pool.invokeAll(calls)) out.add(f.get());
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void a_tenant_past_its_ingest_rate_gets_429_with_retry_after_while_another_tenant_is_served() throws Exception {
        LakelogFixture.TenantCredentials noisy = fx.createTenant("noisy", Tier.PAID);
        LakelogFixture.TenantCredentials quiet = fx.createTenant("quiet", Tier.PAID);
        List<HttpResponse<String>> answers = burst(10, () -> ingest(noisy));
        List<Integer> statuses = answers.stream().map(HttpResponse::statusCode).toList();
        // the burst of 3 is served (plus what refilled at 1/s while the requests came in), the rest refused
        assertThat(statuses).containsOnly(200, 429);
        assertThat(statuses.stream().filter(c -> c == 200).count()).isGreaterThanOrEqualTo(3).isLessThan(10);
        HttpResponse<String> refused = answers.stream().filter(r -> r.statusCode() == 429).findFirst().orElseThrow();
        assertThat(refused.headers().firstValue("Retry-After")).hasValueSatisfying(v -> assertThat(Integer.parseInt(v)).isBetween(1, 2));
        var body = new ObjectMapper().readTree(refused.body());
        assertThat(body.path("code").asText()).isEqualTo("rate_limited");
        assertThat(body.path("detail").asText()).contains("noisy").contains("ingest").contains("1 requests per second");

        // the quiet tenant is not slowed by the noisy one: its own burst is served whole
        assertThat(burst(3, () -> ingest(quiet)).stream().map(HttpResponse::statusCode)).containsOnly(200);

        // after Retry-After the noisy tenant is served again
        Thread.sleep(Long.parseLong(refused.headers().firstValue("Retry-After").orElseThrow()) * 1000 + 100);
        assertThat(ingest(noisy).statusCode()).isEqualTo(200);
    }

    @Test
    void analytics_requests_have_their_own_bucket_so_ingest_does_not_use_up_queries() throws Exception {
        LakelogFixture.TenantCredentials t = fx.createTenant("both", Tier.PAID);
        assertThat(burst(10, () -> ingest(t)).stream().map(HttpResponse::statusCode)).contains(429); // ingest bucket empty
        assertThat(logs(t).statusCode()).as("queries have their own bucket").isEqualTo(200);
        List<HttpResponse<String>> queries = burst(8, () -> logs(t));
        HttpResponse<String> refused = queries.stream().filter(r -> r.statusCode() == 429).findFirst().orElseThrow();
        assertThat(refused.headers().firstValue("Retry-After")).isPresent();
        assertThat(refused.body()).contains("rate_limited").contains("query");
    }
}
