package dev.lakelog.bench;

import dev.lakelog.auth.Tenant;
import dev.lakelog.auth.Tier;
import dev.lakelog.ingest.IngestService;
import dev.lakelog.local.LocalBlobStore;
import dev.lakelog.segment.SegmentCodec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;

/**
 * Events/s of the ingest core alone (strict parse, UTF-8 check, validation, CBOR encoding with its
 * SHA-256, write to local files with {@link LocalBlobStore}) on one thread at batch 1,000, the
 * figure of issue 13.
 * Reports wall-clock events/s and events per CPU-second of the ingesting thread (the "per core" figure,
 * which holds on a loaded machine), and the bytes the thread allocated per event. Run:
 * {@code cd functions && mvn -q -o test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=dev.lakelog.bench.IngestCoreBenchmark}
 * ({@code -Dbench.seconds=10}). For a profile, run the class with
 * {@code java -XX:StartFlightRecording=filename=ingest.jfr,settings=profile}.
 */
public final class IngestCoreBenchmark {
    private IngestCoreBenchmark() {}

    /** The result of one measurement. */
    public record Result(int batch, long events, double seconds, double eventsPerSecond, double eventsPerCpuSecond,
                         double allocatedBytesPerEvent, double bytesPerEventJson) {}

    /** Measures {@code seconds} of batches of {@code batch} events after a warm-up of as long. */
    public static Result measure(int batch, double seconds) throws Exception {
        Path dir = Files.createTempDirectory("lakelog-ingest-core-");
        try {
            IngestService ingest = new IngestService(new LocalBlobStore(dir), new SegmentCodec(), Clock.systemUTC(), 8L * 1024 * 1024);
            Tenant tenant = new Tenant("bench", Tier.PAID);
            Instant ts = Instant.now().minusSeconds(3600);
            byte[] body = batch == 1 ? IngestBenchmark.event(0, ts).getBytes(StandardCharsets.UTF_8) : IngestBenchmark.batch(batch, ts);
            long deadline = System.nanoTime() + (long) (seconds * 1e9);
            for (int i = 0; System.nanoTime() < deadline; i++) {
                run(ingest, tenant, body, batch); // warm-up
                if ((i & 31) == 31) clean(dir);
            }
            clean(dir);
            long requests = 0;
            long timed = 0;
            long cpu = 0;
            long allocated = 0;
            var threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
            long self = Thread.currentThread().getId();
            while (timed < (long) (seconds * 1e9)) {
                long a0 = threads.getThreadAllocatedBytes(self);
                long c0 = threads.getCurrentThreadCpuTime();
                long t0 = System.nanoTime();
                for (int i = 0; i < 32; i++) run(ingest, tenant, body, batch);
                timed += System.nanoTime() - t0;
                cpu += threads.getCurrentThreadCpuTime() - c0;
                allocated += threads.getThreadAllocatedBytes(self) - a0;
                requests += 32;
                clean(dir); // outside the timed part: keeps the temp directory small
            }
            double secs = timed / 1e9;
            long events = requests * batch;
            return new Result(batch, events, secs, events / secs, events / (cpu / 1e9), (double) allocated / events,
                    (double) body.length / batch);
        } finally {
            try (var s = Files.walk(dir)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static void run(IngestService ingest, Tenant tenant, byte[] body, int batch) {
        if (batch == 1) ingest.ingestOne(tenant, body, "application/json");
        else ingest.ingestBatch(tenant, body, "application/json");
    }

    /** Deletes the segments written so far (the benchmark would write GBs otherwise). */
    private static void clean(Path dir) throws java.io.IOException {
        try (var s = Files.walk(dir)) {
            s.filter(Files::isRegularFile).forEach(p -> p.toFile().delete());
        }
    }

    public static void main(String[] args) throws Exception {
        double seconds = Double.parseDouble(System.getProperty("bench.seconds", "10"));
        for (int batch : new int[] {1000, 1}) {
            Result r = measure(batch, seconds);
            System.out.printf("ingest core, local files, batch %d: %,.0f events/s wall, %,.0f events per CPU-second of the thread "
                            + "(%,d events in %.1f s), %,.0f bytes allocated per event (JSON %.0f B/event)%n",
                    batch, r.eventsPerSecond(), r.eventsPerCpuSecond(), r.events(), r.seconds(), r.allocatedBytesPerEvent(), r.bytesPerEventJson());
        }
        System.exit(0);
    }
}
