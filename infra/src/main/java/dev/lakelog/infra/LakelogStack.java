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
 * The whole of lakelog in AWS, in one stack. docs/infra.md explains each choice.
 */
public class LakelogStack extends Stack {

    /** Handler package in the functions module; the stack names the classes, the zip provides them. */
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

    private final StackConfig cfg;
    private final Code code;

    private final Key dataKey;
    private final Bucket bucket;
    private final Table tenants;
    private final Table idempotency;
    private final Table leases;
    private final Vpc vpc;
    private final SecurityGroup lambdaSg;
    private final DatabaseInstance db;
    private final DatabaseProxy proxy;
    private final Topic alarmTopic;
    private final Map<String, LogGroup> logGroups = new LinkedHashMap<>();
    private final List<Function> functions = new ArrayList<>();

    public LakelogStack(Construct scope, String id, StackProps props, StackConfig cfg) {
        super(scope, id, props);
        this.cfg = cfg;
        this.code = Code.fromAsset(lambdaZip(cfg.lambdaZip()).toString());

        // ---- Storage -------------------------------------------------------------------------
        dataKey = Key.Builder.create(this, "DataKey")
                .description("lakelog: encrypts the segments/lake bucket")
                .enableKeyRotation(true)
                .removalPolicy(RemovalPolicy.RETAIN) // the retained bucket's objects need it
                .build();

        bucket = Bucket.Builder.create(this, "DataBucket")
                .encryption(BucketEncryption.KMS)
                .encryptionKey(dataKey)
                .bucketKeyEnabled(true)
                .blockPublicAccess(BlockPublicAccess.BLOCK_ALL)
                .objectOwnership(ObjectOwnership.BUCKET_OWNER_ENFORCED)
                .enforceSsl(true)
                .versioned(true)
                .removalPolicy(RemovalPolicy.RETAIN)
                .lifecycleRules(List.of(
                        LifecycleRule.builder().id("expire-quarantine").prefix("quarantine/")
                                .expiration(Duration.days(cfg.quarantineExpirationDays())).build(),
                        LifecycleRule.builder().id("expire-results").prefix("results/")
                                .expiration(Duration.days(1)).build(),
                        LifecycleRule.builder().id("noncurrent-versions")
                                .noncurrentVersionExpiration(Duration.days(cfg.noncurrentVersionExpirationDays()))
                                .abortIncompleteMultipartUploadAfter(Duration.days(1)).build(),
                        LifecycleRule.builder().id("expired-delete-markers")
                                .expiredObjectDeleteMarker(true).build()))
                .build();

        tenants = table("TenantsTable", "pk", "sk", null);
        idempotency = table("IdempotencyTable", "pk", null, "expires_at");
        leases = table("LeasesTable", "lease_key", null, "expires_at"); // DynamoRollupLock.KEY

        // ---- Network -------------------------------------------------------------------------
        vpc = Vpc.Builder.create(this, "Vpc")
                .ipAddresses(IpAddresses.cidr("10.40.0.0/16"))
                .maxAzs(cfg.maxAzs())
                .natGateways(0)
                .subnetConfiguration(List.of(SubnetConfiguration.builder()
                        .name("isolated").subnetType(SubnetType.PRIVATE_ISOLATED).cidrMask(22).build()))
                .gatewayEndpoints(Map.of(
                        "S3", GatewayVpcEndpointOptions.builder().service(GatewayVpcEndpointAwsService.S3).build(),
                        "DynamoDb", GatewayVpcEndpointOptions.builder().service(GatewayVpcEndpointAwsService.DYNAMODB).build()))
                .restrictDefaultSecurityGroup(true)
                .build();
        SubnetSelection isolated = SubnetSelection.builder().subnetType(SubnetType.PRIVATE_ISOLATED).build();

        lambdaSg = SecurityGroup.Builder.create(this, "LakeFunctionsSg").vpc(vpc)
                .description("lakelog functions in the VPC").allowAllOutbound(false).build();
        // HTTPS to the S3/DynamoDB gateway endpoints (AWS prefix lists) and the interface endpoints.
        lambdaSg.addEgressRule(Peer.anyIpv4(), Port.tcp(443), "HTTPS to VPC endpoints (S3, DynamoDB, Secrets Manager, IoT data)");
        SecurityGroup proxySg = SecurityGroup.Builder.create(this, "ProxySg").vpc(vpc)
                .description("lakelog RDS Proxy").allowAllOutbound(false).build();
        proxySg.addEgressRule(Peer.anyIpv4(), Port.tcp(443), "HTTPS to the Secrets Manager endpoint");
        SecurityGroup dbSg = SecurityGroup.Builder.create(this, "CatalogDbSg").vpc(vpc)
                .description("lakelog catalog database").allowAllOutbound(false).build();
        SecurityGroup endpointSg = SecurityGroup.Builder.create(this, "EndpointsSg").vpc(vpc)
                .description("lakelog interface endpoints").allowAllOutbound(false).build();
        endpointSg.addIngressRule(lambdaSg, Port.tcp(443), "functions to interface endpoints");
        endpointSg.addIngressRule(proxySg, Port.tcp(443), "RDS Proxy to Secrets Manager");

        vpc.addInterfaceEndpoint("SecretsManagerEndpoint", InterfaceVpcEndpointOptions.builder()
                .service(InterfaceVpcEndpointAwsService.SECRETS_MANAGER)
                .subnets(isolated).securityGroups(List.of(endpointSg)).open(false)
                .privateDnsEnabled(true).build());
        // AWS IoT Core's data endpoint has no private DNS: a private hosted zone named after the
        // account's iot:Data-ATS host points that name at the endpoint inside the VPC.
        InterfaceVpcEndpoint iotEndpoint = vpc.addInterfaceEndpoint("IotDataEndpoint", InterfaceVpcEndpointOptions.builder()
                .service(InterfaceVpcEndpointAwsService.IOT_CORE) // com.amazonaws.<region>.iot.data
                .subnets(isolated).securityGroups(List.of(endpointSg)).open(false)
                .privateDnsEnabled(false).build());
        if (!cfg.iotEndpoint().isEmpty()) {
            PrivateHostedZone zone = PrivateHostedZone.Builder.create(this, "IotDataZone")
                    .zoneName(cfg.iotEndpoint()).vpc(vpc)
                    .comment("lakelog: resolves the IoT data endpoint to its VPC endpoint").build();
            ARecord.Builder.create(this, "IotDataRecord").zone(zone)
                    .target(RecordTarget.fromAlias(new InterfaceVpcEndpointTarget(iotEndpoint))).build();
        } else {
            Annotations.of(this).addWarningV2("lakelog:noIotEndpoint",
                    "context iotEndpoint is not set: the IoT rollup function gets no LAKELOG_IOT_ENDPOINT and "
                            + "publishes no status messages. Set it to the output of "
                            + "`aws iot describe-endpoint --endpoint-type iot:Data-ATS`.");
        }

        // ---- PostgreSQL (DuckLake catalog) ----------------------------------------------------
        DatabaseSecret dbSecret = DatabaseSecret.Builder.create(this, "CatalogDbSecret").username(PG_USER).build();
        dbSecret.applyRemovalPolicy(RemovalPolicy.RETAIN); // kept with the final snapshot
        db = DatabaseInstance.Builder.create(this, "CatalogDb")
                .engine(DatabaseInstanceEngine.postgres(PostgresInstanceEngineProps.builder()
                        .version(PostgresEngineVersion.VER_17).build()))
                .instanceType(new InstanceType(cfg.dbInstanceType()))
                .vpc(vpc).vpcSubnets(isolated).securityGroups(List.of(dbSg))
                .credentials(Credentials.fromSecret(dbSecret))
                .databaseName(PG_DATABASE)
                .port(Integer.parseInt(PG_PORT))
                .allocatedStorage(cfg.dbAllocatedStorageGb())
                .maxAllocatedStorage(cfg.dbMaxAllocatedStorageGb())
                .storageType(StorageType.GP3)
                .storageEncrypted(true)
                .multiAz(cfg.dbMultiAz())
                .publiclyAccessible(false)
                .backupRetention(Duration.days(cfg.dbBackupRetentionDays()))
                .deletionProtection(cfg.dbDeletionProtection())
                .removalPolicy(RemovalPolicy.SNAPSHOT)
                .caCertificate(CaCertificate.RDS_CA_RSA2048_G1)
                .autoMinorVersionUpgrade(true)
                .build();
        proxy = DatabaseProxy.Builder.create(this, "CatalogProxy")
                .proxyTarget(ProxyTarget.fromInstance(db))
                .secrets(List.of(db.getSecret()))
                .vpc(vpc).vpcSubnets(isolated).securityGroups(List.of(proxySg))
                .requireTls(true)
                .iamAuth(false)
                .clientPasswordAuthType(ClientPasswordAuthType.POSTGRES_SCRAM_SHA_256)
                .idleClientTimeout(Duration.minutes(30))
                .maxConnectionsPercent(90)
                .build();
        proxy.getConnections().allowFrom(lambdaSg, Port.tcp(5432), "lake functions to RDS Proxy");

        // ---- Alarm topic ---------------------------------------------------------------------
        alarmTopic = Topic.Builder.create(this, "AlarmTopic").displayName("lakelog alarms").enforceSsl(true).build();
        if (!cfg.alarmEmail().isEmpty()) {
            alarmTopic.addSubscription(new EmailSubscription(cfg.alarmEmail()));
        }

        // ---- Functions -----------------------------------------------------------------------
        Queue rollupDlq = dlq("RollupDlq");
        Queue iotRollupDlq = dlq("IotRollupDlq");
        Queue maintenanceScheduleDlq = dlq("MaintenanceScheduleDlq");

        Duration fifteenMinutes = Duration.minutes(15);
        Function ingestFn = function("IngestFunction", "IngestHandler", cfg.ingestMemoryMb(), Duration.seconds(29),
                512, false, null, "lakelog ingest: POST /v1/log, /v1/log/batch, /v1/logs (OTLP)");
        Function authorizerFn = function("AuthorizerFunction", "AuthorizerHandler", cfg.authorizerMemoryMb(),
                Duration.seconds(10), 512, false, null, "lakelog REST API Bearer-token authorizer");
        Function queryFn = function("QueryFunction", "QueryHandler", cfg.queryMemoryMb(), Duration.seconds(30),
                cfg.duckdbEphemeralStorageMb(), true, null, "lakelog query: GET/POST /v1/analytics/*");
        Function maintenanceFn = function("MaintenanceFunction", "MaintenanceHandler", cfg.maintenanceMemoryMb(),
                fifteenMinutes, cfg.duckdbEphemeralStorageMb(), true, null,
                "lakelog maintenance: POST /v1/analytics/rollup and /v1/analytics/maintenance/*");
        Function rollupFn = function("RollupFunction", "RollupScheduleHandler", cfg.rollupMemoryMb(), fifteenMinutes,
                cfg.duckdbEphemeralStorageMb(), true, rollupDlq, "lakelog scheduled rollup (EventBridge)");
        Function iotRollupFn = function("IotRollupFunction", "IotRollupHandler", cfg.rollupMemoryMb(), fifteenMinutes,
                cfg.duckdbEphemeralStorageMb(), true, iotRollupDlq, "lakelog rollup on IoT command (lakelog/+/commands)");
        Function maintenanceScheduleFn = function("MaintenanceScheduleFunction", "MaintenanceScheduleHandler",
                cfg.maintenanceMemoryMb(), fifteenMinutes, cfg.duckdbEphemeralStorageMb(), true,
                maintenanceScheduleDlq, "lakelog scheduled maintenance (compact, expire-snapshots, retention, cleanup)");
        if (!cfg.iotEndpoint().isEmpty()) {
            iotRollupFn.addEnvironment("LAKELOG_IOT_ENDPOINT", cfg.iotEndpoint());
        }

        // ---- IAM (explicit statements: no wildcard actions) -----------------------------------
        grantIngest(ingestFn);
        grantTenantsRead(authorizerFn, false);
        grantQuery(queryFn);
        for (Function f : List.of(maintenanceFn, rollupFn, iotRollupFn, maintenanceScheduleFn)) {
            grantLakeWriter(f);
        }
        iotRollupFn.addToRolePolicy(PolicyStatement.Builder.create()
                .sid("PublishRollupStatus")
                .actions(List.of("iot:Publish"))
                .resources(List.of("arn:" + Aws.PARTITION + ":iot:" + Aws.REGION + ":" + Aws.ACCOUNT_ID
                        + ":topic/lakelog/*/status"))
                .build());

        // ---- REST API ------------------------------------------------------------------------
        RestApi api = restApi(ingestFn, authorizerFn, queryFn, maintenanceFn);

        // ---- Schedules -----------------------------------------------------------------------
        Rule.Builder.create(this, "RollupSchedule")
                .description("lakelog: roll segments into the lake")
                .schedule(Schedule.expression(cfg.rollupSchedule()))
                .targets(List.of(new LambdaFunction(rollupFn, LambdaFunctionProps.builder()
                        .deadLetterQueue(rollupDlq).retryAttempts(2).maxEventAge(Duration.hours(1)).build())))
                .build();
        maintenanceRule("CompactSchedule", cfg.compactSchedule(), maintenanceScheduleFn, maintenanceScheduleDlq,
                ordered("job", "compact"));
        maintenanceRule("ExpireSnapshotsSchedule", cfg.expireSnapshotsSchedule(), maintenanceScheduleFn,
                maintenanceScheduleDlq, ordered("job", "expire-snapshots", "older_than_days", cfg.expireSnapshotsOlderThanDays()));
        maintenanceRule("RetentionSchedule", cfg.retentionSchedule(), maintenanceScheduleFn, maintenanceScheduleDlq,
                ordered("job", "retention"));
        maintenanceRule("CleanupSchedule", cfg.cleanupSchedule(), maintenanceScheduleFn, maintenanceScheduleDlq,
                ordered("job", "cleanup", "older_than_hours", cfg.cleanupOlderThanHours(), "dry_run", false));

        // ---- IoT -----------------------------------------------------------------------------
        Role iotErrorRole = Role.Builder.create(this, "IotRuleErrorRole")
                .assumedBy(new ServicePrincipal("iot.amazonaws.com"))
                .description("lakelog: lets the IoT commands rule park failed actions in the IoT rollup DLQ").build();
        iotErrorRole.addToPolicy(PolicyStatement.Builder.create().actions(List.of("sqs:SendMessage"))
                .resources(List.of(iotRollupDlq.getQueueArn())).build());
        CfnTopicRule commandsRule = CfnTopicRule.Builder.create(this, "CommandsRule")
                .topicRulePayload(CfnTopicRule.TopicRulePayloadProperty.builder()
                        .description("lakelog: rollup commands from devices")
                        .sql(IOT_COMMANDS_SQL)
                        .awsIotSqlVersion("2016-03-23")
                        .ruleDisabled(false)
                        .actions(List.of(CfnTopicRule.ActionProperty.builder()
                                .lambda(CfnTopicRule.LambdaActionProperty.builder()
                                        .functionArn(iotRollupFn.getFunctionArn()).build())
                                .build()))
                        .errorAction(CfnTopicRule.ActionProperty.builder()
                                .sqs(CfnTopicRule.SqsActionProperty.builder()
                                        .queueUrl(iotRollupDlq.getQueueUrl())
                                        .roleArn(iotErrorRole.getRoleArn())
                                        .useBase64(false).build())
                                .build())
                        .build())
                .build();
        iotRollupFn.addPermission("AllowIotCommandsRule", Permission.builder()
                .principal(new ServicePrincipal("iot.amazonaws.com"))
                .action("lambda:InvokeFunction")
                .sourceArn(commandsRule.getAttrArn())
                .sourceAccount(Aws.ACCOUNT_ID)
                .build());

        // ---- Alarms --------------------------------------------------------------------------
        MetricOptions fiveMinSum = MetricOptions.builder().period(Duration.minutes(5)).statistic("Sum").build();
        for (Function f : functions) {
            String name = f.getNode().getId().replace("Function", "");
            alarm(name + "ErrorsAlarm", "lakelog " + name + " function errors", f.metricErrors(fiveMinSum), 1);
            alarm(name + "ThrottlesAlarm", "lakelog " + name + " function throttles", f.metricThrottles(fiveMinSum), 1);
        }
        MetricOptions fiveMinMax = MetricOptions.builder().period(Duration.minutes(5)).statistic("Maximum").build();
        for (Queue q : List.of(rollupDlq, iotRollupDlq, maintenanceScheduleDlq)) {
            String name = q.getNode().getId();
            alarm(name + "DepthAlarm", "lakelog " + name + " has messages (failed async invocations)",
                    q.metricApproximateNumberOfMessagesVisible(fiveMinMax), 1);
        }
        // Our functions log one JSON object per line with an `event` field; rollup failures count here.
        for (String fnId : List.of("RollupFunction", "IotRollupFunction", "MaintenanceFunction", "MaintenanceScheduleFunction")) {
            MetricFilter.Builder.create(this, fnId.replace("Function", "") + "RollupFailedFilter")
                    .logGroup(logGroups.get(fnId))
                    .filterPattern(FilterPattern.stringValue("$.event", "=", "rollup_failed"))
                    .metricNamespace(METRIC_NAMESPACE)
                    .metricName(ROLLUP_FAILURES_METRIC)
                    .metricValue("1")
                    .build();
        }
        alarm("RollupFailuresAlarm", "lakelog rollup_failed events in the rollup logs",
                Metric.Builder.create().namespace(METRIC_NAMESPACE).metricName(ROLLUP_FAILURES_METRIC)
                        .period(Duration.minutes(5)).statistic("Sum").build(), 1);
        alarm("Api5xxAlarm", "lakelog REST API answered 5xx (a defect)", api.metricServerError(fiveMinSum), 1);

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
    }

    // =========================================================================================

    /** The deployment zip from the functions build; a clear message when it has not been built. */
    static Path lambdaZip(String configured) {
        Path p = Path.of(configured);
        if (!p.isAbsolute()) {
            p = Path.of(System.getProperty("user.dir")).resolve(p).normalize();
        }
        if (!Files.isRegularFile(p)) {
            throw new IllegalStateException("Lambda deployment zip not found: " + p
                    + ". Build it first with `mvn -pl lambda-package -am package -DskipTests` (from the repository root), "
                    + "or point the context parameter lambdaZip at it (cdk synth -c lambdaZip=/path/to/lakelog-lambda-x86_64.zip).");
        }
        return p;
    }

    private Table table(String id, String pk, String sk, String ttl) {
        Table.Builder b = Table.Builder.create(this, id)
                .partitionKey(Attribute.builder().name(pk).type(AttributeType.STRING).build())
                .billingMode(BillingMode.PAY_PER_REQUEST)
                .pointInTimeRecoverySpecification(PointInTimeRecoverySpecification.builder()
                        .pointInTimeRecoveryEnabled(true).build())
                .encryption(TableEncryption.AWS_MANAGED)
                .removalPolicy(RemovalPolicy.RETAIN);
        if (sk != null) {
            b.sortKey(Attribute.builder().name(sk).type(AttributeType.STRING).build());
        }
        if (ttl != null) {
            b.timeToLiveAttribute(ttl);
        }
        return b.build();
    }

    private Queue dlq(String id) {
        return Queue.Builder.create(this, id)
                .encryption(QueueEncryption.SQS_MANAGED)
                .enforceSsl(true)
                .retentionPeriod(Duration.days(14))
                .build();
    }

    /**
     * One Lambda function from the shared deployment zip: java21, x86_64 (duckdb-java 1.5.x is
     * reported failing on Lambda arm64, duckdb-java issue 679).
     */
    private Function function(String id, String handlerClass, int memoryMb, Duration timeout, int ephemeralMb,
                              boolean lake, Queue dlq, String description) {
        LogGroup logs = LogGroup.Builder.create(this, id + "Logs").retention(cfg.logRetention()).build();
        logGroups.put(id, logs);
        Map<String, String> env = new LinkedHashMap<>();
        env.put("LAKELOG_BUCKET", bucket.getBucketName());
        env.put("LAKELOG_TENANTS_TABLE", tenants.getTableName());
        env.put("LAKELOG_IDEMPOTENCY_TABLE", idempotency.getTableName());
        env.put("LAKELOG_LEASES_TABLE", leases.getTableName());
        env.put("LAKELOG_DUCKDB_TEMP_DIR", DUCKDB_TEMP_DIR);
        Function.Builder b = Function.Builder.create(this, id)
                .description(description)
                .runtime(Runtime.JAVA_21)
                .architecture(Architecture.X86_64)
                .handler(HANDLER_PACKAGE + handlerClass + "::handleRequest")
                .code(code)
                .memorySize(memoryMb)
                .timeout(timeout)
                .ephemeralStorageSize(Size.mebibytes(ephemeralMb))
                .logGroup(logs);
        if (lake) {
            env.put("LAKELOG_PG_HOST", proxy.getEndpoint());
            env.put("LAKELOG_PG_PORT", PG_PORT);
            env.put("LAKELOG_PG_DATABASE", PG_DATABASE);
            env.put("LAKELOG_PG_SECRET_ARN", db.getSecret().getSecretArn());
            env.put("LAKELOG_PG_SSLMODE", "require"); // RDS Proxy requires TLS
            b.vpc(vpc)
                    .vpcSubnets(SubnetSelection.builder().subnetType(SubnetType.PRIVATE_ISOLATED).build())
                    .securityGroups(List.of(lambdaSg));
        }
        if (dlq != null) {
            b.deadLetterQueue(dlq).retryAttempts(2).maxEventAge(Duration.hours(6));
        }
        Function f = b.environment(env).build();
        functions.add(f);
        return f;
    }

    // ---- IAM helpers ------------------------------------------------------------------------

    private String objects(String prefix) {
        return bucket.arnForObjects(prefix + "*");
    }

    private static PolicyStatement statement(String sid, List<String> actions, List<String> resources) {
        return PolicyStatement.Builder.create().sid(sid).actions(actions).resources(resources).build();
    }

    private PolicyStatement listBucket(String sid, List<String> prefixes) {
        List<String> patterns = prefixes.stream().map(p -> p + "*").toList();
        return PolicyStatement.Builder.create().sid(sid)
                .actions(List.of("s3:ListBucket"))
                .resources(List.of(bucket.getBucketArn()))
                .conditions(Map.of("StringLike", Map.of("s3:prefix", patterns)))
                .build();
    }

    private void grantKms(Function f) {
        f.addToRolePolicy(statement("DataKeyUse", List.of("kms:Decrypt", "kms:GenerateDataKey"),
                List.of(dataKey.getKeyArn())));
    }

    private void grantTenantsRead(Function f, boolean scan) {
        List<String> actions = scan
                ? List.of("dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan")
                : List.of("dynamodb:GetItem", "dynamodb:Query");
        f.addToRolePolicy(statement("TenantsRead", actions, List.of(tenants.getTableArn())));
    }

    private void grantSecret(Function f) {
        f.addToRolePolicy(statement("CatalogSecretRead", List.of("secretsmanager:GetSecretValue"),
                List.of(db.getSecret().getSecretArn())));
    }

    private void grantIngest(Function f) {
        f.addToRolePolicy(statement("SegmentsWrite", List.of("s3:PutObject"), List.of(objects("segments/"))));
        f.addToRolePolicy(statement("SegmentsRead", List.of("s3:GetObject"), List.of(objects("segments/"))));
        f.addToRolePolicy(listBucket("SegmentsList", List.of("segments/")));
        grantKms(f);
        grantTenantsRead(f, false);
        f.addToRolePolicy(statement("IdempotencyReadWrite",
                List.of("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"),
                List.of(idempotency.getTableArn())));
    }

    private void grantQuery(Function f) {
        // segments/: the logs route and named queries include hot-tier events not rolled up yet
        f.addToRolePolicy(statement("LakeRead", List.of("s3:GetObject"),
                List.of(objects("lake/"), objects("results/"), objects("segments/"))));
        f.addToRolePolicy(statement("ResultsWrite", List.of("s3:PutObject", "s3:AbortMultipartUpload"),
                List.of(objects("results/"))));
        f.addToRolePolicy(listBucket("LakeList", List.of("lake/", "results/", "segments/")));
        grantKms(f);
        grantTenantsRead(f, false);
        grantSecret(f);
    }

    /** Rollup and maintenance: move segments into the lake, rewrite and delete lake files. */
    private void grantLakeWriter(Function f) {
        f.addToRolePolicy(statement("SegmentsConsume", List.of("s3:GetObject", "s3:DeleteObject"),
                List.of(objects("segments/"))));
        f.addToRolePolicy(statement("LakeReadWrite",
                List.of("s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"),
                List.of(objects("lake/"))));
        f.addToRolePolicy(statement("QuarantineWrite", List.of("s3:GetObject", "s3:PutObject"),
                List.of(objects("quarantine/"))));
        f.addToRolePolicy(listBucket("LakeList", List.of("segments/", "lake/", "quarantine/")));
        grantKms(f);
        grantTenantsRead(f, true);
        f.addToRolePolicy(statement("LeasesReadWrite",
                List.of("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"),
                List.of(leases.getTableArn())));
        grantSecret(f);
    }

    // ---- API --------------------------------------------------------------------------------

    private RestApi restApi(Function ingestFn, Function authorizerFn, Function queryFn, Function maintenanceFn) {
        LogGroup accessLogs = LogGroup.Builder.create(this, "ApiAccessLogs").retention(cfg.logRetention()).build();
        RestApi api = RestApi.Builder.create(this, "Api")
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
                .validationRegex(BEARER_REGEX)
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
        analytics.addResource("snapshots").addMethod("GET", query, bearer);
        analytics.addResource("info").addMethod("GET", query, bearer);
        analytics.addResource("changes").addMethod("GET", query, bearer);
        analytics.addResource("query").addMethod("POST", query, bearer);
        Resource queries = analytics.addResource("queries");
        queries.addMethod("GET", query, bearer);
        queries.addResource("{name}").addMethod("POST", query, bearer);

        analytics.addResource("rollup").addMethod("POST", maint, bearer);
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
        return api;
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

    // ---- Schedules ----------------------------------------------------------------------------

    private static Map<String, Object> ordered(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    /**
     * The maintenance rules send a ScheduledEvent-shaped envelope whose {@code detail} is the job,
     * so MaintenanceScheduleHandler receives a normal ScheduledEvent with {@code getDetail()} set.
     */
    static Map<String, Object> scheduledEnvelope(Map<String, Object> detail) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("version", "0");
        e.put("id", EventField.getEventId());
        e.put("detail-type", "Scheduled Event");
        e.put("source", "aws.events");
        e.put("account", EventField.getAccount());
        e.put("time", EventField.getTime());
        e.put("region", EventField.getRegion());
        e.put("resources", List.of());
        e.put("detail", detail);
        return e;
    }

    private void maintenanceRule(String id, String schedule, Function fn, Queue dlq, Map<String, Object> job) {
        Rule.Builder.create(this, id)
                .description("lakelog scheduled maintenance: " + job.get("job"))
                .schedule(Schedule.expression(schedule))
                .targets(List.of(new LambdaFunction(fn, LambdaFunctionProps.builder()
                        .event(RuleTargetInput.fromObject(scheduledEnvelope(job)))
                        .deadLetterQueue(dlq).retryAttempts(2).maxEventAge(Duration.hours(6)).build())))
                .build();
    }

    // ---- Alarms & outputs ---------------------------------------------------------------------

    private void alarm(String id, String description, IMetric metric, int threshold) {
        Alarm a = Alarm.Builder.create(this, id)
                .alarmDescription(description)
                .metric(metric)
                .threshold(threshold)
                .evaluationPeriods(1)
                .comparisonOperator(ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD)
                .treatMissingData(TreatMissingData.NOT_BREACHING)
                .build();
        a.addAlarmAction(new SnsAction(alarmTopic));
    }

    private void output(String id, String value, String description) {
        CfnOutput.Builder.create(this, id).value(value).description(description).build();
    }
}
