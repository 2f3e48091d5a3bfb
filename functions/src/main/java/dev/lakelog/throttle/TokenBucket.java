package dev.lakelog.throttle;

/**
 * The token-bucket arithmetic, pure: a bucket holds {@code tokens} (at most the burst) as of
 * {@code updatedMillis}; taking one refills first, then takes if a whole token is there. A refused
 * take says how long until the next token. The stores keep this state (in memory locally, in a
 * DynamoDB item in AWS) and only apply it.
 */
public record TokenBucket(double tokens, long updatedMillis) {

    /** A full bucket. */
    public static TokenBucket full(RateLimit limit, long nowMillis) {
        return new TokenBucket(limit.burst(), nowMillis);
    }

    /** The outcome of one take: the bucket's new state, whether the request may go, and when to retry. */
    public record Take(TokenBucket next, boolean allowed, long retryAfterMillis) {}

    public Take take(RateLimit limit, long nowMillis) {
        long elapsed = Math.max(0, nowMillis - updatedMillis);
        double refilled = Math.min(limit.burst(), tokens + elapsed * limit.ratePerSecond() / 1000.0);
        if (refilled >= 1.0) {
            return new Take(new TokenBucket(refilled - 1.0, nowMillis), true, 0);
        }
        long wait = (long) Math.ceil((1.0 - refilled) * 1000.0 / limit.ratePerSecond());
        return new Take(new TokenBucket(refilled, nowMillis), false, Math.max(1, wait));
    }
}
