package dev.lakelog.infra;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import software.amazon.awscdk.Annotations;
import software.amazon.awscdk.Aws;
import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.Size;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.apigateway.AccessLogFormat;
import software.amazon.awscdk.services.apigateway.AuthorizationType;
import software.amazon.awscdk.services.apigateway.EndpointType;
import software.amazon.awscdk.services.apigateway.GatewayResponseOptions;
import software.amazon.awscdk.services.apigateway.IdentitySource;
import software.amazon.awscdk.services.apigateway.LambdaIntegration;
import software.amazon.awscdk.services.apigateway.LogGroupLogDestination;
import software.amazon.awscdk.services.apigateway.Method;
import software.amazon.awscdk.services.apigateway.MethodLoggingLevel;
import software.amazon.awscdk.services.apigateway.MethodOptions;
import software.amazon.awscdk.services.apigateway.Resource;
import software.amazon.awscdk.services.apigateway.ResponseType;
import software.amazon.awscdk.services.apigateway.RestApi;
import software.amazon.awscdk.services.apigateway.StageOptions;
import software.amazon.awscdk.services.apigateway.TokenAuthorizer;
import software.amazon.awscdk.services.cloudwatch.Alarm;
import software.amazon.awscdk.services.cloudwatch.ComparisonOperator;
import software.amazon.awscdk.services.cloudwatch.IMetric;
import software.amazon.awscdk.services.cloudwatch.Metric;
import software.amazon.awscdk.services.cloudwatch.MetricOptions;
import software.amazon.awscdk.services.cloudwatch.TreatMissingData;
import software.amazon.awscdk.services.cloudwatch.actions.SnsAction;
import software.amazon.awscdk.services.dynamodb.Attribute;
import software.amazon.awscdk.services.dynamodb.AttributeType;
import software.amazon.awscdk.services.dynamodb.BillingMode;
import software.amazon.awscdk.services.dynamodb.PointInTimeRecoverySpecification;
import software.amazon.awscdk.services.dynamodb.Table;
import software.amazon.awscdk.services.dynamodb.TableEncryption;
import software.amazon.awscdk.services.ec2.GatewayVpcEndpointAwsService;
import software.amazon.awscdk.services.ec2.GatewayVpcEndpointOptions;
import software.amazon.awscdk.services.ec2.InstanceType;
import software.amazon.awscdk.services.ec2.InterfaceVpcEndpoint;
import software.amazon.awscdk.services.ec2.InterfaceVpcEndpointAwsService;
import software.amazon.awscdk.services.ec2.InterfaceVpcEndpointOptions;
import software.amazon.awscdk.services.ec2.IpAddresses;
import software.amazon.awscdk.services.ec2.Peer;
import software.amazon.awscdk.services.ec2.Port;
import software.amazon.awscdk.services.ec2.SecurityGroup;
import software.amazon.awscdk.services.ec2.SubnetConfiguration;
import software.amazon.awscdk.services.ec2.SubnetSelection;
import software.amazon.awscdk.services.ec2.SubnetType;
import software.amazon.awscdk.services.ec2.Vpc;
import software.amazon.awscdk.services.events.EventField;
import software.amazon.awscdk.services.events.Rule;
import software.amazon.awscdk.services.events.RuleTargetInput;
import software.amazon.awscdk.services.events.Schedule;
import software.amazon.awscdk.services.events.targets.LambdaFunction;
import software.amazon.awscdk.services.events.targets.LambdaFunctionProps;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.iot.CfnTopicRule;
import software.amazon.awscdk.services.kms.Key;
import software.amazon.awscdk.services.lambda.Architecture;
import software.amazon.awscdk.services.lambda.Code;
import software.amazon.awscdk.services.lambda.Function;
import software.amazon.awscdk.services.lambda.Permission;
import software.amazon.awscdk.services.lambda.Runtime;
import software.amazon.awscdk.services.logs.FilterPattern;
import software.amazon.awscdk.services.logs.LogGroup;
import software.amazon.awscdk.services.logs.MetricFilter;
import software.amazon.awscdk.services.rds.CaCertificate;
import software.amazon.awscdk.services.rds.ClientPasswordAuthType;
import software.amazon.awscdk.services.rds.Credentials;
import software.amazon.awscdk.services.rds.DatabaseInstance;
import software.amazon.awscdk.services.rds.DatabaseInstanceEngine;
import software.amazon.awscdk.services.rds.DatabaseProxy;
import software.amazon.awscdk.services.rds.DatabaseSecret;
import software.amazon.awscdk.services.rds.PostgresEngineVersion;
import software.amazon.awscdk.services.rds.PostgresInstanceEngineProps;
import software.amazon.awscdk.services.rds.ProxyTarget;
import software.amazon.awscdk.services.rds.StorageType;
import software.amazon.awscdk.services.route53.ARecord;
import software.amazon.awscdk.services.route53.PrivateHostedZone;
import software.amazon.awscdk.services.route53.RecordTarget;
import software.amazon.awscdk.services.route53.targets.InterfaceVpcEndpointTarget;
import software.amazon.awscdk.services.s3.BlockPublicAccess;
import software.amazon.awscdk.services.s3.Bucket;
import software.amazon.awscdk.services.s3.BucketEncryption;
import software.amazon.awscdk.services.s3.LifecycleRule;
import software.amazon.awscdk.services.s3.ObjectOwnership;
import software.amazon.awscdk.services.sns.Topic;
import software.amazon.awscdk.services.sns.subscriptions.EmailSubscription;
import software.amazon.awscdk.services.sqs.Queue;
import software.amazon.awscdk.services.sqs.QueueEncryption;
import software.amazon.awscdk.services.wafv2.CfnWebACL;
import software.amazon.awscdk.services.wafv2.CfnWebACLAssociation;
import software.constructs.Construct;

/**
 * The REST API: the stage with access logs and throttling, the Bearer-token authorizer, every route
 * of docs/api.md on the function that serves it, and JSON bodies for the errors API Gateway answers itself.
 */
final class ApiConstruct extends Construct {
    static final String ID = "HttpApi";
    final RestApi api;
    final LogGroup accessLogs;

    ApiConstruct(Construct scope, StackConfig cfg, FunctionsConstruct fns) {
        super(scope, ID);
        Function ingestFn = fns.ingestFn;
        Function authorizerFn = fns.authorizerFn;
        Function queryFn = fns.queryFn;
        Function maintenanceFn = fns.maintenanceFn;
        accessLogs = LogGroup.Builder.create(this, "ApiAccessLogs").retention(cfg.logRetention())
                .encryptionKey(fns.dataKey()).build();
        api = RestApi.Builder.create(this, "Api")
                .restApiName(cfg.namePrefix())
                .description("lakelog HTTP API (DESIGN.md routes)")
                .endpointTypes(List.of(EndpointType.REGIONAL))
                // Every body reaches the functions as bytes (base64 in the proxy event): gzip bodies, OTLP
                // protobuf, and the exact bytes an HMAC signature covers; protobuf answers go back as bytes.
                .binaryMediaTypes(List.of("*/*"))
                // AWS::ApiGateway::Account is one per region and account: set only when asked (docs/deploy.md)
                .cloudWatchRole(cfg.apiGatewayCloudWatchRole())
                .deployOptions(StageOptions.builder()
                        .stageName(cfg.stageName())
                        .throttlingRateLimit(cfg.apiThrottleRateLimit())
                        .throttlingBurstLimit(cfg.apiThrottleBurstLimit())
                        .accessLogDestination(new LogGroupLogDestination(accessLogs))
                        .accessLogFormat(AccessLogFormat.custom(ACCESS_LOG_FORMAT))
                        .metricsEnabled(true)
                        .loggingLevel(MethodLoggingLevel.ERROR)
                        .dataTraceEnabled(false)
                        .tracingEnabled(cfg.xray())
                        .build())
                .build();

        TokenAuthorizer authorizer = TokenAuthorizer.Builder.create(this, "BearerAuthorizer")
                .authorizerName(cfg.namePrefix() + "-bearer")
                .handler(fns.live(authorizerFn))
                .identitySource(IdentitySource.header("Authorization"))
                .validationRegex(LakelogStack.BEARER_REGEX)
                .resultsCacheTtl(Duration.seconds(cfg.authorizerCacheTtlSeconds()))
                .build();
        MethodOptions bearer = MethodOptions.builder()
                .authorizationType(AuthorizationType.CUSTOM).authorizer(authorizer).build();
        MethodOptions hmac = MethodOptions.builder().authorizationType(AuthorizationType.NONE).build();

        LambdaIntegration ingest = LambdaIntegration.Builder.create(fns.live(ingestFn)).proxy(true).allowTestInvoke(false).build();
        LambdaIntegration query = LambdaIntegration.Builder.create(fns.live(queryFn)).proxy(true).allowTestInvoke(false).build();
        LambdaIntegration maint = LambdaIntegration.Builder.create(fns.live(maintenanceFn)).proxy(true).allowTestInvoke(false).build();

        Resource v1 = api.getRoot().addResource("v1");
        Resource log = v1.addResource("log");
        List<Method> signedInFunction = List.of(
                log.addMethod("POST", ingest, hmac),
                log.addResource("batch").addMethod("POST", ingest, hmac));
        Resource logs = v1.addResource("logs");
        Method otlp = logs.addMethod("POST", ingest, hmac); // OTLP; HMAC or Bearer, both checked in the function
        // The hot-tier read skips segments already in the rollup ledger, so it needs the lake: the
        // query function (in the VPC, with the catalog) serves it.
        logs.addResource("recent").addMethod("GET", query, bearer);
        // OTLP metrics (docs/metrics.md): the credentials of /v1/logs, checked in the function
        Method otlpMetrics = v1.addResource("metrics").addMethod("POST", ingest, hmac);

        Resource analytics = v1.addResource("analytics");
        Resource aLogs = analytics.addResource("logs");
        aLogs.addMethod("GET", query, bearer);
        aLogs.addResource("snapshot").addResource("{id}").addMethod("GET", query, bearer);
        aLogs.addResource("{log_id}").addResource("proof").addMethod("GET", query, bearer);
        analytics.addResource("snapshots").addMethod("GET", query, bearer);
        analytics.addResource("info").addMethod("GET", query, bearer);
        analytics.addResource("changes").addMethod("GET", query, bearer);
        analytics.addResource("query").addMethod("POST", query, bearer);
        Resource queries = analytics.addResource("queries");
        queries.addMethod("GET", query, bearer);
        queries.addResource("{name}").addMethod("POST", query, bearer);

        analytics.addResource("rollup").addMethod("POST", maint, bearer);
        Resource aMetrics = analytics.addResource("metrics");
        aMetrics.addMethod("GET", query, bearer);
        aMetrics.addResource("rollup").addMethod("POST", maint, bearer);
        analytics.addResource("verify").addMethod("GET", maint, bearer);
        Resource holds = analytics.addResource("holds");
        holds.addMethod("GET", maint, bearer);
        holds.addMethod("POST", maint, bearer);
        holds.addResource("{hold_id}").addResource("release").addMethod("POST", maint, bearer);
        Resource maintenance = analytics.addResource("maintenance");
        for (String job : List.of("compact", "cleanup", "expire-snapshots", "retention")) {
            maintenance.addResource(job).addMethod("POST", maint, bearer);
        }

        // Errors that API Gateway answers itself follow DESIGN.md's {"detail": "..."} shape too.
        gatewayResponse(api, "UnauthorizedResponse", ResponseType.UNAUTHORIZED, "401",
                "{\"detail\":\"missing or invalid bearer token\"}");
        gatewayResponse(api, "AccessDeniedResponse", ResponseType.ACCESS_DENIED, "403",
                "{\"detail\":\"forbidden\"}");
        gatewayResponse(api, "ThrottledResponse", ResponseType.THROTTLED, "429",
                "{\"detail\":\"too many requests\",\"code\":\"rate_limited\"}");
        gatewayResponse(api, "Default4xxResponse", ResponseType.DEFAULT_4_XX, null,
                "{\"detail\":$context.error.messageString}");
        gatewayResponse(api, "Default5xxResponse", ResponseType.DEFAULT_5_XX, null,
                "{\"detail\":$context.error.messageString}");

        if (cfg.wafRateLimitPer5Min() > 0) {
            waf(cfg);
        } else {
            Nag.suppress(api.getDeploymentStage(), "APIG3", "WAF is the stack option wafRateLimitPer5Min (off by default: it costs about $6 a month "
                    + "plus $0.60 per million requests); per-tenant limits and stage throttling apply without it");
        }
        if (cfg.apiGatewayCloudWatchRole()) {
            Nag.suppress(api, "IAM4", "API Gateway's account-level logging role uses AWS's policy for pushing to CloudWatch Logs",
                    "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs");
        }
        Nag.suppress(api, "APIG2", "Lambda proxy integrations: the functions validate every request strictly and answer documented "
                + "4xx codes; a gateway validator would answer in another shape");
        Nag.suppress(api, "COG4", "tenants authenticate with lakelog's own Bearer tokens (checked by the token authorizer) or "
                + "HMAC signatures; there are no Cognito users");
        for (Method m : List.of(signedInFunction.get(0), signedInFunction.get(1), otlp, otlpMetrics)) {
            Nag.suppress(m, "APIG4", "the ingest routes are authenticated in the function: the HMAC "
                    + "covers the raw body, which an API Gateway authorizer cannot see");
        }
    }

    /** The WAF web ACL in front of the stage: a rate-based rule per client IP, plus AWS's common rule set. */
    private void waf(StackConfig cfg) {
        CfnWebACL acl = CfnWebACL.Builder.create(this, "WebAcl")
                .scope("REGIONAL")
                .name(cfg.namePrefix() + "-api")
                .defaultAction(CfnWebACL.DefaultActionProperty.builder().allow(CfnWebACL.AllowActionProperty.builder().build()).build())
                .visibilityConfig(visibility(cfg.namePrefix() + "-api"))
                .rules(List.of(
                        CfnWebACL.RuleProperty.builder().name("rate-per-ip").priority(0)
                                .action(CfnWebACL.RuleActionProperty.builder().block(CfnWebACL.BlockActionProperty.builder().build()).build())
                                .statement(CfnWebACL.StatementProperty.builder()
                                        .rateBasedStatement(CfnWebACL.RateBasedStatementProperty.builder()
                                                .aggregateKeyType("IP").limit(cfg.wafRateLimitPer5Min()).build())
                                        .build())
                                .visibilityConfig(visibility("rate-per-ip")).build(),
                        CfnWebACL.RuleProperty.builder().name("aws-common").priority(1)
                                .overrideAction(CfnWebACL.OverrideActionProperty.builder().none(Map.of()).build())
                                .statement(CfnWebACL.StatementProperty.builder()
                                        .managedRuleGroupStatement(CfnWebACL.ManagedRuleGroupStatementProperty.builder()
                                                .vendorName("AWS").name("AWSManagedRulesCommonRuleSet")
                                                // ingest bodies are large JSON batches: the body-size rule would block them
                                                .excludedRules(List.of(CfnWebACL.ExcludedRuleProperty.builder()
                                                        .name("SizeRestrictions_BODY").build()))
                                                .build())
                                        .build())
                                .visibilityConfig(visibility("aws-common")).build()))
                .build();
        CfnWebACLAssociation.Builder.create(this, "WebAclAssociation")
                .resourceArn(api.getDeploymentStage().getStageArn())
                .webAclArn(acl.getAttrArn())
                .build();
    }

    private static CfnWebACL.VisibilityConfigProperty visibility(String name) {
        return CfnWebACL.VisibilityConfigProperty.builder()
                .cloudWatchMetricsEnabled(true).metricName(name).sampledRequestsEnabled(true).build();
    }


    /** One JSON object per request; the fields docs/infra.md lists. */
    public static final String ACCESS_LOG_FORMAT = "{"
            + "\"requestId\":\"$context.requestId\","
            + "\"extendedRequestId\":\"$context.extendedRequestId\","
            + "\"requestTime\":\"$context.requestTime\","
            + "\"ip\":\"$context.identity.sourceIp\","
            + "\"userAgent\":\"$context.identity.userAgent\","
            + "\"httpMethod\":\"$context.httpMethod\","
            + "\"resourcePath\":\"$context.resourcePath\","
            + "\"path\":\"$context.path\","
            + "\"protocol\":\"$context.protocol\","
            + "\"status\":\"$context.status\","
            + "\"responseLength\":\"$context.responseLength\","
            + "\"responseLatency\":\"$context.responseLatency\","
            + "\"integrationLatency\":\"$context.integrationLatency\","
            + "\"integrationStatus\":\"$context.integrationStatus\","
            + "\"tenantId\":\"$context.authorizer.tenant_id\","
            + "\"authorizerError\":\"$context.authorizer.error\","
            + "\"errorMessage\":\"$context.error.message\""
            + "}";

    private static void gatewayResponse(RestApi api, String id, ResponseType type, String status, String template) {
        GatewayResponseOptions.Builder b = GatewayResponseOptions.builder()
                .type(type)
                .responseHeaders(Map.of("Content-Type", "'application/json'"))
                .templates(Map.of("application/json", template));
        if (status != null) {
            b.statusCode(status);
        }
        api.addGatewayResponse(id, b.build());
    }
}
