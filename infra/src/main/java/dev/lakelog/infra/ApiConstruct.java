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
import software.constructs.Construct;

/**
 * The REST API: the stage with access logs and throttling, the Bearer-token authorizer, every route
 * of docs/api.md on the function that serves it, and JSON bodies for the errors API Gateway answers itself.
 */
final class ApiConstruct extends Construct {
    static final String ID = "HttpApi";
    final RestApi api;

    ApiConstruct(Construct scope, StackConfig cfg, FunctionsConstruct fns) {
        super(scope, ID);
        Function ingestFn = fns.ingestFn;
        Function authorizerFn = fns.authorizerFn;
        Function queryFn = fns.queryFn;
        Function maintenanceFn = fns.maintenanceFn;
        LogGroup accessLogs = LogGroup.Builder.create(this, "ApiAccessLogs").retention(cfg.logRetention()).build();
        api = RestApi.Builder.create(this, "Api")
                .restApiName("lakelog")
                .description("lakelog HTTP API (DESIGN.md routes)")
                .endpointTypes(List.of(EndpointType.REGIONAL))
                .cloudWatchRole(true) // API Gateway's account-level role, needed for access logs
                .deployOptions(StageOptions.builder()
                        .stageName(cfg.stageName())
                        .throttlingRateLimit(cfg.apiThrottleRateLimit())
                        .throttlingBurstLimit(cfg.apiThrottleBurstLimit())
                        .accessLogDestination(new LogGroupLogDestination(accessLogs))
                        .accessLogFormat(AccessLogFormat.custom(ACCESS_LOG_FORMAT))
                        .metricsEnabled(true)
                        .loggingLevel(MethodLoggingLevel.ERROR)
                        .dataTraceEnabled(false)
                        .build())
                .build();

        TokenAuthorizer authorizer = TokenAuthorizer.Builder.create(this, "BearerAuthorizer")
                .authorizerName("lakelog-bearer")
                .handler(authorizerFn)
                .identitySource(IdentitySource.header("Authorization"))
                .validationRegex(LakelogStack.BEARER_REGEX)
                .resultsCacheTtl(Duration.seconds(cfg.authorizerCacheTtlSeconds()))
                .build();
        MethodOptions bearer = MethodOptions.builder()
                .authorizationType(AuthorizationType.CUSTOM).authorizer(authorizer).build();
        MethodOptions hmac = MethodOptions.builder().authorizationType(AuthorizationType.NONE).build();

        LambdaIntegration ingest = LambdaIntegration.Builder.create(ingestFn).proxy(true).allowTestInvoke(false).build();
        LambdaIntegration query = LambdaIntegration.Builder.create(queryFn).proxy(true).allowTestInvoke(false).build();
        LambdaIntegration maint = LambdaIntegration.Builder.create(maintenanceFn).proxy(true).allowTestInvoke(false).build();

        Resource v1 = api.getRoot().addResource("v1");
        Resource log = v1.addResource("log");
        log.addMethod("POST", ingest, hmac);
        log.addResource("batch").addMethod("POST", ingest, hmac);
        Resource logs = v1.addResource("logs");
        logs.addMethod("POST", ingest, hmac); // OTLP; HMAC or Bearer, both checked in the function
        // The hot-tier read skips segments already in the rollup ledger, so it needs the lake: the
        // query function (in the VPC, with the catalog) serves it.
        logs.addResource("recent").addMethod("GET", query, bearer);

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
                "{\"detail\":\"too many requests\"}");
        gatewayResponse(api, "Default4xxResponse", ResponseType.DEFAULT_4_XX, null,
                "{\"detail\":$context.error.messageString}");
        gatewayResponse(api, "Default5xxResponse", ResponseType.DEFAULT_5_XX, null,
                "{\"detail\":$context.error.messageString}");
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
