package dev.lakelog.rollup;

import dev.lakelog.lake.LeaseHeldException;
import dev.lakelog.lake.TenantLock;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lakelog.config.LakelogConfig;
import dev.lakelog.lake.LakeEngine;
import dev.lakelog.lake.LakeException;
import dev.lakelog.lake.RollupCommit;
import dev.lakelog.lake.RollupLedger;
import dev.lakelog.log.JsonLog;
import dev.lakelog.metrics.Metrics;
import dev.lakelog.segment.Segment;
import dev.lakelog.segment.SegmentCodec;
import dev.lakelog.segment.SegmentFormatException;
import dev.lakelog.segment.SegmentKeys;
import dev.lakelog.storage.BlobStore;
import dev.lakelog.storage.StorageException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Moves hot-tier segments into {@code lake.main.logs}, exactly once.
 *
 * <p>Per tenant, under the tenant's {@link TenantLock}: segments are taken in key order in
 * batches; each segment is read, its digest verified and decoded; the batch's rows and one ledger
 * row per segment are committed in ONE DuckLake transaction. A segment already in the ledger is
 * never inserted again (only deleted, if asked). Segments that fail their digest or decoding are
 * moved to {@code quarantine/} with a JSON note and reported in {@code errors}.
 */
public final class RollupService {
    private static final JsonLog LOG = JsonLog.get(RollupService.class);
    private final BlobStore store;
    private final Supplier<LakeEngine> lake;
    private final TenantLock lock;
    private final SegmentCodec codec;
    private final Clock clock;
    private final LakelogConfig.RollupLimits limits;
    private final ObjectMapper json = new ObjectMapper();
    private final Metrics metrics;

    public RollupService(BlobStore store, Supplier<LakeEngine> lake, TenantLock lock, SegmentCodec codec, Clock clock) {
        this(store, lake, lock, codec, clock, LakelogConfig.RollupLimits.defaults());
    }

    public RollupService(BlobStore store, Supplier<LakeEngine> lake, TenantLock lock, SegmentCodec codec, Clock clock,
            LakelogConfig.RollupLimits limits) {
        this(store, lake, lock, codec, clock, limits, Metrics.NONE);
    }

    public RollupService(BlobStore store, Supplier<LakeEngine> lake, TenantLock lock, SegmentCodec codec, Clock clock,
            LakelogConfig.RollupLimits limits, Metrics metrics) {
        this.metrics = metrics;
        this.store = store;
        this.lake = lake;
        this.lock = lock;
        this.codec = codec;
        this.clock = clock;
        this.limits = limits;
    }

    public TenantLock lock() {
        return lock;
    }

    /**
     * Rolls up. With a tenant given, a held lease raises {@link LeaseHeldException}; across all
     * tenants, a held tenant is skipped and named in {@code errors}.
     *
     * <p>The listing is walked lazily in key order (tenants are contiguous in it), one batch at a
     * time, so memory is bounded by one batch whatever the backlog. Once the time budget has
     * passed no new batch starts (the first always does); the report says {@code budget_exhausted}
     * and the next invocation carries on where this one stopped.
     */
    public RollupReport rollup(RollupRequest req) {
        Instant started = clock.instant();
        Instant cutoff = started.minus(req.minAge());
        String prefix = req.tenantId().map(SegmentKeys::tenantPrefix).orElse(SegmentKeys.ROOT);
        Instant budgetEnd = started.plus(limits.timeBudget());
        Totals totals = new Totals(req.deadline().filter(d -> d.isBefore(budgetEnd)).orElse(budgetEnd));
        TenantRun run = null;
        String skipping = null;
        try {
            for (BlobStore.BlobInfo b : store.iterate(prefix)) {
                Optional<String> tenant = SegmentKeys.tenantOf(b.key());
                Optional<Instant> created = SegmentKeys.createdAt(b.key());
                if (tenant.isEmpty() || created.isEmpty()) continue;
                if (totals.oldestWaiting == null || created.get().isBefore(totals.oldestWaiting)) totals.oldestWaiting = created.get();
                if (!req.minAge().isZero() && created.get().isAfter(cutoff)) continue;
                if (tenant.get().equals(skipping)) continue;
                if (run == null || !run.tenant.equals(tenant.get())) {
                    if (run != null) {
                        run.finish(req, totals);
                        run = null;
                    }
                    if (totals.stopped) break;
                    Optional<TenantLock.Held> held = lock.tryAcquire(tenant.get());
                    if (held.isEmpty()) {
                        if (req.tenantId().isPresent()) throw new LeaseHeldException(tenant.get());
                        totals.errors.add("tenant " + tenant.get() + ": skipped, another rollup holds its lease");
                        skipping = tenant.get();
                        continue;
                    }
                    run = new TenantRun(tenant.get(), held.get());
                }
                run.add(req, b, totals);
                if (totals.stopped) break;
            }
            if (run != null) {
                run.finish(req, totals);
                run = null;
            }
        } catch (StorageException e) {
            totals.errors.add("Failed to list segments under " + prefix + ": " + e.getMessage() + "; the next rollup continues");
        } finally {
            if (run != null) run.held.close();
        }
        // a walk of every tenant reports the lake's lag; a one-tenant rollup (the fan-out's workers)
        // that tenant's, and the alarm takes the maximum (docs/scaling.md)
        metrics.rollupLag(totals.oldestWaiting == null ? Duration.ZERO : Duration.between(totals.oldestWaiting, started));
        RollupReport report = new RollupReport(totals.segmentsProcessed, totals.logsInserted, totals.segmentsDeleted,
                List.copyOf(totals.errors), clock.instant().truncatedTo(ChronoUnit.MICROS).toString(), totals.snapshotId,
                totals.budgetExhausted, totals.duplicatesDropped);
        LOG.info(totals.errors.isEmpty() ? "rollup_completed" : "rollup_completed_with_errors",
                "trigger", req.trigger(), "segments_processed", report.segmentsProcessed(),
                "logs_inserted", report.logsInserted(), "segments_deleted", report.segmentsDeleted(),
                "duplicates_dropped", report.duplicatesDropped(),
                "errors", report.errors().size(), "snapshot_id", report.snapshotId(),
                "budget_exhausted", totals.budgetExhausted, "batches", totals.batches,
                "read_decode_ms", totals.readNanos / 1_000_000, "total_ms", java.time.Duration.between(started, clock.instant()).toMillis());
        return report;
    }

    /** Segments of the tenant still in the hot tier that were created before {@code cutoff} (one LIST of its prefix). */
    public long waitingSegments(String tenant, Instant cutoff) {
        long n = 0;
        for (BlobStore.BlobInfo b : store.iterate(SegmentKeys.tenantPrefix(tenant))) {
            Optional<Instant> created = SegmentKeys.createdAt(b.key());
            if (created.isPresent() && !created.get().isAfter(cutoff)) n++;
        }
        return n;
    }

    private static final class Totals {
        final Instant deadline;
        int segmentsProcessed;
        long logsInserted;
        int segmentsDeleted;
        int batches;
        long readNanos;
        Long snapshotId;
        long duplicatesDropped;
        /** The oldest segment seen waiting in the hot tier: rollup lag is measured from it. */
        Instant oldestWaiting;
        boolean budgetExhausted;
        /** No further batch may start: budget spent or lease lost. */
        boolean stopped;
        final List<String> errors = new ArrayList<>();
        /** Tenants whose lane gained entries in this run: sealed into the lake chain when the tenant is done. */
        final java.util.Set<String> lanesToSeal = new java.util.LinkedHashSet<>();

        Totals(Instant deadline) {
            this.deadline = deadline;
        }
    }

    /** One tenant's share of the walk: its lease and the batch being filled. */
    private final class TenantRun {
        final String tenant;
        final TenantLock.Held held;
        List<BlobStore.BlobInfo> batch = new ArrayList<>();
        long bytes;
        boolean done;

        TenantRun(String tenant, TenantLock.Held held) {
            this.tenant = tenant;
            this.held = held;
        }

        void add(RollupRequest req, BlobStore.BlobInfo b, Totals totals) {
            if (!batch.isEmpty() && (bytes + b.size() > limits.batchMaxBytes() || batch.size() >= limits.batchMaxSegments())) {
                flush(req, totals);
                if (totals.stopped) return;
            }
            batch.add(b);
            bytes += b.size();
        }

        void flush(RollupRequest req, Totals totals) {
            if (batch.isEmpty()) return;
            if (totals.batches > 0 && !clock.instant().isBefore(totals.deadline)) {
                totals.budgetExhausted = true;
                totals.stopped = true;
                LOG.info("rollup_budget_exhausted", "tenant", tenant, "batches", totals.batches);
                return;
            }
            totals.batches++;
            runBatch(req, tenant, batch, held, totals);
            batch = new ArrayList<>();
            bytes = 0;
        }

        void finish(RollupRequest req, Totals totals) {
            if (done) return;
            done = true;
            try {
                if (!totals.stopped) flush(req, totals);
                seal(tenant, totals);
            } finally {
                held.close();
            }
        }
    }

    /**
     * Seals the tenant's new lane entries into the lake chain and publishes the lake head to the
     * anchor: once per tenant per run, not per commit, in a transaction of its own, so a conflict
     * with another tenant's seal retries a few catalog rows, never a batch. A failure is reported
     * in {@code errors} and loses nothing: the rows are committed and verified through the lane;
     * the next seal of the tenant covers them (docs/integrity.md#lanes).
     */
    private void seal(String tenant, Totals totals) {
        if (!totals.lanesToSeal.remove(tenant)) return;
        long t0 = System.nanoTime();
        try {
            lake.get().sealLanes(List.of(tenant));
            LOG.info("lane_sealed", "tenant", tenant, "seal_ms", (System.nanoTime() - t0) / 1_000_000);
        } catch (RuntimeException e) {
            totals.errors.add("tenant " + tenant + ": committed, but sealing its integrity lane failed (" + e.getMessage()
                    + "); the next rollup seals it");
        }
    }

    /**
     * A part of an incomplete multi-segment request older than this is moved to quarantine: the
     * parts of one request are all written within that request, seconds apart.
     */
    static final Duration ORPHAN_PART_GRACE = Duration.ofHours(1);

    /** How many segments are read and decoded ahead of the one being staged. */
    static final int READ_AHEAD = 8;

    private void runBatch(RollupRequest req, String tenant, List<BlobStore.BlobInfo> batch, TenantLock.Held held, Totals totals) {
        try (Connection conn = lake.get().connect()) {
            Set<String> done = RollupLedger.rolledUp(conn, tenant, batch.stream().map(BlobStore.BlobInfo::key).toList());
            List<String> toDelete = new ArrayList<>();
            java.util.ArrayDeque<BlobStore.BlobInfo> pending = new java.util.ArrayDeque<>();
            for (BlobStore.BlobInfo b : batch) {
                if (done.contains(b.key())) toDelete.add(b.key());
                else pending.add(b);
            }
            List<String> keys = new ArrayList<>();
            Set<String> batchKeys = new HashSet<>();
            for (BlobStore.BlobInfo b : batch) batchKeys.add(b.key());
            java.util.Map<String, Boolean> groupPresence = new java.util.HashMap<>();
            String rollupId = UUID.randomUUID().toString();
            long readStart = System.nanoTime();
            try (RollupCommit stage = RollupCommit.open(conn, tenant, rollupId, micros(clock.instant()), req.trigger())) {
                stage.beforeCommit(beforeCommit);
                // Segments are read and decoded a few at a time in parallel (S3 GETs are
                // latency-bound) and their rows go into DuckDB's stage table as soon as they
                // arrive, in key order: the JVM never holds more than READ_AHEAD decoded segments,
                // and DuckDB spills the stage to disk past its memory limit.
                java.util.ArrayDeque<java.util.concurrent.Future<Fetched>> window = new java.util.ArrayDeque<>();
                try {
                    while (!pending.isEmpty() || !window.isEmpty()) {
                        while (window.size() < READ_AHEAD && !pending.isEmpty()) {
                            String key = pending.poll().key();
                            window.add(READERS.submit(() -> fetch(key, tenant)));
                        }
                        Fetched r = take(window.poll());
                        if (r.readError() != null) {
                            totals.errors.add("Failed to read " + r.key() + ": " + r.readError());
                        } else if (r.formatError() != null) {
                            quarantine(r.key(), r.bytes(), r.formatError(), totals);
                        } else if (r.segment() != null && !groupComplete(conn, tenant, r.segment(), batchKeys, groupPresence)) {
                            // A part of a multi-segment request whose other parts are missing: the
                            // request failed and was answered 503; never count it (docs/ingest.md).
                            // All parts of a request are written within its few seconds, so once the
                            // grace period has passed the group can never complete: quarantine it.
                            Optional<Instant> created = SegmentKeys.createdAt(r.key());
                            if (created.isPresent() && created.get().isBefore(clock.instant().minus(ORPHAN_PART_GRACE))) {
                                quarantine(r.key(), r.bytes(), "part of a multi-segment request whose other parts are missing"
                                        + " (the request failed and was answered 503, never acknowledged)", totals);
                            } else {
                                LOG.warn("segment_group_incomplete", "segment_key", r.key(), "parts", r.segment().groupKeys().size());
                            }
                        } else if (r.segment() != null) {
                            stage.add(r.key(), r.segment());
                            keys.add(r.key());
                        } // else: deleted since listing
                    }
                } finally {
                    for (java.util.concurrent.Future<Fetched> f : window) f.cancel(true);
                }
                totals.readNanos += System.nanoTime() - readStart;
                if (!keys.isEmpty()) {
                    // Last check before the commit: a lease that expired and was taken over means
                    // another rollup may be working on these segments; stop and let it.
                    if (!held.renew()) {
                        totals.errors.add("tenant " + tenant + ": lease lost before commit, stopping; the next rollup continues");
                        totals.stopped = true;
                        return;
                    }
                    RollupCommit.Committed c = stage.commit();
                    totals.lanesToSeal.add(tenant);
                    totals.logsInserted += c.rows();
                    totals.segmentsProcessed += (int) c.segments();
                    totals.snapshotId = c.snapshotId();
                    totals.duplicatesDropped += c.duplicates();
                    metrics.rolledUp(c.segments(), c.rows(), c.duplicates());
                    for (int i = 0; i < c.conflicts(); i++) metrics.commitConflict();
                    toDelete.addAll(keys);
                }
            }
            if (req.deleteAfterRollup()) {
                for (String k : toDelete) {
                    try {
                        store.delete(k);
                        totals.segmentsDeleted++;
                    } catch (StorageException e) {
                        totals.errors.add("Failed to delete " + k + " (already in the lake; the next rollup deletes it): " + e.getMessage());
                    }
                }
            }
        } catch (SQLException e) {
            String msg = lake.get().redactor().redact(e.getMessage());
            totals.errors.add("Failed to roll up " + batch.size() + " segments of tenant " + tenant + ": " + msg);
            LOG.warn("rollup_batch_failed", "tenant", tenant, "segments", batch.size(), "error", msg);
        } catch (LakeException e) {
            totals.stopped = true;
            totals.errors.add("Failed to roll up " + batch.size() + " segments of tenant " + tenant + ": " + e.getMessage());
            LOG.warn("rollup_batch_failed", "tenant", tenant, "segments", batch.size(), "error", e.getMessage());
        }
    }

    /** Reader threads shared by every rollup of the process; daemon, so they never hold the JVM up. */
    private static final java.util.concurrent.ExecutorService READERS = java.util.concurrent.Executors.newFixedThreadPool(8, r -> {
        Thread t = new Thread(r, "lakelog-rollup-reader");
        t.setDaemon(true);
        return t;
    });

    /** One segment read: exactly one of segment / readError / formatError is set, or none if it is gone. */
    private record Fetched(String key, byte[] bytes, Segment segment, String readError, String formatError) {}

    private Fetched fetch(String key, String tenant) {
        Optional<byte[]> bytes;
        try {
            bytes = store.get(key);
        } catch (StorageException e) {
            return new Fetched(key, null, null, e.getMessage(), null);
        }
        if (bytes.isEmpty()) return new Fetched(key, null, null, null, null);
        try {
            Segment s = codec.decode(bytes.get());
            if (!s.tenantId().equals(tenant)) throw new SegmentFormatException("segment tenant '" + s.tenantId() + "' does not match its key");
            return new Fetched(key, bytes.get(), s, null, null);
        } catch (SegmentFormatException e) {
            return new Fetched(key, bytes.get(), null, null, e.getMessage());
        }
    }

    /**
     * A segment written alone is always complete. A part of a multi-segment request counts only
     * when every key of its group is in this batch, still in the store, or already in the ledger:
     * a request that failed after some PUTs (and whose cleanup failed too) is so never counted,
     * and its parts stay in the hot tier untouched. {@code presence} caches lookups per batch.
     */
    private boolean groupComplete(Connection conn, String tenant, Segment s, Set<String> batchKeys,
                                  java.util.Map<String, Boolean> presence) throws SQLException {
        if (!s.grouped()) return true;
        List<String> unknown = new ArrayList<>();
        for (String k : s.groupKeys()) {
            if (!batchKeys.contains(k) && !presence.containsKey(k)) unknown.add(k);
        }
        if (!unknown.isEmpty()) {
            Set<String> inLedger = RollupLedger.rolledUp(conn, tenant, unknown);
            for (String k : unknown) {
                boolean present;
                try {
                    present = inLedger.contains(k) || store.list(k).stream().anyMatch(b -> b.key().equals(k));
                } catch (StorageException e) {
                    present = false; // cannot tell now: leave the part for the next rollup
                }
                presence.put(k, present);
            }
        }
        return s.groupKeys().stream().allMatch(k -> batchKeys.contains(k) || presence.get(k));
    }

    /** Test seam: runs inside each commit transaction, just before COMMIT (default: nothing). */
    private volatile Runnable beforeCommit = () -> {};

    void beforeCommit(Runnable hook) {
        this.beforeCommit = hook;
    }

    private static Fetched take(java.util.concurrent.Future<Fetched> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LakeException("rollup interrupted", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    private void quarantine(String key, byte[] bytes, String error, Totals totals) {
        String qkey = "quarantine/" + key.substring(SegmentKeys.ROOT.length());
        try {
            store.put(qkey, bytes);
            String note = json.createObjectNode().put("segment_key", key).put("error", error)
                    .put("quarantined_at", clock.instant().toString()).toString();
            store.put(qkey + ".error.json", note.getBytes(StandardCharsets.UTF_8));
            store.delete(key);
            totals.errors.add("Failed to rollup " + key + ": " + error + " (moved to " + qkey + ")");
            LOG.warn("segment_quarantined", "segment_key", key, "error", error);
        } catch (StorageException e) {
            totals.errors.add("Failed to rollup " + key + ": " + error + " (quarantine failed: " + e.getMessage() + ")");
        }
    }

    private static long micros(Instant t) {
        return dev.lakelog.segment.LogEvent.micros(t);
    }
}
