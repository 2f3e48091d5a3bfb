package dev.lakelog.local;

import dev.lakelog.log.JsonLog;
import dev.lakelog.rollup.RollupPlanner;
import dev.lakelog.rollup.RollupRequest;
import dev.lakelog.rollup.RollupService;
import dev.lakelog.rollup.RollupWorker;
import dev.lakelog.storage.BlobStore;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Local mode's stand-in for the EventBridge schedule. Fan-out (what {@code lakelog serve} runs):
 * every interval the {@link RollupPlanner} enqueues one message per tenant with segments on an
 * {@link InProcessWorkQueue}, and {@code workers} threads roll the tenants up through
 * {@link RollupWorker}, as the SQS-triggered Lambdas do in AWS. The single-walk form (one
 * rollup of every tenant in turn) is kept for callers that ask for it.
 */
public final class RollupScheduler implements AutoCloseable {
    private static final JsonLog LOG = JsonLog.get(RollupScheduler.class);
    /** How long a failed message waits before it is delivered again, and after how many deliveries it is set aside. */
    static final Duration VISIBILITY = Duration.ofSeconds(30);
    static final int MAX_RECEIVES = 5;
    private final ScheduledExecutorService exec = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "lakelog-rollup-schedule");
        t.setDaemon(true);
        return t;
    });
    private final InProcessWorkQueue queue;

    /** One rollup of every tenant in turn, every interval. */
    public RollupScheduler(RollupService rollup, Duration interval, Duration minAge) {
        this(rollup, interval, minAge, new After[0]);
    }

    /** A task run after each scheduled rollup or plan (the metrics rollup, the access trail's commit); its failure is logged as {@code <name>_failed}. */
    public record After(String name, Runnable task) {}

    /** As above; each of {@code after} runs after each scheduled rollup, in order, a failure of one logged and not stopping the next. */
    public RollupScheduler(RollupService rollup, Duration interval, Duration minAge, After... after) {
        this.queue = null;
        exec.scheduleWithFixedDelay(() -> {
            try {
                rollup.rollup(new RollupRequest("schedule", Optional.empty(), minAge, true));
            } catch (RuntimeException e) {
                LOG.error("rollup_failed", e, "trigger", "schedule");
            }
            runAfter(after); // the log rollup's failure does not skip the tasks after it
        }, interval.toSeconds(), interval.toSeconds(), TimeUnit.SECONDS);
    }

    /** Fan-out: a planner every interval, {@code workers} worker threads on an in-process queue. */
    public RollupScheduler(RollupService rollup, BlobStore store, Duration interval, Duration minAge, int workers, After... after) {
        this.queue = new InProcessWorkQueue(VISIBILITY, MAX_RECEIVES);
        RollupPlanner planner = new RollupPlanner(store, queue);
        Clock clock = Clock.systemUTC();
        RollupWorker worker = new RollupWorker(rollup, queue, minAge, clock);
        // no Lambda limit here: the rollup's own time budget (LAKELOG_ROLLUP_TIME_BUDGET_SECONDS) bounds each message
        queue.start(workers, "rollup", m -> worker.handle(m, clock.instant().plus(Duration.ofDays(1))));
        exec.scheduleWithFixedDelay(() -> {
            try {
                if (queue.pending() == 0) planner.plan("schedule"); // the last round's tenants first
            } catch (RuntimeException e) {
                LOG.error("rollup_plan_failed", e, "trigger", "schedule");
            }
            runAfter(after);
        }, interval.toSeconds(), interval.toSeconds(), TimeUnit.SECONDS);
    }

    private static void runAfter(After[] after) {
        for (After task : after) {
            try {
                task.task().run();
            } catch (RuntimeException e) {
                LOG.error(task.name() + "_failed", e, "trigger", "schedule");
            }
        }
    }

    /** The fan-out queue (empty for the single-walk form). */
    public Optional<InProcessWorkQueue> queue() {
        return Optional.ofNullable(queue);
    }

    @Override
    public void close() {
        exec.shutdownNow();
        try {
            exec.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (queue != null) queue.close();
    }
}
