package dev.lakelog.infra;

import static dev.lakelog.infra.Synth.byIdPrefix;
import static dev.lakelog.infra.Synth.function;
import static dev.lakelog.infra.Synth.getAtt;
import static dev.lakelog.infra.Synth.logicalId;
import static dev.lakelog.infra.Synth.map;
import static dev.lakelog.infra.Synth.props;
import static dev.lakelog.infra.Synth.ref;
import static dev.lakelog.infra.Synth.resources;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;

import software.amazon.awscdk.assertions.Template;

/** REST API: every DESIGN.md route, proxy integrations, token authorizer, throttling, access logs. */
class ApiTest {
    private final Template t = Synth.template();

    /** "METHOD /path" -> {handler, auth} for every route the stack must serve. */
    static final Map<String, List<String>> ROUTES = new TreeMap<>(Map.ofEntries(
            Map.entry("POST /v1/log", List.of("IngestHandler", "NONE")),
            Map.entry("POST /v1/log/batch", List.of("IngestHandler", "NONE")),
            Map.entry("POST /v1/logs", List.of("IngestHandler", "NONE")),
            Map.entry("GET /v1/logs/recent", List.of("QueryHandler", "CUSTOM")),
            Map.entry("GET /v1/analytics/logs", List.of("QueryHandler", "CUSTOM")),
            Map.entry("GET /v1/analytics/logs/snapshot/{id}", List.of("QueryHandler", "CUSTOM")),
            Map.entry("GET /v1/analytics/logs/{log_id}/proof", List.of("QueryHandler", "CUSTOM")),
            Map.entry("GET /v1/analytics/verify", List.of("MaintenanceHandler", "CUSTOM")),
            Map.entry("GET /v1/analytics/holds", List.of("MaintenanceHandler", "CUSTOM")),
            Map.entry("POST /v1/analytics/holds", List.of("MaintenanceHandler", "CUSTOM")),
            Map.entry("POST /v1/analytics/holds/{hold_id}/release", List.of("MaintenanceHandler", "CUSTOM")),
            Map.entry("GET /v1/analytics/snapshots", List.of("QueryHandler", "CUSTOM")),
            Map.entry("GET /v1/analytics/info", List.of("QueryHandler", "CUSTOM")),
            Map.entry("GET /v1/analytics/changes", List.of("QueryHandler", "CUSTOM")),
            Map.entry("POST /v1/analytics/query", List.of("QueryHandler", "CUSTOM")),
            Map.entry("GET /v1/analytics/queries", List.of("QueryHandler", "CUSTOM")),
            Map.entry("POST /v1/analytics/queries/{name}", List.of("QueryHandler", "CUSTOM")),
            Map.entry("POST /v1/analytics/rollup", List.of("MaintenanceHandler", "CUSTOM")),
            Map.entry("POST /v1/metrics", List.of("IngestHandler", "NONE")),
            Map.entry("GET /v1/analytics/metrics", List.of("QueryHandler", "CUSTOM")),
            Map.entry("POST /v1/analytics/metrics/rollup", List.of("MaintenanceHandler", "CUSTOM")),
            Map.entry("POST /v1/analytics/maintenance/compact", List.of("MaintenanceHandler", "CUSTOM")),
            Map.entry("POST /v1/analytics/maintenance/cleanup", List.of("MaintenanceHandler", "CUSTOM")),
            Map.entry("POST /v1/analytics/maintenance/expire-snapshots", List.of("MaintenanceHandler", "CUSTOM")),
            Map.entry("POST /v1/analytics/maintenance/retention", List.of("MaintenanceHandler", "CUSTOM"))));

    /** Resource logical id -> full path, from PathPart/ParentId. */
    private Map<String, String> paths() {
        Map<String, Map<String, Object>> res = resources(t, "AWS::ApiGateway::Resource");
        Map<String, String> out = new HashMap<>();
        for (String id : res.keySet()) {
            out.put(id, path(res, id));
        }
        return out;
    }

    private static String path(Map<String, Map<String, Object>> res, String id) {
        Map<String, Object> p = props(res.get(id));
        Object parent = p.get("ParentId");
        String prefix = parent instanceof Map<?, ?> m && m.containsKey("Ref") ? path(res, String.valueOf(m.get("Ref"))) : "";
        return prefix + "/" + p.get("PathPart");
    }

    @Test
    void everyRouteExistsWithItsHandlerAndAuthorization() {
        Map<String, String> paths = paths();
        String authorizer = logicalId(t, "AWS::ApiGateway::Authorizer", "BearerAuthorizer");
        Map<String, List<String>> found = new TreeMap<>();
        for (Map<String, Object> m : resources(t, "AWS::ApiGateway::Method").values()) {
            Map<String, Object> p = props(m);
            String route = p.get("HttpMethod") + " " + paths.get(String.valueOf(map(p.get("ResourceId")).get("Ref")));
            Map<String, Object> integration = map(p.get("Integration"));
            assertThat(integration).as(route).containsEntry("Type", "AWS_PROXY").containsEntry("IntegrationHttpMethod", "POST");
            String uri = Synth.toJson(integration.get("Uri"));
            String handler = ROUTES.getOrDefault(route, List.of("?", "?")).get(0);
            String auth = String.valueOf(p.get("AuthorizationType"));
            if ("CUSTOM".equals(auth)) {
                assertThat(p).as(route).containsEntry("AuthorizerId", ref(authorizer));
            } else {
                assertThat(p).as(route).doesNotContainKey("AuthorizerId");
            }
            if (!"?".equals(handler)) {
                assertThat(uri).as(route).contains(Synth.liveAlias(t, handler));
            }
            found.put(route, List.of(handler, auth));
        }
        assertThat(found).isEqualTo(ROUTES);
    }

    @Test
    void tokenAuthorizerCachesResultsAndRejectsNonBearerHeadersItself() {
        Map<String, Object> p = props(byIdPrefix(t, "AWS::ApiGateway::Authorizer", "BearerAuthorizer").getValue());
        assertThat(p).containsEntry("Type", "TOKEN")
                .containsEntry("IdentitySource", "method.request.header.Authorization")
                .containsEntry("AuthorizerResultTtlInSeconds", 300)
                .containsEntry("IdentityValidationExpression", LakelogStack.BEARER_REGEX);
        assertThat(Synth.toJson(p.get("AuthorizerUri"))).contains(Synth.liveAlias(t, "AuthorizerHandler"));
        assertThat("Bearer abc.DEF-123_~+/==").matches(LakelogStack.BEARER_REGEX);
        assertThat("Basic dXNlcjpwYXNz").doesNotMatch(LakelogStack.BEARER_REGEX);
        // API Gateway may invoke the authorizer and each integrated function.
        String authFn = Synth.liveAlias(t, "AuthorizerHandler");
        assertThat(resources(t, "AWS::Lambda::Permission").values().stream().map(Synth::props)
                .filter(x -> Synth.ref(authFn).equals(x.get("FunctionName"))))
                .anySatisfy(x -> assertThat(x).containsEntry("Principal", "apigateway.amazonaws.com"));
    }

    @Test
    void stageHasNameThrottlingAndJsonAccessLogs() throws IOException {
        Map<String, Object> stage = props(byIdPrefix(t, "AWS::ApiGateway::Stage", "ApiDeploymentStage").getValue());
        assertThat(stage).containsEntry("StageName", "prod");
        Map<String, Object> settings = map(((List<?>) stage.get("MethodSettings")).get(0));
        assertThat(settings).containsEntry("ThrottlingRateLimit", 100).containsEntry("ThrottlingBurstLimit", 200)
                .containsEntry("HttpMethod", "*").containsEntry("ResourcePath", "/*")
                .containsEntry("DataTraceEnabled", false);
        Map<String, Object> access = map(stage.get("AccessLogSetting"));
        assertThat(access.get("DestinationArn")).isEqualTo(getAtt(logicalId(t, "AWS::Logs::LogGroup", "ApiAccessLogs"), "Arn"));
        Map<String, Object> format = Synth.JSON.readValue(String.valueOf(access.get("Format")), new com.fasterxml.jackson.core.type.TypeReference<Map<String, Object>>() { });
        assertThat(format).containsKeys("requestId", "ip", "httpMethod", "resourcePath", "status", "tenantId",
                "integrationLatency", "errorMessage");
    }

    @Test
    void stageNameAndThrottlesAreContextParameters() {
        Template custom = Synth.template(Map.of("stageName", "staging", "apiThrottleRateLimit", "25",
                "apiThrottleBurstLimit", 50, "authorizerCacheTtlSeconds", 60));
        Map<String, Object> stage = props(byIdPrefix(custom, "AWS::ApiGateway::Stage", "ApiDeploymentStage").getValue());
        assertThat(stage).containsEntry("StageName", "staging");
        assertThat(map(((List<?>) stage.get("MethodSettings")).get(0)))
                .containsEntry("ThrottlingRateLimit", 25).containsEntry("ThrottlingBurstLimit", 50);
        assertThat(props(byIdPrefix(custom, "AWS::ApiGateway::Authorizer", "BearerAuthorizer").getValue()))
                .containsEntry("AuthorizerResultTtlInSeconds", 60);
    }

    @Test
    void gatewayErrorsUseTheDetailShape() {
        Map<String, Map<String, Object>> responses = resources(t, "AWS::ApiGateway::GatewayResponse");
        assertThat(responses.values().stream().map(r -> props(r).get("ResponseType")).toList())
                .containsExactlyInAnyOrder("UNAUTHORIZED", "ACCESS_DENIED", "THROTTLED", "DEFAULT_4XX", "DEFAULT_5XX");
        responses.values().forEach(r -> assertThat(String.valueOf(map(props(r).get("ResponseTemplates")).get("application/json")))
                .startsWith("{\"detail\":"));
    }

    @Test
    void regionalEndpointAndTheRegionsApiGatewayAccountRoleOnlyWhenAsked() {
        assertThat(props(byIdPrefix(t, "AWS::ApiGateway::RestApi", "Api").getValue()))
                .containsEntry("EndpointConfiguration", Map.of("Types", List.of("REGIONAL")));
        t.resourceCountIs("AWS::ApiGateway::Account", 0);
        Synth.template(Map.of("apiGatewayCloudWatchRole", true)).resourceCountIs("AWS::ApiGateway::Account", 1);
    }
}
