package dev.lakelog.handler;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import dev.lakelog.Lakelog;
import java.util.function.Supplier;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Map;

/**
 * EventBridge schedule, fan-out form: lists the tenants with segments waiting and enqueues one
 * message each on the rollup queue (LAKELOG_ROLLUP_QUEUE_URL); {@link RollupWorkerHandler}s roll
 * them up side by side. Answers {@code {"tenants_enqueued": n, "list_ms": .., "enqueue_ms": ..}}.
 * A failure to list or enqueue fails the invocation (EventBridge's retry and the error alarm see it).
 */
public final class RollupPlanHandler implements RequestStreamHandler {
    private final Supplier<Lakelog> app;

    public RollupPlanHandler() {
        this(LambdaApp.start(LambdaApp.Needs.NO_LAKE));
    }

    public RollupPlanHandler(Lakelog app) {
        this(() -> app);
    }

    /** Bound to the container's current app, which SnapStart's restore replaces (see {@link LambdaApp}). */
    RollupPlanHandler(Supplier<Lakelog> app) {
        this.app = app;
    }

    @Override
    public void handleRequest(InputStream in, OutputStream out, Context context) throws java.io.IOException {
        in.transferTo(OutputStream.nullOutputStream()); // the schedule's event carries nothing the planner needs
        HandlerJson.write(out, plan(context));
    }

    public Map<String, Object> plan(Context context) {
        try (LambdaInvocation inv = LambdaInvocation.begin(context, app.get().metrics())) {
            return app.get().rollupPlanner().plan("schedule").toMap();
        }
    }
}
