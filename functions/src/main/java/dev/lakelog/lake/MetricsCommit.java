package dev.lakelog.lake;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lakelog.log.JsonLog;
import dev.lakelog.segment.MetricPoint;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;

/**
 * The exactly-once commit of a batch of one tenant's metric segments, in ONE DuckLake transaction
 * (docs/metrics.md): inside it the metrics ledger is re-read and segments it already holds are left
 * out; the remaining points get their increases from the series' last stored point
 * ({@code metrics_series_state}: cumulative sums and histograms become deltas, a changed start time
 * or a value that went down is a reset); the points, their ledger rows and the new series state are
 * written; then every rollup bucket the points fall in is rebuilt from the level below (1m from raw
 * points, 5m from 1m, 1h from 5m, 1d from 1h): its old row deleted and the new one inserted. A
 * bucket row is so always the merge of exactly the rows below it, however late a point arrives, and
 * a segment's points are counted once at every level or not at all. Overlapping commits conflict
 * (each deletes from the fence and the rollup tables), and the loser starts again from BEGIN.
 */
public final class MetricsCommit {
    private static final JsonLog LOG = JsonLog.get(MetricsCommit.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    public static final int COMMIT_ATTEMPTS = 6;

    private MetricsCommit() {}

    /** One decoded metric segment to commit. */
    public record Staged(String segmentKey, String digest, List<MetricPoint> points) {}

    /** What a commit wrote; {@code alreadyIn} are the batch's segments the ledger held before. */
    public record Committed(long points, long segments, Set<String> alreadyIn, Long snapshotId, int conflicts, Map<String, Long> rollupRows) {}

    public static Committed commit(Connection conn, String tenant, List<Staged> batch, long archivedAtMicros, String rollupId,
            String trigger) throws SQLException {
        MetricsSchema.ensure(conn);
        for (int attempt = 1; ; attempt++) {
            try {
                Committed c = commitOnce(conn, tenant, batch, archivedAtMicros, rollupId, trigger);
                return new Committed(c.points(), c.segments(), c.alreadyIn(), c.snapshotId(), attempt - 1, c.rollupRows());
            } catch (SQLException e) {
                String m = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
                if (attempt >= COMMIT_ATTEMPTS || !m.contains("conflict")) throw e;
                LOG.info("metrics_commit_conflict_retry", "tenant", tenant, "attempt", attempt);
                try {
                    Thread.sleep(50L * attempt + Jitter.next(50));
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    /** The last stored point of a cumulative series. */
    private record State(long ts, Long start, Double value, Long histCount, Double histSum, long[] buckets) {}

    /** A point with the increases computed at rollup. */
    private record Row(MetricPoint p, String segmentKey, Double delta, Long deltaCount, Double deltaSum, long[] deltaBuckets) {}

    private static Committed commitOnce(Connection conn, String tenant, List<Staged> batch, long archivedAtMicros, String rollupId,
            String trigger) throws SQLException {
        long t0 = System.nanoTime();
        try (Statement st = conn.createStatement()) {
            st.execute("BEGIN TRANSACTION");
            try {
                Set<String> done = ledgerHolds(conn, tenant, batch.stream().map(Staged::segmentKey).toList());
                List<Staged> todo = batch.stream().filter(s -> !done.contains(s.segmentKey())).toList();
                if (todo.isEmpty()) {
                    st.execute("ROLLBACK");
                    return new Committed(0, 0, done, null, 0, Map.of());
                }
                List<Row> rows = deltas(conn, tenant, todo);
                Map<String, MetricPoint> seriesMeta = new LinkedHashMap<>();
                for (Row r : rows) seriesMeta.putIfAbsent(r.p().seriesId(), r.p());
                tempKeys(conn, "mx_series", seriesMeta.keySet());
                writeRaw(conn, rows, archivedAtMicros);
                writeLedger(conn, tenant, todo, archivedAtMicros, rollupId, trigger);
                writeState(conn, tenant, rows);
                Map<String, Long> rollupRows = rebuildRollups(conn, tenant, rows, seriesMeta, archivedAtMicros);
                st.execute("DELETE FROM " + MetricsSchema.FENCE);
                st.execute("INSERT INTO " + MetricsSchema.FENCE + " VALUES (" + LakeEngine.literal(tenant) + ", " + LakeEngine.literal(rollupId) + ", now())");
                String message = "metrics rollup trigger=" + trigger + " tenant=" + tenant + " segments=" + todo.size() + " points=" + rows.size();
                String extra = JSON.createObjectNode().put("rollup_id", rollupId).put("trigger", trigger).put("tenant_id", tenant)
                        .put("segments", todo.size()).put("points", rows.size()).put("kind", "metrics").toString();
                st.execute("CALL lake.set_commit_message('lakelog', " + LakeEngine.literal(message) + ", extra_info => " + LakeEngine.literal(extra) + ")");
                st.execute("COMMIT");
                Long snapshot = lastSnapshot(conn);
                LOG.info("metrics_batch_committed", "tenant", tenant, "segments", todo.size(), "points", rows.size(), "series", seriesMeta.size(),
                        "rollup_id", rollupId, "snapshot_id", snapshot, "commit_ms", (System.nanoTime() - t0) / 1_000_000);
                return new Committed(rows.size(), todo.size(), done, snapshot, 0, rollupRows);
            } catch (SQLException | RuntimeException e) {
                try (Statement rb = conn.createStatement()) {
                    rb.execute("ROLLBACK");
                } catch (SQLException ignored) {
                    // the failed statement may already have ended the transaction
                }
                throw e;
            } finally {
                try (Statement drop = conn.createStatement()) {
                    for (String t : List.of("mx_series", "mx_affected", "mx_raw_stage", "mx_state_stage", "mx_rollup_stage")) {
                        drop.execute("DROP TABLE IF EXISTS temp.main." + t);
                    }
                } catch (SQLException ignored) {
                    // the connection is closed by the caller anyway
                }
            }
        }
    }

    /** The keys among {@code keys} that the metrics ledger holds. */
    public static Set<String> ledgerHolds(Connection conn, String tenant, List<String> keys) throws SQLException {
        Set<String> out = new HashSet<>();
        if (keys.isEmpty()) return out;
        try (PreparedStatement ps = conn.prepareStatement("SELECT segment_key FROM " + MetricsSchema.LEDGER
                + " WHERE tenant_id = ? AND list_contains(?::VARCHAR[], segment_key)")) {
            ps.setString(1, tenant);
            ps.setArray(2, conn.createArrayOf("VARCHAR", keys.toArray(String[]::new)));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.add(rs.getString(1));
            }
        }
        return out;
    }

    /**
     * Increases per point, in series and time order. Gauges have none; delta sums and histograms are
     * their own increase; a cumulative point's increase is its value minus the series' previous point,
     * or its whole value after a reset (start time changed, or a monotonic value / any bucket count
     * went down) and for a series' first point when it has a start time (counted from there). A point
     * not newer than the series' last stored one (a resend, or late) gets no increase and leaves the
     * series state as it was.
     */
    private static List<Row> deltas(Connection conn, String tenant, List<Staged> todo) throws SQLException {
        List<Row> rows = new ArrayList<>();
        List<Object[]> all = new ArrayList<>();
        Set<String> cumulative = new HashSet<>();
        for (Staged s : todo) {
            for (MetricPoint p : s.points()) {
                all.add(new Object[] {p, s.segmentKey()});
                if (p.cumulative()) cumulative.add(p.seriesId());
            }
        }
        all.sort(Comparator.comparing((Object[] o) -> ((MetricPoint) o[0]).seriesId()).thenComparingLong(o -> ((MetricPoint) o[0]).timestampMicros()));
        Map<String, State> state = readState(conn, tenant, cumulative);
        for (Object[] o : all) {
            MetricPoint p = (MetricPoint) o[0];
            String key = (String) o[1];
            boolean hist = MetricPoint.HISTOGRAM.equals(p.type());
            if (MetricPoint.GAUGE.equals(p.type())) {
                rows.add(new Row(p, key, null, null, null, null));
            } else if (!p.cumulative()) {
                rows.add(hist ? new Row(p, key, null, p.histCount(), p.histSum(), p.bucketCounts()) : new Row(p, key, p.value(), null, null, null));
            } else {
                State prev = state.get(p.seriesId());
                if (prev != null && p.timestampMicros() <= prev.ts()) {
                    rows.add(new Row(p, key, null, null, null, null));
                    continue;
                }
                boolean first = prev == null;
                boolean reset = !first && (!Objects.equals(p.startMicros(), prev.start()) || wentDown(p, prev, hist));
                if (first && p.startMicros() == null) {
                    rows.add(new Row(p, key, null, null, null, null));
                } else if (first || reset) {
                    rows.add(hist ? new Row(p, key, null, p.histCount(), p.histSum(), p.bucketCounts()) : new Row(p, key, p.value(), null, null, null));
                } else if (hist) {
                    long[] d = new long[p.bucketCounts() == null ? 0 : p.bucketCounts().length];
                    for (int i = 0; i < d.length; i++) d[i] = p.bucketCounts()[i] - prev.buckets()[i];
                    rows.add(new Row(p, key, null, nz(p.histCount()) - nz(prev.histCount()),
                            p.histSum() == null || prev.histSum() == null ? null : p.histSum() - prev.histSum(), d));
                } else {
                    rows.add(new Row(p, key, p.value() - prev.value(), null, null, null));
                }
                state.put(p.seriesId(), new State(p.timestampMicros(), p.startMicros(), p.value(), p.histCount(), p.histSum(), p.bucketCounts()));
            }
        }
        return rows;
    }

    private static long nz(Long v) {
        return v == null ? 0 : v;
    }

    private static boolean wentDown(MetricPoint p, State prev, boolean hist) {
        if (hist) {
            if (nz(p.histCount()) < nz(prev.histCount())) return true;
            long[] a = p.bucketCounts();
            long[] b = prev.buckets();
            if (a == null || b == null || a.length != b.length) return true;
            for (int i = 0; i < a.length; i++) if (a[i] < b[i]) return true;
            return false;
        }
        return Boolean.TRUE.equals(p.monotonic()) && p.value() != null && prev.value() != null && p.value() < prev.value();
    }

    private static Map<String, State> readState(Connection conn, String tenant, Set<String> series) throws SQLException {
        Map<String, State> out = new HashMap<>();
        if (series.isEmpty()) return out;
        tempKeys(conn, "mx_cumulative", series);
        try (PreparedStatement ps = conn.prepareStatement("SELECT series_id, epoch_us(\"timestamp\"), epoch_us(start_time), \"value\", hist_count, hist_sum, "
                + "bucket_counts FROM " + MetricsSchema.STATE + " WHERE tenant_id = ? AND series_id IN (SELECT k FROM temp.main.mx_cumulative)")) {
            ps.setString(1, tenant);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getString(1), new State(rs.getLong(2), (Long) rs.getObject(3), (Double) rs.getObject(4),
                            (Long) rs.getObject(5), (Double) rs.getObject(6), longs(rs.getArray(7))));
                }
            }
        } finally {
            try (Statement st = conn.createStatement()) {
                st.execute("DROP TABLE IF EXISTS temp.main.mx_cumulative");
            }
        }
        return out;
    }

    static long[] longs(Array a) throws SQLException {
        if (a == null) return null;
        Object[] xs = (Object[]) a.getArray();
        long[] out = new long[xs.length];
        for (int i = 0; i < xs.length; i++) out[i] = ((Number) xs[i]).longValue();
        return out;
    }

    static double[] doubles(Array a) throws SQLException {
        if (a == null) return null;
        Object[] xs = (Object[]) a.getArray();
        double[] out = new double[xs.length];
        for (int i = 0; i < xs.length; i++) out[i] = ((Number) xs[i]).doubleValue();
        return out;
    }

    private static void tempKeys(Connection conn, String table, Set<String> keys) throws SQLException {
        try (Statement st = conn.createStatement()) {
            st.execute("CREATE OR REPLACE TEMP TABLE " + table + " (k VARCHAR)");
        }
        try (DuckDBAppender a = conn.unwrap(DuckDBConnection.class).createAppender("temp", "main", table)) {
            for (String k : keys) {
                a.beginRow();
                a.append(k);
                a.endRow();
            }
        }
    }

    private static void writeRaw(Connection conn, List<Row> rows, long archivedAt) throws SQLException {
        try (Statement st = conn.createStatement()) {
            st.execute("CREATE OR REPLACE TEMP TABLE mx_raw_stage (" + MetricsSchema.RAW_COLUMNS.replace(" NOT NULL", "") + ")");
        }
        try (DuckDBAppender a = conn.unwrap(DuckDBConnection.class).createAppender("temp", "main", "mx_raw_stage")) {
            for (Row r : rows) {
                MetricPoint p = r.p();
                a.beginRow();
                a.append(p.tenantId());
                a.append(p.name());
                a.append(p.type());
                str(a, p.unit());
                str(a, p.temporality());
                if (p.monotonic() == null) a.appendNull();
                else a.append(p.monotonic().booleanValue());
                a.append(p.seriesId());
                a.appendEpochMicros(p.timestampMicros());
                micros(a, p.startMicros());
                dbl(a, p.value());
                dbl(a, r.delta());
                lng(a, p.histCount());
                dbl(a, p.histSum());
                dbl(a, p.histMin());
                dbl(a, p.histMax());
                if (p.bounds() == null) a.appendNull();
                else a.append(p.bounds());
                if (p.bucketCounts() == null) a.appendNull();
                else a.append(p.bucketCounts());
                lng(a, r.deltaCount());
                dbl(a, r.deltaSum());
                if (r.deltaBuckets() == null) a.appendNull();
                else a.append(r.deltaBuckets());
                a.append(p.attributes());
                a.append(p.resourceAttributes());
                str(a, p.scopeName());
                str(a, p.exemplarTraceId());
                str(a, p.exemplarSpanId());
                a.appendEpochMicros(p.ingestedAtMicros());
                a.appendEpochMicros(archivedAt);
                a.append(r.segmentKey());
                a.endRow();
            }
        }
        try (Statement st = conn.createStatement()) {
            st.execute("INSERT INTO " + MetricsSchema.RAW + " SELECT * FROM temp.main.mx_raw_stage ORDER BY \"timestamp\", series_id");
        }
    }

    private static void writeLedger(Connection conn, String tenant, List<Staged> todo, long at, String rollupId, String trigger) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement("INSERT INTO " + MetricsSchema.LEDGER + " VALUES (?, ?, ?, ?, make_timestamptz(?::BIGINT), ?, ?)")) {
            for (Staged s : todo) {
                ps.setString(1, s.segmentKey());
                ps.setString(2, tenant);
                ps.setLong(3, s.points().size());
                ps.setString(4, s.digest());
                ps.setLong(5, at);
                ps.setString(6, rollupId);
                ps.setString(7, trigger);
                ps.execute(); // not executeBatch: DuckDB's JDBC runs a batch in a transaction of its own
            }
        }
    }

    private static void writeState(Connection conn, String tenant, List<Row> rows) throws SQLException {
        Map<String, MetricPoint> last = new LinkedHashMap<>();
        for (Row r : rows) {
            if (!r.p().cumulative()) continue;
            MetricPoint cur = last.get(r.p().seriesId());
            if (cur == null || r.p().timestampMicros() > cur.timestampMicros()) last.put(r.p().seriesId(), r.p());
        }
        if (last.isEmpty()) return;
        tempKeys(conn, "mx_state_keys", last.keySet());
        try (Statement st = conn.createStatement()) {
            // keep the newer of stored and new (a late point never moves the state back)
            st.execute("CREATE OR REPLACE TEMP TABLE mx_state_stage (" + MetricsSchema.STATE_COLUMNS.replace(" NOT NULL", "") + ")");
        }
        try (DuckDBAppender a = conn.unwrap(DuckDBConnection.class).createAppender("temp", "main", "mx_state_stage")) {
            for (MetricPoint p : last.values()) {
                a.beginRow();
                a.append(tenant);
                a.append(p.seriesId());
                a.appendEpochMicros(p.timestampMicros());
                micros(a, p.startMicros());
                dbl(a, p.value());
                lng(a, p.histCount());
                dbl(a, p.histSum());
                if (p.bucketCounts() == null) a.appendNull();
                else a.append(p.bucketCounts());
                a.endRow();
            }
        }
        try (PreparedStatement ps = conn.prepareStatement("INSERT INTO temp.main.mx_state_stage SELECT * FROM " + MetricsSchema.STATE
                + " WHERE tenant_id = ? AND series_id IN (SELECT k FROM temp.main.mx_state_keys)")) {
            ps.setString(1, tenant);
            ps.execute();
        }
        try (PreparedStatement ps = conn.prepareStatement("DELETE FROM " + MetricsSchema.STATE
                + " WHERE tenant_id = ? AND series_id IN (SELECT k FROM temp.main.mx_state_keys)")) {
            ps.setString(1, tenant);
            ps.execute();
        }
        try (Statement st = conn.createStatement()) {
            st.execute("INSERT INTO " + MetricsSchema.STATE + " SELECT * FROM temp.main.mx_state_stage "
                    + "QUALIFY row_number() OVER (PARTITION BY series_id ORDER BY \"timestamp\" DESC) = 1");
            st.execute("DROP TABLE IF EXISTS temp.main.mx_state_keys");
        }
    }

    private record Bucket(String series, long start) {}

    /** Rebuilds every bucket of every level that the rows fall in, each from the level below. */
    private static Map<String, Long> rebuildRollups(Connection conn, String tenant, List<Row> rows, Map<String, MetricPoint> meta,
            long rolledUpAt) throws SQLException {
        Map<String, Long> written = new LinkedHashMap<>();
        Set<Bucket> lower = null;
        MetricsSchema.Level below = null;
        for (MetricsSchema.Level level : MetricsSchema.Level.ALL) {
            Set<Bucket> affected = new HashSet<>();
            if (lower == null) {
                for (Row r : rows) affected.add(new Bucket(r.p().seriesId(), floor(r.p().timestampMicros(), level)));
            } else {
                for (Bucket b : lower) affected.add(new Bucket(b.series(), floor(b.start(), level)));
            }
            long from = affected.stream().mapToLong(Bucket::start).min().orElse(0);
            long to = affected.stream().mapToLong(Bucket::start).max().orElse(0) + level.micros();
            Map<Bucket, MetricAggregate> aggs = new HashMap<>();
            if (below == null) {
                try (PreparedStatement ps = conn.prepareStatement("SELECT series_id, epoch_us(\"timestamp\"), metric_type, \"value\", delta, "
                        + "delta_count, delta_sum, hist_min, hist_max, explicit_bounds, delta_bucket_counts FROM " + MetricsSchema.RAW
                        + " WHERE tenant_id = ? AND \"timestamp\" >= make_timestamptz(?::BIGINT) AND \"timestamp\" < make_timestamptz(?::BIGINT)"
                        + " AND series_id IN (SELECT k FROM temp.main.mx_series) ORDER BY \"timestamp\"")) {
                    ps.setString(1, tenant);
                    ps.setLong(2, from);
                    ps.setLong(3, to);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            Bucket b = new Bucket(rs.getString(1), floor(rs.getLong(2), level));
                            if (!affected.contains(b)) continue;
                            aggs.computeIfAbsent(b, k -> MetricAggregate.empty()).addPoint(rs.getString(3), b.series(), (Double) rs.getObject(4),
                                    (Double) rs.getObject(5), (Long) rs.getObject(6), (Double) rs.getObject(7), (Double) rs.getObject(8),
                                    (Double) rs.getObject(9), doubles(rs.getArray(10)), longs(rs.getArray(11)));
                        }
                    }
                }
            } else {
                try (PreparedStatement ps = conn.prepareStatement("SELECT series_id, epoch_us(bucket_start), samples, \"count\", \"sum\", \"min\", "
                        + "\"max\", \"last\", increase, sketch, hll FROM " + below.qualified()
                        + " WHERE tenant_id = ? AND bucket_start >= make_timestamptz(?::BIGINT) AND bucket_start < make_timestamptz(?::BIGINT)"
                        + " AND series_id IN (SELECT k FROM temp.main.mx_series) ORDER BY bucket_start")) {
                    ps.setString(1, tenant);
                    ps.setLong(2, from);
                    ps.setLong(3, to);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            Bucket b = new Bucket(rs.getString(1), floor(rs.getLong(2), level));
                            if (!affected.contains(b)) continue;
                            aggs.merge(b, stored(rs, 3), MetricAggregate::merge);
                        }
                    }
                }
            }
            Set<String> keys = new HashSet<>();
            for (Bucket b : affected) keys.add(b.series() + "@" + b.start());
            tempKeys(conn, "mx_affected", keys);
            try (PreparedStatement ps = conn.prepareStatement("DELETE FROM " + level.qualified() + " WHERE tenant_id = ? AND bucket_start >= "
                    + "make_timestamptz(?::BIGINT) AND bucket_start < make_timestamptz(?::BIGINT) AND (series_id || '@' || epoch_us(bucket_start)::VARCHAR) "
                    + "IN (SELECT k FROM temp.main.mx_affected)")) {
                ps.setString(1, tenant);
                ps.setLong(2, from);
                ps.setLong(3, to);
                ps.execute();
            }
            try (Statement st = conn.createStatement()) {
                st.execute("CREATE OR REPLACE TEMP TABLE mx_rollup_stage (" + MetricsSchema.ROLLUP_COLUMNS.replace(" NOT NULL", "") + ")");
            }
            try (DuckDBAppender a = conn.unwrap(DuckDBConnection.class).createAppender("temp", "main", "mx_rollup_stage")) {
                for (Map.Entry<Bucket, MetricAggregate> e : aggs.entrySet()) {
                    MetricPoint m = meta.get(e.getKey().series());
                    appendRollup(a, tenant, m, e.getKey().start(), e.getValue(), rolledUpAt);
                }
            }
            try (Statement st = conn.createStatement()) {
                st.execute("INSERT INTO " + level.qualified() + " SELECT * FROM temp.main.mx_rollup_stage ORDER BY bucket_start, series_id");
            }
            written.put(level.label, (long) aggs.size());
            lower = affected;
            below = level;
        }
        return written;
    }

    /** A rollup row's summary, read from columns samples, count, sum, min, max, last, increase, sketch, hll starting at {@code col}. */
    public static MetricAggregate stored(ResultSet rs, int col) throws SQLException {
        return MetricAggregate.stored(rs.getLong(col), rs.getDouble(col + 1), rs.getDouble(col + 2), (Double) rs.getObject(col + 3),
                (Double) rs.getObject(col + 4), (Double) rs.getObject(col + 5), (Double) rs.getObject(col + 6), rs.getBytes(col + 7),
                rs.getBytes(col + 8));
    }

    /** Appends one rollup row in {@link MetricsSchema#ROLLUP_COLUMNS} order. */
    public static void appendRollup(DuckDBAppender a, String tenant, MetricPoint m, long bucketStart, MetricAggregate g, long rolledUpAt)
            throws SQLException {
        a.beginRow();
        a.append(tenant);
        a.append(m.name());
        a.append(m.type());
        str(a, m.unit());
        a.append(m.seriesId());
        a.append(m.attributes());
        a.append(m.resourceAttributes());
        a.appendEpochMicros(bucketStart);
        a.append(g.samples);
        a.append(g.count);
        a.append(g.sum);
        dbl(a, Double.isNaN(g.min) ? null : g.min);
        dbl(a, Double.isNaN(g.max) ? null : g.max);
        dbl(a, Double.isNaN(g.avg()) ? null : g.avg());
        dbl(a, Double.isNaN(g.last) ? null : g.last);
        dbl(a, g.increase);
        for (double q : new double[] {0.5, 0.95, 0.99}) {
            double v = g.quantile(q);
            dbl(a, Double.isNaN(v) ? null : v);
        }
        a.append(g.sketchBytes());
        a.append(g.hllBytes());
        a.appendEpochMicros(rolledUpAt);
        a.endRow();
    }

    public static long floor(long micros, MetricsSchema.Level level) {
        return Math.floorDiv(micros, level.micros()) * level.micros();
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

    private static void str(DuckDBAppender a, String v) throws SQLException {
        if (v == null) a.appendNull();
        else a.append(v);
    }

    private static void dbl(DuckDBAppender a, Double v) throws SQLException {
        if (v == null) a.appendNull();
        else a.append(v.doubleValue());
    }

    private static void lng(DuckDBAppender a, Long v) throws SQLException {
        if (v == null) a.appendNull();
        else a.append(v.longValue());
    }

    private static void micros(DuckDBAppender a, Long v) throws SQLException {
        if (v == null) a.appendNull();
        else a.appendEpochMicros(v);
    }

    static String show(long[] xs) {
        return Arrays.toString(xs);
    }
}
