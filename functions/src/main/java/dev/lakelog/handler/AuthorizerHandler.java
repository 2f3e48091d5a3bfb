package dev.lakelog.handler;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayCustomAuthorizerEvent;
import dev.lakelog.Lakelog;
import java.util.function.Supplier;
import dev.lakelog.api.LakelogException;
import dev.lakelog.api.ApiRequest;
import dev.lakelog.auth.Tenant;
import java.util.List;
import java.util.Map;

/**
 * REST API token authorizer for Bearer tokens. A valid token of any tier gets an Allow for every
 * method of the stage (API Gateway caches the result per token, so the policy must not depend on
 * the route); an unknown token makes API Gateway answer 401 ("Unauthorized"). The tier check
 * (403 for free tenants on analytics) stays in the functions, which verify the token again.
 */
public final class AuthorizerHandler implements RequestHandler<APIGatewayCustomAuthorizerEvent, Map<String, Object>> {
    private final Supplier<Lakelog> app;

    public AuthorizerHandler() {
        this(LambdaApp.start(LambdaApp.Needs.NO_LAKE));
    }

    public AuthorizerHandler(Lakelog app) {
        this(() -> app);
    }

    /** Bound to the container's current app, which SnapStart's restore replaces (see {@link LambdaApp}). */
    AuthorizerHandler(Supplier<Lakelog> app) {
        this.app = app;
    }

    @Override
    public Map<String, Object> handleRequest(APIGatewayCustomAuthorizerEvent event, Context context) {
        try (LambdaInvocation inv = LambdaInvocation.begin(context, app.get().metrics())) {
            return authorize(event);
        }
    }

    private Map<String, Object> authorize(APIGatewayCustomAuthorizerEvent event) {
        String token = event.getAuthorizationToken();
        Tenant tenant;
        try {
            tenant = app.get().auth().verifyBearer(new ApiRequest("GET", "/", Map.of(),
                    token == null ? Map.of() : Map.of("Authorization", token), null));
        } catch (LakelogException e) {
            // The exact message "Unauthorized" is what makes API Gateway answer 401.
            throw new RuntimeException("Unauthorized");
        }
        // Exactly the documented authorizer output; no null fields for API Gateway to trip over.
        Map<String, Object> statement = Map.of("Action", "execute-api:Invoke", "Effect", "Allow",
                "Resource", stageWildcard(event.getMethodArn()));
        Map<String, Object> out = new java.util.LinkedHashMap<>();
        out.put("principalId", tenant.id());
        out.put("policyDocument", Map.of("Version", "2012-10-17", "Statement", List.of(statement)));
        out.put("context", Map.of("tenant_id", tenant.id(), "tier", tenant.tier().wireName()));
        return out;
    }

    /** {@code arn:aws:execute-api:region:acct:api/stage/GET/v1/x} becomes {@code arn:aws:execute-api:region:acct:api/stage/*}. */
    static String stageWildcard(String methodArn) {
        String[] parts = methodArn.split("/");
        if (parts.length < 2) return methodArn;
        return parts[0] + "/" + parts[1] + "/*";
    }
}
