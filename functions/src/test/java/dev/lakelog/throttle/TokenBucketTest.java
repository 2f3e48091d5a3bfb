package dev.lakelog.throttle;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TokenBucketTest {
    private final RateLimit limit = new RateLimit("ingest", 2, 4);

    @Test
    void a_full_bucket_serves_its_burst_then_refuses_until_a_token_refills() {
        TokenBucket b = TokenBucket.full(limit, 0);
        for (int i = 0; i < 4; i++) {
            TokenBucket.Take t = b.take(limit, 0);
            assertThat(t.allowed()).isTrue();
            b = t.next();
        }
        TokenBucket.Take refused = b.take(limit, 0);
        assertThat(refused.allowed()).isFalse();
        assertThat(refused.retryAfterMillis()).isEqualTo(500); // 2 per second
        assertThat(refused.next().take(limit, 500).allowed()).isTrue();
    }

    @Test
    void refill_never_exceeds_the_burst() {
        TokenBucket b = new TokenBucket(0, 0).take(limit, 3_600_000).next();
        assertThat(b.tokens()).isEqualTo(3.0); // full (4) minus the one just taken
    }
}
