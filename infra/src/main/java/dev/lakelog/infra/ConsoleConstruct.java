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

    ConsoleConstruct(Construct scope, RestApi api, Path assets) {
        super(scope, ID);
        bucket = Bucket.Builder.create(this, "ConsoleBucket")
                .encryption(BucketEncryption.S3_MANAGED)
                .blockPublicAccess(BlockPublicAccess.BLOCK_ALL)
                .objectOwnership(ObjectOwnership.BUCKET_OWNER_ENFORCED)
                .enforceSsl(true)
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
