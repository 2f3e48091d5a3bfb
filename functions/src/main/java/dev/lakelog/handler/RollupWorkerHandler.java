package dev.lakelog.handler;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.lakelog.Lakelog;
import java.util.function.Supplier;
import dev.lakelog.rollup.RollupWorker;

/**
 * SQS-triggered rollup worker: each message names one tenant, rolled up under its lease until the
 * invocation's remaining time less LAKELOG_WORKER_RESERVE_SECONDS (the deadline comes from the
 * Lambda {@link Context}); the rest is re-enqueued. Partial batch responses: a failing message
 * never fails the others ({@link SqsWork}).
 */
public final class RollupWorkerHandler implements RequestHandler<SQSEvent, SQSBatchResponse> {
    private final Supplier<Lakelog> app;

    public RollupWorkerHandler() {
        this(LambdaApp.start(LambdaApp.Needs.LAKE));
    }

    public RollupWorkerHandler(Lakelog app) {
        this(() -> app);
    }

    /** Bound to the container's current app, which SnapStart's restore replaces (see {@link LambdaApp}). */
    RollupWorkerHandler(Supplier<Lakelog> app) {
        this.app = app;
    }

    @Override
    public SQSBatchResponse handleRequest(SQSEvent event, Context context) {
        try (LambdaInvocation inv = LambdaInvocation.begin(context, app.get().metrics())) {
            RollupWorker worker = app.get().rollupWorker();
            java.time.Instant deadline = inv.deadline(app.get().config().fanOut().workerReserve());
            int[] seen = {0};
            return SqsWork.process(event, context, "rollup_worker",
                    m -> { if (seen[0]++ == 0) worker.handle(m, deadline); else worker.handleOrDefer(m, deadline); });
        }
    }
}
