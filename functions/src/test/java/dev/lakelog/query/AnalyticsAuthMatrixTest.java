package dev.lakelog.query;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lakelog.api.ApiRequest;
import dev.lakelog.api.ApiResponse;
import dev.lakelog.auth.Tier;
import dev.lakelog.testing.LakelogFixture;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every analytics and maintenance route x (no token, bad token, free tier, paid tier): 401, 401,
 * 403, and for the paid tenant neither 401 nor 403 nor a 5xx. Bearer tokens are looked up by their
 * hash ({@code TenantStore.tenantByTokenHash}).
 */
class AnalyticsAuthMatrixTest {
    static LakelogFixture fx;
    static LakelogFixture.TenantCredentials paid;
    static LakelogFixture.TenantCredentials free;
    static String operator;

    @BeforeAll
    static void start() {
        fx = LakelogFixture.local();
        paid = fx.createTenant("paidco", Tier.PAID);
        free = fx.createTenant("freeco", Tier.FREE);
        operator = fx.createOperator("ops");
    }

    @AfterAll
    static void stop() {
        fx.close();
    }

    record Route(String method, String path, Map<String, String> query, String body) {
        @Override
        public String toString() {
            return method + " " + path;
        }
    }

    static List<Route> routes() {
        List<Route> r = new ArrayList<>();
        r.add(new Route("GET", "/v1/analytics/logs", Map.of(), null));
        r.add(new Route("GET", "/v1/analytics/logs/snapshot/1", Map.of(), null));
        r.add(new Route("GET", "/v1/analytics/snapshots", Map.of(), null));
        r.add(new Route("GET", "/v1/analytics/histogram", Map.of(), null));
        r.add(new Route("GET", "/v1/analytics/info", Map.of(), null));
        r.add(new Route("GET", "/v1/analytics/changes", Map.of("from_snapshot", "0", "to_snapshot", "1"), null));
        r.add(new Route("GET", "/v1/analytics/queries", Map.of(), null));
        r.add(new Route("POST", "/v1/analytics/query", Map.of(), "{\"query\":\"SELECT count(*) FROM logs\"}"));
        r.add(new Route("POST", "/v1/analytics/queries/events_by_component", Map.of(), "{\"params\":{\"since\":\"2026-01-01T00:00:00Z\"}}"));
        r.add(new Route("POST", "/v1/analytics/rollup", Map.of(), null));
        r.add(new Route("POST", "/v1/analytics/maintenance/compact", Map.of(), null));
        r.add(new Route("POST", "/v1/analytics/maintenance/cleanup", Map.of("dry_run", "true"), null));
        r.add(new Route("POST", "/v1/analytics/maintenance/expire-snapshots", Map.of("older_than_days", "90"), null));
        r.add(new Route("POST", "/v1/analytics/maintenance/retention", Map.of(), null));
        return r;
    }

    enum Caller { NO_TOKEN, BAD_TOKEN, FREE, PAID, OPERATOR }

    /** Lake-wide maintenance: the operator's, refused (403) to every tenant. */
    static boolean lakeWide(Route r) {
        return r.path().endsWith("/compact") || r.path().endsWith("/cleanup") || r.path().endsWith("/expire-snapshots");
    }

    static Stream<Arguments> matrix() {
        List<Arguments> out = new ArrayList<>();
        for (Route r : routes()) for (Caller c : Caller.values()) out.add(Arguments.of(r, c));
        return out.stream();
    }

    static ApiRequest request(Route r, Caller c) {
        Map<String, String> h = new HashMap<>();
        switch (c) {
            case NO_TOKEN -> { }
            case BAD_TOKEN -> h.put("Authorization", "Bearer llt_not-a-real-token");
            case FREE -> h.put("Authorization", "Bearer " + free.token());
            case PAID -> h.put("Authorization", "Bearer " + paid.token());
            case OPERATOR -> h.put("Authorization", "Bearer " + operator);
            default -> throw new IllegalStateException();
        }
        byte[] body = r.body() == null ? new byte[0] : r.body().getBytes(StandardCharsets.UTF_8);
        if (body.length > 0) h.put("Content-Type", "application/json");
        return new ApiRequest(r.method(), r.path(), r.query(), h, body);
    }

    static boolean routeMissing(ApiResponse resp) {
        return resp.status() == 404 && resp.bodyText().contains("no route");
    }

    @ParameterizedTest(name = "{0} as {1}")
    @MethodSource("matrix")
    void every_analytics_and_maintenance_route_checks_the_bearer_token_and_tier(Route r, Caller c) {
        ApiResponse resp = fx.call(request(r, c));
        assertThat(routeMissing(resp)).as(r + " exists").isFalse();
        switch (c) {
            case NO_TOKEN, BAD_TOKEN -> {
                assertThat(resp.status()).as(r + " " + c + ": " + resp.bodyText()).isEqualTo(401);
                assertThat(resp.headers()).containsKey("WWW-Authenticate");
            }
            case FREE -> assertThat(resp.status()).as(r + " " + c + ": " + resp.bodyText()).isEqualTo(403);
            case PAID -> assertThat(resp.status()).as(r + ": " + resp.bodyText()).isEqualTo(lakeWide(r) ? 403 : 200);
            case OPERATOR -> {
                // an operator maintains the lake and reads no tenant's data
                boolean operatorRoute = lakeWide(r) || r.path().endsWith("/retention");
                assertThat(resp.status()).as(r + " " + c + ": " + resp.bodyText()).isEqualTo(operatorRoute ? 200 : 401);
            }
            default -> throw new IllegalStateException();
        }
        if (resp.status() >= 400) assertThat(resp.bodyText()).contains("\"detail\"");
        assertThat(resp.bodyText()).doesNotContain(paid.token()).doesNotContain(free.token()).doesNotContain(operator);
    }

    @Test
    void the_matrix_covers_every_analytics_route_registered_here() {
        assertThat(routes()).hasSize(14);
        assertThat(matrix().count()).isEqualTo(70);
    }
}
