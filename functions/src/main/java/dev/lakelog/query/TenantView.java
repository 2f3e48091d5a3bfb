package dev.lakelog.query;

import dev.lakelog.api.ErrorCode;
import dev.lakelog.api.LakelogException;
import dev.lakelog.lake.LakeCatalog;
import dev.lakelog.lake.LakeEngine;
import dev.lakelog.lake.LakeException;
import dev.lakelog.lake.LakeSchema;
import dev.lakelog.lake.LogRowAppender;
import dev.lakelog.lake.RollupLedger;
import dev.lakelog.segment.LogEvent;
import dev.lakelog.segment.Segment;
import dev.lakelog.segment.SegmentCodec;
import dev.lakelog.segment.SegmentFormatException;
import dev.lakelog.segment.SegmentKeys;
import dev.lakelog.storage.BlobStore;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;

/**
 * Opens a connection on which the TEMP VIEW {@code tenant_logs} holds exactly one tenant's rows:
 * the cold tier (optionally at a snapshot) and, when fresh, the hot-tier segments that the ledger
 * does not list yet, each event exactly once.
 *
 * <p>Order of a fresh read: (1) list the tenant's segment keys; (2) BEGIN a transaction and read
 * the ledger, which pins the DuckLake snapshot that the query later reads; hot = listed keys minus
 * ledger keys at that snapshot; (3) GET and decode the hot segments into a TEMP table. A segment
 * rolled up after the snapshot is read from the hot tier and is not in the lake at the snapshot; a
 * segment rolled up before it is in the ledger and is read from the lake only. A hot segment that
 * disappeared between listing and GET (rolled up and deleted meanwhile) restarts the whole read at a
 * newer snapshot, at most {@link #MAX_ATTEMPTS} times.
 */
public final class TenantView {
    public static final String VIEW = "tenant_logs";
    static final int MAX_ATTEMPTS = 4;

    /** Where the data comes from. */
    public sealed interface At permits Latest, AsOfTime, AsOfVersion {}

    public record Latest(boolean fresh) implements At {}

    public record AsOfTime(Instant time) implements At {}

    public record AsOfVersion(long snapshotId) implements At {}

    /** Bounds of the hot-tier read per query. */
    public record HotLimits(int maxSegments, long maxBytes) {
        public static final HotLimits DEFAULT = new HotLimits(2000, 256L * 1024 * 1024);
    }

    /** Test hooks: run between listing and snapshot, and between snapshot and the segment GETs. */
    interface Hooks {
        default void afterList(int attempt) {}

        default void afterSnapshot(int attempt) {}
    }

    private final Supplier<LakeEngine> lake;
    private final BlobStore store;
    private final SegmentCodec codec;
    private final HotLimits limits;
    volatile Hooks hooks = new Hooks() {};

    public TenantView(Supplier<LakeEngine> lake, BlobStore store, SegmentCodec codec, HotLimits limits) {
        this.lake = lake;
        this.store = store;
        this.codec = codec;
        this.limits = limits;
    }

    /** What a query ran over. */
    public record Opened(Connection connection, int hotSegments, long hotEvents) implements AutoCloseable {
        @Override
        public void close() {
            try {
                try (Statement st = connection.createStatement()) {
                    st.execute("ROLLBACK");
                } catch (SQLException ignored) {
                    // no open transaction
                }
                connection.close();
            } catch (SQLException ignored) {
                // closing a duplicate connection does not fail in practice
            }
        }
    }

    /**
     * A connection inside an open read transaction with {@code tenant_logs} defined. The caller
     * runs its queries and closes it (the transaction is rolled back: nothing was written to the lake).
     */
    public Opened open(String tenantId, At at) {
        for (int attempt = 1; ; attempt++) {
            Optional<Opened> o = tryOpen(tenantId, at, attempt);
            if (o.isPresent()) return o.get();
            if (attempt >= MAX_ATTEMPTS) {
                throw LakelogException.unavailable(ErrorCode.HOT_TIER_BUSY, "the hot tier changed under " + MAX_ATTEMPTS
                        + " consecutive reads (rollups in progress); retry, or pass fresh=false", 2, null);
            }
        }
    }

    private Optional<Opened> tryOpen(String tenantId, At at, int attempt) {
        boolean fresh = at instanceof Latest l && l.fresh();
        List<BlobStore.BlobInfo> listed = List.of();
        if (fresh) {
            listed = new ArrayList<>();
            for (BlobStore.BlobInfo b : store.list(SegmentKeys.tenantPrefix(tenantId))) {
                if (SegmentKeys.isSegmentKey(b.key())) listed.add(b);
            }
            hooks.afterList(attempt);
        }
        Connection c = lake.get().connect();
        boolean ok = false;
        try (Statement st = c.createStatement()) {
            st.execute("BEGIN TRANSACTION");
            String source = LakeSchema.LOGS + atClause(c, at);
            st.execute("CREATE OR REPLACE TEMP TABLE hot_logs (" + LakeSchema.LOGS_COLUMNS.replace(" NOT NULL", "") + ")");
            int hotSegments = 0;
            long hotEvents = 0;
            if (fresh && !listed.isEmpty()) {
                Set<String> done = RollupLedger.rolledUp(c, tenantId, listed.stream().map(BlobStore.BlobInfo::key).toList());
                hooks.afterSnapshot(attempt);
                List<BlobStore.BlobInfo> hot = new ArrayList<>();
                long bytes = 0;
                for (BlobStore.BlobInfo b : listed) {
                    if (done.contains(b.key())) continue;
                    hot.add(b);
                    bytes += b.size();
                }
                if (hot.size() > limits.maxSegments() || bytes > limits.maxBytes()) {
                    throw LakelogException.unavailable(ErrorCode.HOT_TIER_BUSY, "the hot tier holds " + hot.size() + " segments (" + bytes
                            + " bytes) not yet rolled up, more than a fresh query reads (" + limits.maxSegments()
                            + " segments, " + limits.maxBytes() + " bytes); retry after the next rollup or pass fresh=false", 60, null);
                }
                DuckDBConnection duck = c.unwrap(DuckDBConnection.class);
                try (DuckDBAppender a = duck.createAppender("temp", "main", "hot_logs")) {
                    for (BlobStore.BlobInfo b : hot) {
                        Optional<byte[]> bytesRead = store.get(b.key());
                        if (bytesRead.isEmpty()) return Optional.empty(); // rolled up and deleted meanwhile: retry
                        Segment s;
                        try {
                            s = codec.decode(bytesRead.get());
                        } catch (SegmentFormatException e) {
                            continue; // a damaged segment is quarantined by the rollup; it is not data
                        }
                        if (!s.tenantId().equals(tenantId)) continue;
                        for (LogEvent e : s.events()) {
                            LogRowAppender.append(a, e, null, b.key());
                            hotEvents++;
                        }
                        hotSegments++;
                    }
                }
            }
            // Time travel may reach a snapshot from before a column was added (docs/architecture.md#schema-evolution):
            // such a view gets every current column, NULL where that snapshot lacks it.
            String lakeRows = at instanceof Latest ? "SELECT * FROM " + source + " WHERE tenant_id = " + LakeEngine.literal(tenantId)
                    : "SELECT * FROM (SELECT " + LakeSchema.typedNullColumns() + " LIMIT 0) UNION ALL BY NAME SELECT * FROM " + source
                    + " WHERE tenant_id = " + LakeEngine.literal(tenantId);
            st.execute("CREATE OR REPLACE TEMP VIEW " + VIEW + " AS " + lakeRows + (fresh ? " UNION ALL SELECT * FROM temp.main.hot_logs" : ""));
            ok = true;
            return Optional.of(new Opened(c, hotSegments, hotEvents));
        } catch (SQLException e) {
            throw new LakeException("query failed: " + lake.get().redactor().redact(e.getMessage()), null);
        } finally {
            if (!ok) new Opened(c, 0, 0).close();
        }
    }

    private String atClause(Connection c, At at) throws SQLException {
        if (at instanceof AsOfVersion v) {
            requireSnapshot(c, v.snapshotId());
            return " AT (VERSION => " + v.snapshotId() + ")";
        }
        if (at instanceof AsOfTime t) {
            java.util.Optional<java.time.Instant> first = LakeCatalog.oldestSnapshotTime(c);
            if (first.isEmpty() || t.time().isBefore(first.get())) {
                throw new LakelogException(ErrorCode.SNAPSHOT_NOT_FOUND, "no snapshot exists at or before as_of " + t.time()
                        + first.map(f -> "; the oldest retained snapshot is from " + f).orElse(""));
            }
            return " AT (TIMESTAMP => TIMESTAMPTZ " + LakeEngine.literal(t.time().toString()) + ")";
        }
        return "";
    }

    static void requireSnapshot(Connection c, long id) throws SQLException {
        if (!LakeCatalog.snapshotExists(c, id)) {
            throw new LakelogException(ErrorCode.SNAPSHOT_NOT_FOUND, "snapshot " + id + " does not exist or has expired; GET /v1/analytics/snapshots lists the retained ones");
        }
    }

}
