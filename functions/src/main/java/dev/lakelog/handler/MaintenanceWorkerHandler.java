package dev.lakelog.handler;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.lakelog.Lakelog;
import dev.lakelog.log.JsonLog;
import dev.lakelog.maintenance.MaintenanceWorker;

/** SQS-triggered maintenance worker: one job per message ({@link MaintenanceWorker}), partial batch responses. */
public final class MaintenanceWorkerHandler implements RequestHandler<SQSEvent, SQSBatchResponse> {
    private static final JsonLog LOG = JsonLog.get(MaintenanceWorkerHandler.class);
    private final Lakelog app;

    public MaintenanceWorkerHandler() {
        this(LambdaApp.get());
    }

    public MaintenanceWorkerHandler(Lakelog app) {
        this.app = app;
    }

    @Override
    public SQSBatchResponse handleRequest(SQSEvent event, Context context) {
        try (LambdaInvocation inv = LambdaInvocation.begin(context, app.metrics())) {
            MaintenanceWorker worker = app.maintenanceWorker();
            return SqsWork.process(event, context, "maintenance_worker",
                    m -> LOG.info("maintenance_work_done", "result", worker.handle(m)));
        }
    }
}
