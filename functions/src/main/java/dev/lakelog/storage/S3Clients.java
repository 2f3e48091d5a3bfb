package dev.lakelog.storage;

import java.net.URI;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/** The one way lakelog builds its S3 client. */
public final class S3Clients {
    private S3Clients() {}

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
