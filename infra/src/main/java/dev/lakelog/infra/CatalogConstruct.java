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
import software.amazon.awscdk.customresources.AwsCustomResource;
import software.amazon.awscdk.customresources.AwsCustomResourcePolicy;
import software.amazon.awscdk.customresources.AwsSdkCall;
import software.amazon.awscdk.customresources.PhysicalResourceId;
import software.amazon.awscdk.services.ec2.FlowLogDestination;
import software.amazon.awscdk.services.ec2.FlowLogOptions;
import software.amazon.awscdk.services.ec2.FlowLogTrafficType;
import software.amazon.awscdk.services.secretsmanager.HostedRotation;
import software.amazon.awscdk.services.secretsmanager.RotationScheduleOptions;
import software.amazon.awscdk.services.secretsmanager.SingleUserHostedRotationOptions;
import software.constructs.Construct;

/**
 * The network and the DuckLake catalog: an isolated VPC with gateway and interface endpoints (no NAT),
 * the security groups, the PostgreSQL instance, its secret and the RDS Proxy the functions connect to.
 */
final class CatalogConstruct extends Construct {
    static final String ID = "Catalog";
    final Vpc vpc;
    final SecurityGroup lambdaSg;
    final DatabaseInstance db;
    final DatabaseProxy proxy;

    CatalogConstruct(Construct scope, StackConfig cfg, Key dataKey) {
        super(scope, ID);
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
        // Rejected flows only: what a reviewer needs to see blocked traffic, without paying for every accepted packet.
        LogGroup flowLogs = LogGroup.Builder.create(this, "VpcFlowLogs").retention(cfg.logRetention())
                .encryptionKey(dataKey).build();
        vpc.addFlowLog("RejectedFlows", FlowLogOptions.builder()
                .destination(FlowLogDestination.toCloudWatchLogs(flowLogs))
                .trafficType(FlowLogTrafficType.REJECT).build());

        lambdaSg = SecurityGroup.Builder.create(this, "LakeFunctionsSg").vpc(vpc)
                .description("lakelog functions in the VPC").allowAllOutbound(false).build();
        SecurityGroup proxySg = SecurityGroup.Builder.create(this, "ProxySg").vpc(vpc)
                .description("lakelog RDS Proxy").allowAllOutbound(false).build();
        SecurityGroup dbSg = SecurityGroup.Builder.create(this, "CatalogDbSg").vpc(vpc)
                .description("lakelog catalog database").allowAllOutbound(false).build();
        SecurityGroup endpointSg = SecurityGroup.Builder.create(this, "EndpointsSg").vpc(vpc)
                .description("lakelog interface endpoints").allowAllOutbound(false).build();
        endpointSg.addIngressRule(lambdaSg, Port.tcp(443), "functions to interface endpoints");
        endpointSg.addIngressRule(proxySg, Port.tcp(443), "RDS Proxy to Secrets Manager");
        // Egress: HTTPS to the interface endpoints' security group and to the S3 and DynamoDB gateway
        // endpoints' AWS-managed prefix lists (looked up at deploy time), and the proxy on 5432 (below).
        lambdaSg.addEgressRule(endpointSg, Port.tcp(443), "HTTPS to the interface endpoints (Secrets Manager, IoT data, SQS)");
        lambdaSg.addEgressRule(Peer.prefixList(prefixList("S3PrefixList", "s3")), Port.tcp(443), "HTTPS to S3 (gateway endpoint)");
        lambdaSg.addEgressRule(Peer.prefixList(prefixList("DynamoDbPrefixList", "dynamodb")), Port.tcp(443),
                "HTTPS to DynamoDB (gateway endpoint)");
        proxySg.addEgressRule(endpointSg, Port.tcp(443), "HTTPS to the Secrets Manager endpoint");

        // the rollup and maintenance workers re-enqueue work (docs/scaling.md)
        vpc.addInterfaceEndpoint("SqsEndpoint", InterfaceVpcEndpointOptions.builder()
                .service(InterfaceVpcEndpointAwsService.SQS)
                .subnets(isolated).securityGroups(List.of(endpointSg)).open(false)
                .privateDnsEnabled(true).build());
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
            Annotations.of(Stack.of(this)).addWarningV2("lakelog:noIotEndpoint",
                    "context iotEndpoint is not set: the IoT rollup function gets no LAKELOG_IOT_ENDPOINT and "
                            + "publishes no status messages (it still rolls up; its answer says status_publishing off). Set it to the output of "
                            + "`aws iot describe-endpoint --endpoint-type iot:Data-ATS`.");
        }

        // ---- PostgreSQL (DuckLake catalog) ----------------------------------------------------
        DatabaseSecret dbSecret = DatabaseSecret.Builder.create(this, "CatalogDbSecret").username(LakelogStack.PG_USER).build();
        dbSecret.applyRemovalPolicy(RemovalPolicy.RETAIN); // kept with the final snapshot
        db = DatabaseInstance.Builder.create(this, "CatalogDb")
                .engine(DatabaseInstanceEngine.postgres(PostgresInstanceEngineProps.builder()
                        .version(PostgresEngineVersion.VER_17).build()))
                .instanceType(new InstanceType(cfg.dbInstanceType()))
                .vpc(vpc).vpcSubnets(isolated).securityGroups(List.of(dbSg))
                .credentials(Credentials.fromSecret(dbSecret))
                .databaseName(LakelogStack.PG_DATABASE)
                .port(Integer.parseInt(LakelogStack.PG_PORT))
                .allocatedStorage(cfg.dbAllocatedStorageGb())
                .maxAllocatedStorage(cfg.dbMaxAllocatedStorageGb())
                .storageType(StorageType.GP3)
                .storageEncrypted(true)
                .storageEncryptionKey(dataKey)
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
        if (!cfg.dbMultiAz()) {
            Nag.suppress(db, "RDS3", "Multi-AZ is the context option dbMultiAz, off by default for cost; turn it on for production");
        }
        if (!cfg.dbDeletionProtection()) {
            Nag.suppress(db, "RDS10", "deletion protection off was asked for with dbDeletionProtection=false (a throwaway environment)");
        }
        Nag.suppress(db, "RDS11", "a non-default port hides nothing here: the database is reachable only from the proxy's security group in isolated subnets");

        // Password rotation: Secrets Manager's hosted single-user PostgreSQL rotation function, in the VPC.
        // RDS Proxy reads the secret on each new database connection; the functions re-read it on a cold start.
        SecurityGroup rotationSg = SecurityGroup.Builder.create(this, "RotationSg").vpc(vpc)
                .description("lakelog catalog password rotation").allowAllOutbound(false).build();
        rotationSg.addEgressRule(endpointSg, Port.tcp(443), "HTTPS to the Secrets Manager endpoint");
        endpointSg.addIngressRule(rotationSg, Port.tcp(443), "password rotation to Secrets Manager");
        db.getConnections().allowFrom(rotationSg, Port.tcp(5432), "password rotation to the catalog database");
        db.getSecret().addRotationSchedule("CatalogDbRotation", RotationScheduleOptions.builder()
                .hostedRotation(HostedRotation.postgreSqlSingleUser(SingleUserHostedRotationOptions.builder()
                        .vpc(vpc).vpcSubnets(isolated).securityGroups(List.of(rotationSg)).build()))
                .automaticallyAfter(Duration.days(cfg.dbPasswordRotationDays()))
                .build());

        if (cfg.xray()) {
            // X-Ray: the functions' trace segments leave the VPC through an interface endpoint.
            vpc.addInterfaceEndpoint("XRayEndpoint", InterfaceVpcEndpointOptions.builder()
                    .service(InterfaceVpcEndpointAwsService.XRAY)
                    .subnets(isolated).securityGroups(List.of(endpointSg)).open(false)
                    .privateDnsEnabled(true).build());
        }
    }

    /**
     * The id of the AWS-managed prefix list of a gateway endpoint's service in this region
     * (com.amazonaws.&lt;region&gt;.&lt;service&gt;), looked up by a custom resource at deploy time:
     * CloudFormation has no attribute for it and a synth-time lookup would need credentials.
     */
    private String prefixList(String id, String service) {
        AwsCustomResource lookup = AwsCustomResource.Builder.create(this, id)
                .resourceType("Custom::LakelogPrefixList")
                .onUpdate(AwsSdkCall.builder()
                        .service("EC2").action("describeManagedPrefixLists")
                        .parameters(Map.of("Filters", List.of(Map.of("Name", "prefix-list-name",
                                "Values", List.of("com.amazonaws." + Aws.REGION + "." + service)))))
                        .physicalResourceId(PhysicalResourceId.of("lakelog-prefix-list-" + service))
                        .outputPaths(List.of("PrefixLists.0.PrefixListId"))
                        .build())
                .policy(AwsCustomResourcePolicy.fromStatements(List.of(PolicyStatement.Builder.create()
                        .actions(List.of("ec2:DescribeManagedPrefixLists")).resources(List.of("*")).build())))
                .installLatestAwsSdk(false)
                .build();
        Nag.suppress(lookup, "IAM5", "ec2:DescribeManagedPrefixLists supports no resource-level permissions", "Resource::*");
        return lookup.getResponseField("PrefixLists.0.PrefixListId");
    }

}
