package dev.lakelog.throttle;

import dev.lakelog.api.ErrorCode;
import dev.lakelog.api.LakelogException;
import dev.lakelog.log.JsonLog;
import java.time.Clock;
import java.util.Map;

/**
 * Per-tenant request rates: one token bucket per tenant for the ingest routes and one for the
 * analytics routes, so a tenant that sends too much is answered {@code 429 rate_limited} with
 * {@code Retry-After} while the others are served. The limits come from the configuration
 * ({@code LAKELOG_TENANT_INGEST_RATE}/{@code _BURST}, {@code LAKELOG_TENANT_QUERY_RATE}/{@code _BURST}).
 *
 * <p>When the store itself fails (DynamoDB unavailable), the request is let through and the failure
 * logged: the limiter protects capacity, it must not become the outage.
 */
public final class TenantRateLimiter {
    private static final JsonLog LOG = JsonLog.get(TenantRateLimiter.class);
    /** No limits (tests and callers that do not throttle). */
    public static final TenantRateLimiter NONE = new TenantRateLimiter(null, null, null, Clock.systemUTC());

    private final RateLimitStore store;
    private final RateLimit ingest;
    private final RateLimit query;
    private final Clock clock;

    public TenantRateLimiter(RateLimitStore store, RateLimit ingest, RateLimit query, Clock clock) {
        this.store = store;
        this.ingest = ingest;
        this.query = query;
        this.clock = clock;
    }

    /** Takes one ingest request from {@code tenantId}'s bucket; throws 429 rate_limited when it is empty. */
    public void checkIngest(String tenantId) {
        check(tenantId, ingest);
    }

    /** Takes one analytics request from {@code tenantId}'s bucket; throws 429 rate_limited when it is empty. */
    public void checkQuery(String tenantId) {
        check(tenantId, query);
    }

    private void check(String tenantId, RateLimit limit) {
        if (store == null || limit == null) return;
        TokenBucket.Take take;
        try {
            take = store.take(limit.name() + "#" + tenantId, limit, clock.millis());
        } catch (LakelogException e) {
            if (e.kind() != dev.lakelog.api.ErrorKind.UNAVAILABLE) throw e;
            LOG.warn("rate_limit_unavailable", "tenant_id", tenantId, "limit", limit.name(), "error", e.detail());
            return;
        }
        if (!take.allowed()) {
            long seconds = Math.max(1, (take.retryAfterMillis() + 999) / 1000);
            throw new LakelogException(ErrorCode.RATE_LIMITED, "tenant '" + tenantId + "' sent more than its " + limit.name()
                    + " limit of " + fmt(limit.ratePerSecond()) + " requests per second (burst " + limit.burst()
                    + "); retry after " + seconds + " s", Map.of("Retry-After", Long.toString(seconds)), null);
        }
    }

    private static String fmt(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }
}
