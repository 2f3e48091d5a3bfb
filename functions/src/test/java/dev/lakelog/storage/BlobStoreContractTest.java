package dev.lakelog.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lakelog.api.ErrorCode;
import dev.lakelog.aws.AwsClients;
import dev.lakelog.aws.S3BlobStore;
import dev.lakelog.local.LocalBlobStore;
import dev.lakelog.testing.S3Server;
import dev.lakelog.testing.TestServers;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/** The same contract for both {@link BlobStore}s: the S3 one (on the test S3 server) and the local directory. */
class BlobStoreContractTest {

    static Stream<BlobStore> stores() throws Exception {
        S3Server s3 = TestServers.s3();
        var creds = StaticCredentialsProvider.create(AwsBasicCredentials.create(s3.accessKey(), s3.secretKey()));
        Optional<String> ep = Optional.of(s3.endpoint().toString());
        BlobStore onS3 = new S3BlobStore(AwsClients.create(s3.region(), ep, creds), s3.newBucket(),
                AwsClients.presigner(s3.region(), ep, creds));
        BlobStore onDisk = new LocalBlobStore(Files.createTempDirectory("blobstore-contract"));
        return Stream.of(onS3, onDisk);
    }

    @ParameterizedTest
    @MethodSource("stores")
    void put_then_get_returns_the_same_bytes_and_a_missing_key_is_empty(BlobStore store) {
        byte[] b = "héllo\u0000bytes".getBytes(StandardCharsets.UTF_8);
        store.put("segments/tenant=a/x.cbor", b);
        assertThat(store.get("segments/tenant=a/x.cbor")).hasValue(b);
        assertThat(store.get("segments/tenant=a/missing.cbor")).isEmpty();
    }

    @ParameterizedTest
    @MethodSource("stores")
    void list_and_iterate_return_the_prefix_in_key_order_with_sizes(BlobStore store) {
        for (String k : List.of("p/b", "p/a", "p/c/d", "q/z")) store.put(k, k.getBytes(StandardCharsets.UTF_8));
        List<String> listed = store.list("p/").stream().map(BlobStore.BlobInfo::key).toList();
        assertThat(listed).containsExactly("p/a", "p/b", "p/c/d");
        List<String> iterated = new ArrayList<>();
        store.iterate("p/").forEach(i -> iterated.add(i.key()));
        assertThat(iterated).isEqualTo(listed);
        assertThat(store.list("p/").get(0).size()).isEqualTo(3);
        assertThat(store.list("nothing/")).isEmpty();
    }

    @ParameterizedTest
    @MethodSource("stores")
    void delete_removes_and_deleting_a_missing_key_is_not_an_error(BlobStore store) {
        store.put("d/one", new byte[] {1});
        store.delete("d/one");
        store.delete("d/one");
        store.delete("d/never");
        assertThat(store.get("d/one")).isEmpty();
        assertThat(store.list("d/")).isEmpty();
    }

    @ParameterizedTest
    @MethodSource("stores")
    void put_replaces_an_object_whole(BlobStore store) {
        store.put("r/k", "first version, longer".getBytes(StandardCharsets.UTF_8));
        store.put("r/k", "second".getBytes(StandardCharsets.UTF_8));
        assertThat(new String(store.get("r/k").orElseThrow(), StandardCharsets.UTF_8)).isEqualTo("second");
    }

    @ParameterizedTest
    @MethodSource("stores")
    void a_presigned_url_reads_the_object_without_credentials(BlobStore store) throws Exception {
        store.put("results/t/r.csv", "a,b\n1,2\n".getBytes(StandardCharsets.UTF_8), "text/csv");
        URI url = store.presignedGetUrl("results/t/r.csv", Duration.ofMinutes(5)).orElseThrow();
        byte[] got = url.getScheme().equals("file") ? Files.readAllBytes(Path.of(url))
                : HttpClient.newHttpClient().send(HttpRequest.newBuilder(url).build(), HttpResponse.BodyHandlers.ofByteArray()).body();
        assertThat(new String(got, StandardCharsets.UTF_8)).isEqualTo("a,b\n1,2\n");
    }

    @org.junit.jupiter.api.Test
    void an_unreachable_s3_is_storage_unavailable_never_an_sdk_exception() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        var creds = StaticCredentialsProvider.create(AwsBasicCredentials.create("k", "s"));
        BlobStore down = new S3BlobStore(AwsClients.create("us-east-1", Optional.of("http://127.0.0.1:" + closed), creds), "bucket");
        for (Runnable op : List.<Runnable>of(() -> down.put("k", new byte[1]), () -> down.get("k"), () -> down.list("p/"),
                () -> down.delete("k"))) {
            assertThatThrownBy(op::run).isInstanceOfSatisfying(StorageException.class,
                    e -> assertThat(e.code()).isEqualTo(ErrorCode.STORAGE_UNAVAILABLE));
        }
    }
}
