package dev.lakelog.infra;

import static dev.lakelog.infra.Synth.function;
import static dev.lakelog.infra.Synth.list;
import static dev.lakelog.infra.Synth.map;
import static dev.lakelog.infra.Synth.props;
import static dev.lakelog.infra.Synth.resources;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;

import software.amazon.awscdk.assertions.Template;

/**
 * Least privilege: no wildcard actions anywhere, no {@code "Resource": "*"} unless AWS requires
 * it, and each function can do only what its job needs.
 *
 * <p>Walks every identity policy the template defines: AWS::IAM::Policy documents and the inline
 * {@code Policies} of AWS::IAM::Role. Resource policies (bucket policy, KMS key policy, SQS/SNS
 * queue/topic policies) are not identity policies and are left to their constructs; AWS managed
 * policies are allowed only from {@link #MANAGED_POLICIES}.
 */
class IamTest {
    private final Template t = Synth.template(Map.of("iotEndpoint", "abc123example-ats.iot.eu-west-1.amazonaws.com",
            "alarmEmail", "oncall@example.com"));

    /**
     * Actions AWS only authorizes on {@code "Resource": "*"}. None of them is granted by this stack's
     * own policies today (the VPC functions get their ENI rights from the
     * AWSLambdaVPCAccessExecutionRole managed policy); they are listed so that enabling X-Ray tracing
     * or similar later is a deliberate, documented change here and in docs/infra.md.
     */
    static final Set<String> STAR_RESOURCE_ALLOWED = Set.of(
            "xray:PutTraceSegments", "xray:PutTelemetryRecords",
            "ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DeleteNetworkInterface",
            "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses",
            "ec2:DescribeManagedPrefixLists"); // the prefix-list lookup (custom resource) for the functions' egress

    /** AWS managed policies a role may carry. */
    static final Set<String> MANAGED_POLICIES = Set.of(
            "service-role/AWSLambdaBasicExecutionRole",       // CloudWatch Logs for every function
            "service-role/AWSLambdaVPCAccessExecutionRole",   // ENIs for the functions in the VPC
            "service-role/AmazonAPIGatewayPushToCloudWatchLogs"); // API Gateway account role (access logs)

    record Stmt(String where, Map<String, Object> body) {
        List<String> actions() {
            return list(body.get("Action")).stream().map(String::valueOf).toList();
        }

        List<Object> resourcesOf() {
            return list(body.get("Resource"));
        }
    }

    /**
     * The lakelog functions' statements. The policy of CDK's own BucketDeployment handler (which copies
     * the console's files from the CDK assets bucket and invalidates the distribution) is CDK's,
     * with CDK's wildcards; ConsoleTest checks that it reaches only those two buckets.
     */
    private List<Stmt> statements() {
        List<Stmt> out = new ArrayList<>();
        resources(t, "AWS::IAM::Policy").forEach((id, r) -> {
            if (id.startsWith(ConsoleTest.DEPLOYMENT_POLICY_PREFIX)) return;
            for (Object s : list(map(props(r).get("PolicyDocument")).get("Statement"))) {
                out.add(new Stmt(id, map(s)));
            }
        });
        resources(t, "AWS::IAM::Role").forEach((id, r) -> {
            Object inline = props(r).get("Policies");
            if (inline != null) {
                for (Object pol : list(inline)) {
                    for (Object s : list(map(map(pol).get("PolicyDocument")).get("Statement"))) {
                        out.add(new Stmt(id + "/inline", map(s)));
                    }
                }
            }
        });
        resources(t, "AWS::IAM::ManagedPolicy").forEach((id, r) -> {
            for (Object s : list(map(props(r).get("PolicyDocument")).get("Statement"))) {
                out.add(new Stmt(id, map(s)));
            }
        });
        return out;
    }

    @Test
    void noStatementUsesAWildcardAction() {
        List<Stmt> all = statements();
        assertThat(all).hasSizeGreaterThan(40);
        for (Stmt s : all) {
            assertThat(s.body()).as(s.where()).doesNotContainKeys("NotAction", "NotResource", "NotPrincipal");
            for (String a : s.actions()) {
                assertThat(a).as(s.where() + " action").doesNotContain("*").matches("[a-z0-9-]+:[A-Za-z0-9]+");
            }
        }
    }

    @Test
    void noStatementTargetsEveryResourceUnlessAwsRequiresIt() {
        for (Stmt s : statements()) {
            for (Object r : s.resourcesOf()) {
                if ("*".equals(r)) {
                    assertThat(STAR_RESOURCE_ALLOWED).as(s.where() + " grants " + s.actions() + " on *")
                            .containsAll(s.actions());
                }
            }
        }
    }

    @Test
    void everyStatementAllows() {
        for (Stmt s : statements()) {
            assertThat(s.body()).as(s.where()).containsEntry("Effect", "Allow");
        }
    }

    @Test
    void rolesCarryOnlyTheExpectedAwsManagedPolicies() {
        resources(t, "AWS::IAM::Role").forEach((id, r) -> {
            Object managed = props(r).get("ManagedPolicyArns");
            if (managed != null) {
                for (Object arn : list(managed)) {
                    String s = Synth.toJson(arn);
                    assertThat(MANAGED_POLICIES.stream().anyMatch(m -> s.contains(":iam::aws:policy/" + m + "\"")))
                            .as(id + " carries " + s).isTrue();
                }
            }
        });
    }

    /** All actions granted to the role of the function with this handler. */
    private Set<String> actionsOf(String handler) {
        Object getAtt = map(props(function(t, handler).getValue()).get("Role")).get("Fn::GetAtt");
        String role = String.valueOf(list(getAtt).get(0));
        Set<String> actions = new TreeSet<>();
        for (Map<String, Object> r : resources(t, "AWS::IAM::Policy").values()) {
            Map<String, Object> p = props(r);
            if (Synth.toJson(p.get("Roles")).contains("\"" + role + "\"")) {
                for (Object s : list(map(p.get("PolicyDocument")).get("Statement"))) {
                    list(map(s).get("Action")).forEach(a -> actions.add(String.valueOf(a)));
                }
            }
        }
        return actions;
    }

    @Test
    void eachFunctionGetsOnlyWhatItsJobNeeds() {
        assertThat(actionsOf("AuthorizerHandler")).containsExactlyInAnyOrder("dynamodb:GetItem", "dynamodb:Query",
                "kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey");
        assertThat(actionsOf("IngestHandler")).containsExactlyInAnyOrder(
                "s3:PutObject", "s3:GetObject", "s3:ListBucket", "kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey",
                "dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem");
        // the integrity anchor: the query function reads it (GetPublicKey), only the committing functions sign (kms:Sign)
        assertThat(actionsOf("QueryHandler")).containsExactlyInAnyOrder(
                "s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload", "s3:ListBucket", "kms:Decrypt",
                "kms:GenerateDataKey", "kms:DescribeKey", "dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem",
                "secretsmanager:GetSecretValue",
                "kms:GetPublicKey", "s3:GetObjectVersion", "s3:ListBucketVersions", "s3:GetBucketObjectLockConfiguration", "lambda:InvokeFunction");
        // the jobs worker: the query function's reads and result writes (jobs table included), no invoke
        assertThat(actionsOf("QueryJobHandler")).containsExactlyInAnyOrder(
                "s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload", "s3:ListBucket", "kms:Decrypt",
                "kms:GenerateDataKey", "kms:DescribeKey", "dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem",
                "secretsmanager:GetSecretValue", "sqs:SendMessage");
        Set<String> lakeWriter = Set.of("s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload",
                "s3:ListBucket", "kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey", "dynamodb:GetItem", "dynamodb:Query",
                "dynamodb:Scan", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
                "secretsmanager:GetSecretValue",
                "kms:GetPublicKey", "kms:Sign", "s3:GetObjectVersion", "s3:ListBucketVersions", "s3:GetBucketObjectLockConfiguration");
        assertThat(actionsOf("MaintenanceHandler")).containsExactlyInAnyOrderElementsOf(lakeWriter);
        Set<String> async = new TreeSet<>(lakeWriter);
        async.add("sqs:SendMessage");
        assertThat(actionsOf("RollupScheduleHandler")).containsExactlyInAnyOrderElementsOf(async);
        assertThat(actionsOf("MaintenanceScheduleHandler")).containsExactlyInAnyOrderElementsOf(async);
        async.add("iot:Publish");
        assertThat(actionsOf("IotRollupHandler")).containsExactlyInAnyOrderElementsOf(async);
        // Nobody may remove object versions: versioning keeps deleted lake files recoverable.
        for (String h : AlarmsTest.HANDLERS) {
            assertThat(actionsOf(h)).doesNotContain("s3:DeleteObjectVersion", "s3:PutBucketPolicy", "s3:PutLifecycleConfiguration");
        }
    }

    @Test
    void s3ObjectRightsAreScopedToPrefixesAndListingToThoseSamePrefixes() {
        for (Stmt s : statements()) {
            boolean s3 = s.actions().stream().anyMatch(a -> a.startsWith("s3:"));
            if (!s3) {
                continue;
            }
            if (s.actions().equals(List.of("s3:PutBucketNotification"))) {
                // CDK's bucket-notifications handler configures the drop folder's notification: the bucket only
                assertThat(s.where()).startsWith("DataBucketNotificationsHandlerPolicy");
                assertThat(Synth.toJson(s.resourcesOf())).contains(FunctionsConstruct.LEGACY_BUCKET_ID).doesNotContain("/");
                continue;
            }
            if (s.actions().contains("s3:GetBucketObjectLockConfiguration")) {
                assertThat(s.actions()).containsExactly("s3:GetBucketObjectLockConfiguration");
                continue;
            }
            if (s.actions().contains("s3:ListBucket") || s.actions().contains("s3:ListBucketVersions")) {
                assertThat(s.actions()).hasSize(1);
                assertThat(Synth.toJson(s.body().get("Condition"))).as(s.where()).contains("s3:prefix");
                continue;
            }
            for (Object r : s.resourcesOf()) {
                assertThat(Synth.toJson(r)).as(s.where()).containsPattern("\"/(segments|metric-segments|lake|quarantine|results|incoming|chain-heads|access-trail/pending)/\\*\"");
            }
        }
    }

    @Test
    void theDropFolderFunctionReadsAndRemovesIncomingWritesSegmentsAndQuarantineAndNothingElse() {
        assertThat(actionsOf("DropFolderHandler")).containsExactlyInAnyOrder("s3:GetObject", "s3:DeleteObject", "s3:PutObject",
                "s3:ListBucket", "kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey", "dynamodb:GetItem", "dynamodb:Query",
                "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "sqs:SendMessage");
        List<Stmt> drop = statements().stream().filter(s -> s.where().startsWith("FunctionsDropFolderFunction")
                || s.where().startsWith("DropFolderFunction")).toList();
        assertThat(drop).isNotEmpty();
        for (Stmt s : drop) {
            String res = Synth.toJson(s.resourcesOf());
            if (s.actions().contains("s3:DeleteObject") || s.actions().contains("s3:GetObject")) {
                assertThat(res).as("reads and deletes only the dropped files").contains("/incoming/*")
                        .doesNotContain("/segments/").doesNotContain("/lake/").doesNotContain("/quarantine/");
            }
            if (s.actions().contains("s3:PutObject")) {
                assertThat(res).containsPattern("/(segments|quarantine)/\\*").doesNotContain("/lake/").doesNotContain("/incoming/");
            }
            assertThat(res).doesNotContain("LeasesTable").doesNotContain("/lake/").doesNotContain("/results/");
            if (s.actions().contains("s3:ListBucket")) {
                assertThat(Synth.toJson(s.body().get("Condition"))).contains("incoming/*").doesNotContain("segments/");
            }
        }
        assertThat(actionsOf("DropFolderHandler")).noneMatch(a -> a.startsWith("secretsmanager:"));
    }

    @Test
    void ingestAndAuthorizerCannotReachTheCatalogOrTheLake() {
        for (String h : List.of("IngestHandler", "AuthorizerHandler")) {
            assertThat(actionsOf(h)).noneMatch(a -> a.startsWith("secretsmanager:") || a.equals("s3:DeleteObject"));
        }
        List<Stmt> ingest = statements().stream().filter(s -> s.where().startsWith("IngestFunction")).toList();
        assertThat(ingest).isNotEmpty();
        for (Stmt s : ingest) {
            assertThat(Synth.toJson(s.resourcesOf())).doesNotContain("/lake/").doesNotContain("LeasesTable");
        }
    }
}
