package dev.lakelog.infra;

import static dev.lakelog.infra.Synth.props;
import static dev.lakelog.infra.Synth.resources;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.junit.jupiter.api.Test;

import software.amazon.awscdk.assertions.Template;

/** S3 Object Lock on the segments/lake bucket as a stack option (docs/integrity.md#write-once). */
class ObjectLockTest {

    private static Map<String, Object> bucket(Template t) {
        return props(Synth.byIdPrefix(t, "AWS::S3::Bucket", "DataBucket").getValue()); // the segments/lake bucket, not the log or console buckets
    }

    @Test
    void without_the_option_the_bucket_has_no_lock() {
        assertThat(bucket(Synth.template())).doesNotContainKeys("ObjectLockEnabled", "ObjectLockConfiguration");
    }

    @Test
    void compliance_mode_locks_every_new_object_for_the_days_asked() {
        Template t = Synth.template(Map.of("objectLockMode", "compliance", "objectLockRetentionDays", 7));
        Map<String, Object> b = bucket(t);
        assertThat(b).containsEntry("ObjectLockEnabled", true);
        assertThat(b.get("ObjectLockConfiguration")).isEqualTo(Map.of("ObjectLockEnabled", "Enabled",
                "Rule", Map.of("DefaultRetention", Map.of("Mode", "COMPLIANCE", "Days", 7))));
        assertThat(b).containsKey("VersioningConfiguration");
    }

    @Test
    void governance_mode_is_offered_too() {
        Map<String, Object> b = bucket(Synth.template(Map.of("objectLockMode", "governance", "objectLockRetentionDays", 3)));
        assertThat(b.get("ObjectLockConfiguration").toString()).contains("GOVERNANCE").contains("Days=3");
    }

    @Test
    void a_lock_longer_than_the_cleanup_age_is_refused_because_cleanup_would_delete_locked_files() {
        assertThatThrownBy(() -> Synth.synth(Map.of("objectLockMode", "compliance", "objectLockRetentionDays", 8)))
                .hasStackTraceContaining("cleanupOlderThanHours (168) is shorter than objectLockRetentionDays (8 days = 192 hours)");
    }

    @Test
    void a_lock_longer_than_the_noncurrent_version_expiry_is_refused() {
        assertThatThrownBy(() -> Synth.synth(Map.of("objectLockMode", "governance", "objectLockRetentionDays", 40,
                "cleanupOlderThanHours", 960)))
                .hasStackTraceContaining("noncurrentVersionExpirationDays (30) is shorter than objectLockRetentionDays (40)");
    }

    @Test
    void a_mode_without_days_or_an_unknown_mode_is_refused() {
        assertThatThrownBy(() -> Synth.synth(Map.of("objectLockMode", "compliance")))
                .hasStackTraceContaining("objectLockRetentionDays must be 1-36500");
        assertThatThrownBy(() -> Synth.synth(Map.of("objectLockMode", "strict", "objectLockRetentionDays", 1)))
                .hasStackTraceContaining("objectLockMode must be none, governance or compliance");
    }
}
