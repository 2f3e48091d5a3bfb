package dev.lakelog.telemetry;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lakelog.lake.LakeEngine;
import dev.lakelog.lake.LakeException;
import dev.lakelog.lake.LeaseHeldException;
import dev.lakelog.lake.MetricsCommit;
import dev.lakelog.lake.TenantLock;
import dev.lakelog.log.JsonLog;
import dev.lakelog.segment.LogEvent;
import dev.lakelog.segment.MetricSegmentCodec;
import dev.lakelog.segment.SegmentFormatException;
import dev.lakelog.storage.BlobStore;
import dev.lakelog.storage.StorageException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Moves metric segments into {@code lake.main.metrics} and the 1m/5m/1h/1d rollup tables, exactly
 * once ({@link MetricsCommit}), one tenant at a time under the tenant's metrics lease
 * ({@code metrics.<tenant>} in the same lease store as the log rollup, so the two never wait on each
 * other). {@link #rollupTenant} is the unit of work: the scheduled rollup calls it per tenant, and a
 * fan-out of tenants can hand it out as one more kind of work. A segment that fails its digest or
 * decoding goes to {@code quarantine/metric-segments/...} with a JSON note.
 */
public final class MetricsRollupService {
    private static final JsonLog LOG = JsonLog.get(MetricsRollupService.class);
    /** Segments per commit: one request's points each, so a batch is at most this many requests. */
    public static final int BATCH_SEGMENTS = 200;
    public static final long BATCH_BYTES = 64L * 1024 * 1024;
    private final BlobStore store;
    private final Supplier<LakeEngine> lake;
    private final TenantLock lock;
    private final Clock clock;
    private final MetricSegmentCodec codec = new MetricSegmentCodec();
    private final ObjectMapper json = new ObjectMapper();

    public MetricsRollupService(BlobStore store, Supplier<LakeEngine> lake, TenantLock lock, Clock clock) {
        this.store = store;
        this.lake = lake;
        this.lock = lock;
        this.clock = clock;
    }

    /** What a metrics rollup did. */
    public record Report(int segmentsProcessed, long pointsInserted, int segmentsDeleted, List<String> errors, Long snapshotId,
                         Map<String, Long> rollupRows) {}

    public static String leaseKey(String tenant) {
        return "metrics." + tenant;
    }

    /** Every tenant with metric segments waiting; a tenant whose lease is held is skipped and named in errors. */
    public Report rollupAll(boolean deleteAfter, String trigger) {
        return rollupAll(deleteAfter, trigger, null);
    }

    /** As above; no further tenant is started after {@code deadline} (null: none), and the report says so in errors. */
    public Report rollupAll(boolean deleteAfter, String trigger, java.time.Instant deadline) {
        Set<String> tenants = new LinkedHashSet<>();
        List<String> errors = new ArrayList<>();
        try {
            for (BlobStore.BlobInfo b : store.list(MetricSegmentCodec.ROOT)) MetricSegmentCodec.tenantOf(b.key()).ifPresent(tenants::add);
        } catch (StorageException e) {
            errors.add("Failed to list metric segments: " + e.getMessage() + "; the next rollup continues");
        }
        Totals t = new Totals();
        t.errors.addAll(errors);
        for (String tenant : tenants) {
            if (deadline != null && !clock.instant().isBefore(deadline)) {
                t.errors.add("time budget spent before tenant " + tenant + "; the next rollup continues");
                break;
            }
            try {
                add(t, rollupTenant(tenant, deleteAfter, trigger));
            } catch (LeaseHeldException e) {
                t.errors.add("tenant " + tenant + ": skipped, another metrics rollup holds its lease");
            }
        }
        return t.report();
    }

    /** One tenant's waiting metric segments, in key order, in batches; a held lease raises {@link LeaseHeldException}. */
    public Report rollupTenant(String tenant, boolean deleteAfter, String trigger) {
        Optional<TenantLock.Held> held = lock.tryAcquire(leaseKey(tenant));
        if (held.isEmpty()) throw new LeaseHeldException(tenant);
        Totals t = new Totals();
        try (TenantLock.Held h = held.get()) {
            List<BlobStore.BlobInfo> all;
            try {
                all = store.list(MetricSegmentCodec.tenantPrefix(tenant)).stream()
                        .filter(b -> MetricSegmentCodec.tenantOf(b.key()).isPresent()).toList();
            } catch (StorageException e) {
                t.errors.add("Failed to list metric segments of tenant " + tenant + ": " + e.getMessage());
                return t.report();
            }
            List<BlobStore.BlobInfo> batch = new ArrayList<>();
            long bytes = 0;
            for (BlobStore.BlobInfo b : all) {
                if (!batch.isEmpty() && (batch.size() >= BATCH_SEGMENTS || bytes + b.size() > BATCH_BYTES)) {
                    if (!runBatch(tenant, batch, h, deleteAfter, trigger, t)) return t.report();
                    batch = new ArrayList<>();
                    bytes = 0;
                }
                batch.add(b);
                bytes += b.size();
            }
            if (!batch.isEmpty()) runBatch(tenant, batch, h, deleteAfter, trigger, t);
        }
        Report r = t.report();
        LOG.info("metrics_rollup_completed", "tenant", tenant, "trigger", trigger, "segments_processed", r.segmentsProcessed(),
                "points_inserted", r.pointsInserted(), "segments_deleted", r.segmentsDeleted(), "errors", r.errors().size());
        return r;
    }

    private boolean runBatch(String tenant, List<BlobStore.BlobInfo> batch, TenantLock.Held held, boolean deleteAfter, String trigger, Totals t) {
        List<MetricsCommit.Staged> staged = new ArrayList<>();
        for (BlobStore.BlobInfo b : batch) {
            Optional<byte[]> bytes;
            try {
                bytes = store.get(b.key());
            } catch (StorageException e) {
                t.errors.add("Failed to read " + b.key() + ": " + e.getMessage());
                continue;
            }
            if (bytes.isEmpty()) continue;
            try {
                MetricSegmentCodec.Decoded d = codec.decode(bytes.get());
                if (!d.tenantId().equals(tenant)) throw new SegmentFormatException("segment tenant '" + d.tenantId() + "' does not match its key");
                if (d.points().stream().anyMatch(p -> !p.tenantId().equals(tenant))) throw new SegmentFormatException("a point's tenant does not match the segment's");
                staged.add(new MetricsCommit.Staged(b.key(), d.digest(), d.points()));
            } catch (SegmentFormatException e) {
                quarantine(b.key(), bytes.get(), e.getMessage(), t);
            }
        }
        if (staged.isEmpty()) return true;
        if (!held.renew()) {
            t.errors.add("tenant " + tenant + ": metrics lease lost before commit, stopping; the next rollup continues");
            return false;
        }
        try (Connection conn = lake.get().connect()) {
            MetricsCommit.Committed c = MetricsCommit.commit(conn, tenant, staged, LogEvent.micros(clock.instant()), UUID.randomUUID().toString(), trigger);
            t.segments += (int) c.segments();
            t.points += c.points();
            if (c.snapshotId() != null) t.snapshot = c.snapshotId();
            c.rollupRows().forEach((k, v) -> t.rollupRows.merge(k, v, Long::sum));
        } catch (SQLException e) {
            String msg = lake.get().redactor().redact(e.getMessage());
            t.errors.add("Failed to roll up " + staged.size() + " metric segments of tenant " + tenant + ": " + msg);
            LOG.warn("metrics_rollup_batch_failed", "tenant", tenant, "segments", staged.size(), "error", msg);
            return false;
        } catch (LakeException e) {
            t.errors.add("Failed to roll up " + staged.size() + " metric segments of tenant " + tenant + ": " + e.getMessage());
            return false;
        }
        if (deleteAfter) {
            for (MetricsCommit.Staged s : staged) {
                try {
                    store.delete(s.segmentKey());
                    t.deleted++;
                } catch (StorageException e) {
                    t.errors.add("Failed to delete " + s.segmentKey() + " (already in the lake; the next rollup deletes it): " + e.getMessage());
                }
            }
        }
        return true;
    }

    private void quarantine(String key, byte[] bytes, String error, Totals t) {
        String qkey = "quarantine/" + key;
        try {
            store.put(qkey, bytes);
            String note = json.createObjectNode().put("segment_key", key).put("error", error).put("quarantined_at", clock.instant().toString()).toString();
            store.put(qkey + ".error.json", note.getBytes(StandardCharsets.UTF_8));
            store.delete(key);
            t.errors.add("Failed to roll up " + key + ": " + error + " (moved to " + qkey + ")");
            LOG.warn("metric_segment_quarantined", "segment_key", key, "error", error);
        } catch (StorageException e) {
            t.errors.add("Failed to roll up " + key + ": " + error + " (quarantine failed: " + e.getMessage() + ")");
        }
    }

    private static void add(Totals t, Report r) {
        t.segments += r.segmentsProcessed();
        t.points += r.pointsInserted();
        t.deleted += r.segmentsDeleted();
        t.errors.addAll(r.errors());
        if (r.snapshotId() != null) t.snapshot = r.snapshotId();
        r.rollupRows().forEach((k, v) -> t.rollupRows.merge(k, v, Long::sum));
    }

    private static final class Totals {
        int segments;
        long points;
        int deleted;
        Long snapshot;
        final List<String> errors = new ArrayList<>();
        final Map<String, Long> rollupRows = new LinkedHashMap<>();

        Report report() {
            return new Report(segments, points, deleted, List.copyOf(errors), snapshot, Map.copyOf(rollupRows));
        }
    }
}
