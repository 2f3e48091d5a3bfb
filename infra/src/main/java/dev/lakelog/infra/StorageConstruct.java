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
 * Where lakelog keeps its state besides the catalog: the KMS key, the segments/lake bucket, and the
 * DynamoDB tables for tenants, idempotency records and rollup leases.
 */
final class StorageConstruct extends Construct {
    static final String ID = "Storage";
    final Key dataKey;
    final Bucket bucket;
    final Table tenants;
    final Table idempotency;
    final Table leases;
    final Table rateLimits;
    /** Asynchronous query jobs (aws.DynamoJobStore: key pk = tenant#job id, TTL expires_at). */
    final Table jobs;

    final Bucket accessLogs;
    /** The integrity anchor: an asymmetric signing key and a bucket under Object Lock (docs/integrity.md#the-anchor). */
    final Key anchorKey;
    final Bucket anchorBucket;

    StorageConstruct(Construct scope, StackConfig cfg) {
        super(scope, ID);
        dataKey = Key.Builder.create(this, "DataKey")
                .description("lakelog: encrypts the bucket, the tables, the catalog database, the log groups and the alarm topic")
                .enableKeyRotation(true)
                .removalPolicy(RemovalPolicy.RETAIN) // the retained bucket's objects need it
                .build();
        // CloudWatch Logs encrypts this stack's log groups with the key (only log groups of this account and region).
        dataKey.addToResourcePolicy(PolicyStatement.Builder.create()
                .sid("CloudWatchLogsUse")
                .principals(List.of(new ServicePrincipal("logs." + Aws.REGION + ".amazonaws.com")))
                .actions(List.of("kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo",
                        "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:DescribeKey"))
                .resources(List.of("*")) // a key policy's resource is the key itself
                .conditions(Map.of("ArnLike", Map.of("kms:EncryptionContext:aws:logs:arn",
                        "arn:" + Aws.PARTITION + ":logs:" + Aws.REGION + ":" + Aws.ACCOUNT_ID + ":log-group:*")))
                .build());
        // CloudWatch alarms publish to the encrypted alarm topic.
        dataKey.addToResourcePolicy(PolicyStatement.Builder.create()
                .sid("CloudWatchAlarmsPublish")
                .principals(List.of(new ServicePrincipal("cloudwatch.amazonaws.com")))
                .actions(List.of("kms:Decrypt", "kms:GenerateDataKey"))
                .resources(List.of("*"))
                .conditions(Map.of("StringEquals", Map.of("aws:SourceAccount", Aws.ACCOUNT_ID)))
                .build());

        // S3 server access logs of the data bucket. SSE-S3: S3 log delivery cannot write to an SSE-KMS default bucket.
        accessLogs = Bucket.Builder.create(this, "AccessLogsBucket")
                .encryption(BucketEncryption.S3_MANAGED)
                .blockPublicAccess(BlockPublicAccess.BLOCK_ALL)
                .objectOwnership(ObjectOwnership.BUCKET_OWNER_ENFORCED)
                .enforceSsl(true)
                .minimumTlsVersion(1.2)
                .removalPolicy(RemovalPolicy.RETAIN)
                .lifecycleRules(List.of(LifecycleRule.builder().id("expire-access-logs")
                        .expiration(Duration.days(cfg.logRetentionDays())).build()))
                .build();
        Nag.suppress(accessLogs, "S1", "this is the access-log bucket itself; logging it into itself would loop");

        ObjectLockOptions lock = ObjectLockOptions.fromContext(scope.getNode(), cfg);
        bucket = Bucket.Builder.create(this, "DataBucket")
                .objectLockEnabled(lock.enabled() ? Boolean.TRUE : null)
                .objectLockDefaultRetention(lock.retention())
                .encryption(BucketEncryption.KMS)
                .encryptionKey(dataKey)
                .bucketKeyEnabled(true)
                .blockPublicAccess(BlockPublicAccess.BLOCK_ALL)
                .objectOwnership(ObjectOwnership.BUCKET_OWNER_ENFORCED)
                .enforceSsl(true)
                .minimumTlsVersion(1.2)
                .serverAccessLogsBucket(accessLogs)
                .serverAccessLogsPrefix("data-bucket/")
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

        // The integrity anchor: chain heads signed with an asymmetric key (kms:Sign) and written once
        // into a bucket under Object Lock, out of reach of whoever can rewrite the catalog.
        AnchorOptions anchor = AnchorOptions.fromContext(scope.getNode());
        anchorKey = Key.Builder.create(this, "AnchorKey")
                .description("lakelog: signs the integrity chain's heads (ECDSA P-256); its public key is what auditors verify with")
                .keySpec(software.amazon.awscdk.services.kms.KeySpec.ECC_NIST_P256)
                .keyUsage(software.amazon.awscdk.services.kms.KeyUsage.SIGN_VERIFY)
                .removalPolicy(RemovalPolicy.RETAIN) // the heads already signed must stay checkable
                .build();
        anchorBucket = Bucket.Builder.create(this, "AnchorBucket")
                .objectLockEnabled(true)
                .objectLockDefaultRetention(anchor.retention())
                .versioned(true)
                // SSE-S3: the heads are not secret, and an auditor (another account) reads them with s3:GetObject alone
                .encryption(BucketEncryption.S3_MANAGED)
                .blockPublicAccess(BlockPublicAccess.BLOCK_ALL)
                .objectOwnership(ObjectOwnership.BUCKET_OWNER_ENFORCED)
                .enforceSsl(true)
                .minimumTlsVersion(1.2)
                .serverAccessLogsBucket(accessLogs)
                .serverAccessLogsPrefix("anchor-bucket/")
                .removalPolicy(RemovalPolicy.RETAIN)
                .build();

        tenants = table("TenantsTable", "pk", "sk", null);
        idempotency = table("IdempotencyTable", "pk", null, "expires_at");
        leases = table("LeasesTable", "lease_key", null, "expires_at"); // aws.DynamoTenantLock.KEY
        rateLimits = table("RateLimitsTable", "bucket_key", null, "expires_at"); // aws.DynamoRateLimiter.KEY
        jobs = table("JobsTable", "pk", null, "expires_at"); // aws.DynamoJobStore
    }


    private Table table(String id, String pk, String sk, String ttl) {
        Table.Builder b = Table.Builder.create(this, id)
                .partitionKey(Attribute.builder().name(pk).type(AttributeType.STRING).build())
                .billingMode(BillingMode.PAY_PER_REQUEST)
                .pointInTimeRecoverySpecification(PointInTimeRecoverySpecification.builder()
                        .pointInTimeRecoveryEnabled(true).build())
                .encryption(TableEncryption.CUSTOMER_MANAGED)
                .encryptionKey(dataKey)
                .deletionProtection(true)
                .removalPolicy(RemovalPolicy.RETAIN);
        if (sk != null) {
            b.sortKey(Attribute.builder().name(sk).type(AttributeType.STRING).build());
        }
        if (ttl != null) {
            b.timeToLiveAttribute(ttl);
        }
        return b.build();
    }
}
