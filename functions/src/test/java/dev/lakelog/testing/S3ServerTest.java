package dev.lakelog.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.ChecksumMode;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

class S3ServerTest {
    private final S3Server s3 = TestServers.s3();
    private final S3Client client = s3.client();

    @Test
    void listensOnLoopbackOnly() {
        assertThat(s3.endpoint().getHost()).isEqualTo("127.0.0.1");
        assertThat(s3.port()).isPositive();
    }

    @Test
    void putGetListAndDeleteRoundTripThroughTheSdk() {
        String bucket = s3.newBucket();
        client.putObject(b -> b.bucket(bucket).key("segments/a.cbor"), RequestBody.fromString("alpha"));
        client.putObject(b -> b.bucket(bucket).key("segments/b.cbor"), RequestBody.fromString("beta"));
        client.putObject(b -> b.bucket(bucket).key("other/c.cbor"), RequestBody.fromString("gamma"));

        assertThat(client.getObjectAsBytes(b -> b.bucket(bucket).key("segments/b.cbor")).asUtf8String())
                .isEqualTo("beta");
        assertThat(client.listObjectsV2(b -> b.bucket(bucket).prefix("segments/")).contents())
                .extracting(S3Object::key)
                .containsExactly("segments/a.cbor", "segments/b.cbor");

        client.deleteObject(b -> b.bucket(bucket).key("segments/a.cbor"));

        assertThat(client.listObjectsV2(b -> b.bucket(bucket)).contents())
                .extracting(S3Object::key)
                .containsExactly("other/c.cbor", "segments/b.cbor");
        assertThatThrownBy(() -> client.getObjectAsBytes(b -> b.bucket(bucket).key("segments/a.cbor")))
                .isInstanceOf(NoSuchKeyException.class);
    }

    @Test
    void bucketsFromNewBucketAreDistinctAndEmpty() {
        String first = s3.newBucket();
        String second = s3.newBucket();
        client.putObject(b -> b.bucket(first).key("k"), RequestBody.fromString("v"));

        assertThat(first).isNotEqualTo(second);
        assertThat(client.listObjectsV2(b -> b.bucket(second)).contents()).isEmpty();
    }

    @Test
    void putWithTheSdkComputingASha256ChecksumSucceeds() {
        // The SDK sends the checksum as an aws-chunked trailer. s3proxy 4.1 verifies it (and the chunk
        // signatures) but neither stores nor echoes it: put.checksumSHA256() is null here, unlike on AWS.
        String bucket = s3.newBucket();
        byte[] body = "{\"event\":\"login\"}".getBytes(StandardCharsets.UTF_8);

        client.putObject(b -> b.bucket(bucket).key("segments/x.cbor").checksumAlgorithm(ChecksumAlgorithm.SHA256),
                RequestBody.fromBytes(body));

        assertThat(client.getObjectAsBytes(b -> b.bucket(bucket).key("segments/x.cbor")).asByteArray())
                .isEqualTo(body);
    }

    @Test
    void putWithAPrecomputedSha256ChecksumIsVerifiedStoredAndEchoed() throws Exception {
        String bucket = s3.newBucket();
        byte[] body = "{\"event\":\"login\"}".getBytes(StandardCharsets.UTF_8);
        String sha256 = sha256Base64(body);

        PutObjectResponse put = client.putObject(b -> b.bucket(bucket).key("segments/x.cbor").checksumSHA256(sha256),
                RequestBody.fromBytes(body));

        assertThat(put.checksumSHA256()).isEqualTo(sha256);
        ResponseBytes<GetObjectResponse> got = client.getObjectAsBytes(
                b -> b.bucket(bucket).key("segments/x.cbor").checksumMode(ChecksumMode.ENABLED));
        assertThat(got.asByteArray()).isEqualTo(body);
        assertThat(got.response().checksumSHA256()).isEqualTo(sha256);
    }

    @Test
    void putWithAWrongSha256ChecksumIsRejectedAndWritesNothing() throws Exception {
        String bucket = s3.newBucket();
        byte[] body = "payload".getBytes(StandardCharsets.UTF_8);
        String wrong = sha256Base64("something else".getBytes(StandardCharsets.UTF_8));

        assertThatThrownBy(() -> client.putObject(
                        b -> b.bucket(bucket).key("segments/bad.cbor").checksumSHA256(wrong),
                        RequestBody.fromBytes(body)))
                .isInstanceOf(S3Exception.class)
                .satisfies(e -> assertThat(((S3Exception) e).statusCode()).isEqualTo(400));
        assertThat(client.listObjectsV2(b -> b.bucket(bucket)).contents()).isEmpty();
    }

    @Test
    void multipartUploadThroughTheSdkAssemblesTheParts() {
        String bucket = s3.newBucket();
        String key = "lake/big.bin";
        byte[] part1 = randomBytes(5 * 1024 * 1024, 1); // every part but the last must be >= 5 MiB
        byte[] part2 = randomBytes(1234, 2);

        String uploadId = client.createMultipartUpload(b -> b.bucket(bucket).key(key)).uploadId();
        List<CompletedPart> parts = new ArrayList<>();
        byte[][] bodies = {part1, part2};
        for (int i = 0; i < bodies.length; i++) {
            int partNumber = i + 1;
            String etag = client.uploadPart(b -> b.bucket(bucket).key(key).uploadId(uploadId).partNumber(partNumber),
                    RequestBody.fromBytes(bodies[partNumber - 1])).eTag();
            parts.add(CompletedPart.builder().partNumber(partNumber).eTag(etag).build());
        }
        client.completeMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(uploadId)
                .multipartUpload(m -> m.parts(parts)));

        byte[] expected = new byte[part1.length + part2.length];
        System.arraycopy(part1, 0, expected, 0, part1.length);
        System.arraycopy(part2, 0, expected, part1.length, part2.length);
        assertThat(client.getObjectAsBytes(b -> b.bucket(bucket).key(key)).asByteArray()).isEqualTo(expected);
        assertThat(client.headObject(b -> b.bucket(bucket).key(key)).eTag()).endsWith("-2\"");
        assertThat(s3.completedMultipartParts(bucket, key)).hasValue(2);
    }

    private static String sha256Base64(byte[] bytes) throws Exception {
        return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    private static byte[] randomBytes(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }
}
