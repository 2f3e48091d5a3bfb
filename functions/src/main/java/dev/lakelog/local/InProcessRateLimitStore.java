package dev.lakelog.local;

import dev.lakelog.throttle.RateLimit;
import dev.lakelog.throttle.RateLimitStore;
import dev.lakelog.throttle.TokenBucket;
import java.util.concurrent.ConcurrentHashMap;

/** Per-tenant token buckets of the one local process (the same arithmetic as DynamoDB's in AWS). */
public final class InProcessRateLimitStore implements RateLimitStore {
    private final ConcurrentHashMap<String, TokenBucket> buckets = new ConcurrentHashMap<>();

    @Override
    public TokenBucket.Take take(String key, RateLimit limit, long nowMillis) {
        TokenBucket.Take[] out = new TokenBucket.Take[1];
        buckets.compute(key, (k, b) -> {
            TokenBucket bucket = b == null ? TokenBucket.full(limit, nowMillis) : b;
            out[0] = bucket.take(limit, Math.max(nowMillis, bucket.updatedMillis()));
            return out[0].next();
        });
        return out[0];
    }
}
