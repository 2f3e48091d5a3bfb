package dev.lakelog.infra;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.services.apigateway.RestApi;
import software.amazon.awscdk.services.cloudfront.AllowedMethods;
import software.amazon.awscdk.services.cloudfront.BehaviorOptions;
import software.amazon.awscdk.services.cloudfront.CachePolicy;
import software.amazon.awscdk.services.cloudfront.Distribution;
import software.amazon.awscdk.services.cloudfront.HttpVersion;
import software.amazon.awscdk.services.cloudfront.OriginRequestPolicy;
import software.amazon.awscdk.services.cloudfront.PriceClass;
import software.amazon.awscdk.services.cloudfront.ResponseHeadersPolicy;
import software.amazon.awscdk.services.cloudfront.ViewerProtocolPolicy;
import software.amazon.awscdk.services.cloudfront.origins.RestApiOrigin;
import software.amazon.awscdk.services.cloudfront.origins.S3BucketOrigin;
import software.amazon.awscdk.services.s3.BlockPublicAccess;
import software.amazon.awscdk.services.s3.Bucket;
import software.amazon.awscdk.services.s3.BucketEncryption;
import software.amazon.awscdk.services.s3.ObjectOwnership;
import software.amazon.awscdk.services.s3.deployment.BucketDeployment;
import software.amazon.awscdk.services.s3.deployment.Source;
import software.constructs.Construct;

/**
 * The web console in AWS: its bundled files (functions/target/classes/console, built by the Maven
 * build) in a private bucket (S3-managed encryption, TLS only, no public access), served by a
 * CloudFront distribution through Origin Access Control, with the REST API as a second origin under
 * {@code /v1/*} so the page and the API share one origin (no CORS). The API behaviour caches
 * nothing and forwards every viewer header but Host (the Bearer token and the HMAC headers reach
 * API Gateway; AWS allows the Authorization header through an all-viewer origin request policy
 * only when caching is off, which it is).
 */
final class ConsoleConstruct extends Construct {
    static final String ID = "Console";
    /** Context key: where the bundled console is (default: the functions module's build output). */
    static final String CONTEXT_DIR = "consoleDir";
    static final String DEFAULT_DIR = "../functions/target/classes/console";

    final Bucket bucket;
    final Distribution distribution;

    ConsoleConstruct(Construct scope, RestApi api, Path assets, Bucket accessLogs) {
        super(scope, ID);
        bucket = Bucket.Builder.create(this, "ConsoleBucket")
                .encryption(BucketEncryption.S3_MANAGED)
                .blockPublicAccess(BlockPublicAccess.BLOCK_ALL)
                .objectOwnership(ObjectOwnership.BUCKET_OWNER_ENFORCED)
                .enforceSsl(true)
                .minimumTlsVersion(1.2)
                .serverAccessLogsBucket(accessLogs)
                .serverAccessLogsPrefix("console-bucket/")
                .versioned(false)
                // only build output lives here; the deployment below empties it when the stack goes
                .removalPolicy(RemovalPolicy.DESTROY)
                .build();

        distribution = Distribution.Builder.create(this, "ConsoleDistribution")
                .comment("lakelog console (static files) and API under /v1/*")
                .defaultRootObject("index.html")
                .httpVersion(HttpVersion.HTTP2_AND_3)
                .priceClass(PriceClass.PRICE_CLASS_100)
                .defaultBehavior(BehaviorOptions.builder()
                        .origin(S3BucketOrigin.withOriginAccessControl(bucket))
                        .viewerProtocolPolicy(ViewerProtocolPolicy.REDIRECT_TO_HTTPS)
                        .allowedMethods(AllowedMethods.ALLOW_GET_HEAD)
                        .cachePolicy(CachePolicy.CACHING_OPTIMIZED)
                        .responseHeadersPolicy(ResponseHeadersPolicy.SECURITY_HEADERS)
                        .compress(true)
                        .build())
                .additionalBehaviors(Map.of("/v1/*", BehaviorOptions.builder()
                        .origin(new RestApiOrigin(api))
                        .viewerProtocolPolicy(ViewerProtocolPolicy.HTTPS_ONLY)
                        .allowedMethods(AllowedMethods.ALLOW_ALL)
                        .cachePolicy(CachePolicy.CACHING_DISABLED)
                        .originRequestPolicy(OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER)
                        .compress(true)
                        .build()))
                .build();

        BucketDeployment.Builder.create(this, "ConsoleFiles")
                .sources(List.of(Source.asset(assets.toString())))
                .destinationBucket(bucket)
                .distribution(distribution)
                .distributionPaths(List.of("/*"))
                .prune(true)
                .retainOnDelete(false)
                .memoryLimit(256)
                .build();
        suppressNagFindings();
    }

    /** The cdk-nag findings on the distribution and on CDK's own BucketDeployment handler, each with its reason (docs/infra.md). */
    private void suppressNagFindings() {
        Nag.suppress(distribution, "CFR1", "the console and API serve every country the API itself serves; a geographic policy is the "
                + "platform team's to add (CloudFront geo restriction), not a default");
        Nag.suppress(distribution, "CFR2", "/v1/* goes on to the REST API, whose stage carries the WAF option (wafRateLimitPer5Min) and "
                + "per-tenant limits; the static files are public build output");
        Nag.suppress(distribution, "CFR3", "CloudFront standard logs need an ACL-enabled bucket, which the access-log bucket refuses "
                + "(bucket-owner-enforced); every /v1/* request is in the API's access log, the static files carry no tenant data");
        Nag.suppress(distribution, "CFR4", "the default *.cloudfront.net certificate: CloudFront fixes its security policy; with a "
                + "custom domain set a certificate and TLSv1.2_2021 (docs/deploy.md)");
        for (software.constructs.IConstruct c : software.amazon.awscdk.Stack.of(this).getNode().getChildren()) {
            if (c.getNode().getId().startsWith("Custom::CDKBucketDeployment")) {
                Nag.suppress(c, "IAM4", "CDK's BucketDeployment handler logs through AWSLambdaBasicExecutionRole",
                        "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole");
                Nag.suppress(c, "IAM5", "CDK's BucketDeployment handler policy: read the CDK assets bucket, write and prune the console "
                        + "bucket, create CloudFront invalidations (no resource-level permissions); ConsoleTest checks it reaches nothing else");
                Nag.suppress(c, "L1", "the runtime of CDK's BucketDeployment handler is chosen by aws-cdk-lib");
            }
        }
    }

    /** The bundled console directory, or a failure that says how to build it. */
    static Path assets(String configured) {
        Path p = Path.of(configured == null ? DEFAULT_DIR : configured);
        if (!p.isAbsolute()) p = Path.of(System.getProperty("user.dir")).resolve(p).normalize();
        if (!Files.isRegularFile(p.resolve("index.html"))) {
            throw new IllegalStateException("the bundled web console is not at " + p + " (no index.html). Build it first with "
                    + "`mvn -B -pl functions install -DskipTests` (from the repository root; needs npm), or point the context "
                    + "parameter " + CONTEXT_DIR + " at it (cdk synth -c " + CONTEXT_DIR + "=/path/to/console).");
        }
        return p;
    }
}
