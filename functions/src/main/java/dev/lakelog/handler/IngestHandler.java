package dev.lakelog.handler;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import dev.lakelog.Lakelog;
import java.util.function.Supplier;

/** API Gateway proxy handler of the ingest function: adapts the event and hands it to the
 * router of the function's own routes (ingest). */
public final class IngestHandler implements RequestHandler<APIGatewayProxyRequestEvent, APIGatewayProxyResponseEvent> {
    private final Supplier<Lakelog> app;

    public IngestHandler() {
        this(LambdaApp.start(LambdaApp.Needs.NO_LAKE));
    }

    public IngestHandler(Lakelog app) {
        this(() -> app);
    }

    /** Bound to the container's current app, which SnapStart's restore replaces (see {@link LambdaApp}). */
    IngestHandler(Supplier<Lakelog> app) {
        this.app = app;
    }

    @Override
    public APIGatewayProxyResponseEvent handleRequest(APIGatewayProxyRequestEvent event, Context context) {
        try (LambdaInvocation inv = LambdaInvocation.begin(context, app.get().metrics())) {
            return ApiGatewayAdapter.toResponse(app.get().router(Lakelog.Surface.INGEST)
                    .handle(ApiGatewayAdapter.toRequest(event).withDeadline(inv.end())));
        }
    }
}
