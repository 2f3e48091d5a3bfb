package dev.lakelog.query;

import dev.lakelog.api.ErrorCode;
import dev.lakelog.api.LakelogException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Bounds how many heavy queries (custom SQL, named queries, log searches, change feeds) run at once:
 * at most {@code perTenant} of one tenant, answered 429 with {@code Retry-After} beyond that at once,
 * and at most {@code total} of all tenants, where a query waits up to {@code maxWait} for a slot
 * before it is answered 429 too. One tenant can so never take every slot, and ingest and the cheap
 * reads never wait behind queries (they take no slot). In Lambda a container serves one request at
 * a time; there the query function's reserved concurrency plays the part of {@code total}.
 */
public final class QueryLimiter {
    public static final int DEFAULT_PER_TENANT = 2;
    /** One heavy query per core (at least two): more only makes every one of them slower. */
    public static final int DEFAULT_TOTAL = Math.max(2, Runtime.getRuntime().availableProcessors());
    public static final long DEFAULT_MAX_WAIT_MS = 5_000;

    private final int perTenant;
    private final Semaphore total;
    private final long maxWaitMs;
    private final Map<String, Semaphore> tenants = new ConcurrentHashMap<>();

    public QueryLimiter(int perTenant, int total, long maxWaitMs) {
        this.perTenant = perTenant;
        this.total = new Semaphore(total, true);
        this.maxWaitMs = maxWaitMs;
    }

    public static QueryLimiter defaults() {
        return new QueryLimiter(DEFAULT_PER_TENANT, DEFAULT_TOTAL, DEFAULT_MAX_WAIT_MS);
    }

    public <T> T run(String tenant, Supplier<T> query) {
        Semaphore mine = tenants.computeIfAbsent(tenant, t -> new Semaphore(perTenant));
        if (!mine.tryAcquire()) {
            throw new LakelogException(ErrorCode.TOO_MANY_QUERIES, "tenant '" + tenant + "' already runs " + perTenant
                    + " queries, the most it may run at once; retry when one has finished", Map.of("Retry-After", "1"), null);
        }
        try {
            boolean got;
            try {
                got = total.tryAcquire(maxWaitMs, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                got = false;
            }
            if (!got) {
                throw new LakelogException(ErrorCode.TOO_MANY_QUERIES, "the query engine is busy with other tenants' queries; retry shortly",
                        Map.of("Retry-After", "2"), null);
            }
            try {
                return query.get();
            } finally {
                total.release();
            }
        } finally {
            mine.release();
        }
    }
}
