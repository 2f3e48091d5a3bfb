package dev.lakelog.rollup;

import dev.lakelog.log.JsonLog;
import dev.lakelog.queue.WorkMessage;
import dev.lakelog.queue.WorkQueue;
import dev.lakelog.segment.SegmentKeys;
import dev.lakelog.storage.BlobStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The scheduled rollup's first half in fan-out mode: lists the tenants that have segments in the
 * hot tier (one delimiter LIST of {@code segments/} per 1,000 tenants, not a walk of every key)
 * and enqueues one rollup message per tenant. Each is then rolled up by a {@link RollupWorker}
 * of its own (an SQS-triggered Lambda in AWS, a worker thread locally), under that tenant's lease.
 *
 * <p>A tenant whose segments are all younger than the min age still gets a message; its worker
 * finds nothing old enough after one LIST of the tenant's prefix and is done. A tenant already
 * queued (a slow worker, a message not yet taken) may be queued twice: the second delivery finds
 * the lease held or nothing left, and is a no-op.
 */
public final class RollupPlanner {
    private static final JsonLog LOG = JsonLog.get(RollupPlanner.class);
    private static final String TENANT_FOLDER = SegmentKeys.ROOT + "tenant=";
    private final BlobStore store;
    private final WorkQueue queue;
    private final dev.lakelog.metrics.Metrics metrics;

    public RollupPlanner(BlobStore store, WorkQueue queue) {
        this(store, queue, dev.lakelog.metrics.Metrics.NONE);
    }

    /** With metrics: a plan that finds no tenant with segments reports a rollup lag of 0 (the workers report the others). */
    public RollupPlanner(BlobStore store, WorkQueue queue, dev.lakelog.metrics.Metrics metrics) {
        this.store = store;
        this.queue = queue;
        this.metrics = metrics;
    }

    /** The planner's answer: how many tenants were queued, and which. */
    public record Plan(List<String> tenants, long listMillis, long enqueueMillis) {
        public java.util.Map<String, Object> toMap() {
            return java.util.Map.of("tenants_enqueued", tenants.size(), "list_ms", listMillis, "enqueue_ms", enqueueMillis);
        }
    }

    /** Lists the tenants with segments waiting and enqueues one message each (sent in chunks of 10, SQS's batch size). */
    public Plan plan(String trigger) {
        long t0 = System.nanoTime();
        List<String> tenants = new ArrayList<>();
        for (String folder : store.childPrefixes(SegmentKeys.ROOT)) {
            if (!folder.startsWith(TENANT_FOLDER)) continue;
            String tenant = folder.substring(TENANT_FOLDER.length(), folder.length() - 1);
            if (dev.lakelog.auth.Tenant.validId(tenant)) tenants.add(tenant);
        }
        long t1 = System.nanoTime();
        List<WorkMessage> messages = new ArrayList<>(tenants.size());
        for (String t : tenants) messages.add(WorkMessage.rollup(t, trigger));
        if (!messages.isEmpty()) queue.send(messages, Duration.ZERO);
        else metrics.rollupLag(Duration.ZERO);
        long t2 = System.nanoTime();
        Plan plan = new Plan(List.copyOf(tenants), (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000);
        LOG.info("rollup_planned", "trigger", trigger, "tenants_enqueued", tenants.size(),
                "list_ms", plan.listMillis(), "enqueue_ms", plan.enqueueMillis());
        return plan;
    }
}
