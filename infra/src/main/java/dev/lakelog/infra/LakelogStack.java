package dev.lakelog.infra;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import software.amazon.awscdk.Annotations;
import software.amazon.awscdk.CfnElement;
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
import software.constructs.IConstruct;

/**
 * The whole of lakelog in AWS, in one stack of one construct per concern: {@link StorageConstruct},
 * {@link CatalogConstruct} (network and PostgreSQL), {@link FunctionsConstruct} (functions, schedules,
 * IoT), {@link ApiConstruct} and {@link MonitoringConstruct}. docs/infra.md explains each choice.
 */
public class LakelogStack extends Stack {

    /** Handler package in the functions module; the stack names the classes, the zip provides them. */
    /** Construct id of the singleton function behind every AwsCustomResource (aws-cdk-lib's constant). */
    static final String AWS_CUSTOM_RESOURCE_PROVIDER = "AWS679f53fac002430cb0da5b7982bd2287";
    public static final String HANDLER_PACKAGE = "dev.lakelog.handler.";
    public static final String PG_PORT = "5432";
    public static final String PG_DATABASE = "lakelog";
    public static final String PG_USER = "lakelog";
    public static final String DUCKDB_TEMP_DIR = "/tmp/duckdb";
    public static final String METRIC_NAMESPACE = "Lakelog";
    public static final String ROLLUP_FAILURES_METRIC = "RollupFailures";
    public static final String IOT_COMMANDS_SQL = "SELECT *, topic(2) AS device_id FROM 'lakelog/+/commands'";
    /** RFC 6750 b64token: API Gateway answers 401 itself when the header does not look like a Bearer token. */
    public static final String BEARER_REGEX = "^Bearer [-0-9A-Za-z._~+/]+=*$";

    public LakelogStack(Construct scope, String id, StackProps props, StackConfig cfg) {
        super(scope, id, props);
        Code lakeCode = Code.fromAsset(lambdaZip(cfg.lambdaZip(), "lambdaZip", "lakelog-lambda-x86_64.zip").toString());
        Code ingestCode = Code.fromAsset(lambdaZip(cfg.ingestZip(), "ingestZip", "lakelog-lambda-ingest.zip").toString());
        StorageConstruct storage = new StorageConstruct(this, cfg);
        CatalogConstruct catalog = new CatalogConstruct(this, cfg, storage.dataKey);
        FunctionsConstruct fns = new FunctionsConstruct(this, cfg, lakeCode, ingestCode, storage, catalog);
        ApiConstruct httpApi = new ApiConstruct(this, cfg, fns);
        MonitoringConstruct monitoring = new MonitoringConstruct(this, cfg, fns, httpApi, storage, catalog);
        Object consoleDir = getNode().tryGetContext(ConsoleConstruct.CONTEXT_DIR);
        ConsoleConstruct console = new ConsoleConstruct(this, httpApi.api, ConsoleConstruct.assets(consoleDir == null ? null : consoleDir.toString()),
                storage.accessLogs);

        RestApi api = httpApi.api;
        Bucket bucket = storage.bucket;
        Table tenants = storage.tenants;
        Table idempotency = storage.idempotency;
        Table leases = storage.leases;
        DatabaseProxy proxy = catalog.proxy;
        DatabaseInstance db = catalog.db;
        Topic alarmTopic = monitoring.alarmTopic;
        CfnTopicRule commandsRule = fns.commandsRule;
        keepLogicalIds();
        // The provider function CDK adds for the prefix-list lookups (custom resources).
        software.constructs.IConstruct provider = getNode().tryFindChild(AWS_CUSTOM_RESOURCE_PROVIDER);
        if (provider != null) {
            Nag.suppress(provider, "IAM4", "CDK's custom-resource provider logs through AWSLambdaBasicExecutionRole",
                    "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole");
            Nag.suppress(provider, "L1", "the runtime of CDK's own custom-resource provider is chosen by aws-cdk-lib");
        }
        // ---- Outputs -------------------------------------------------------------------------
        output("ApiUrl", api.getUrl(), "REST API base URL (ends with the stage)");
        output("BucketName", bucket.getBucketName(), "LAKELOG_BUCKET");
        output("TenantsTableName", tenants.getTableName(), "LAKELOG_TENANTS_TABLE (for ./lakelog tenant create)");
        output("IdempotencyTableName", idempotency.getTableName(), "LAKELOG_IDEMPOTENCY_TABLE");
        output("LeasesTableName", leases.getTableName(), "LAKELOG_LEASES_TABLE");
        output("ProxyEndpoint", proxy.getEndpoint(), "LAKELOG_PG_HOST (RDS Proxy, TLS required)");
        output("DbSecretArn", db.getSecret().getSecretArn(), "LAKELOG_PG_SECRET_ARN");
        output("AlarmTopicArn", alarmTopic.getTopicArn(), "SNS topic every alarm notifies");
        output("IotCommandsRuleName", commandsRule.getRef(), "IoT rule on lakelog/+/commands");
        output("ConsoleUrl", "https://" + console.distribution.getDistributionDomainName() + "/", "the web console (API under /v1/* of the same origin)");
        output("AnchorBucketName", storage.anchorBucket.getBucketName(), "LAKELOG_ANCHOR_BUCKET: the signed chain heads, under Object Lock");
        output("AnchorKeyArn", storage.anchorKey.getKeyArn(), "LAKELOG_ANCHOR_KMS_KEY_ID: aws kms get-public-key --key-id <this> gives auditors the public key");
        output("ConsoleBucketName", console.bucket.getBucketName(), "the console's static files");
    }

    /**
     * Gives every resource of a concern construct the logical id it had when it was a direct child
     * of the stack, before the stack was split: the split moves no resource (see {@link LogicalIds}).
     * Some construct ids embed another construct's unique id (a Lambda permission names its API, a
     * security-group rule its peer); those embedded ids are mapped back the same way. Left as they
     * are: the {@code Name} tags of the VPC's resources (their construct path; a tag update, no
     * replacement) and elements that name themselves (the API deployment, replaced on every API
     * change anyway).
     */
    private void keepLogicalIds() {
        List<IConstruct> all = getNode().findAll();
        Map<String, String> legacyUniqueIds = new LinkedHashMap<>();
        for (IConstruct c : all) {
            List<String> path = pathBelowStack(c);
            if (path.size() > 1 && LogicalIds.CONCERNS.contains(path.get(0))) {
                List<String> full = new ArrayList<>();
                full.add(getNode().getId());
                full.addAll(path);
                List<String> legacy = new ArrayList<>();
                legacy.add(getNode().getId());
                legacy.addAll(LogicalIds.withoutConcern(path));
                legacyUniqueIds.put(LogicalIds.of(full), LogicalIds.of(legacy));
            }
        }
        for (IConstruct c : all) {
            if (!(c instanceof CfnElement element)) continue;
            List<String> path = pathBelowStack(c);
            if (path.size() < 2 || !LogicalIds.CONCERNS.contains(path.get(0))) continue;
            // an element that names itself (an API deployment adds a hash of the API) keeps its scheme
            if (!LogicalIds.of(path).equals(resolve(element.getLogicalId()))) continue;
            List<String> legacy = new ArrayList<>();
            for (String component : LogicalIds.withoutConcern(path)) {
                String id = component;
                for (Map.Entry<String, String> e : legacyUniqueIds.entrySet()) id = id.replace(e.getKey(), e.getValue());
                legacy.add(id);
            }
            element.overrideLogicalId(LogicalIds.of(legacy));
        }
    }

    private List<String> pathBelowStack(IConstruct c) {
        List<String> path = new ArrayList<>();
        List<IConstruct> scopes = c.getNode().getScopes();
        for (int i = scopes.indexOf(this) + 1; i < scopes.size(); i++) path.add(scopes.get(i).getNode().getId());
        return path;
    }

    // =========================================================================================

    /** The deployment zip from the functions build; a clear message when it has not been built. */
    static Path lambdaZip(String configured, String key, String name) {
        Path p = Path.of(configured);
        if (!p.isAbsolute()) {
            p = Path.of(System.getProperty("user.dir")).resolve(p).normalize();
        }
        if (!Files.isRegularFile(p)) {
            throw new IllegalStateException("Lambda deployment zip not found: " + p
                    + ". Build it first with `mvn -pl lambda-package -am package -DskipTests` (from the repository root), "
                    + "or point the context parameter " + key + " at it (cdk synth -c " + key + "=/path/to/" + name + ").");
        }
        return p;
    }

    private void output(String id, String value, String description) {
        CfnOutput.Builder.create(this, id).value(value).description(description).build();
    }
}
