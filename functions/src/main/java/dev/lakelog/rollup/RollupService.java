package dev.lakelog.rollup;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lakelog.config.LakelogConfig;
import dev.lakelog.lake.LakeEngine;
import dev.lakelog.lake.LakeException;
import dev.lakelog.lake.LakeSchema;
import dev.lakelog.lake.LogRowAppender;
import dev.lakelog.lake.RollupLedger;
import dev.lakelog.log.JsonLog;
import dev.lakelog.segment.LogEvent;
import dev.lakelog.segment.Segment;
import dev.lakelog.segment.SegmentCodec;
import dev.lakelog.segment.SegmentFormatException;
import dev.lakelog.segment.SegmentKeys;
import dev.lakelog.storage.BlobStore;
import dev.lakelog.storage.StorageException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
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
import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;

/**
 * Moves hot-tier segments into {@code lake.main.logs}, exactly once.
 *
 * <p>Per tenant, under the tenant's {@link RollupLock}: segments are taken in key order in
 * batches; each segment is read, its digest verified and decoded; the batch's rows and one ledger
 * row per segment are committed in ONE DuckLake transaction. A segment already in the ledger is
 * never inserted again (only deleted, if asked). Segments that fail their digest or decoding are
 * moved to {@code quarantine/} with a JSON note and reported in {@code errors}.
 */
public final class RollupService {
    private static final JsonLog LOG = JsonLog.get(RollupService.class);
    private final BlobStore store;
    private final Supplier<LakeEngine> lake;
    private final RollupLock lock;
    private final SegmentCodec codec;
    private final Clock clock;
    private final LakelogConfig.RollupLimits limits;
    private final ObjectMapper json = new ObjectMapper();

    public RollupService(BlobStore store, Supplier<LakeEngine> lake, RollupLock lock, SegmentCodec codec, Clock clock) {
        this(store, lake, lock, codec, clock, LakelogConfig.RollupLimits.defaults());
    }

    public RollupService(BlobStore store, Supplier<LakeEngine> lake, RollupLock lock, SegmentCodec codec, Clock clock,
            LakelogConfig.RollupLimits limits) {
        this.store = store;
        this.lake = lake;
        this.lock = lock;
        this.codec = codec;
        this.clock = clock;
        this.limits = limits;
    }

    public RollupLock lock() {
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
        Totals totals = new Totals(started.plus(limits.timeBudget()));
        TenantRun run = null;
        String skipping = null;
        try {
            for (BlobStore.BlobInfo b : store.iterate(prefix)) {
                Optional<String> tenant = SegmentKeys.tenantOf(b.key());
                Optional<Instant> created = SegmentKeys.createdAt(b.key());
                if (tenant.isEmpty() || created.isEmpty()) continue;
                if (!req.minAge().isZero() && created.get().isAfter(cutoff)) continue;
                if (tenant.get().equals(skipping)) continue;
                if (run == null || !run.tenant.equals(tenant.get())) {
                    if (run != null) {
                        run.finish(req, totals);
                        run = null;
                    }
                    if (totals.stopped) break;
                    Optional<RollupLock.Held> held = lock.tryAcquire(tenant.get());
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
        RollupReport report = new RollupReport(totals.segmentsProcessed, totals.logsInserted, totals.segmentsDeleted,
                List.copyOf(totals.errors), clock.instant().truncatedTo(ChronoUnit.MICROS).toString(), totals.snapshotId,
                totals.budgetExhausted);
        LOG.info(totals.errors.isEmpty() ? "rollup_completed" : "rollup_completed_with_errors",
                "trigger", req.trigger(), "segments_processed", report.segmentsProcessed(),
                "logs_inserted", report.logsInserted(), "segments_deleted", report.segmentsDeleted(),
                "errors", report.errors().size(), "snapshot_id", report.snapshotId(),
                "budget_exhausted", totals.budgetExhausted, "batches", totals.batches,
                "read_decode_ms", totals.readNanos / 1_000_000, "total_ms", java.time.Duration.between(started, clock.instant()).toMillis());
        return report;
    }

    private static final class Totals {
        final Instant deadline;
        int segmentsProcessed;
        long logsInserted;
        int segmentsDeleted;
        int batches;
        long readNanos;
        Long snapshotId;
        boolean budgetExhausted;
        /** No further batch may start: budget spent or lease lost. */
        boolean stopped;
        final List<String> errors = new ArrayList<>();

        Totals(Instant deadline) {
            this.deadline = deadline;
        }
    }

    /** One tenant's share of the walk: its lease and the batch being filled. */
    private final class TenantRun {
        final String tenant;
        final RollupLock.Held held;
        List<BlobStore.BlobInfo> batch = new ArrayList<>();
        long bytes;
        boolean done;

        TenantRun(String tenant, RollupLock.Held held) {
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
            } finally {
                held.close();
            }
        }
    }

    /**
     * A part of an incomplete multi-segment request older than this is moved to quarantine: the
     * parts of one request are all written within that request, seconds apart.
     */
    static final Duration ORPHAN_PART_GRACE = Duration.ofHours(1);

    /** How many segments are read and decoded ahead of the one being staged. */
    static final int READ_AHEAD = 8;

    private void runBatch(RollupRequest req, String tenant, List<BlobStore.BlobInfo> batch, RollupLock.Held held, Totals totals) {
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
            long archivedAt = micros(clock.instant());
            long readStart = System.nanoTime();
            try (Statement st = conn.createStatement()) {
                st.execute("CREATE OR REPLACE TEMP TABLE rollup_stage (" + LakeSchema.LOGS_COLUMNS.replace(" NOT NULL", "") + ")");
                st.execute("CREATE OR REPLACE TEMP TABLE rollup_stage_ledger (segment_key VARCHAR, tenant_id VARCHAR, "
                        + "row_count BIGINT, digest VARCHAR, rolled_up_at TIMESTAMPTZ, rollup_id VARCHAR, trigger VARCHAR)");
            }
            try {
                // Segments are read and decoded a few at a time in parallel (S3 GETs are
                // latency-bound) and their rows go into DuckDB's stage table as soon as they
                // arrive, in key order: the JVM never holds more than READ_AHEAD decoded segments,
                // and DuckDB spills the stage to disk past its memory limit.
                DuckDBConnection duck = conn.unwrap(DuckDBConnection.class);
                java.util.ArrayDeque<java.util.concurrent.Future<Fetched>> window = new java.util.ArrayDeque<>();
                try (DuckDBAppender rowsOut = duck.createAppender("temp", "main", "rollup_stage");
                        DuckDBAppender ledgerOut = duck.createAppender("temp", "main", "rollup_stage_ledger")) {
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
                            for (LogEvent e : r.segment().events()) LogRowAppender.append(rowsOut, e, archivedAt, r.key());
                            ledgerOut.beginRow();
                            ledgerOut.append(r.key());
                            ledgerOut.append(tenant);
                            ledgerOut.append((long) r.segment().events().size());
                            ledgerOut.append(r.segment().digest());
                            ledgerOut.appendEpochMicros(archivedAt);
                            ledgerOut.append(rollupId);
                            ledgerOut.append(req.trigger());
                            ledgerOut.endRow();
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
                    long[] inserted = commitWithRetry(conn, req, tenant, rollupId, keys.size());
                    totals.logsInserted += inserted[0];
                    totals.segmentsProcessed += (int) inserted[1];
                    totals.snapshotId = lastSnapshot(conn);
                    toDelete.addAll(keys);
                }
            } finally {
                try (Statement drop = conn.createStatement()) {
                    drop.execute("DROP TABLE IF EXISTS rollup_stage");
                    drop.execute("DROP TABLE IF EXISTS rollup_stage_ledger");
                } catch (SQLException e) {
                    LOG.warn("rollup_stage_drop_failed", "error", e.getMessage());
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

    /** Test seam: runs inside the commit transaction, just before COMMIT (default: nothing). */
    private volatile Runnable beforeCommit = () -> {};

    void beforeCommit(Runnable hook) {
        this.beforeCommit = hook;
    }

    static final int COMMIT_ATTEMPTS = 6;

    /** {@link #commit}, again after a DuckLake conflict (another commit overlapped ours); returns rows and segments inserted. */
    private long[] commitWithRetry(Connection conn, RollupRequest req, String tenant, String rollupId, int staged) throws SQLException {
        for (int attempt = 1; ; attempt++) {
            try {
                return commit(conn, req, tenant, rollupId, staged);
            } catch (SQLException e) {
                String m = String.valueOf(e.getMessage());
                if (attempt >= COMMIT_ATTEMPTS || !m.toLowerCase(java.util.Locale.ROOT).contains("conflict")) throw e;
                LOG.info("rollup_commit_conflict_retry", "tenant", tenant, "attempt", attempt);
                try {
                    Thread.sleep(50L * attempt + java.util.concurrent.ThreadLocalRandom.current().nextInt(50));
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    /**
     * Inserts the staged rows and ledger rows in one DuckLake transaction; returns rows and
     * segments inserted. The stage tables are temporary tables of this connection: a failed
     * attempt rolls back its own changes to them too, so a retry starts from the same stage.
     */
    private long[] commit(Connection conn, RollupRequest req, String tenant, String rollupId, int staged) throws SQLException {
        long t1 = System.nanoTime();
        long rows;
        long segs;
        try (Statement st = conn.createStatement()) {
            st.execute("BEGIN TRANSACTION");
            try {
                // Re-check inside the transaction: a segment committed since we looked is skipped.
                st.execute("DELETE FROM rollup_stage WHERE segment_key IN (SELECT segment_key FROM " + LakeSchema.LEDGER
                        + " WHERE tenant_id = " + LakeEngine.literal(tenant) + ")");
                st.execute("DELETE FROM rollup_stage_ledger WHERE segment_key IN (SELECT segment_key FROM " + LakeSchema.LEDGER
                        + " WHERE tenant_id = " + LakeEngine.literal(tenant) + ")");
                try (ResultSet rs = st.executeQuery("SELECT (SELECT count(*) FROM rollup_stage), (SELECT count(*) FROM rollup_stage_ledger)")) {
                    rs.next();
                    rows = rs.getLong(1);
                    segs = rs.getLong(2);
                }
                st.execute("INSERT INTO " + LakeSchema.LOGS + " SELECT * FROM rollup_stage ORDER BY \"timestamp\", log_id");
                st.execute("INSERT INTO " + LakeSchema.LEDGER + " SELECT * FROM rollup_stage_ledger");
                st.execute("DELETE FROM " + LakeSchema.FENCE);
                st.execute("INSERT INTO " + LakeSchema.FENCE + " VALUES (" + LakeEngine.literal(tenant) + ", "
                        + LakeEngine.literal(rollupId) + ", now())");
                beforeCommit.run();
                String message = "rollup trigger=" + req.trigger() + " tenant=" + tenant + " segments=" + segs + " rows=" + rows;
                String extra = json.createObjectNode().put("rollup_id", rollupId).put("trigger", req.trigger())
                        .put("tenant_id", tenant).put("segments", segs).put("rows", rows).toString();
                st.execute("CALL lake.set_commit_message('lakelog', " + LakeEngine.literal(message)
                        + ", extra_info => " + LakeEngine.literal(extra) + ")");
                st.execute("COMMIT");
            } catch (SQLException e) {
                try (Statement rb = conn.createStatement()) {
                    rb.execute("ROLLBACK");
                } catch (SQLException ignored) {
                    // the failed statement may already have ended the transaction
                }
                throw e;
            }
        }
        LOG.info("rollup_batch_committed", "tenant", tenant, "segments", segs, "rows", rows, "staged_segments", staged,
                "rollup_id", rollupId, "commit_ms", (System.nanoTime() - t1) / 1_000_000);
        return new long[] {rows, segs};
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

    private static Long lastSnapshot(Connection conn) throws SQLException {
        try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery("FROM lake.last_committed_snapshot()")) {
            if (rs.next()) {
                long v = rs.getLong(1);
                return rs.wasNull() ? null : v;
            }
            return null;
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
        return ChronoUnit.MICROS.between(Instant.EPOCH, t);
    }
}
