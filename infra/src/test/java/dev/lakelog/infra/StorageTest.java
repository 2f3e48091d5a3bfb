package dev.lakelog.infra;

import static dev.lakelog.infra.Synth.byIdPrefix;
import static dev.lakelog.infra.Synth.getAtt;
import static dev.lakelog.infra.Synth.list;
import static dev.lakelog.infra.Synth.map;
import static dev.lakelog.infra.Synth.props;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;

/** The segments/lake bucket: encryption, public access, TLS, versioning, lifecycle, retention. */
class StorageTest {
    private final Template t = Synth.template();

    @Test
    void bucketIsEncryptedWithARotatedCustomerKeyThatOutlivesTheStack() {
        Map.Entry<String, Map<String, Object>> key = byIdPrefix(t, "AWS::KMS::Key", "DataKey");
        assertThat(props(key.getValue())).containsEntry("EnableKeyRotation", true);
        assertThat(key.getValue()).containsEntry("DeletionPolicy", "Retain");

        t.hasResourceProperties("AWS::S3::Bucket", Map.of("BucketEncryption", Map.of(
                "ServerSideEncryptionConfiguration", List.of(Map.of(
                        "BucketKeyEnabled", true,
                        "ServerSideEncryptionByDefault", Map.of(
                                "SSEAlgorithm", "aws:kms",
                                "KMSMasterKeyID", getAtt(key.getKey(), "Arn")))))));
    }

    @Test
    void publicAccessIsBlockedAndAclsAreOff() {
        t.hasResourceProperties("AWS::S3::Bucket", Map.of(
                "PublicAccessBlockConfiguration", Map.of(
                        "BlockPublicAcls", true, "BlockPublicPolicy", true,
                        "IgnorePublicAcls", true, "RestrictPublicBuckets", true),
                "OwnershipControls", Map.of("Rules", List.of(Map.of("ObjectOwnership", "BucketOwnerEnforced")))));
    }

    @Test
    void bucketPolicyDeniesEverythingWithoutTls() {
        t.hasResourceProperties("AWS::S3::BucketPolicy", Map.of("PolicyDocument", Map.of(
                "Statement", Match.arrayWith(List.of(Match.objectLike(Map.of(
                        "Effect", "Deny",
                        "Action", "s3:*",
                        "Principal", Map.of("AWS", "*"),
                        "Condition", Map.of("Bool", Map.of("aws:SecureTransport", "false")))))))));
    }

    @Test
    void versionedWithLifecycleForQuarantineResultsAndOldVersions() {
        Map<String, Object> bucket = byIdPrefix(t, "AWS::S3::Bucket", "DataBucket").getValue();
        Map<String, Object> p = props(bucket);
        assertThat(p).containsEntry("VersioningConfiguration", Map.of("Status", "Enabled"));
        List<Object> rules = list(map(p.get("LifecycleConfiguration")).get("Rules"));
        assertThat(rules).anySatisfy(r -> assertThat(map(r))
                .containsEntry("Prefix", "quarantine/").containsEntry("ExpirationInDays", 30)
                .containsEntry("Status", "Enabled"));
        assertThat(rules).anySatisfy(r -> assertThat(map(r))
                .containsEntry("Prefix", "results/").containsEntry("ExpirationInDays", 1));
        assertThat(rules).anySatisfy(r -> assertThat(map(r))
                .containsEntry("NoncurrentVersionExpiration", Map.of("NoncurrentDays", 30))
                .containsEntry("AbortIncompleteMultipartUpload", Map.of("DaysAfterInitiation", 1))
                .doesNotContainKey("Prefix"));
        assertThat(rules).anySatisfy(r -> assertThat(map(r)).containsEntry("ExpiredObjectDeleteMarker", true));
        // Nothing in segments/ or lake/ expires by lifecycle: rollup and retention decide that.
        assertThat(rules).noneSatisfy(r -> assertThat(String.valueOf(map(r).get("Prefix"))).matches("segments/|lake/"));
    }

    @Test
    void bucketIsRetainedOnStackDeletion() {
        Map<String, Object> bucket = byIdPrefix(t, "AWS::S3::Bucket", "DataBucket").getValue();
        assertThat(bucket).containsEntry("DeletionPolicy", "Retain").containsEntry("UpdateReplacePolicy", "Retain");
    }

    @Test
    void quarantineExpiryIsAContextParameter() {
        Template custom = Synth.template(Map.of("quarantineExpirationDays", "7", "noncurrentVersionExpirationDays", 10));
        List<Object> rules = list(map(props(byIdPrefix(custom, "AWS::S3::Bucket", "DataBucket").getValue())
                .get("LifecycleConfiguration")).get("Rules"));
        assertThat(rules).anySatisfy(r -> assertThat(map(r))
                .containsEntry("Prefix", "quarantine/").containsEntry("ExpirationInDays", 7));
        assertThat(rules).anySatisfy(r -> assertThat(map(r))
                .containsEntry("NoncurrentVersionExpiration", Map.of("NoncurrentDays", 10)));
    }
}
