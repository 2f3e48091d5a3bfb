package dev.lakelog.rollup;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lakelog.lake.LakeEngine;
import dev.lakelog.lake.LakeException;
import dev.lakelog.lake.LakeSchema;
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
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
    /** A batch closes at this many CBOR bytes or segments: one Parquet file per partition per batch. */
    static final long BATCH_MAX_BYTES = 96L * 1024 * 1024;
    static final int BATCH_MAX_SEGMENTS = 1000;

    private final BlobStore store;
    private final Supplier<LakeEngine> lake;
    private final RollupLock lock;
    private final SegmentCodec codec;
    private final Clock clock;
    private final ObjectMapper json = new ObjectMapper();

    public RollupService(BlobStore store, Supplier<LakeEngine> lake, RollupLock lock, SegmentCodec codec, Clock clock) {
        this.store = store;
        this.lake = lake;
        this.lock = lock;
        this.codec = codec;
        this.clock = clock;
    }

    /**
     * Rolls up. With a tenant given, a held lease raises {@link LeaseHeldException}; across all
     * tenants, a held tenant is skipped and named in {@code errors}.
     */
    public RollupReport rollup(RollupRequest req) {
        Instant cutoff = clock.instant().minus(req.minAge());
        Map<String, List<BlobStore.BlobInfo>> byTenant = new LinkedHashMap<>();
        String prefix = req.tenantId().map(SegmentKeys::tenantPrefix).orElse(SegmentKeys.ROOT);
        for (BlobStore.BlobInfo b : store.list(prefix)) {
            Optional<String> tenant = SegmentKeys.tenantOf(b.key());
            Optional<Instant> created = SegmentKeys.createdAt(b.key());
            if (tenant.isEmpty() || created.isEmpty()) continue;
            if (!req.minAge().isZero() && created.get().isAfter(cutoff)) continue;
            byTenant.computeIfAbsent(tenant.get(), t -> new ArrayList<>()).add(b);
        }
        Totals totals = new Totals();
        for (var entry : byTenant.entrySet()) {
            String tenant = entry.getKey();
            Optional<RollupLock.Held> held = lock.tryAcquire(tenant);
            if (held.isEmpty()) {
                if (req.tenantId().isPresent()) throw new LeaseHeldException(tenant);
                totals.errors.add("tenant " + tenant + ": skipped, another rollup holds its lease");
                continue;
            }
            try (RollupLock.Held h = held.get()) {
                rollupTenant(req, tenant, entry.getValue(), h, totals);
            }
        }
        RollupReport report = new RollupReport(totals.segmentsProcessed, totals.logsInserted, totals.segmentsDeleted,
                List.copyOf(totals.errors), clock.instant().truncatedTo(ChronoUnit.MICROS).toString(), totals.snapshotId);
        LOG.info(totals.errors.isEmpty() ? "rollup_completed" : "rollup_completed_with_errors",
                "trigger", req.trigger(), "segments_processed", report.segmentsProcessed(),
                "logs_inserted", report.logsInserted(), "segments_deleted", report.segmentsDeleted(),
                "errors", report.errors().size(), "snapshot_id", report.snapshotId());
        return report;
    }

    private static final class Totals {
        int segmentsProcessed;
        long logsInserted;
        int segmentsDeleted;
        Long snapshotId;
        final List<String> errors = new ArrayList<>();
    }

    private void rollupTenant(RollupRequest req, String tenant, List<BlobStore.BlobInfo> segments, RollupLock.Held held, Totals totals) {
        List<BlobStore.BlobInfo> batch = new ArrayList<>();
        Set<String> listed = new HashSet<>();
        for (BlobStore.BlobInfo b : segments) listed.add(b.key());
        long bytes = 0;
        for (BlobStore.BlobInfo b : segments) {
            if (!batch.isEmpty() && (bytes + b.size() > BATCH_MAX_BYTES || batch.size() >= BATCH_MAX_SEGMENTS)) {
                runBatch(req, tenant, batch, listed, totals);
                if (!held.renew()) {
                    totals.errors.add("tenant " + tenant + ": lease lost, stopping; the next rollup continues");
                    return;
                }
                batch = new ArrayList<>();
                bytes = 0;
            }
            batch.add(b);
            bytes += b.size();
        }
        if (!batch.isEmpty()) runBatch(req, tenant, batch, listed, totals);
    }

    private void runBatch(RollupRequest req, String tenant, List<BlobStore.BlobInfo> batch, Set<String> listed, Totals totals) {
        try (Connection conn = lake.get().connect()) {
            Set<String> done = ledgerKeys(conn, tenant, batch);
            List<String> toDelete = new ArrayList<>();
            for (BlobStore.BlobInfo b : batch) {
                if (done.contains(b.key())) toDelete.add(b.key());
            }
            List<Segment> decoded = new ArrayList<>();
            List<String> keys = new ArrayList<>();
            for (BlobStore.BlobInfo b : batch) {
                if (done.contains(b.key())) continue;
                Optional<byte[]> bytes;
                try {
                    bytes = store.get(b.key());
                } catch (StorageException e) {
                    totals.errors.add("Failed to read " + b.key() + ": " + e.getMessage());
                    continue;
                }
                if (bytes.isEmpty()) continue; // deleted since listing
                try {
                    Segment s = codec.decode(bytes.get());
                    if (!s.tenantId().equals(tenant)) throw new SegmentFormatException("segment tenant '" + s.tenantId() + "' does not match its key");
                    decoded.add(s);
                    keys.add(b.key());
                } catch (SegmentFormatException e) {
                    quarantine(b.key(), bytes.get(), e.getMessage(), totals);
                }
            }
            dropIncompleteGroups(conn, tenant, listed, keys, decoded);
            if (!decoded.isEmpty()) {
                long rows = commit(conn, req, tenant, keys, decoded);
                totals.logsInserted += rows;
                totals.segmentsProcessed += decoded.size();
                totals.snapshotId = lastSnapshot(conn);
                toDelete.addAll(keys);
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
            totals.errors.add("Failed to roll up " + batch.size() + " segments of tenant " + tenant + ": " + e.getMessage());
            LOG.warn("rollup_batch_failed", "tenant", tenant, "segments", batch.size(), "error", e.getMessage());
        }
    }

    /**
     * Removes (in place) every part of a multi-segment request whose group is not complete: a
     * part counts only when each key of its group is listed now or already in the ledger. A
     * request that failed after some PUTs (and whose cleanup failed too) is so never counted;
     * its parts stay in the hot tier untouched. See docs/ingest.md, "Segments".
     */
    private void dropIncompleteGroups(Connection conn, String tenant, Set<String> listed, List<String> keys, List<Segment> decoded) throws SQLException {
        Set<String> unlisted = new HashSet<>();
        for (Segment s : decoded) {
            if (s.grouped()) for (String k : s.groupKeys()) if (!listed.contains(k)) unlisted.add(k);
        }
        if (unlisted.isEmpty()) return;
        Set<String> inLedger = ledgerKeys(conn, tenant, unlisted.stream().map(k -> new BlobStore.BlobInfo(k, 0, null)).toList());
        for (int i = decoded.size() - 1; i >= 0; i--) {
            Segment s = decoded.get(i);
            if (!s.grouped()) continue;
            boolean complete = s.groupKeys().stream().allMatch(k -> listed.contains(k) || inLedger.contains(k));
            if (!complete) {
                LOG.warn("segment_group_incomplete", "segment_key", keys.get(i), "parts", s.groupKeys().size());
                decoded.remove(i);
                keys.remove(i);
            }
        }
    }

    private Set<String> ledgerKeys(Connection conn, String tenant, List<BlobStore.BlobInfo> batch) throws SQLException {
        Set<String> out = new HashSet<>();
        String[] keys = batch.stream().map(BlobStore.BlobInfo::key).toArray(String[]::new);
        try (PreparedStatement ps = conn.prepareStatement("SELECT segment_key FROM " + LakeSchema.LEDGER
                + " WHERE tenant_id = ? AND list_contains(?::VARCHAR[], segment_key)")) {
            ps.setString(1, tenant);
            ps.setArray(2, conn.createArrayOf("VARCHAR", keys));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.add(rs.getString(1));
            }
        }
        return out;
    }

    /** Inserts the rows and the ledger rows in one DuckLake transaction; returns rows inserted. */
    private long commit(Connection conn, RollupRequest req, String tenant, List<String> keys, List<Segment> segments) throws SQLException {
        String rollupId = UUID.randomUUID().toString();
        long archivedAt = micros(clock.instant());
        try (Statement st = conn.createStatement()) {
            st.execute("CREATE OR REPLACE TEMP TABLE rollup_stage (" + LakeSchema.LOGS_COLUMNS.replace(" NOT NULL", "") + ")");
            st.execute("CREATE OR REPLACE TEMP TABLE rollup_stage_ledger (segment_key VARCHAR, tenant_id VARCHAR, "
                    + "row_count BIGINT, digest VARCHAR, rolled_up_at TIMESTAMPTZ, rollup_id VARCHAR, trigger VARCHAR)");
        }
        long rows = 0;
        DuckDBConnection duck = conn.unwrap(DuckDBConnection.class);
        try (DuckDBAppender a = duck.createAppender("temp", "main", "rollup_stage")) {
            for (int i = 0; i < segments.size(); i++) {
                for (LogEvent e : segments.get(i).events()) {
                    appendRow(a, e, archivedAt, keys.get(i));
                    rows++;
                }
            }
        }
        try (DuckDBAppender a = duck.createAppender("temp", "main", "rollup_stage_ledger")) {
            for (int i = 0; i < segments.size(); i++) {
                a.beginRow();
                a.append(keys.get(i));
                a.append(tenant);
                a.append((long) segments.get(i).events().size());
                a.append(segments.get(i).digest());
                a.appendEpochMicros(archivedAt);
                a.append(rollupId);
                a.append(req.trigger());
                a.endRow();
            }
        }
        String message = "rollup trigger=" + req.trigger() + " tenant=" + tenant + " segments=" + segments.size() + " rows=" + rows;
        String extra = json.createObjectNode().put("rollup_id", rollupId).put("trigger", req.trigger())
                .put("tenant_id", tenant).put("segments", segments.size()).put("rows", rows).toString();
        try (Statement st = conn.createStatement()) {
            st.execute("BEGIN TRANSACTION");
            try {
                // Re-check inside the transaction: a segment committed since we looked is skipped.
                st.execute("DELETE FROM rollup_stage WHERE segment_key IN (SELECT segment_key FROM " + LakeSchema.LEDGER
                        + " WHERE tenant_id = " + LakeEngine.literal(tenant) + ")");
                st.execute("DELETE FROM rollup_stage_ledger WHERE segment_key IN (SELECT segment_key FROM " + LakeSchema.LEDGER
                        + " WHERE tenant_id = " + LakeEngine.literal(tenant) + ")");
                try (ResultSet rs = st.executeQuery("SELECT count(*) FROM rollup_stage")) {
                    rs.next();
                    rows = rs.getLong(1);
                }
                st.execute("INSERT INTO " + LakeSchema.LOGS + " SELECT * FROM rollup_stage ORDER BY \"timestamp\", log_id");
                st.execute("INSERT INTO " + LakeSchema.LEDGER + " SELECT * FROM rollup_stage_ledger");
                st.execute("CALL lake.set_commit_message('lakelog', " + LakeEngine.literal(message)
                        + ", extra_info => " + LakeEngine.literal(extra) + ")");
                st.execute("COMMIT");
            } catch (SQLException e) {
                try {
                    st.execute("ROLLBACK");
                } catch (SQLException ignored) {
                    // the failed statement may already have ended the transaction
                }
                throw e;
            } finally {
                st.execute("DROP TABLE IF EXISTS rollup_stage");
                st.execute("DROP TABLE IF EXISTS rollup_stage_ledger");
            }
        }
        LOG.info("rollup_batch_committed", "tenant", tenant, "segments", segments.size(), "rows", rows, "rollup_id", rollupId);
        return rows;
    }

    private static void appendRow(DuckDBAppender a, LogEvent e, long archivedAt, String segmentKey) throws SQLException {
        a.beginRow();
        a.append(e.tenantId());
        a.append(e.logId());
        a.appendEpochMicros(e.timestampMicros());
        str(a, e.eventType());
        str(a, e.outcome());
        str(a, e.severity());
        str(a, e.sensitivity());
        str(a, e.actorId());
        str(a, e.component());
        str(a, e.environment());
        str(a, e.resource());
        str(a, e.message());
        str(a, e.payload());
        if (e.policyTags() == null) a.appendNull();
        else a.append(e.policyTags());
        str(a, e.sessionId());
        str(a, e.requestId());
        str(a, e.sourceIp());
        if (e.retentionUntilMicros() == null) a.appendNull();
        else a.appendEpochMicros(e.retentionUntilMicros());
        a.appendEpochMicros(e.ingestedAtMicros());
        a.appendEpochMicros(archivedAt);
        a.append(segmentKey);
        a.endRow();
    }

    private static void str(DuckDBAppender a, String v) throws SQLException {
        if (v == null) a.appendNull();
        else a.append(v);
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
