package dev.lakelog.handler;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.lakelog.Lakelog;
import java.util.function.Supplier;
import dev.lakelog.log.JsonLog;
import dev.lakelog.maintenance.MaintenanceWorker;

/** SQS-triggered maintenance worker: one job per message ({@link MaintenanceWorker}), partial batch responses. */
public final class MaintenanceWorkerHandler implements RequestHandler<SQSEvent, SQSBatchResponse> {
    private static final JsonLog LOG = JsonLog.get(MaintenanceWorkerHandler.class);
    private final Supplier<Lakelog> app;

    public MaintenanceWorkerHandler() {
        this(LambdaApp.start(LambdaApp.Needs.LAKE));
    }

    public MaintenanceWorkerHandler(Lakelog app) {
        this(() -> app);
    }

    /** Bound to the container's current app, which SnapStart's restore replaces (see {@link LambdaApp}). */
    MaintenanceWorkerHandler(Supplier<Lakelog> app) {
        this.app = app;
    }

    @Override
    public SQSBatchResponse handleRequest(SQSEvent event, Context context) {
        try (LambdaInvocation inv = LambdaInvocation.begin(context, app.get().metrics())) {
            MaintenanceWorker worker = app.get().maintenanceWorker();
            return SqsWork.process(event, context, "maintenance_worker",
                    m -> LOG.info("maintenance_work_done", "result", worker.handle(m)));
        }
    }
}
