package dev.lakelog.infra;

import io.github.cdklabs.cdknag.AwsSolutionsChecks;
import io.github.cdklabs.cdknag.NagPackProps;
import software.amazon.awscdk.App;
import software.amazon.awscdk.Aspects;
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
        StackConfig cfg = StackConfig.fromContext(app.getNode());
        // The construct id stays LakelogStack (logical ids); the stack name carries the environment.
        new LakelogStack(app, "LakelogStack", props.stackName(cfg.stackName()).build(), cfg);
        addNagChecks(app);
        app.synth();
    }

    /**
     * cdk-nag's AwsSolutions pack on every synth: an unsuppressed finding is an error annotation, which
     * fails {@code cdk synth}/{@code deploy}. Suppressions (each with its reason) sit beside the
     * resources they concern; docs/infra.md lists them.
     */
    static void addNagChecks(App app) {
        Aspects.of(app).add(new AwsSolutionsChecks(NagPackProps.builder().verbose(true).build()));
    }
}
