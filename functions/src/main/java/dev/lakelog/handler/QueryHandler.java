package dev.lakelog.handler;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import dev.lakelog.Lakelog;

/** API Gateway proxy handler of the query function: adapts the event and hands it to the
 * router of the function's own routes (query). */
public final class QueryHandler implements RequestHandler<APIGatewayProxyRequestEvent, APIGatewayProxyResponseEvent> {
    private final Lakelog app;

    public QueryHandler() {
        this(LambdaApp.get());
    }

    public QueryHandler(Lakelog app) {
        this.app = app;
    }

    @Override
    public APIGatewayProxyResponseEvent handleRequest(APIGatewayProxyRequestEvent event, Context context) {
        try (LambdaInvocation inv = LambdaInvocation.begin(context, app.metrics())) {
            return ApiGatewayAdapter.toResponse(app.router(Lakelog.Surface.QUERY)
                    .handle(ApiGatewayAdapter.toRequest(event).withDeadline(inv.end())));
        }
    }
}
