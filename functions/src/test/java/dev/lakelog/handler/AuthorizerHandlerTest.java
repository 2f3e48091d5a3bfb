package dev.lakelog.handler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.amazonaws.services.lambda.runtime.events.APIGatewayCustomAuthorizerEvent;
import dev.lakelog.auth.Tier;
import dev.lakelog.testing.LakelogFixture;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The REST API token authorizer against tenants in DynamoDB Local. */
class AuthorizerHandlerTest {
    private static final String ARN = "arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/GET/v1/analytics/logs";
    private static LakelogFixture fx;

    @BeforeAll
    static void start() {
        fx = LakelogFixture.aws();
    }

    @AfterAll
    static void stop() {
        fx.close();
    }

    private static APIGatewayCustomAuthorizerEvent event(String token) {
        APIGatewayCustomAuthorizerEvent e = new APIGatewayCustomAuthorizerEvent();
        e.setType("TOKEN");
        e.setAuthorizationToken(token);
        e.setMethodArn(ARN);
        return e;
    }

    @Test
    void a_valid_token_is_allowed_on_the_whole_stage_with_its_tenant_in_the_context() {
        LakelogFixture.TenantCredentials t = fx.createTenant("auth-free", Tier.FREE);
        Map<String, Object> r = new AuthorizerHandler(fx.app()).handleRequest(event("Bearer " + t.token()), new LocalContext());
        assertThat(r).containsEntry("principalId", "auth-free")
                .containsEntry("context", Map.of("tenant_id", "auth-free", "tier", "free"))
                .containsEntry("policyDocument", Map.of("Version", "2012-10-17", "Statement", java.util.List.of(Map.of(
                        "Action", "execute-api:Invoke", "Effect", "Allow",
                        "Resource", "arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/*"))));
    }

    @Test
    void an_unknown_or_missing_token_is_unauthorized() {
        AuthorizerHandler h = new AuthorizerHandler(fx.app());
        assertThatThrownBy(() -> h.handleRequest(event("Bearer llt_not-a-token"), new LocalContext())).hasMessage("Unauthorized");
        assertThatThrownBy(() -> h.handleRequest(event(null), new LocalContext())).hasMessage("Unauthorized");
        assertThatThrownBy(() -> h.handleRequest(event("Basic abc"), new LocalContext())).hasMessage("Unauthorized");
    }
}
