package dev.lakelog.handler;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import dev.lakelog.Lakelog;
import java.util.function.Supplier;

/** API Gateway proxy handler of the maintenance function: adapts the event and hands it to the
 * router of the function's own routes (maintenance). */
public final class MaintenanceHandler implements RequestHandler<APIGatewayProxyRequestEvent, APIGatewayProxyResponseEvent> {
    private final Supplier<Lakelog> app;

    public MaintenanceHandler() {
        this(LambdaApp.start(LambdaApp.Needs.LAKE));
    }

    public MaintenanceHandler(Lakelog app) {
        this(() -> app);
    }

    /** Bound to the container's current app, which SnapStart's restore replaces (see {@link LambdaApp}). */
    MaintenanceHandler(Supplier<Lakelog> app) {
        this.app = app;
    }

    @Override
    public APIGatewayProxyResponseEvent handleRequest(APIGatewayProxyRequestEvent event, Context context) {
        try (LambdaInvocation inv = LambdaInvocation.begin(context, app.get().metrics())) {
            return ApiGatewayAdapter.toResponse(app.get().router(Lakelog.Surface.MAINTENANCE)
                    // the rollup route starts no batch after this, so it answers (a partial report) before API
                    // Gateway's 29 s; the maintenance jobs run to the end (docs/infra.md, Timeouts)
                    .handle(ApiGatewayAdapter.toRequest(event).withDeadline(inv.apiEnd())));
        }
    }
}
