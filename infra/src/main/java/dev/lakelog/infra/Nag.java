package dev.lakelog.infra;

import java.util.Arrays;
import java.util.List;

import io.github.cdklabs.cdknag.NagPackSuppression;
import io.github.cdklabs.cdknag.NagSuppressions;
import software.constructs.IConstruct;

/**
 * One place that writes cdk-nag suppressions: each names its AwsSolutions rule, the one-line reason,
 * and (for IAM4/IAM5) exactly which policy or resource pattern it covers. docs/infra.md lists them all
 * and {@code NagTest} checks that every suppressed rule is listed there.
 */
final class Nag {
    private Nag() {
    }

    /** Suppress {@code rule} (e.g. "IAM5") on {@code construct} and its children, for {@code appliesTo} only when given. */
    static void suppress(IConstruct construct, String rule, String reason, String... appliesTo) {
        NagPackSuppression.Builder b = NagPackSuppression.builder().id("AwsSolutions-" + rule).reason(reason);
        if (appliesTo.length > 0) {
            b.appliesTo(Arrays.asList((Object[]) appliesTo));
        }
        NagSuppressions.addResourceSuppressions(construct, List.of(b.build()), true);
    }
}
