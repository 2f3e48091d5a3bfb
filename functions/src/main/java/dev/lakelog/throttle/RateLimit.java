package dev.lakelog.throttle;

/**
 * One per-tenant token bucket: {@code burst} requests at once, refilled at {@code ratePerSecond}.
 * {@code name} keeps buckets of different limits apart ("ingest", "query").
 */
public record RateLimit(String name, double ratePerSecond, int burst) {
    public RateLimit {
        if (ratePerSecond <= 0 || burst < 1) throw new IllegalArgumentException("rate and burst must be positive: " + name);
    }
}
