package dev.lakelog.infra;

import static dev.lakelog.infra.Synth.byIdPrefix;
import static dev.lakelog.infra.Synth.list;
import static dev.lakelog.infra.Synth.map;
import static dev.lakelog.infra.Synth.props;
import static dev.lakelog.infra.Synth.resources;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;

/** The web console: private bucket, CloudFront with OAC, the API under /v1/* on the same origin, the files deployed. */
class ConsoleTest {
    /** The policy of CDK's BucketDeployment handler (IamTest leaves it to this class). */
    static final String DEPLOYMENT_POLICY_PREFIX = "CustomCDKBucketDeployment";
    private final Template t = Synth.template();

    private Map.Entry<String, Map<String, Object>> consoleBucket() {
        return byIdPrefix(t, "AWS::S3::Bucket", "ConsoleConsoleBucket");
    }

    private Map<String, Object> distributionConfig() {
        return map(props(byIdPrefix(t, "AWS::CloudFront::Distribution", "ConsoleConsoleDistribution").getValue()).get("DistributionConfig"));
    }

    @Test
    void theConsoleBucketIsPrivateEncryptedAndRefusesPlainHttp() {
        Map<String, Object> p = props(consoleBucket().getValue());
        assertThat(p.get("PublicAccessBlockConfiguration")).isEqualTo(Map.of("BlockPublicAcls", true, "BlockPublicPolicy", true,
                "IgnorePublicAcls", true, "RestrictPublicBuckets", true));
        assertThat(p.get("BucketEncryption")).isEqualTo(Map.of("ServerSideEncryptionConfiguration",
                List.of(Map.of("ServerSideEncryptionByDefault", Map.of("SSEAlgorithm", "AES256")))));
        assertThat(p.get("OwnershipControls")).isEqualTo(Map.of("Rules", List.of(Map.of("ObjectOwnership", "BucketOwnerEnforced"))));
        t.hasResourceProperties("AWS::S3::BucketPolicy", Map.of(
                "Bucket", Map.of("Ref", consoleBucket().getKey()),
                "PolicyDocument", Map.of("Statement", Match.arrayWith(List.of(Match.objectLike(Map.of(
                        "Effect", "Deny", "Action", "s3:*",
                        "Condition", Map.of("Bool", Map.of("aws:SecureTransport", "false")))))))));
    }

    @Test
    void cloudFrontReadsTheBucketThroughOriginAccessControlOnly() {
        assertThat(resources(t, "AWS::CloudFront::OriginAccessControl")).hasSize(1);
        Map<String, Object> oac = map(props(resources(t, "AWS::CloudFront::OriginAccessControl").values().iterator().next()).get("OriginAccessControlConfig"));
        assertThat(oac).containsEntry("OriginAccessControlOriginType", "s3").containsEntry("SigningBehavior", "always");
        // the bucket policy lets only this distribution's service principal read
        t.hasResourceProperties("AWS::S3::BucketPolicy", Map.of(
                "Bucket", Map.of("Ref", consoleBucket().getKey()),
                "PolicyDocument", Map.of("Statement", Match.arrayWith(List.of(Match.objectLike(Map.of(
                        "Effect", "Allow", "Action", "s3:GetObject",
                        "Principal", Map.of("Service", "cloudfront.amazonaws.com"),
                        "Condition", Match.objectLike(Map.of("StringEquals", Match.objectLike(Map.of("AWS:SourceArn", Match.anyValue())))))))))));
        List<Object> origins = list(distributionConfig().get("Origins"));
        assertThat(origins).hasSize(2);
        Map<String, Object> s3 = origins.stream().map(Synth::map).filter(o -> o.containsKey("S3OriginConfig")).findFirst().orElseThrow();
        assertThat(s3).containsKey("OriginAccessControlId");
        assertThat(map(s3.get("S3OriginConfig"))).containsEntry("OriginAccessIdentity", "");
    }

    @Test
    void theDefaultBehaviourServesTheStaticFilesOverHttpsWithIndexHtmlAtTheRoot() {
        Map<String, Object> cfg = distributionConfig();
        assertThat(cfg).containsEntry("DefaultRootObject", "index.html").containsEntry("Enabled", true);
        Map<String, Object> def = map(cfg.get("DefaultCacheBehavior"));
        assertThat(def).containsEntry("ViewerProtocolPolicy", "redirect-to-https");
        assertThat(list(def.get("AllowedMethods"))).containsExactlyInAnyOrder("GET", "HEAD");
        assertThat(def).containsKey("ResponseHeadersPolicyId");
    }

    @Test
    void theApiIsTheSecondOriginUnderV1WithNoCachingAndEveryViewerHeaderButHost() {
        Map<String, Object> cfg = distributionConfig();
        List<Object> behaviours = list(cfg.get("CacheBehaviors"));
        assertThat(behaviours).hasSize(1);
        Map<String, Object> api = map(behaviours.get(0));
        assertThat(api).containsEntry("PathPattern", "/v1/*").containsEntry("ViewerProtocolPolicy", "https-only");
        assertThat(list(api.get("AllowedMethods"))).contains("GET", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "HEAD");
        // managed policies: CachingDisabled and AllViewerExceptHostHeader
        assertThat(api).containsEntry("CachePolicyId", "4135ea2d-6df8-44a3-9df3-4b5a84be39ad")
                .containsEntry("OriginRequestPolicyId", "b689b0a8-53d0-40ab-baf2-68738e2966ac");
        Map<String, Object> apiOrigin = list(cfg.get("Origins")).stream().map(Synth::map)
                .filter(o -> o.get("Id").equals(api.get("TargetOriginId"))).findFirst().orElseThrow();
        assertThat(map(apiOrigin.get("CustomOriginConfig"))).containsEntry("OriginProtocolPolicy", "https-only");
        assertThat(apiOrigin.get("DomainName").toString()).contains("{Ref=Api").contains("execute-api");
        assertThat(apiOrigin).containsKey("OriginPath"); // the stage
    }

    @Test
    void theBundledFilesAreDeployedToTheBucketAndTheCacheIsInvalidated() {
        Map<String, Map<String, Object>> deployments = resources(t, "Custom::CDKBucketDeployment");
        assertThat(deployments).hasSize(1);
        Map<String, Object> p = props(deployments.values().iterator().next());
        assertThat(p.get("DestinationBucketName")).isEqualTo(Map.of("Ref", consoleBucket().getKey()));
        assertThat(p).containsEntry("Prune", true).containsKey("DistributionId");
        assertThat(list(p.get("DistributionPaths"))).containsExactly("/*");
        assertThat(p).doesNotContainEntry("RetainOnDelete", true);
    }

    @Test
    void theDeploymentHandlerReachesOnlyTheAssetsBucketTheConsoleBucketAndInvalidations() {
        Map<String, Map<String, Object>> policies = resources(t, "AWS::IAM::Policy");
        List<Map<String, Object>> mine = policies.entrySet().stream().filter(e -> e.getKey().startsWith(DEPLOYMENT_POLICY_PREFIX))
                .map(Map.Entry::getValue).toList();
        assertThat(mine).hasSize(1);
        for (Object st : list(map(props(mine.get(0)).get("PolicyDocument")).get("Statement"))) {
            Map<String, Object> s = map(st);
            List<Object> actions = list(s.get("Action"));
            String resources = Synth.toJson(s.get("Resource"));
            if (actions.stream().allMatch(a -> a.toString().startsWith("cloudfront:"))) {
                assertThat(actions).containsExactlyInAnyOrder("cloudfront:CreateInvalidation", "cloudfront:GetInvalidation");
                continue;
            }
            assertThat(actions).allMatch(a -> a.toString().startsWith("s3:"));
            assertThat(resources).as(resources).matches(r -> r.contains("cdk-hnb659fds-assets-") || r.contains(consoleBucket().getKey()));
            if (resources.contains("cdk-hnb659fds-assets-")) {
                assertThat(actions).noneMatch(a -> a.toString().contains("Put") || a.toString().contains("Delete"));
            }
        }
    }

    @Test
    void theStackOutputsTheConsoleUrl() {
        assertThat(t.findOutputs("ConsoleUrl", Match.anyValue())).hasSize(1);
    }

    @Test
    void synthFailsWithTheBuildCommandWhenTheConsoleWasNotBuilt() {
        assertThatThrownBy(() -> ConsoleConstruct.assets("/nonexistent/console"))
                .hasMessageContaining("mvn -B -pl functions install -DskipTests").hasMessageContaining("consoleDir");
    }
}
