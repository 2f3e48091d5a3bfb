package dev.lakelog.local;

import dev.lakelog.ingest.drop.DropFolderService;
import dev.lakelog.log.JsonLog;
import dev.lakelog.storage.BlobStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Local mode's drop folder: polls {@code <data-dir>/incoming/} every interval and hands each file
 * under {@code tenant=<t>/} to the same {@link DropFolderService} as the S3 event handler. A file
 * is taken once its size and modification time have stayed the same for the settle time (so a
 * file still being copied in is left alone); names starting with a dot are skipped (write to
 * {@code .name.tmp} and rename, for an atomic drop). A file whose processing failed (storage) is
 * tried again at the next poll.
 */
public final class DropFolderWatcher implements AutoCloseable {
    private static final JsonLog LOG = JsonLog.get(DropFolderWatcher.class);
    private final ScheduledExecutorService exec = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "lakelog-drop-folder");
        t.setDaemon(true);
        return t;
    });
    private final DropFolderService drop;
    private final BlobStore blobs;
    private final Duration settle;
    private final Clock clock;
    /** The last size and time seen per key, to tell a file still growing. */
    private final Map<String, String> seen = new HashMap<>();

    public DropFolderWatcher(DropFolderService drop, BlobStore blobs, Duration interval, Duration settle, Clock clock) {
        this.drop = drop;
        this.blobs = blobs;
        this.settle = settle;
        this.clock = clock;
        long ms = Math.max(100, interval.toMillis());
        exec.scheduleWithFixedDelay(this::pollQuietly, 0, ms, TimeUnit.MILLISECONDS);
    }

    private void pollQuietly() {
        try {
            poll();
        } catch (RuntimeException e) {
            LOG.error("drop_poll_failed", e);
        }
    }

    /** One pass over the folder; returns how many files were handed to the core. */
    public synchronized int poll() {
        int n = 0;
        Instant now = clock.instant();
        Map<String, String> still = new HashMap<>();
        for (BlobStore.BlobInfo b : blobs.iterate(DropFolderService.ROOT)) {
            if (!DropFolderService.isDropKey(b.key())) continue;
            String signature = b.size() + "@" + b.lastModified().toEpochMilli();
            boolean stable = signature.equals(seen.get(b.key())) || settle.isZero();
            still.put(b.key(), signature);
            if (!stable || b.lastModified().plus(settle).isAfter(now)) continue;
            try {
                drop.process(b.key(), null, null); // the core takes the file's ETag (MD5 of its content)
                n++;
            } catch (RuntimeException e) {
                LOG.error("drop_failed", e, "key", b.key());
            }
        }
        seen.clear();
        seen.putAll(still);
        return n;
    }

    @Override
    public void close() {
        exec.shutdownNow();
        try {
            exec.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
