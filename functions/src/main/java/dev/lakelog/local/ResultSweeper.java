package dev.lakelog.local;

import dev.lakelog.log.JsonLog;
import dev.lakelog.query.BigResults;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Local mode's stand-in for the bucket's lifecycle rule on {@code results/}: every few minutes it
 * deletes result files older than {@link BigResults#KEEP}.
 */
public final class ResultSweeper implements AutoCloseable {
    private static final JsonLog LOG = JsonLog.get(ResultSweeper.class);
    static final Duration EVERY = Duration.ofMinutes(5);
    private final ScheduledExecutorService exec = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "lakelog-result-sweeper");
        t.setDaemon(true);
        return t;
    });

    public ResultSweeper(BigResults results) {
        exec.scheduleWithFixedDelay(() -> {
            try {
                int n = results.sweep();
                if (n > 0) LOG.info("result_files_expired", "files", n);
            } catch (RuntimeException e) {
                LOG.warn("result_sweep_failed", "error", e.getMessage());
            }
        }, 0, EVERY.toSeconds(), TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        exec.shutdownNow();
    }
}
