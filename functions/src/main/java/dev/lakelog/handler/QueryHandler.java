package dev.lakelog.handler;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import dev.lakelog.Lakelog;
import java.util.function.Supplier;

/** API Gateway proxy handler of the query function: adapts the event and hands it to the
 * router of the function's own routes (query). */
public final class QueryHandler implements RequestHandler<APIGatewayProxyRequestEvent, APIGatewayProxyResponseEvent> {
    private final Supplier<Lakelog> app;

    public QueryHandler() {
        this(LambdaApp.start(LambdaApp.Needs.LAKE));
    }

    public QueryHandler(Lakelog app) {
        this(() -> app);
    }

    /** Bound to the container's current app, which SnapStart's restore replaces (see {@link LambdaApp}). */
    QueryHandler(Supplier<Lakelog> app) {
        this.app = app;
    }

    @Override
    public APIGatewayProxyResponseEvent handleRequest(APIGatewayProxyRequestEvent event, Context context) {
        try (LambdaInvocation inv = LambdaInvocation.begin(context, app.get().metrics())) {
            return ApiGatewayAdapter.toResponse(app.get().router(Lakelog.Surface.QUERY)
                    .handle(ApiGatewayAdapter.toRequest(event).withDeadline(inv.end())));
        }
    }
}
