package dev.lakelog.infra;

import software.amazon.awscdk.App;
import software.amazon.awscdk.Environment;
import software.amazon.awscdk.StackProps;

/**
 * The CDK app: one stack, {@code LakelogStack}.
 *
 * <p>The stack is environment-agnostic unless the context gives both {@code account} and
 * {@code region} (e.g. {@code -c account=123456789012 -c region=eu-west-1}), so {@code cdk synth}
 * needs no AWS credentials. {@code cdk deploy} takes the account and region from the caller's
 * credentials and profile.
 */
public final class LakelogApp {
    private LakelogApp() {
    }

    public static void main(String[] args) {
        try {
            synth();
        } catch (IllegalStateException | IllegalArgumentException e) {
            // A missing zip or a bad context value: say what to do, without a stack trace.
            System.err.println("lakelog infra: " + e.getMessage());
            System.exit(1);
        }
    }

    static void synth() {
        App app = new App();
        StackProps.Builder props = StackProps.builder()
                .description("lakelog: serverless compliance/telemetry log lake (DuckLake on S3 + PostgreSQL)");
        Object account = app.getNode().tryGetContext("account");
        Object region = app.getNode().tryGetContext("region");
        if (account != null && region != null) {
            props.env(Environment.builder().account(account.toString()).region(region.toString()).build());
        }
        new LakelogStack(app, "LakelogStack", props.build(), StackConfig.fromContext(app.getNode()));
        app.synth();
    }
}
