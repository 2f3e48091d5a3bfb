package dev.lakelog.aws;

import dev.lakelog.config.LakelogConfig;
import java.net.URI;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.iotdataplane.IotDataPlaneClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * The one place lakelog builds AWS SDK clients: S3 (and its presigner), DynamoDB, Secrets Manager
 * and the IoT data plane. Every client uses the URL-connection HTTP client (fast to start, no
 * Netty or Apache client in the zip), the configured region and endpoint overrides, and
 * {@link #credentials}.
 */
public final class AwsClients {
    private AwsClients() {}

    /**
     * Explicit keys when the environment has them ({@code AWS_ACCESS_KEY_ID} ..., as Lambda sets
     * them, and as the tests and local runs must). Without them: in Lambda the SDK's default
     * chain; anywhere else (an operator's machine) system properties, environment and the
     * {@code ~/.aws} profile only, never the instance-metadata service: nothing lakelog runs
     * outside AWS may send a request to 169.254.169.254 ({@link #noInstanceMetadata}).
     */
    public static AwsCredentialsProvider credentials(LakelogConfig config) {
        if (config.awsKeys().isPresent()) {
            LakelogConfig.AwsKeys k = config.awsKeys().get();
            return StaticCredentialsProvider.create(k.sessionToken()
                    .<software.amazon.awssdk.auth.credentials.AwsCredentials>map(t -> AwsSessionCredentials.create(k.accessKeyId(), k.secretAccessKey(), t))
                    .orElseGet(() -> AwsBasicCredentials.create(k.accessKeyId(), k.secretAccessKey())));
        }
        if (config.lambdaMemoryMb().isPresent()) return DefaultCredentialsProvider.builder().build();
        noInstanceMetadata();
        return software.amazon.awssdk.auth.credentials.AwsCredentialsProviderChain.of(
                software.amazon.awssdk.auth.credentials.SystemPropertyCredentialsProvider.create(),
                software.amazon.awssdk.auth.credentials.EnvironmentVariableCredentialsProvider.create(),
                software.amazon.awssdk.auth.credentials.ProfileCredentialsProvider.create());
    }

    /**
     * Turns off every SDK lookup of the EC2 instance-metadata service in this process (credentials
     * and region): set outside Lambda, where such a request would leave the machine.
     */
    public static void noInstanceMetadata() {
        System.setProperty("aws.disableEc2Metadata", "true");
    }

    public static DynamoDbClient dynamo(LakelogConfig c, AwsCredentialsProvider credentials) {
        var b = DynamoDbClient.builder().region(Region.of(c.region())).credentialsProvider(credentials)
                .httpClientBuilder(UrlConnectionHttpClient.builder());
        c.dynamoEndpoint().ifPresent(ep -> b.endpointOverride(URI.create(ep)));
        return b.build();
    }

    /** KMS (the integrity anchor's signing key), with an endpoint override when one is given. */
    public static software.amazon.awssdk.services.kms.KmsClient kms(String region, Optional<String> endpoint, AwsCredentialsProvider credentials) {
        var b = software.amazon.awssdk.services.kms.KmsClient.builder().region(Region.of(region)).credentialsProvider(credentials)
                .httpClientBuilder(UrlConnectionHttpClient.builder());
        endpoint.ifPresent(ep -> b.endpointOverride(URI.create(ep)));
        return b.build();
    }

    /** The Lambda client that starts the jobs function (asynchronous invocations). */
    public static software.amazon.awssdk.services.lambda.LambdaClient lambda(LakelogConfig c, AwsCredentialsProvider credentials) {
        return software.amazon.awssdk.services.lambda.LambdaClient.builder().region(Region.of(c.region())).credentialsProvider(credentials)
                .httpClientBuilder(UrlConnectionHttpClient.builder()).build();
    }

    public static SecretsManagerClient secretsManager(LakelogConfig c, AwsCredentialsProvider credentials) {
        return SecretsManagerClient.builder().region(Region.of(c.region())).credentialsProvider(credentials)
                .httpClientBuilder(UrlConnectionHttpClient.builder()).build();
    }

    /** The SQS client of the fan-out queues ({@code LAKELOG_SQS_ENDPOINT} overrides the endpoint: tests). */
    public static software.amazon.awssdk.services.sqs.SqsClient sqs(LakelogConfig c, AwsCredentialsProvider credentials) {
        var b = software.amazon.awssdk.services.sqs.SqsClient.builder().region(Region.of(c.region())).credentialsProvider(credentials)
                .httpClientBuilder(UrlConnectionHttpClient.builder());
        c.fanOut().sqsEndpoint().ifPresent(ep -> b.endpointOverride(URI.create(ep)));
        return b.build();
    }

    /** The IoT data-plane client on the account's data endpoint ({@code LAKELOG_IOT_ENDPOINT}). */
    public static IotDataPlaneClient iotData(String endpoint, String region, AwsCredentialsProvider credentials) {
        String ep = endpoint.contains("://") ? endpoint : "https://" + endpoint;
        return IotDataPlaneClient.builder().endpointOverride(URI.create(ep)).region(Region.of(region))
                .credentialsProvider(credentials).httpClientBuilder(UrlConnectionHttpClient.builder()).build();
    }

    /**
     * URL-connection HTTP client (fast to start), path-style when an endpoint is given, and no
     * {@code Expect: 100-continue} on PUTs: segment objects are small, so the handshake only adds
     * a round trip per request, and with some S3-protocol servers the JDK client stalls on it.
     * (SDK 2.40 has no setting for it; {@code S3Configuration.expectContinueEnabled} came later.)
     */
    public static S3Client create(String region, Optional<String> endpoint, AwsCredentialsProvider credentials) {
        var b = S3Client.builder().region(Region.of(region)).credentialsProvider(credentials)
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .overrideConfiguration(o -> o.addExecutionInterceptor(new NoExpectContinue()));
        endpoint.ifPresent(ep -> b.endpointOverride(URI.create(ep)).forcePathStyle(true));
        return b.build();
    }

    /**
     * The presigner that goes with {@link #create}: same region, endpoint (path-style when given)
     * and credentials, so a presigned URL points where the client writes.
     */
    public static S3Presigner presigner(String region, Optional<String> endpoint, AwsCredentialsProvider credentials) {
        var b = S3Presigner.builder().region(Region.of(region)).credentialsProvider(credentials);
        endpoint.ifPresent(ep -> b.endpointOverride(URI.create(ep))
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build()));
        return b.build();
    }

    /** Removes the {@code Expect} header that the S3 client adds to PutObject and UploadPart. */
    static final class NoExpectContinue implements ExecutionInterceptor {
        @Override
        public SdkHttpRequest modifyHttpRequest(Context.ModifyHttpRequest context, ExecutionAttributes attributes) {
            SdkHttpRequest r = context.httpRequest();
            return r.firstMatchingHeader("Expect").isPresent() ? r.toBuilder().removeHeader("Expect").build() : r;
        }
    }
}
