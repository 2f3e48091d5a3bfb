package dev.lakelog.infra;

import software.amazon.awscdk.Duration;
import software.amazon.awscdk.services.s3.ObjectLockRetention;
import software.constructs.Node;

/**
 * The Object Lock of the integrity anchor's bucket (docs/integrity.md#the-anchor), from the
 * context keys {@code anchorLockMode} ({@code compliance} by default, or {@code governance}) and
 * {@code anchorLockRetentionDays} (1-36500, default 365). The anchor bucket is always locked: it
 * is what makes a rewrite of the catalog's integrity table visible. Compliance is the default
 * because an anchor that its writer (or an account admin) could shorten proves nothing to an
 * auditor; governance is offered to try the stack out (its locked heads can be removed by a
 * principal with {@code s3:BypassGovernanceRetention}, which no lakelog role has).
 */
record AnchorOptions(String mode, int retentionDays) {
    static final String MODE = "anchorLockMode";
    static final String DAYS = "anchorLockRetentionDays";
    static final String PREFIX = "chain-heads/";

    ObjectLockRetention retention() {
        return mode.equals("compliance") ? ObjectLockRetention.compliance(Duration.days(retentionDays))
                : ObjectLockRetention.governance(Duration.days(retentionDays));
    }

    static AnchorOptions fromContext(Node node) {
        Object m = node.tryGetContext(MODE);
        String mode = m == null ? "compliance" : String.valueOf(m).trim().toLowerCase(java.util.Locale.ROOT);
        if (!mode.equals("governance") && !mode.equals("compliance")) {
            throw new IllegalArgumentException("context " + MODE + " must be governance or compliance (the anchor bucket is always locked), got '" + m + "'");
        }
        Object d = node.tryGetContext(DAYS);
        int days;
        try {
            days = d == null ? 365 : Integer.parseInt(String.valueOf(d).trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("context " + DAYS + " must be a whole number of days, got '" + d + "'");
        }
        if (days < 1 || days > 36_500) throw new IllegalArgumentException("context " + DAYS + " must be 1-36500, got " + d);
        return new AnchorOptions(mode, days);
    }
}
