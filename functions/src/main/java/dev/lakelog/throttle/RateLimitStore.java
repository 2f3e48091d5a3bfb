package dev.lakelog.throttle;

/**
 * Where per-tenant token buckets live: in process ({@code local.InProcessRateLimitStore}) or in a
 * DynamoDB table shared by every function instance ({@code aws.DynamoRateLimitStore}).
 */
public interface RateLimitStore {

    /** Takes one token from {@code key}'s bucket of {@code limit} at {@code nowMillis}. */
    TokenBucket.Take take(String key, RateLimit limit, long nowMillis);
}
