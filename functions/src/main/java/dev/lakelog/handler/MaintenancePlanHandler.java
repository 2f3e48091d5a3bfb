package dev.lakelog.handler;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import dev.lakelog.Lakelog;
import java.util.function.Supplier;
import dev.lakelog.queue.WorkMessage;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * EventBridge schedules of maintenance, fan-out form: the rule's {@code detail} names the job as
 * for {@link MaintenanceScheduleHandler} ({@code {"job":"compact"}}, ...); the job is enqueued on
 * the maintenance queue (LAKELOG_MAINTENANCE_QUEUE_URL) and run by {@link MaintenanceWorkerHandler}.
 * An unknown job fails the invocation at once (nothing is enqueued).
 */
public final class MaintenancePlanHandler implements RequestStreamHandler {
    private final Supplier<Lakelog> app;

    public MaintenancePlanHandler() {
        this(LambdaApp.start(LambdaApp.Needs.NO_LAKE));
    }

    public MaintenancePlanHandler(Lakelog app) {
        this(() -> app);
    }

    /** Bound to the container's current app, which SnapStart's restore replaces (see {@link LambdaApp}). */
    MaintenancePlanHandler(Supplier<Lakelog> app) {
        this.app = app;
    }

    @Override
    public void handleRequest(InputStream in, OutputStream out, Context context) {
        HandlerJson.write(out, plan(ScheduledJob.detail(in), context));
    }

    public Map<String, Object> plan(Map<String, Object> detail, Context context) {
        try (LambdaInvocation inv = LambdaInvocation.begin(context, app.get().metrics())) {
            ScheduledJob job = ScheduledJob.of(detail);
            WorkMessage m = app.get().maintenanceWorker().plan(job.job(), job.params(), "schedule");
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("job", m.job().orElseThrow());
            out.put("status", "enqueued");
            return out;
        }
    }
}
