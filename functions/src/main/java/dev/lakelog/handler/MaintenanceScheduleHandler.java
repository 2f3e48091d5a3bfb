package dev.lakelog.handler;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import java.io.InputStream;
import java.io.OutputStream;
import com.amazonaws.services.lambda.runtime.events.ScheduledEvent;
import dev.lakelog.Lakelog;
import java.util.function.Supplier;
import dev.lakelog.api.LakelogException;
import dev.lakelog.api.Params;
import dev.lakelog.log.JsonLog;
import dev.lakelog.maintenance.MaintenanceJobs;
import dev.lakelog.maintenance.MaintenanceService;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * EventBridge schedules of lake maintenance. The rule's input is the job in {@code detail}:
 * {@code {"job":"compact"}}, {@code {"job":"expire-snapshots","older_than_days":90}},
 * {@code {"job":"cleanup","older_than_hours":168}} (scheduled cleanup deletes unless
 * {@code "dry_run":true}), {@code {"job":"retention"}} (every tenant); parameters, defaults and
 * bounds are those of the REST routes ({@link MaintenanceJobs}).
 *
 * <p>By the error's kind: a conflict (another job holds the lease) returns {@code status: skipped}
 * and the next schedule runs it; anything else (a bad schedule input, the lake unavailable, a
 * defect) fails the invocation, so that Lambda retries it and the error alarm sees it.
 */
public final class MaintenanceScheduleHandler implements RequestStreamHandler {
    private static final JsonLog LOG = JsonLog.get(MaintenanceScheduleHandler.class);
    private final Supplier<Lakelog> app;

    public MaintenanceScheduleHandler() {
        this(LambdaApp.start(LambdaApp.Needs.LAKE));
    }

    public MaintenanceScheduleHandler(Lakelog app) {
        this(() -> app);
    }

    /** Bound to the container's current app, which SnapStart's restore replaces (see {@link LambdaApp}). */
    MaintenanceScheduleHandler(Supplier<Lakelog> app) {
        this.app = app;
    }

    /** The Lambda entry point: the scheduled event in, the job's result out as documented JSON. */
    @Override
    public void handleRequest(InputStream in, OutputStream out, Context context) {
        HandlerJson.write(out, run(ScheduledJob.detail(in), context));
    }

    public Map<String, Object> handleRequest(ScheduledEvent event, Context context) {
        return run(event.getDetail() == null ? Map.of() : event.getDetail(), context);
    }

    private Map<String, Object> run(Map<String, Object> detail, Context context) {
        try (LambdaInvocation inv = LambdaInvocation.begin(context, app.get().metrics())) {
            ScheduledJob scheduled = ScheduledJob.of(detail);
            String job = scheduled.job();
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("job", job);
            try {
                Object result = MaintenanceJobs.run(app.get().maintenance(), job, new Params(scheduled.params()), "schedule", true, Optional.empty());
                out.put("status", "ok");
                out.put("result", MaintenanceService.toJson(result));
            } catch (LakelogException e) {
                if (!e.kind().skippable()) throw e;
                LOG.info("maintenance_skipped", "job", job, "code", e.code().wireName(), "detail", e.detail());
                out.put("status", "skipped");
                out.put("detail", e.detail());
            }
            return out;
        }
    }
}
