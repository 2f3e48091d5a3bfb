package dev.lakelog.infra;

import static dev.lakelog.infra.Synth.props;
import static dev.lakelog.infra.Synth.resources;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.junit.jupiter.api.Test;

import software.amazon.awscdk.assertions.Template;

/**
 * The integrity anchor's resources (docs/integrity.md#the-anchor): an asymmetric KMS signing key,
 * a bucket under Object Lock (compliance, 365 days by default), the anchor's variables on every
 * lake function, and {@code kms:Sign} for the committing functions only.
 */
class AnchorTest {

    private static Map<String, Object> anchorBucket(Template t) {
        return props(Synth.byIdPrefix(t, "AWS::S3::Bucket", "AnchorBucket").getValue());
    }

    @Test
    void the_anchor_key_is_an_asymmetric_p256_signing_key_kept_when_the_stack_goes() {
        Template t = Synth.template();
        Map.Entry<String, Map<String, Object>> key = Synth.byIdPrefix(t, "AWS::KMS::Key", "AnchorKey");
        assertThat(props(key.getValue())).containsEntry("KeySpec", "ECC_NIST_P256").containsEntry("KeyUsage", "SIGN_VERIFY");
        assertThat(key.getValue()).containsEntry("DeletionPolicy", "Retain");
    }

    @Test
    void the_anchor_bucket_is_always_under_object_lock_in_compliance_mode_by_default() {
        Map<String, Object> b = anchorBucket(Synth.template());
        assertThat(b).containsEntry("ObjectLockEnabled", true).containsKey("VersioningConfiguration");
        assertThat(b.get("ObjectLockConfiguration")).isEqualTo(Map.of("ObjectLockEnabled", "Enabled",
                "Rule", Map.of("DefaultRetention", Map.of("Mode", "COMPLIANCE", "Days", 365))));
        assertThat(Synth.toJson(b.get("PublicAccessBlockConfiguration"))).contains("\"BlockPublicAcls\":true");
    }

    @Test
    void governance_mode_and_the_days_are_stack_options_and_no_lock_is_refused() {
        Map<String, Object> b = anchorBucket(Synth.template(Map.of("anchorLockMode", "governance", "anchorLockRetentionDays", 30)));
        assertThat(b.get("ObjectLockConfiguration").toString()).contains("GOVERNANCE").contains("Days=30");
        assertThatThrownBy(() -> Synth.synth(Map.of("anchorLockMode", "none")))
                .hasStackTraceContaining("anchorLockMode must be governance or compliance (the anchor bucket is always locked)");
        assertThatThrownBy(() -> Synth.synth(Map.of("anchorLockRetentionDays", 0))).hasStackTraceContaining("anchorLockRetentionDays must be 1-36500");
    }

    @Test
    void every_lake_function_knows_the_anchor_and_the_slim_functions_do_not() {
        Template t = Synth.template();
        for (String h : new String[] {"QueryHandler", "MaintenanceHandler", "RollupScheduleHandler", "IotRollupHandler", "MaintenanceScheduleHandler"}) {
            String env = Synth.toJson(props(Synth.function(t, h).getValue()).get("Environment"));
            assertThat(env).as(h).contains("LAKELOG_ANCHOR_BUCKET").contains("LAKELOG_ANCHOR_KMS_KEY_ID").contains("\"LAKELOG_ANCHOR_PREFIX\":\"chain-heads/\"");
        }
        for (String h : new String[] {"IngestHandler", "AuthorizerHandler"}) {
            assertThat(Synth.toJson(props(Synth.function(t, h).getValue()).get("Environment"))).as(h).doesNotContain("LAKELOG_ANCHOR");
        }
    }

    @Test
    void only_the_functions_that_commit_may_sign_and_nobody_may_delete_heads_or_bypass_the_lock() {
        Template t = Synth.template();
        String key = Synth.logicalId(t, "AWS::KMS::Key", "AnchorKey");
        String signers = "";
        for (Map<String, Object> r : resources(t, "AWS::IAM::Policy").values()) {
            String doc = Synth.toJson(props(r).get("PolicyDocument"));
            assertThat(doc).doesNotContain("s3:BypassGovernanceRetention");
            for (Object st : Synth.list(Synth.map(props(r).get("PolicyDocument")).get("Statement"))) {
                String one = Synth.toJson(st);
                if (!one.contains(FunctionsConstruct.ANCHOR_BUCKET_ID) && !one.contains(key)) continue;
                assertThat(one).doesNotContain("s3:DeleteObject").doesNotContain("s3:PutObjectRetention").doesNotContain("s3:PutObjectLegalHold")
                        .doesNotContain("s3:PutBucketObjectLockConfiguration").doesNotContain("kms:ScheduleKeyDeletion").doesNotContain("kms:PutKeyPolicy");
            }
            if (doc.contains("\"kms:Sign\"")) {
                assertThat(doc).contains(key);
                signers += Synth.toJson(props(r).get("Roles"));
            }
        }
        assertThat(signers).contains("MaintenanceFunction").contains("RollupFunction").contains("IotRollupFunction")
                .contains("MaintenanceScheduleFunction").doesNotContain("QueryFunction").doesNotContain("IngestFunction")
                .doesNotContain("AuthorizerFunction");
    }
}
