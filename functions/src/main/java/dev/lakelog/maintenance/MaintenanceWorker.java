package dev.lakelog.maintenance;

import dev.lakelog.api.LakelogException;
import dev.lakelog.api.Params;
import dev.lakelog.log.JsonLog;
import dev.lakelog.queue.WorkMessage;
import dev.lakelog.queue.WorkQueue;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * Maintenance in fan-out mode: the schedule enqueues the job ({@link #plan}), a queue worker runs
 * it ({@link #handle}) under the lake-wide lease, with the parameters, defaults and bounds of
 * {@link MaintenanceJobs}. DuckLake's compaction, expiry and cleanup act on the whole catalog
 * (docs/maintenance.md), so each is one message, not one per tenant; what the queue adds is a
 * worker with its own 15 minutes, retries and a dead-letter queue, apart from the rollup workers.
 *
 * <p>A job whose lease is held (another job is running) is enqueued again {@link #RETRY_DELAY}
 * later, at most {@link #MAX_REQUEUES} times, then skipped (the next schedule runs it). A message
 * with a bad job or parameter throws: it can never succeed and ends in the dead-letter queue.
 */
public final class MaintenanceWorker {
    private static final JsonLog LOG = JsonLog.get(MaintenanceWorker.class);
    static final Duration RETRY_DELAY = Duration.ofMinutes(2);
    static final int MAX_REQUEUES = 5;
    private final MaintenanceService maintenance;
    private final WorkQueue queue;

    public MaintenanceWorker(MaintenanceService maintenance, WorkQueue queue) {
        this.maintenance = maintenance;
        this.queue = queue;
    }

    /** Enqueues one job, after checking its name and parameters as the REST route would (400 on a bad one). */
    public WorkMessage plan(String job, Map<String, String> params, String trigger) {
        if (job == null || !MaintenanceJobs.NAMES.contains(job)) {
            throw new LakelogException(dev.lakelog.api.ErrorCode.INVALID_PARAMETER,
                    "job must be one of " + new java.util.TreeSet<>(MaintenanceJobs.NAMES) + "; got '" + job + "'");
        }
        WorkMessage m = WorkMessage.maintenance(job, params, trigger);
        queue.send(m);
        LOG.info("maintenance_planned", "job", job, "trigger", trigger);
        return m;
    }

    /** The job's result as documented JSON ({@code status} ok, requeued or skipped). */
    public Map<String, Object> handle(WorkMessage message) {
        if (!WorkMessage.MAINTENANCE.equals(message.kind()) || message.job().isEmpty()) {
            throw new WorkMessage.MalformedWorkException("the maintenance worker takes maintenance messages with a job, got " + message.toJson());
        }
        String job = message.job().get();
        Map<String, Object> out = new java.util.LinkedHashMap<>();
        out.put("job", job);
        try {
            Object result = MaintenanceJobs.run(maintenance, job, new Params(message.params()), message.trigger(), true, Optional.empty());
            out.put("status", "ok");
            out.put("result", MaintenanceService.toJson(result));
        } catch (LakelogException e) {
            if (!e.kind().skippable()) {
                if (e.kind() == dev.lakelog.api.ErrorKind.CALLER_ERROR) throw new WorkMessage.MalformedWorkException(e.detail());
                throw e;
            }
            if (message.generation() < MAX_REQUEUES) {
                queue.send(java.util.List.of(message.next()), RETRY_DELAY);
                out.put("status", "requeued");
            } else {
                out.put("status", "skipped");
            }
            out.put("detail", e.detail());
            LOG.info("maintenance_work_" + out.get("status"), "job", job, "generation", message.generation(), "detail", e.detail());
        }
        return out;
    }
}
