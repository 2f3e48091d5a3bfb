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
import software.amazon.awscdk.services.cloudwatch.Dashboard;
import software.amazon.awscdk.services.cloudwatch.GraphWidget;
import software.amazon.awscdk.services.cloudwatch.MathExpression;
import software.constructs.Construct;

/**
 * What operators watch: the SNS topic every alarm notifies, and the alarms on function errors and
 * throttles, dead-letter queues, rollup failures and API 5xx.
 */
final class MonitoringConstruct extends Construct {
    static final String ID = "Monitoring";
    final Topic alarmTopic;

    MonitoringConstruct(Construct scope, StackConfig cfg, FunctionsConstruct fns, ApiConstruct httpApi, StorageConstruct storageC,
                        CatalogConstruct catalog) {
        super(scope, ID);
        List<Function> functions = fns.functions;
        Map<String, LogGroup> logGroups = fns.logGroups;
        RestApi api = httpApi.api;
        alarmTopic = Topic.Builder.create(this, "AlarmTopic").displayName(cfg.namePrefix() + " alarms").enforceSsl(true)
                .masterKey(fns.dataKey()).build();
        if (!cfg.alarmEmail().isEmpty()) {
            alarmTopic.addSubscription(new EmailSubscription(cfg.alarmEmail()));
        }

        // ---- Alarms: real failures only, each with an OK action -------------------------------
        MetricOptions fiveMinSum = MetricOptions.builder().period(Duration.minutes(5)).statistic("Sum").build();
        for (Function f : functions) {
            String name = f.getNode().getId().replace("Function", "");
            // The authorizer answers a refused token by throwing "Unauthorized", which Lambda counts as an
            // error: an errors alarm there would fire on every bad token. Its real failures surface as
            // API Gateway 500s (AuthorizerConfigurationException), which the API defects alarm counts.
            if (!f.equals(fns.authorizerFn)) {
                alarm(name + "ErrorsAlarm", "lakelog " + name + " function errors (uncaught failures, timeouts)",
                        f.metricErrors(fiveMinSum), 1, 2, 3);
            }
            alarm(name + "ThrottlesAlarm", "lakelog " + name + " function throttled (reserved concurrency or account quota reached)",
                    f.metricThrottles(fiveMinSum), 5, 2, 3);
        }
        // Duration near the timeout: an API function whose p99 passes 80% of its timeout is about to time out.
        for (Function f : List.of(fns.ingestFn, fns.queryFn, fns.maintenanceFn)) {
            String name = f.getNode().getId().replace("Function", "");
            double limitMs = f.getTimeout().toMilliseconds().doubleValue() * 0.8;
            alarm(name + "DurationNearTimeoutAlarm", "lakelog " + name + " p99 duration above 80% of its timeout",
                    f.metricDuration(MetricOptions.builder().period(Duration.minutes(5)).statistic("p99").build()), limitMs, 3, 3);
        }
        MetricOptions fiveMinMax = MetricOptions.builder().period(Duration.minutes(5)).statistic("Maximum").build();
        for (Queue q : fns.deadLetterQueues) {
            String name = q.getNode().getId();
            alarm(name + "DepthAlarm", "lakelog " + name + " has messages (failed async invocations)",
                    q.metricApproximateNumberOfMessagesVisible(fiveMinMax), 1, 1, 1);
        }
        // Our functions log one JSON object per line with an `event` field; rollup failures count here.
        for (String fnId : List.of("RollupFunction", "IotRollupFunction", "MaintenanceFunction", "MaintenanceScheduleFunction")) {
            MetricFilter.Builder.create(this, fnId.replace("Function", "") + "RollupFailedFilter")
                    .logGroup(logGroups.get(fnId))
                    .filterPattern(FilterPattern.stringValue("$.event", "=", "rollup_failed"))
                    .metricNamespace(LakelogStack.METRIC_NAMESPACE)
                    .metricName(LakelogStack.ROLLUP_FAILURES_METRIC)
                    .metricValue("1")
                    .build();
        }
        alarm("RollupFailuresAlarm", "lakelog rollup_failed events in the rollup logs",
                Metric.Builder.create().namespace(LakelogStack.METRIC_NAMESPACE).metricName(LakelogStack.ROLLUP_FAILURES_METRIC)
                        .period(Duration.minutes(5)).statistic("Sum").build(), 1, 1, 1);
        // API defects: 500 (internal) and 502 (a broken function answer), read from the access log. The designed
        // 503 (dependency unavailable, with Retry-After) and 504 are not defects and do not alarm here.
        MetricFilter.Builder.create(this, "ApiDefectsFilter")
                .logGroup(httpApi.accessLogs)
                .filterPattern(FilterPattern.any(FilterPattern.stringValue("$.status", "=", "500"),
                        FilterPattern.stringValue("$.status", "=", "502")))
                .metricNamespace(LakelogStack.METRIC_NAMESPACE).metricName(API_DEFECTS_METRIC).metricValue("1").build();
        alarm("Api5xxAlarm", "lakelog REST API answered 500 or 502 (a defect; designed 503/504 excluded)",
                Metric.Builder.create().namespace(LakelogStack.METRIC_NAMESPACE).metricName(API_DEFECTS_METRIC)
                        .period(Duration.minutes(5)).statistic("Sum").build(), 1, 1, 1);
        alarm("ApiLatencyAlarm", "lakelog REST API p99 latency above 10 s",
                api.metricLatency(MetricOptions.builder().period(Duration.minutes(5)).statistic("p99").build()), 10_000, 3, 3);
        // The catalog database.
        DatabaseInstance db = catalog.db;
        alarm("CatalogDbCpuAlarm", "lakelog catalog database CPU above 80%",
                db.metricCPUUtilization(MetricOptions.builder().period(Duration.minutes(5)).statistic("Average").build()), 80, 3, 3);
        alarm("CatalogDbConnectionsAlarm", "lakelog catalog database connections above dbConnectionsAlarm",
                db.metricDatabaseConnections(fiveMinMax), cfg.dbConnectionsAlarm(), 2, 3);
        Alarm storage = Alarm.Builder.create(this, "CatalogDbStorageAlarm")
                .alarmDescription("lakelog catalog database free storage below 10% of dbMaxAllocatedStorageGb")
                .metric(db.metricFreeStorageSpace(MetricOptions.builder().period(Duration.minutes(15)).statistic("Minimum").build()))
                .threshold(cfg.dbMaxAllocatedStorageGb() * 0.1 * 1024 * 1024 * 1024)
                .evaluationPeriods(1)
                .comparisonOperator(ComparisonOperator.LESS_THAN_THRESHOLD)
                .treatMissingData(TreatMissingData.NOT_BREACHING)
                .build();
        storage.addAlarmAction(new SnsAction(alarmTopic));
        storage.addOkAction(new SnsAction(alarmTopic));
        // DynamoDB throttles (on-demand tables throttle past their partition limits or the account's table quota).
        for (Table table : List.of(storageC.tenants, storageC.idempotency, storageC.leases, storageC.rateLimits, storageC.jobs)) {
            String name = table.getNode().getId().replace("Table", "");
            alarm(name + "TableThrottlesAlarm", "lakelog " + name + " table throttled reads or writes",
                    MathExpression.Builder.create().expression("r + w")
                            .usingMetrics(Map.of("r", table.metric("ReadThrottleEvents", fiveMinSum),
                                    "w", table.metric("WriteThrottleEvents", fiveMinSum)))
                            .period(Duration.minutes(5)).label(name + " throttle events").build(), 5, 2, 3);
        }

        // Rollup lag: the scheduled rollup reports (EMF) the age of the oldest waiting segment when
        // it starts. Above three schedule intervals the lake is falling behind; no report at all
        // (the schedule or the function gone) counts as breaching too.
        // In the fan-out the workers report each tenant's lag and the planner reports 0 when no
        // tenant has segments; the alarm takes the larger of the two.
        Metric workerLag = Metric.Builder.create().namespace(LakelogStack.METRIC_NAMESPACE).metricName(ROLLUP_LAG_METRIC)
                .dimensionsMap(java.util.Map.of("function", fns.rollupWorkerFn.getFunctionName()))
                .period(Duration.minutes(15)).statistic("Maximum").build();
        Metric plannerLag = Metric.Builder.create().namespace(LakelogStack.METRIC_NAMESPACE).metricName(ROLLUP_LAG_METRIC)
                .dimensionsMap(java.util.Map.of("function", fns.rollupPlanFn.getFunctionName()))
                .period(Duration.minutes(15)).statistic("Maximum").build();
        IMetric lag = MathExpression.Builder.create().expression("MAX([w, p])").usingMetrics(Map.of("w", workerLag, "p", plannerLag))
                .period(Duration.minutes(15)).label("rollup lag (s)").build();

        // Fan-out queues: work waiting longer than two schedule intervals means the workers fall behind
        // (too few, too slow, or failing); the dead-letter queues alarm with the others above.
        for (Queue q : fns.workQueues) {
            String name = q.getNode().getId();
            alarm(name + "AgeAlarm", "lakelog " + name + ": the oldest message has waited more than "
                            + WORK_AGE_ALARM_SECONDS / 60 + " minutes",
                    q.metricApproximateAgeOfOldestMessage(MetricOptions.builder().period(Duration.minutes(5)).statistic("Maximum").build()),
                    WORK_AGE_ALARM_SECONDS, 2, 2);
        }
        Alarm lagAlarm = Alarm.Builder.create(this, "RollupLagAlarm")
                .alarmDescription("lakelog: the oldest segment waiting for rollup is older than three schedule intervals")
                .metric(lag)
                .threshold(ROLLUP_LAG_ALARM_SECONDS)
                .evaluationPeriods(2)
                .comparisonOperator(ComparisonOperator.GREATER_THAN_THRESHOLD)
                .treatMissingData(TreatMissingData.BREACHING)
                .build();
        lagAlarm.addAlarmAction(new SnsAction(alarmTopic));
        lagAlarm.addOkAction(new SnsAction(alarmTopic));

        // ---- One dashboard ---------------------------------------------------------------------
        Dashboard dash = Dashboard.Builder.create(this, "Dashboard")
                .dashboardName(cfg.namePrefix() + "-" + Aws.REGION).build();
        dash.addWidgets(
                graph("API requests and errors", api.metricCount(fiveMinSum), api.metricClientError(fiveMinSum), api.metricServerError(fiveMinSum)),
                graph("API latency p99 (ms)", api.metricLatency(MetricOptions.builder().period(Duration.minutes(5)).statistic("p99").build())),
                graph("Rollup lag (s)", lag));
        dash.addWidgets(
                graph("Function errors", functions.stream().map(f -> (IMetric) f.metricErrors(fiveMinSum)).toArray(IMetric[]::new)),
                graph("Function throttles", functions.stream().map(f -> (IMetric) f.metricThrottles(fiveMinSum)).toArray(IMetric[]::new)),
                graph("Function duration p99 (ms)", functions.stream().map(f -> (IMetric) f.metricDuration(
                        MetricOptions.builder().period(Duration.minutes(5)).statistic("p99").build())).toArray(IMetric[]::new)));
        dash.addWidgets(
                graph("Catalog DB CPU (%)", db.metricCPUUtilization()),
                graph("Catalog DB connections", db.metricDatabaseConnections()),
                graph("Catalog DB free storage (bytes)", db.metricFreeStorageSpace()));
    }

    private static GraphWidget graph(String title, IMetric... metrics) {
        return GraphWidget.Builder.create().title(title).left(List.of(metrics)).width(8).height(6).build();
    }

    static final String API_DEFECTS_METRIC = "ApiDefects";
    /** Two default schedule intervals (15 minutes) of waiting in a fan-out queue. */
    static final int WORK_AGE_ALARM_SECONDS = 2 * 15 * 60;

    /** The EMF metric the rollup functions write (functions: dev.lakelog.metrics.EmfMetrics). */
    static final String ROLLUP_LAG_METRIC = "RollupLagSeconds";
    /** Three default schedule intervals (15 minutes) of lag. */
    static final int ROLLUP_LAG_ALARM_SECONDS = 3 * 15 * 60;


    /** An alarm at {@code threshold} or more in {@code datapoints} of {@code periods} periods, notifying on ALARM and OK. */
    private void alarm(String id, String description, IMetric metric, double threshold, int datapoints, int periods) {
        Alarm a = Alarm.Builder.create(this, id)
                .alarmDescription(description)
                .metric(metric)
                .threshold(threshold)
                .evaluationPeriods(periods)
                .datapointsToAlarm(datapoints)
                .comparisonOperator(ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD)
                .treatMissingData(TreatMissingData.NOT_BREACHING)
                .build();
        a.addAlarmAction(new SnsAction(alarmTopic));
        a.addOkAction(new SnsAction(alarmTopic));
    }
}
