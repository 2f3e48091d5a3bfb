package dev.lakelog.query;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lakelog.api.ApiResponse;
import dev.lakelog.auth.Tier;
import dev.lakelog.testing.LakelogFixture;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A custom query runs within the invocation's time left (its deadline minus the answer margin), so a
 * Lambda behind API Gateway answers 408 query_timeout itself instead of the gateway's 504.
 */
class QueryDeadlineTest {
    private static LakelogFixture fx;
    private static LakelogFixture.TenantCredentials t;

    @BeforeAll
    static void start() {
        fx = LakelogFixture.local();
        t = fx.createTenant("deadline", Tier.PAID);
    }

    @AfterAll
    static void stop() {
        fx.close();
    }

    private static ApiResponse query(Instant deadline) {
        byte[] body = "{\"query\":\"SELECT count(*) AS n FROM logs\"}".getBytes(StandardCharsets.UTF_8);
        var req = LakelogFixture.bearer(t, "POST", "/v1/analytics/query", Map.of(), body);
        return fx.call(deadline == null ? req : req.withDeadline(deadline));
    }

    @Test
    void a_query_with_less_time_left_than_the_answer_margin_is_refused_with_408_query_timeout() throws Exception {
        ApiResponse r = query(Instant.now().plus(CustomQueryService.ANSWER_MARGIN).minusMillis(100));
        assertThat(r.status()).isEqualTo(408);
        assertThat(new ObjectMapper().readTree(r.body()).path("code").asText()).isEqualTo("query_timeout");
    }

    @Test
    void a_query_with_time_left_runs() {
        assertThat(query(Instant.now().plusSeconds(20)).status()).isEqualTo(200);
        assertThat(query(null).status()).isEqualTo(200);
    }
}
