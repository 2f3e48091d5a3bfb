package dev.lakelog.bench;

import dev.lakelog.auth.Tenant;
import dev.lakelog.auth.Tier;
import dev.lakelog.ingest.IngestService;
import dev.lakelog.segment.SegmentCodec;
import dev.lakelog.aws.S3BlobStore;
import dev.lakelog.testing.S3Server;
import dev.lakelog.testing.TestServers;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;

/**
 * Events/s of the ingest core (strict parse, validate, encode CBOR, PUT with SHA-256 to the local
 * s3proxy) at batch sizes 1, 100 and 1,000, and CBOR bytes per event against the same events as
 * JSON, in one run. Run:
 * {@code cd functions && mvn -q -o test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=dev.lakelog.bench.IngestBenchmark}
 */
public final class IngestBenchmark {
    private IngestBenchmark() {}

    static String event(int i, Instant ts) {
        return "{\"log_id\":\"evt-" + i + "\",\"timestamp\":\"" + ts.plusMillis(i) + "\",\"event_type\":\"RECORD_VIEW\","
                + "\"outcome\":\"SUCCESS\",\"severity\":\"INFO\",\"sensitivity\":\"CONFIDENTIAL\",\"actor_id\":\"user-" + (i % 97)
                + "@example.com\",\"component\":\"records-api\",\"environment\":\"production\",\"resource\":\"/patients/" + (i % 1000)
                + "\",\"message\":\"record viewed by clinician\",\"payload\":{\"fields\":[\"name\",\"dob\"],\"count\":" + (i % 7)
                + ",\"ok\":true},\"policy_tags\":[\"hipaa\"],\"session_id\":\"sess-" + (i % 50) + "\",\"request_id\":\"req-" + i
                + "\",\"source_ip\":\"10.0." + (i % 256) + "." + (i % 200) + "\"}";
    }

    static byte[] batch(int n, Instant ts) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < n; i++) {
            if (i > 0) b.append(',');
            b.append(event(i, ts));
        }
        return b.append(']').toString().getBytes(StandardCharsets.UTF_8);
    }

    public static void main(String[] args) throws Exception {
        S3Server s3 = TestServers.s3();
        String bucket = s3.newBucket();
        IngestService toS3 = new IngestService(new S3BlobStore(dev.lakelog.aws.AwsClients.create(s3.region(), java.util.Optional.of(s3.endpoint().toString()),
                software.amazon.awssdk.auth.credentials.StaticCredentialsProvider.create(
                        software.amazon.awssdk.auth.credentials.AwsBasicCredentials.create(s3.accessKey(), s3.secretKey()))), bucket), new SegmentCodec(), Clock.systemUTC(), 8L * 1024 * 1024);
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("lakelog-ingest-bench-");
        IngestService toDisk = new IngestService(new dev.lakelog.local.LocalBlobStore(dir), new SegmentCodec(), Clock.systemUTC(), 8L * 1024 * 1024);
        Tenant tenant = new Tenant("bench", Tier.PAID);
        Instant ts = Instant.now().minusSeconds(3600);
        int scale = Integer.getInteger("bench.scale", 1);
        System.out.printf("machine: %d cores, %s; events of %d JSON bytes%n", Runtime.getRuntime().availableProcessors(),
                System.getProperty("os.arch"), event(0, ts).length());
        System.out.printf("%-28s %6s %9s %8s %12s %12s%n", "store", "batch", "requests", "events", "events/s", "ms/request");
        for (int size : new int[] {1, 100, 1000}) {
            byte[] body = size == 1 ? event(0, ts).getBytes(StandardCharsets.UTF_8) : batch(size, ts);
            int requests = scale * (size == 1 ? 1000 : size == 100 ? 200 : 40);
            for (Object[] target : new Object[][] {{"s3proxy (PUT over HTTP)", toS3}, {"local files (LocalBlobStore)", toDisk}}) {
                IngestService ingest = (IngestService) target[1];
                for (int w = 0; w < Math.max(5, requests / 10); w++) run(ingest, tenant, body, size); // warm-up
                long t0 = System.nanoTime();
                for (int r = 0; r < requests; r++) run(ingest, tenant, body, size);
                double secs = (System.nanoTime() - t0) / 1e9;
                System.out.printf("%-28s %6d %9d %8d %12.0f %12.2f%n", target[0], size, requests, (long) requests * size,
                        requests * size / secs, secs * 1000 / requests);
            }
        }
        // Size: the same 1,000 events as JSON (the request array) and as one CBOR segment.
        byte[] json = batch(1000, ts);
        var res = toS3.ingestBatch(tenant, json, "application/json");
        long cbor = s3.client().headObject(b -> b.bucket(bucket).key(res.segmentKeys().get(0))).contentLength();
        System.out.printf("size of 1,000 events: JSON %d bytes (%.1f B/event), CBOR segment %d bytes (%.1f B/event), CBOR/JSON = %.2f%n",
                json.length, json.length / 1000.0, cbor, cbor / 1000.0, (double) cbor / json.length);
        System.exit(0);
    }

    private static void run(IngestService ingest, Tenant tenant, byte[] body, int size) {
        if (size == 1) ingest.ingestOne(tenant, body, "application/json");
        else ingest.ingestBatch(tenant, body, "application/json");
    }
}
