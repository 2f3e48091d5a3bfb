package dev.lakelog.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.blobstore.ForwardingBlobStore;
import org.gaul.s3proxy.blobstore.domain.MultipartUpload;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadResponse;

/**
 * An S3-protocol server on 127.0.0.1: s3proxy in-process over a filesystem store in a temporary
 * directory, SigV4 (and V2) authentication with fixed credentials, path-style addressing, plain HTTP.
 * Both the AWS SDK v2 ({@link #client()}) and DuckDB's httpfs ({@link #duckDbSecretSql(String)}) talk
 * to it. Started once per JVM by {@link TestServers#s3()}.
 */
public final class S3Server implements AutoCloseable {
    public static final String HOST = "127.0.0.1";
    public static final String ACCESS_KEY = "LAKELOGTESTACCESSKEY";
    public static final String SECRET_KEY = "lakelogTestSecretKey0123456789";
    public static final String REGION = "us-east-1";

    private final S3Proxy proxy;
    private final Path baseDir;
    private final Map<String, Integer> multipartParts;
    private final S3Client client;
    private final AtomicInteger buckets = new AtomicInteger();
    private final S3Faults faults;

    private S3Server(S3Proxy proxy, Path baseDir, Map<String, Integer> multipartParts, S3Faults faults) {
        this.proxy = proxy;
        this.faults = faults;
        this.baseDir = baseDir;
        this.multipartParts = multipartParts;
        this.client = newClient();
    }

    static S3Server start() {
        Path dir;
        try {
            dir = Files.createTempDirectory("lakelog-s3-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, Integer> multipartParts = new ConcurrentHashMap<>();
        S3Faults faults = new S3Faults();
        BlobStore store = new FaultInjectingBlobStore(
                new MultipartRecordingBlobStore(new FilesystemNio2BlobStore(dir.toString()), multipartParts), faults);
        S3Proxy proxy = S3Proxy.builder()
                .blobStore(store)
                .endpoint(URI.create("http://" + HOST + ":0"))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
                .build();
        try {
            proxy.start();
        } catch (Exception e) {
            throw new IllegalStateException("could not start s3proxy", e);
        }
        if (!"STARTED".equals(proxy.getState())) {
            throw new IllegalStateException("s3proxy did not start: state " + proxy.getState());
        }
        return new S3Server(proxy, dir, multipartParts, faults);
    }

    /** Switch for failing chosen calls with a 500; see {@link S3Faults}. */
    public S3Faults faults() {
        return faults;
    }

    /** {@code http://127.0.0.1:<port>} */
    public URI endpoint() {
        return URI.create("http://" + HOST + ":" + port());
    }

    public int port() {
        return proxy.getPort();
    }

    /** {@code 127.0.0.1:<port>}, the form DuckDB's S3 secret wants for ENDPOINT. */
    public String hostAndPort() {
        return HOST + ":" + port();
    }

    public String accessKey() {
        return ACCESS_KEY;
    }

    public String secretKey() {
        return SECRET_KEY;
    }

    public String region() {
        return REGION;
    }

    /** A shared S3 client for this server (path-style, static credentials, URL-connection HTTP). */
    public S3Client client() {
        return client;
    }

    /** A new S3 client for this server; the caller closes it. */
    public S3Client newClient() {
        return S3Client.builder()
                .endpointOverride(endpoint())
                .region(Region.of(REGION))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
                .forcePathStyle(true)
                .httpClient(UrlConnectionHttpClient.create())
                .build();
    }

    /** Creates an empty bucket with a unique name and returns the name. */
    public String newBucket() {
        String name = "lakelog-test-" + buckets.incrementAndGet();
        client.createBucket(b -> b.bucket(name));
        return name;
    }

    /**
     * {@code CREATE SECRET <name> (TYPE s3, ...)} for DuckDB's httpfs, pointing at this server
     * (path-style, no TLS).
     */
    public String duckDbSecretSql(String secretName) {
        return "CREATE SECRET " + secretName + " (TYPE s3, KEY_ID '" + ACCESS_KEY + "', SECRET '" + SECRET_KEY
                + "', REGION '" + REGION + "', ENDPOINT '" + hostAndPort() + "', URL_STYLE 'path', USE_SSL false)";
    }

    /**
     * How many parts the multipart upload that last completed for {@code bucket}/{@code key} had; empty
     * if the object was never written by a multipart upload. Lets tests prove which upload path a
     * writer took.
     */
    public OptionalInt completedMultipartParts(String bucket, String key) {
        Integer parts = multipartParts.get(bucket + "/" + key);
        return parts == null ? OptionalInt.empty() : OptionalInt.of(parts);
    }

    @Override
    public void close() throws Exception {
        try {
            client.close();
            proxy.stop();
        } finally {
            if (Files.exists(baseDir)) {
                try (Stream<Path> paths = Files.walk(baseDir)) {
                    paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        }
    }

    @Override
    public String toString() {
        return "s3proxy on " + hostAndPort();
    }

    /** Records the part count of every completed multipart upload. */
    private static final class MultipartRecordingBlobStore extends ForwardingBlobStore {
        private final Map<String, Integer> parts;

        MultipartRecordingBlobStore(BlobStore delegate, Map<String, Integer> parts) {
            super(delegate);
            this.parts = parts;
        }

        @Override
        public CompleteMultipartUploadResponse completeMultipartUpload(
                MultipartUpload upload, CompleteMultipartUploadRequest request) {
            CompleteMultipartUploadResponse response = super.completeMultipartUpload(upload, request);
            int count = request.multipartUpload() == null ? 0 : request.multipartUpload().parts().size();
            parts.put(upload.containerName() + "/" + upload.blobName(), count);
            return response;
        }
    }

    /** Fails the calls that {@link S3Faults} says to fail, before they reach the store. */
    private static final class FaultInjectingBlobStore extends ForwardingBlobStore {
        private final S3Faults faults;

        FaultInjectingBlobStore(BlobStore delegate, S3Faults faults) {
            super(delegate);
            this.faults = faults;
        }

        @Override
        public software.amazon.awssdk.services.s3.model.PutObjectResponse putBlob(
                software.amazon.awssdk.services.s3.model.PutObjectRequest request, java.io.InputStream in) {
            faults.check(S3Faults.Op.PUT, request.bucket(), request.key());
            return super.putBlob(request, in);
        }

        @Override
        public software.amazon.awssdk.core.ResponseInputStream<software.amazon.awssdk.services.s3.model.GetObjectResponse> getBlob(
                software.amazon.awssdk.services.s3.model.GetObjectRequest request) {
            faults.check(S3Faults.Op.GET, request.bucket(), request.key());
            return super.getBlob(request);
        }

        @Override
        public software.amazon.awssdk.services.s3.model.HeadObjectResponse blobMetadata(
                software.amazon.awssdk.services.s3.model.HeadObjectRequest request) {
            faults.check(S3Faults.Op.HEAD, request.bucket(), request.key());
            return super.blobMetadata(request);
        }

        @Override
        public software.amazon.awssdk.services.s3.model.DeleteObjectResponse removeBlob(
                software.amazon.awssdk.services.s3.model.DeleteObjectRequest request) {
            faults.check(S3Faults.Op.DELETE, request.bucket(), request.key());
            return super.removeBlob(request);
        }

        @Override
        public software.amazon.awssdk.services.s3.model.ListObjectsV2Response list(
                software.amazon.awssdk.services.s3.model.ListObjectsV2Request request) {
            faults.check(S3Faults.Op.LIST, request.bucket(), request.prefix());
            return super.list(request);
        }

        @Override
        public MultipartUpload initiateMultipartUpload(
                software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest request) {
            faults.check(S3Faults.Op.CREATE_MULTIPART, request.bucket(), request.key());
            return super.initiateMultipartUpload(request);
        }

        @Override
        public software.amazon.awssdk.services.s3.model.UploadPartResponse uploadMultipartPart(MultipartUpload upload,
                software.amazon.awssdk.services.s3.model.UploadPartRequest request, java.io.InputStream in) {
            faults.check(S3Faults.Op.UPLOAD_PART, upload.containerName(), upload.blobName());
            return super.uploadMultipartPart(upload, request, in);
        }

        @Override
        public CompleteMultipartUploadResponse completeMultipartUpload(
                MultipartUpload upload, CompleteMultipartUploadRequest request) {
            faults.check(S3Faults.Op.COMPLETE_MULTIPART, upload.containerName(), upload.blobName());
            return super.completeMultipartUpload(upload, request);
        }
    }
}
