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
        this(rollup, interval, minAge, () -> {});
    }

    /** As above, running {@code alsoEachTime} (the metrics rollup) after each log rollup. */
    public RollupScheduler(RollupService rollup, Duration interval, Duration minAge, Runnable alsoEachTime) {
        exec.scheduleWithFixedDelay(() -> {
            try {
                rollup.rollup(new RollupRequest("schedule", Optional.empty(), minAge, true));
            } catch (RuntimeException e) {
                LOG.error("rollup_failed", e, "trigger", "schedule");
            }
            try {
                alsoEachTime.run();
            } catch (RuntimeException e) {
                LOG.error("metrics_rollup_failed", e, "trigger", "schedule");
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
