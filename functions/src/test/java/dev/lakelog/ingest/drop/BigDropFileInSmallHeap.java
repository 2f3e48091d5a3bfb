package dev.lakelog.ingest.drop;

import dev.lakelog.auth.Tier;
import dev.lakelog.testing.LakelogFixture;
import java.io.BufferedWriter;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

/**
 * Run by {@link DropFolderBoundedMemoryTest} in a JVM with a 64 MB heap: writes a gzip'd NDJSON
 * file of {@code args[0]} events (written streaming, never held) into a local drop folder, has the
 * core process it, and prints {@code status=<s> events=<n> segments=<n> raw_bytes=<n> ms=<n>}.
 */
public final class BigDropFileInSmallHeap {
    private BigDropFileInSmallHeap() {}

    public static void main(String[] args) throws Exception {
        int n = Integer.parseInt(args[0]);
        try (LakelogFixture fx = LakelogFixture.local(Map.of())) {
            fx.createTenant("big", Tier.PAID);
            String key = "incoming/tenant=big/huge.ndjson.gz";
            Path f = Path.of(fx.env().get("LAKELOG_DATA_DIR")).resolve(key);
            Files.createDirectories(f.getParent());
            long raw = 0;
            String pad = "p".repeat(160);
            try (BufferedWriter w = new BufferedWriter(new OutputStreamWriter(new GZIPOutputStream(Files.newOutputStream(f)), StandardCharsets.UTF_8))) {
                for (int i = 0; i < n; i++) {
                    String line = "{\"timestamp\":\"" + DropFiles.T + "\",\"event_type\":\"big.drop\",\"outcome\":\"SUCCESS\",\"severity\":\"INFO\","
                            + "\"message\":\"big-" + i + " " + pad + "\",\"actor_id\":\"user-" + (i % 1000) + "\",\"payload\":{\"i\":" + i + "}}\n";
                    raw += line.length();
                    w.write(line);
                }
            }
            Files.setLastModifiedTime(f, FileTime.from(Instant.now().minusSeconds(60)));
            long t0 = System.nanoTime();
            DropFolderService.Outcome o = fx.app().dropFolder().process(key, null, null);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            System.out.println("status=" + o.status() + " events=" + o.events() + " segments=" + o.segments().size() + " raw_bytes=" + raw
                    + " ms=" + ms
                    + " max_heap_mb=" + Runtime.getRuntime().maxMemory() / (1024 * 1024));
        }
        System.exit(0);
    }
}
