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
import software.amazon.awscdk.services.lambda.Alias;
import software.amazon.awscdk.services.lambda.Architecture;
import software.amazon.awscdk.services.lambda.Code;
import software.amazon.awscdk.services.lambda.Function;
import software.amazon.awscdk.services.lambda.Permission;
import software.amazon.awscdk.services.lambda.Runtime;
import software.amazon.awscdk.services.lambda.SnapStartConf;
import software.amazon.awscdk.services.lambda.VersionOptions;
import software.amazon.awscdk.services.lambda.Tracing;
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
import software.amazon.awscdk.services.sqs.DeadLetterQueue;
import software.amazon.awscdk.services.lambda.eventsources.SqsEventSource;
import software.amazon.awscdk.services.sqs.QueueEncryption;
import software.constructs.Construct;

/**
 * The Lambda functions, their IAM statements (explicit actions, no wildcards), the dead-letter
 * queues, the EventBridge schedules and the IoT commands rule.
 */
final class FunctionsConstruct extends Construct {
    static final String ID = "Functions";
    private final StackConfig cfg;
    private final Code lakeCode;
    private final Code ingestCode;
    private final Table rateLimits;
    private final Key dataKey;
    private final Bucket bucket;
    private final Key anchorKey;
    private final Bucket anchorBucket;
    private final Table tenants;
    private final Table idempotency;
    private final Table leases;
    private final Table jobs;
    private final Vpc vpc;
    private final SecurityGroup lambdaSg;
    private final DatabaseInstance db;
    private final DatabaseProxy proxy;
    final Map<String, LogGroup> logGroups = new LinkedHashMap<>();
    final List<Function> functions = new ArrayList<>();
    /**
     * Each function's alias {@value #LIVE_ALIAS} on its current published version: what every invoker
     * calls (API Gateway, the authorizer, EventBridge, SQS, S3, IoT, the query function's jobs), never
     * {@code $LATEST}, so that SnapStart (published versions only) serves every invocation.
     */
    final Map<Function, Alias> aliases = new LinkedHashMap<>();
    final List<Queue> deadLetterQueues = new ArrayList<>();
    final Function ingestFn;
    final Function authorizerFn;
    final Function queryFn;
    final Function maintenanceFn;
    final Function rollupFn;
    final Function dropFolderFn;
    /** The fan-out (docs/scaling.md): planners on the schedules, SQS-triggered workers. */
    final Function rollupPlanFn;
    final Function rollupWorkerFn;
    final Function maintenancePlanFn;
    final Function maintenanceWorkerFn;
    final Queue rollupWorkQueue;
    final Queue maintenanceWorkQueue;
    final List<Queue> workQueues = new ArrayList<>();
    /** The asynchronous queries' worker (QueryJobHandler), invoked asynchronously by the query function. */
    final Function queryJobsFn;
    final CfnTopicRule commandsRule;

    FunctionsConstruct(Construct scope, StackConfig cfg, Code lakeCode, Code ingestCode, StorageConstruct storage,
                       CatalogConstruct catalog) {
        super(scope, ID);
        this.cfg = cfg;
        this.lakeCode = lakeCode;
        this.ingestCode = ingestCode;
        this.rateLimits = storage.rateLimits;
        this.dataKey = storage.dataKey;
        this.bucket = storage.bucket;
        this.anchorKey = storage.anchorKey;
        this.anchorBucket = storage.anchorBucket;
        this.tenants = storage.tenants;
        this.idempotency = storage.idempotency;
        this.leases = storage.leases;
        this.jobs = storage.jobs;
        this.vpc = catalog.vpc;
        this.lambdaSg = catalog.lambdaSg;
        this.db = catalog.db;
        this.proxy = catalog.proxy;
        Queue rollupDlq = dlq("RollupDlq");
        Queue iotRollupDlq = dlq("IotRollupDlq");
        Queue maintenanceScheduleDlq = dlq("MaintenanceScheduleDlq");

        Duration fifteenMinutes = Duration.minutes(15);
        // API-fronted functions end before API Gateway's 29 s integration timeout, so the client gets the
        // function's own answer (a 408 query_timeout, a partial rollup report) instead of a gateway 504.
        ingestFn = function("IngestFunction", "IngestHandler", cfg.ingestMemoryMb(), INGEST_TIMEOUT,
                512, false, null, cfg.ingestReservedConcurrency(), "lakelog ingest: POST /v1/log, /v1/log/batch, /v1/logs (OTLP), /v1/metrics (OTLP)");
        authorizerFn = function("AuthorizerFunction", "AuthorizerHandler", cfg.authorizerMemoryMb(),
                AUTHORIZER_TIMEOUT, 512, false, null, cfg.authorizerReservedConcurrency(), "lakelog REST API Bearer-token authorizer");
        queryFn = function("QueryFunction", "QueryHandler", cfg.queryMemoryMb(), API_LAKE_TIMEOUT,
                cfg.duckdbEphemeralStorageMb(), true, null, cfg.queryReservedConcurrency(), "lakelog query: GET/POST /v1/analytics/*");
        // REST maintenance keeps 15 minutes: its rollup route answers before 29 s (a partial report), but a
        // compaction or cleanup runs to its end; past 29 s the client gets API Gateway's 504 (docs/infra.md).
        maintenanceFn = function("MaintenanceFunction", "MaintenanceHandler", cfg.maintenanceMemoryMb(),
                fifteenMinutes, cfg.duckdbEphemeralStorageMb(), true, null, cfg.maintenanceReservedConcurrency(),
                "lakelog maintenance: POST /v1/analytics/rollup and /v1/analytics/maintenance/*");
        rollupFn = function("RollupFunction", "RollupScheduleHandler", cfg.rollupMemoryMb(), fifteenMinutes,
                cfg.duckdbEphemeralStorageMb(), true, rollupDlq, cfg.rollupReservedConcurrency(), "lakelog scheduled rollup (EventBridge)");
        Function iotRollupFn = function("IotRollupFunction", "IotRollupHandler", cfg.rollupMemoryMb(), fifteenMinutes,
                cfg.duckdbEphemeralStorageMb(), true, iotRollupDlq, cfg.rollupReservedConcurrency(),
                "lakelog rollup on IoT command (lakelog/+/commands)");
        Function maintenanceScheduleFn = function("MaintenanceScheduleFunction", "MaintenanceScheduleHandler",
                cfg.maintenanceMemoryMb(), fifteenMinutes, cfg.duckdbEphemeralStorageMb(), true,
                maintenanceScheduleDlq, cfg.rollupReservedConcurrency(),
                "lakelog scheduled maintenance (compact, expire-snapshots, retention, cleanup)");
        dropFolderFn = dropFolder();
        if (!cfg.iotEndpoint().isEmpty()) {
            iotRollupFn.addEnvironment("LAKELOG_IOT_ENDPOINT", cfg.iotEndpoint());
        }
        // Asynchronous queries: the query function records the job and invokes this one with
        // InvocationType=Event; it has Lambda's 15 minutes (docs/api.md#asynchronous-queries).
        // A failed invocation is retried twice, then parked in its DLQ (the job then reads as failed
        // once its worker is 16 minutes silent).
        Queue queryJobsDlq = dlq("QueryJobsDlq");
        queryJobsFn = function("QueryJobsFunction", "QueryJobHandler", cfg.queryMemoryMb(), fifteenMinutes,
                cfg.duckdbEphemeralStorageMb(), true, queryJobsDlq, cfg.queryReservedConcurrency(),
                "lakelog asynchronous queries: runs the jobs of POST /v1/analytics/jobs");
        // the alias's ARN: Invoke then runs the published version (SnapStart), never $LATEST
        queryFn.addEnvironment("LAKELOG_JOBS_FUNCTION", live(queryJobsFn).getFunctionArn());

        // ---- Fan-out: planners on the schedules, one SQS message per tenant (rollup) or job
        // (maintenance), workers triggered by SQS with a maximum concurrency (docs/scaling.md) -----
        Queue rollupWorkDlq = dlq("RollupWorkDlq");
        rollupWorkQueue = workQueue("RollupWorkQueue", rollupWorkDlq);
        Queue maintenanceWorkDlq = dlq("MaintenanceWorkDlq");
        maintenanceWorkQueue = workQueue("MaintenanceWorkQueue", maintenanceWorkDlq);
        // planners need no DuckDB and no VPC: the slim zip, S3 and SQS over their public endpoints
        rollupPlanFn = function("RollupPlanFunction", "RollupPlanHandler", PLANNER_MEMORY_MB, PLANNER_TIMEOUT, 512, false,
                rollupDlq, 1, "lakelog rollup planner (EventBridge): one SQS message per tenant with segments");
        maintenancePlanFn = function("MaintenancePlanFunction", "MaintenancePlanHandler", PLANNER_MEMORY_MB, PLANNER_TIMEOUT, 512,
                false, maintenanceScheduleDlq, 1, "lakelog maintenance planner (EventBridge): the job onto the maintenance queue");
        rollupWorkerFn = function("RollupWorkerFunction", "RollupWorkerHandler", cfg.rollupMemoryMb(), WORKER_TIMEOUT,
                cfg.duckdbEphemeralStorageMb(), true, null, cfg.rollupWorkerMaxConcurrency(),
                "lakelog rollup worker (SQS): one tenant per message, under its lease");
        maintenanceWorkerFn = function("MaintenanceWorkerFunction", "MaintenanceWorkerHandler", cfg.maintenanceMemoryMb(),
                WORKER_TIMEOUT, cfg.duckdbEphemeralStorageMb(), true, null, MAINTENANCE_WORKER_CONCURRENCY,
                "lakelog maintenance worker (SQS): one job per message, under the lake-wide lease");
        for (Function f : List.of(rollupPlanFn, rollupWorkerFn)) {
            f.addEnvironment("LAKELOG_ROLLUP_QUEUE_URL", rollupWorkQueue.getQueueUrl());
        }
        for (Function f : List.of(maintenancePlanFn, maintenanceWorkerFn)) {
            f.addEnvironment("LAKELOG_MAINTENANCE_QUEUE_URL", maintenanceWorkQueue.getQueueUrl());
        }
        rollupWorkerFn.addEnvironment("LAKELOG_WORKER_RESERVE_SECONDS", Long.toString(WORKER_RESERVE.toSeconds().longValue()));
        live(rollupWorkerFn).addEventSource(SqsEventSource.Builder.create(rollupWorkQueue)
                .batchSize(ROLLUP_WORKER_BATCH_SIZE)
                .reportBatchItemFailures(true)
                .maxConcurrency(cfg.rollupWorkerMaxConcurrency())
                .build());
        live(maintenanceWorkerFn).addEventSource(SqsEventSource.Builder.create(maintenanceWorkQueue)
                .batchSize(1)
                .reportBatchItemFailures(true)
                .maxConcurrency(MAINTENANCE_WORKER_CONCURRENCY)
                .build());

        // ---- IAM (explicit statements: no wildcard actions) -----------------------------------
        grantIngest(ingestFn);
        grantTenantsRead(authorizerFn, false);
        grantKms(authorizerFn); // the tenants table is under the data key
        grantQuery(queryFn);
        grantAnchorRead(queryFn); // proofs and the anchor's check; it never signs
        grantQuery(queryJobsFn);
        for (Function f : List.of(queryFn, queryJobsFn)) {
            f.addToRolePolicy(statement("JobsReadWrite", List.of("dynamodb:GetItem", "dynamodb:PutItem"), List.of(jobs.getTableArn())));
        }
        queryFn.addToRolePolicy(statement("StartQueryJobs", List.of("lambda:InvokeFunction"), List.of(live(queryJobsFn).getFunctionArn())));
        for (Function f : List.of(ingestFn, queryFn)) {
            f.addToRolePolicy(statement("RateLimitsReadWrite", List.of("dynamodb:GetItem", "dynamodb:PutItem"),
                    List.of(rateLimits.getTableArn())));
        }
        for (Function f : List.of(maintenanceFn, rollupFn, iotRollupFn, maintenanceScheduleFn, rollupWorkerFn, maintenanceWorkerFn)) {
            grantLakeWriter(f);
            grantAnchorWrite(f); // every function that commits publishes the new head
        }
        // planners: list the tenants' folders and send; workers: send (continuations, requeues);
        // receiving and deleting is the event source's, granted by CDK on the queue alone
        rollupPlanFn.addToRolePolicy(listBucket("SegmentsList", List.of("segments/")));
        rollupPlanFn.addToRolePolicy(statement("RollupWorkSend", List.of("sqs:SendMessage"), List.of(rollupWorkQueue.getQueueArn())));
        rollupWorkerFn.addToRolePolicy(statement("RollupWorkSend", List.of("sqs:SendMessage"), List.of(rollupWorkQueue.getQueueArn())));
        for (Function f : List.of(maintenancePlanFn, maintenanceWorkerFn)) {
            f.addToRolePolicy(statement("MaintenanceWorkSend", List.of("sqs:SendMessage"), List.of(maintenanceWorkQueue.getQueueArn())));
        }
        iotRollupFn.addToRolePolicy(PolicyStatement.Builder.create()
                .sid("PublishRollupStatus")
                .actions(List.of("iot:Publish"))
                .resources(List.of("arn:" + Aws.PARTITION + ":iot:" + Aws.REGION + ":" + Aws.ACCOUNT_ID
                        + ":topic/lakelog/*/status"))
                .build());
        Nag.suppress(iotRollupFn, "IAM5", "the device id is the topic's middle level: status goes to lakelog/<device>/status for any device",
                "Resource::arn:<AWS::Partition>:iot:<AWS::Region>:<AWS::AccountId>:topic/lakelog/*/status");

        // ---- Schedules -----------------------------------------------------------------------
        Rule.Builder.create(this, "RollupSchedule")
                .description("lakelog: roll segments into the lake")
                .schedule(Schedule.expression(cfg.rollupSchedule()))
                .targets(List.of(new LambdaFunction(live(rollupPlanFn), LambdaFunctionProps.builder()
                        .deadLetterQueue(rollupDlq).retryAttempts(2).maxEventAge(Duration.hours(1)).build())))
                .build();
        // what the planner (outside the VPC, no lake) cannot do: the metrics rollup and the access trail's
        // commit run in the lake-side scheduled rollup function, its log walk left to the fan-out
        Rule.Builder.create(this, "LakeTasksSchedule")
                .description("lakelog: roll metric segments up and commit the access trail (logs go through the fan-out)")
                .schedule(Schedule.expression(cfg.rollupSchedule()))
                .targets(List.of(new LambdaFunction(live(rollupFn), LambdaFunctionProps.builder()
                        .event(RuleTargetInput.fromObject(ordered("logs", false)))
                        .deadLetterQueue(rollupDlq).retryAttempts(2).maxEventAge(Duration.hours(1)).build())))
                .build();
        maintenanceRule("CompactSchedule", cfg.compactSchedule(), maintenancePlanFn, maintenanceScheduleDlq,
                ordered("job", "compact"));
        maintenanceRule("ExpireSnapshotsSchedule", cfg.expireSnapshotsSchedule(), maintenancePlanFn,
                maintenanceScheduleDlq, ordered("job", "expire-snapshots", "older_than_days", cfg.expireSnapshotsOlderThanDays()));
        maintenanceRule("RetentionSchedule", cfg.retentionSchedule(), maintenancePlanFn, maintenanceScheduleDlq,
                ordered("job", "retention"));
        maintenanceRule("CleanupSchedule", cfg.cleanupSchedule(), maintenancePlanFn, maintenanceScheduleDlq,
                ordered("job", "cleanup", "older_than_hours", cfg.cleanupOlderThanHours(), "dry_run", false));

        // ---- IoT -----------------------------------------------------------------------------
        Role iotErrorRole = Role.Builder.create(this, "IotRuleErrorRole")
                .assumedBy(new ServicePrincipal("iot.amazonaws.com"))
                .description("lakelog: lets the IoT commands rule park failed actions in the IoT rollup DLQ").build();
        iotErrorRole.addToPolicy(PolicyStatement.Builder.create().actions(List.of("sqs:SendMessage"))
                .resources(List.of(iotRollupDlq.getQueueArn())).build());
        commandsRule = CfnTopicRule.Builder.create(this, "CommandsRule")
                .topicRulePayload(CfnTopicRule.TopicRulePayloadProperty.builder()
                        .description("lakelog: rollup commands from devices")
                        .sql(LakelogStack.IOT_COMMANDS_SQL)
                        .awsIotSqlVersion("2016-03-23")
                        .ruleDisabled(false)
                        .actions(List.of(CfnTopicRule.ActionProperty.builder()
                                .lambda(CfnTopicRule.LambdaActionProperty.builder()
                                        .functionArn(live(iotRollupFn).getFunctionArn()).build())
                                .build()))
                        .errorAction(CfnTopicRule.ActionProperty.builder()
                                .sqs(CfnTopicRule.SqsActionProperty.builder()
                                        .queueUrl(iotRollupDlq.getQueueUrl())
                                        .roleArn(iotErrorRole.getRoleArn())
                                        .useBase64(false).build())
                                .build())
                        .build())
                .build();
        // Suppressions on the role policies, now that every statement is in them.
        for (Function fn : functions) {
            Nag.suppress(fn, "IAM5", "object keys under the fixed prefixes segments/, metric-segments/, lake/, results/, quarantine/, access-trail/pending/ are generated; "
                                    + "the prefix is the narrowest scope S3 offers",
                        "Resource::<" + LEGACY_BUCKET_ID + ".Arn>/segments/*", "Resource::<" + LEGACY_BUCKET_ID + ".Arn>/metric-segments/*",
                        "Resource::<" + LEGACY_BUCKET_ID + ".Arn>/lake/*",
                        "Resource::<" + LEGACY_BUCKET_ID + ".Arn>/results/*", "Resource::<" + LEGACY_BUCKET_ID + ".Arn>/quarantine/*",
                        "Resource::<" + LEGACY_BUCKET_ID + ".Arn>/access-trail/pending/*");
            Nag.suppress(fn, "IAM5", "the anchor's head objects are named by chain sequence number under the fixed prefix chain-heads/",
                    "Resource::<" + ANCHOR_BUCKET_ID + ".Arn>/chain-heads/*");
            if (cfg.xray()) {
                Nag.suppress(fn, "IAM5", "X-Ray's PutTraceSegments and PutTelemetryRecords support no resource-level permissions", "Resource::*");
            }
        }

        live(iotRollupFn).addPermission("AllowIotCommandsRule", Permission.builder()
                .principal(new ServicePrincipal("iot.amazonaws.com"))
                .action("lambda:InvokeFunction")
                .sourceArn(commandsRule.getAttrArn())
                .sourceAccount(Aws.ACCOUNT_ID)
                .build());
    }


    Key dataKey() {
        return dataKey;
    }

    /** Construct id of CDK's singleton that configures bucket notifications (aws-cdk-lib's constant). */
    static final String BUCKET_NOTIFICATIONS_HANDLER = "BucketNotificationsHandler050a0587b7544547bf325f094a3db834";

    /**
     * Memory of the drop-folder function: with the lake functions' split (60% DuckDB, 15% native) its
     * heap is 512 MB, for one segment of events being written and one OTLP message (at most 16 MiB)
     * decoded; DuckDB reads Parquet files within its 256 MB limit.
     */
    static final int DROP_FOLDER_MEMORY_MB = 2048;

    /**
     * The drop folder (docs/ingest.md, "Drop folder"): files uploaded under {@code incoming/} of the
     * data bucket invoke {@code DropFolderHandler} through an S3 event notification (asynchronous:
     * two retries, then the on-failure queue). The x86_64 zip with DuckDB (it reads Parquet files),
     * in the VPC like the other DuckDB functions (S3 and DynamoDB through the gateway endpoints);
     * it never opens the lake. Permissions: read and delete what is under incoming/ (the source is
     * removed once processed), write segments/ and quarantine/, the idempotency records, the tenants.
     */
    private Function dropFolder() {
        Queue dlq = dlq("DropFolderDlq");
        Function fn = function("DropFolderFunction", "DropFolderHandler", DROP_FOLDER_MEMORY_MB, Duration.minutes(15),
                cfg.duckdbEphemeralStorageMb(), true, dlq, 0, "lakelog drop folder: files under s3://<bucket>/incoming/tenant=<t>/");
        fn.addToRolePolicy(statement("IncomingConsume", List.of("s3:GetObject", "s3:DeleteObject"), List.of(objects("incoming/"))));
        fn.addToRolePolicy(statement("SegmentsWrite", List.of("s3:PutObject"), List.of(objects("segments/"))));
        // quarantine: a server-side copy of the bad file (GetObject on the source, PutObject here) and its note
        fn.addToRolePolicy(statement("QuarantineWrite", List.of("s3:PutObject"), List.of(objects("quarantine/"))));
        // ListBucket on incoming/: S3 answers 404 (not 403) for a file already removed
        fn.addToRolePolicy(listBucket("IncomingList", List.of("incoming/")));
        grantKms(fn);
        grantTenantsRead(fn, false);
        fn.addToRolePolicy(statement("IdempotencyReadWrite",
                List.of("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"),
                List.of(idempotency.getTableArn())));
        Nag.suppress(fn, "IAM5", "dropped files have any name under incoming/; the prefix is the narrowest scope S3 offers",
                "Resource::<" + LEGACY_BUCKET_ID + ".Arn>/incoming/*");
        bucket.addEventNotification(software.amazon.awscdk.services.s3.EventType.OBJECT_CREATED,
                new software.amazon.awscdk.services.s3.notifications.LambdaDestination(live(fn)),
                software.amazon.awscdk.services.s3.NotificationKeyFilter.builder().prefix("incoming/").build());
        // CDK's singleton function that writes the bucket's notification configuration at deploy time
        software.constructs.IConstruct handler = software.amazon.awscdk.Stack.of(this).getNode().tryFindChild(BUCKET_NOTIFICATIONS_HANDLER);
        if (handler != null) {
            Nag.suppress(handler, "IAM4", "CDK's bucket-notifications handler logs through AWSLambdaBasicExecutionRole",
                    "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole");
            Nag.suppress(handler, "L1", "the runtime of CDK's own bucket-notifications handler is chosen by aws-cdk-lib");
        }
        return fn;
    }

    private Queue dlq(String id) {
        Queue q = Queue.Builder.create(this, id)
                .encryption(QueueEncryption.SQS_MANAGED)
                .enforceSsl(true)
                .retentionPeriod(Duration.days(14))
                .build();
        deadLetterQueues.add(q);
        return q;
    }

    /**
     * A fan-out work queue: SSE, TLS only, 4 days' retention, and a redrive policy to its
     * dead-letter queue after {@link #MAX_RECEIVE_COUNT} receives. Its visibility timeout is twice
     * the worker's timeout: a message is never visible again while a worker may still be on it
     * (the worker's event source has a maximum concurrency at or below the function's reserved
     * concurrency, so Lambda never throttles it and no receive is spent on a throttle).
     */
    private Queue workQueue(String id, Queue dlq) {
        Queue q = Queue.Builder.create(this, id)
                .encryption(QueueEncryption.SQS_MANAGED)
                .enforceSsl(true)
                .retentionPeriod(Duration.days(4))
                .visibilityTimeout(Duration.seconds(WORKER_TIMEOUT.toSeconds().intValue() * 2))
                .deadLetterQueue(DeadLetterQueue.builder().queue(dlq).maxReceiveCount(MAX_RECEIVE_COUNT).build())
                .build();
        workQueues.add(q);
        return q;
    }

    static final Duration WORKER_TIMEOUT = Duration.minutes(15);
    /** Kept free at the end of a worker's invocation for the batch in flight to commit. */
    static final Duration WORKER_RESERVE = Duration.minutes(3);
    static final Duration PLANNER_TIMEOUT = Duration.minutes(2);
    static final int PLANNER_MEMORY_MB = 512;
    static final int MAX_RECEIVE_COUNT = 3;
    static final int ROLLUP_WORKER_BATCH_SIZE = 5;
    /** Maintenance jobs hold one lake-wide lease: two workers are the event source's minimum and enough. */
    static final int MAINTENANCE_WORKER_CONCURRENCY = 2;

    /** API Gateway's integration timeout is 29 s; each API-fronted function ends before it. */
    static final Duration INGEST_TIMEOUT = Duration.seconds(20);
    static final Duration AUTHORIZER_TIMEOUT = Duration.seconds(10);
    static final Duration API_LAKE_TIMEOUT = Duration.seconds(27);

    /**
     * Share of a lake function's memory that DuckDB's memory_limit takes (functions:
     * {@code lake.LakeEngine.Settings.LAMBDA_DUCKDB_SHARE}, 60%); the two must agree.
     */
    static final double DUCKDB_SHARE = 0.6;

    /**
     * The Java heap cap (-Xmx, MB) for a function of {@code memoryMb}: what is left after DuckDB's
     * memory_limit (lake functions) and a native reserve for metaspace, code cache, thread stacks,
     * direct buffers and DuckDB's own allocations outside its buffer manager.
     */
    static int heapMb(int memoryMb, boolean lake) {
        int duckdb = lake ? Math.max(256, (int) (memoryMb * DUCKDB_SHARE)) : 0;
        return memoryMb - duckdb - nativeReserveMb(memoryMb);
    }

    /**
     * JIT settings every function starts with (issue 13, docs/benchmarks.md#cold-start-issue-13):
     * C1 only, which cut the fresh-JVM time to the first answered query in the local measurement and
     * is what AWS documents as its Java 17 runtime's default; set here so the deployed setting does
     * not depend on a runtime default.
     */
    static final String COLD_START_JVM_OPTIONS = "-XX:+TieredCompilation -XX:TieredStopAtLevel=1";

    /** The alias every invoker calls (docs/infra.md#snapstart). */
    static final String LIVE_ALIAS = "live";

    /** SnapStart's limit on a function's ephemeral storage (AWS: SnapStart supports no more than 512 MB of /tmp). */
    static final int SNAPSTART_MAX_EPHEMERAL_MB = 512;

    /**
     * Whether Lambda allows SnapStart on a function with this much /tmp. The other documented limits do
     * not apply here: no function uses provisioned concurrency or EFS, and java21 on x86_64 and arm64 is
     * supported. The DuckDB functions keep {@code duckdbEphemeralStorageMb} (4096 MB by default) for
     * DuckDB's spill and so run without SnapStart unless it is set to 512.
     */
    static boolean snapStartAllowed(int ephemeralMb) {
        return ephemeralMb <= SNAPSTART_MAX_EPHEMERAL_MB;
    }

    /** The function's {@value #LIVE_ALIAS} alias: what its invokers call. */
    Alias live(Function f) {
        Alias a = aliases.get(f);
        if (a == null) throw new IllegalStateException("no alias for " + f.getNode().getId());
        return a;
    }

    /** Native reserve: 15% of the function's memory, at least 96 MB. */
    static int nativeReserveMb(int memoryMb) {
        return Math.max(96, (int) (memoryMb * 0.15));
    }

    /**
     * One Lambda function. Lake functions (DuckDB) use the x86_64 zip: duckdb-java 1.5.x is reported
     * failing on Lambda arm64 (duckdb-java issue 679). Ingest and the authorizer use the slim zip
     * (no DuckDB, no native code) on arm64, which costs 20% less per GB-second.
     */
    private Function function(String id, String handlerClass, int memoryMb, Duration timeout, int ephemeralMb,
                              boolean lake, Queue dlq, int reservedConcurrency, String description) {
        LogGroup logs = LogGroup.Builder.create(this, id + "Logs").retention(cfg.logRetention()).encryptionKey(dataKey).build();
        logGroups.put(id, logs);
        Map<String, String> env = new LinkedHashMap<>();
        env.put("LAKELOG_BUCKET", bucket.getBucketName());
        env.put("LAKELOG_TENANTS_TABLE", tenants.getTableName());
        env.put("LAKELOG_IDEMPOTENCY_TABLE", idempotency.getTableName());
        env.put("LAKELOG_LEASES_TABLE", leases.getTableName());
        env.put("LAKELOG_RATE_LIMITS_TABLE", rateLimits.getTableName());
        env.put("LAKELOG_JOBS_TABLE", jobs.getTableName());
        env.put("LAKELOG_DUCKDB_TEMP_DIR", LakelogStack.DUCKDB_TEMP_DIR);
        env.put("LAKELOG_TENANT_INGEST_RATE", Integer.toString(cfg.tenantIngestRatePerSecond()));
        env.put("LAKELOG_TENANT_INGEST_BURST", Integer.toString(cfg.tenantIngestBurst()));
        env.put("LAKELOG_TENANT_QUERY_RATE", Integer.toString(cfg.tenantQueryRatePerSecond()));
        env.put("LAKELOG_TENANT_QUERY_BURST", Integer.toString(cfg.tenantQueryBurst()));
        env.put("JAVA_TOOL_OPTIONS", "-Xmx" + heapMb(memoryMb, lake) + "m " + COLD_START_JVM_OPTIONS);
        Function.Builder b = Function.Builder.create(this, id)
                .description(description)
                .runtime(Runtime.JAVA_21)
                .architecture(lake ? Architecture.X86_64 : Architecture.ARM_64)
                .handler(LakelogStack.HANDLER_PACKAGE + handlerClass + "::handleRequest")
                .code(lake ? lakeCode : ingestCode)
                .memorySize(memoryMb)
                .timeout(timeout)
                .ephemeralStorageSize(Size.mebibytes(ephemeralMb))
                .tracing(cfg.xray() ? Tracing.ACTIVE : Tracing.DISABLED)
                .logGroup(logs);
        if (reservedConcurrency > 0) {
            b.reservedConcurrentExecutions(reservedConcurrency);
        }
        if (lake) {
            env.put("LAKELOG_PG_HOST", proxy.getEndpoint());
            env.put("LAKELOG_PG_PORT", LakelogStack.PG_PORT);
            env.put("LAKELOG_PG_DATABASE", LakelogStack.PG_DATABASE);
            env.put("LAKELOG_PG_SECRET_ARN", db.getSecret().getSecretArn());
            env.put("LAKELOG_ANCHOR_BUCKET", anchorBucket.getBucketName());
            env.put("LAKELOG_ANCHOR_KMS_KEY_ID", anchorKey.getKeyArn());
            env.put("LAKELOG_ANCHOR_PREFIX", AnchorOptions.PREFIX);
            // RDS Proxy presents an ACM certificate: verified against the Amazon root CAs packaged in the zip
            env.put("LAKELOG_PG_SSLMODE", cfg.catalogSslMode());
            if (cfg.catalogSslMode().startsWith("verify-")) {
                env.put("LAKELOG_PG_SSLROOTCERT", "/var/task/certs/amazon-root-cas.pem");
            }
            b.vpc(vpc)
                    .vpcSubnets(SubnetSelection.builder().subnetType(SubnetType.PRIVATE_ISOLATED).build())
                    .securityGroups(List.of(lambdaSg));
        }
        if (dlq != null) {
            // the retries and the event age are the alias's (asynchronous invocations come through it)
            b.deadLetterQueue(dlq);
        }
        if (snapStartAllowed(ephemeralMb)) {
            b.snapStart(SnapStartConf.ON_PUBLISHED_VERSIONS);
        }
        // a version replaced by the next deployment's is deleted: retained ones would fill the
        // account's 75 GB code storage at 75 MB a zip (docs/infra.md#snapstart)
        b.currentVersionOptions(VersionOptions.builder().removalPolicy(RemovalPolicy.DESTROY).build());
        Function f = b.environment(env).build();
        functions.add(f);
        if (snapStartAllowed(ephemeralMb)) {
            Annotations.of(f).acknowledgeWarning("@aws-cdk/aws-lambda:snapStartRequirePublish",
                    "every invoker calls the live alias on the current published version");
        }
        Alias.Builder alias = Alias.Builder.create(this, id + "LiveAlias").aliasName(LIVE_ALIAS).version(f.getCurrentVersion())
                .description("what every invoker calls: the current published version (SnapStart serves published versions only)");
        if (dlq != null) {
            alias.retryAttempts(2).maxEventAge(Duration.hours(6));
        }
        aliases.put(f, alias.build());
        Nag.suppress(f, "L1", "java21 is the runtime the functions are built and tested on; moving to a newer Java is a tested change, not a default");
        Nag.suppress(f, "IAM4", "AWS's managed Lambda execution policies: CloudWatch Logs, and ENI management for VPC functions",
                "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
                "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole");
        return f;
    }

    /** The data bucket's logical id (kept from the single-construct stack, see LogicalIds). */
    static final String LEGACY_BUCKET_ID = "DataBucketE3889A50";
    /** The anchor bucket's logical id (LogicalIds: the path without the Storage concern). */
    static final String ANCHOR_BUCKET_ID = "AnchorBucketAD63FD01";

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
        f.addToRolePolicy(statement("DataKeyUse", List.of("kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"),
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
        f.addToRolePolicy(statement("SegmentsWrite", List.of("s3:PutObject"), List.of(objects("segments/"), objects("metric-segments/"))));
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
        f.addToRolePolicy(listBucket("LakeList", List.of("lake/", "results/", "segments/", "access-trail/")));
        // the access trail: every analytics call's record is written here before it is committed into the lake
        f.addToRolePolicy(statement("AccessTrailWrite", List.of("s3:PutObject"), List.of(objects("access-trail/pending/"))));
        grantKms(f);
        grantTenantsRead(f, false);
        grantSecret(f);
    }

    /** Reads the anchor: the heads (every version), the bucket's lock, the key's public key. */
    private void grantAnchorRead(Function f) {
        f.addToRolePolicy(statement("AnchorKeyPublic", List.of("kms:GetPublicKey"), List.of(anchorKey.getKeyArn())));
        f.addToRolePolicy(statement("AnchorHeadsRead", List.of("s3:GetObject", "s3:GetObjectVersion"),
                List.of(anchorBucket.arnForObjects(AnchorOptions.PREFIX + "*"))));
        for (String action : List.of("s3:ListBucket", "s3:ListBucketVersions")) {
            f.addToRolePolicy(PolicyStatement.Builder.create().sid(action.equals("s3:ListBucket") ? "AnchorHeadsList" : "AnchorHeadVersionsList")
                    .actions(List.of(action)).resources(List.of(anchorBucket.getBucketArn()))
                    .conditions(Map.of("StringLike", Map.of("s3:prefix", List.of(AnchorOptions.PREFIX + "*")))).build());
        }
        f.addToRolePolicy(statement("AnchorLockRead", List.of("s3:GetBucketObjectLockConfiguration"), List.of(anchorBucket.getBucketArn())));
    }

    /** Publishes heads: signs with the anchor key and writes head objects (never deletes, never bypasses the lock). */
    private void grantAnchorWrite(Function f) {
        grantAnchorRead(f);
        f.addToRolePolicy(statement("AnchorSign", List.of("kms:Sign"), List.of(anchorKey.getKeyArn())));
        f.addToRolePolicy(statement("AnchorHeadsWrite", List.of("s3:PutObject"), List.of(anchorBucket.arnForObjects(AnchorOptions.PREFIX + "*"))));
    }

    /** Rollup and maintenance: move segments into the lake, rewrite and delete lake files. */
    private void grantLakeWriter(Function f) {
        f.addToRolePolicy(statement("SegmentsConsume", List.of("s3:GetObject", "s3:DeleteObject"),
                List.of(objects("segments/"), objects("metric-segments/"))));
        f.addToRolePolicy(statement("LakeReadWrite",
                List.of("s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"),
                List.of(objects("lake/"))));
        f.addToRolePolicy(statement("QuarantineWrite", List.of("s3:GetObject", "s3:PutObject"),
                List.of(objects("quarantine/"))));
        f.addToRolePolicy(listBucket("LakeList", List.of("segments/", "metric-segments/", "lake/", "quarantine/", "access-trail/")));
        // the access trail: records written (the maintenance routes), then committed into the lake and removed
        f.addToRolePolicy(statement("AccessTrailCommit", List.of("s3:GetObject", "s3:PutObject", "s3:DeleteObject"),
                List.of(objects("access-trail/pending/"))));
        grantKms(f);
        grantTenantsRead(f, true);
        f.addToRolePolicy(statement("LeasesReadWrite",
                List.of("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"),
                List.of(leases.getTableArn())));
        grantSecret(f);
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
                .targets(List.of(new LambdaFunction(live(fn), LambdaFunctionProps.builder()
                        .event(RuleTargetInput.fromObject(scheduledEnvelope(job)))
                        .deadLetterQueue(dlq).retryAttempts(2).maxEventAge(Duration.hours(6)).build())))
                .build();
    }
}
