package dev.lakelog.local;

import dev.lakelog.log.JsonLog;
import dev.lakelog.rollup.RollupRequest;
import dev.lakelog.rollup.RollupService;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** Local mode's stand-in for the EventBridge schedule: rolls up every interval. */
public final class RollupScheduler implements AutoCloseable {
    private static final JsonLog LOG = JsonLog.get(RollupScheduler.class);
    private final ScheduledExecutorService exec = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "lakelog-rollup-schedule");
        t.setDaemon(true);
        return t;
    });

    public RollupScheduler(RollupService rollup, Duration interval, Duration minAge) {
        this(rollup, interval, minAge, new After[0]);
    }

    /** A task run after each scheduled rollup (the metrics rollup, the access trail's commit); its failure is logged as {@code <name>_failed}. */
    public record After(String name, Runnable task) {}

    /** As above; each of {@code after} runs after each scheduled rollup, in order, a failure of one logged and not stopping the next. */
    public RollupScheduler(RollupService rollup, Duration interval, Duration minAge, After... after) {
        exec.scheduleWithFixedDelay(() -> {
            try {
                rollup.rollup(new RollupRequest("schedule", Optional.empty(), minAge, true));
            } catch (RuntimeException e) {
                LOG.error("rollup_failed", e, "trigger", "schedule");
            }
            // the log rollup's failure does not skip the tasks after it
            for (After task : after) {
                try {
                    task.task().run();
                } catch (RuntimeException e) {
                    LOG.error(task.name() + "_failed", e, "trigger", "schedule");
                }
            }
        }, interval.toSeconds(), interval.toSeconds(), TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        exec.shutdownNow();
        try {
            exec.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
