package dev.lakelog.infra;

import software.amazon.awscdk.Duration;
import software.amazon.awscdk.services.s3.ObjectLockRetention;
import software.constructs.Node;

/**
 * S3 Object Lock on the segments/lake bucket (docs/integrity.md#write-once), from the context keys
 * {@code objectLockMode} ({@code none} by default, {@code governance} or {@code compliance}) and
 * {@code objectLockRetentionDays} (1-36500, required with a mode). Checked against the stack's own
 * deletions so that nothing is asked to go before the lock allows it: the lifecycle's
 * noncurrent-version expiry and the scheduled cleanup's age must both be at least the lock's days.
 */
record ObjectLockOptions(String mode, int retentionDays) {
    static final String MODE = "objectLockMode";
    static final String DAYS = "objectLockRetentionDays";

    boolean enabled() {
        return !mode.equals("none");
    }

    /** The bucket's default retention, or null without a lock. */
    ObjectLockRetention retention() {
        if (!enabled()) return null;
        return mode.equals("compliance") ? ObjectLockRetention.compliance(Duration.days(retentionDays))
                : ObjectLockRetention.governance(Duration.days(retentionDays));
    }

    static ObjectLockOptions fromContext(Node node, StackConfig cfg) {
        Object m = node.tryGetContext(MODE);
        String mode = m == null ? "none" : String.valueOf(m).trim().toLowerCase(java.util.Locale.ROOT);
        if (!mode.equals("none") && !mode.equals("governance") && !mode.equals("compliance")) {
            throw new IllegalArgumentException("context " + MODE + " must be none, governance or compliance, got '" + m + "'");
        }
        Object d = node.tryGetContext(DAYS);
        if (mode.equals("none")) {
            if (d != null) throw new IllegalArgumentException("context " + DAYS + " is set but " + MODE + " is none: set a mode, or drop the days");
            return new ObjectLockOptions(mode, 0);
        }
        int days;
        try {
            days = d == null ? -1 : Integer.parseInt(String.valueOf(d).trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("context " + DAYS + " must be a whole number of days, got '" + d + "'");
        }
        if (days < 1 || days > 36_500) {
            throw new IllegalArgumentException("context " + DAYS + " must be 1-36500 with " + MODE + "=" + mode + ", got " + d);
        }
        if (cfg.noncurrentVersionExpirationDays() < days) {
            throw new IllegalArgumentException("context noncurrentVersionExpirationDays (" + cfg.noncurrentVersionExpirationDays()
                    + ") is shorter than " + DAYS + " (" + days + "): the lifecycle would ask to delete object versions the lock "
                    + "still protects; make it at least " + days);
        }
        if (cfg.cleanupOlderThanHours() < days * 24L) {
            throw new IllegalArgumentException("context cleanupOlderThanHours (" + cfg.cleanupOlderThanHours() + ") is shorter than "
                    + DAYS + " (" + days + " days = " + days * 24L + " hours): the scheduled cleanup would ask to delete lake files "
                    + "the lock still protects; make it at least " + days * 24L);
        }
        return new ObjectLockOptions(mode, days);
    }
}
