package dev.lakelog.telemetry;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lakelog.api.ErrorCode;
import dev.lakelog.api.LakelogException;
import dev.lakelog.lake.LakeEngine;
import dev.lakelog.lake.LakeException;
import dev.lakelog.lake.MetricAggregate;
import dev.lakelog.lake.MetricsCommit;
import dev.lakelog.lake.MetricsSchema;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code GET /v1/analytics/metrics}: one metric of one tenant, bucketed by {@code step}, aggregated,
 * optionally grouped by attribute keys and filtered by attribute values. The answer comes from the
 * coarsest rollup level whose width divides the step (1d, 1h, 5m, 1m; raw points when none does or
 * when asked), and says which ({@code level}). Buckets start at {@code since} floored to that level's
 * width, so every step bucket is a whole number of level buckets and the answer is exact at that level:
 * sums, counts, min, max, increases and rates exactly; quantiles from the merged DDSketches (relative
 * error at most {@link MetricAggregate#RELATIVE_ACCURACY}); distinct series from merged HLL sketches.
 */
public final class MetricsQueryService {
    public static final int MAX_BUCKETS = 10_000;
    public static final int MAX_GROUP_KEYS = 5;
    private static final Pattern QUANTILE = Pattern.compile("p(\\d{1,2}(?:\\.\\d{1,3})?)");
    private static final Pattern STEP = Pattern.compile("(\\d+)(s|m|h|d)?");
    private final Supplier<LakeEngine> lake;
    private final ObjectMapper json;

    public MetricsQueryService(Supplier<LakeEngine> lake, ObjectMapper json) {
        this.lake = lake;
        this.json = json;
    }

    /** A parsed request. {@code level} empty: the coarsest exact one; {@code raw}: force raw points. */
    public record Query(String name, Instant since, Instant until, long stepSeconds, String aggregation, List<String> groupBy,
                        Map<String, String> filters, Optional<String> level) {}

    public static long parseStep(String s) {
        Matcher m = STEP.matcher(s.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) throw new LakelogException(ErrorCode.INVALID_PARAMETER, "step must be seconds or a number with s, m, h or d (e.g. 60, 5m, 1h, 1d), got '" + s + "'");
        long n;
        try {
            n = Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
            throw new LakelogException(ErrorCode.INVALID_PARAMETER, "step is too large");
        }
        long mult = m.group(2) == null ? 1 : switch (m.group(2)) {
            case "m" -> 60;
            case "h" -> 3600;
            case "d" -> 86400;
            default -> 1;
        };
        long secs = n * mult;
        if (secs < 1 || secs > 366L * 86400) throw new LakelogException(ErrorCode.INVALID_PARAMETER, "step must be between 1 second and 366 days");
        return secs;
    }

    /** Validates the aggregation name; returns the quantile (0..1) for pNN, else -1. */
    public static double checkAggregation(String agg) {
        switch (agg) {
            case "sum", "count", "min", "max", "avg", "last", "increase", "rate", "distinct_series" -> {
                return -1;
            }
            default -> {
                Matcher m = QUANTILE.matcher(agg);
                if (m.matches()) {
                    double q = Double.parseDouble(m.group(1)) / 100;
                    if (q > 0 && q < 1) return q;
                }
                throw new LakelogException(ErrorCode.INVALID_PARAMETER, "aggregation must be one of sum, count, min, max, avg, last, increase, rate, "
                        + "distinct_series or a quantile p1..p99.999 (p50, p95, p99), got '" + agg + "'");
            }
        }
    }

    /** The level a step is answered from: the coarsest whose width divides it, or empty (raw points). */
    public static Optional<MetricsSchema.Level> levelFor(long stepSeconds) {
        MetricsSchema.Level best = null;
        for (MetricsSchema.Level l : MetricsSchema.Level.ALL) if (stepSeconds % l.seconds == 0) best = l;
        return Optional.ofNullable(best);
    }

    public ObjectNode run(String tenant, Query q) {
        double quantile = checkAggregation(q.aggregation());
        Optional<MetricsSchema.Level> level;
        if (q.level().isPresent()) {
            String want = q.level().get();
            if (want.equals("raw")) level = Optional.empty();
            else {
                level = MetricsSchema.Level.ALL.stream().filter(l -> l.label.equals(want)).findFirst();
                if (level.isEmpty()) throw new LakelogException(ErrorCode.INVALID_PARAMETER, "level must be raw, 1m, 5m, 1h or 1d, got '" + want + "'");
                if (q.stepSeconds() % level.get().seconds != 0) {
                    throw new LakelogException(ErrorCode.INVALID_PARAMETER, "level " + want + " cannot answer step " + q.stepSeconds()
                            + " s exactly: the step must be a multiple of the level's " + level.get().seconds + " s");
                }
            }
        } else {
            level = levelFor(q.stepSeconds());
        }
        long width = level.map(MetricsSchema.Level::micros).orElse(1L);
        long since = q.since().getEpochSecond() * 1_000_000L + q.since().getNano() / 1000;
        long until = q.until().getEpochSecond() * 1_000_000L + q.until().getNano() / 1000;
        if (until <= since) throw new LakelogException(ErrorCode.INVALID_PARAMETER, "until must be after since");
        long origin = Math.floorDiv(since, width) * width;
        long end = Math.floorDiv(until + width - 1, width) * width;
        long step = q.stepSeconds() * 1_000_000L;
        long buckets = (end - origin + step - 1) / step;
        if (buckets > MAX_BUCKETS) {
            throw new LakelogException(ErrorCode.INVALID_PARAMETER, "the range holds " + buckets + " steps of " + q.stepSeconds()
                    + " s, more than " + MAX_BUCKETS + "; choose a larger step or a shorter range");
        }
        if (q.groupBy().size() > MAX_GROUP_KEYS) throw new LakelogException(ErrorCode.INVALID_PARAMETER, "group_by takes at most " + MAX_GROUP_KEYS + " attribute keys");

        StringBuilder sql = new StringBuilder("SELECT metric_type, unit");
        List<Object> args = new ArrayList<>();
        for (String g : q.groupBy()) {
            sql.append(", coalesce(map_extract(attributes, ?)[1], map_extract(resource_attributes, ?)[1])");
            args.add(g);
            args.add(g);
        }
        String time;
        if (level.isPresent()) {
            time = "bucket_start";
            sql.append(", epoch_us(bucket_start), samples, \"count\", \"sum\", \"min\", \"max\", \"last\", increase, sketch, hll, series_id FROM ")
                    .append(level.get().qualified());
        } else {
            time = "\"timestamp\"";
            sql.append(", epoch_us(\"timestamp\"), \"value\", delta, delta_count, delta_sum, hist_min, hist_max, explicit_bounds, delta_bucket_counts, series_id FROM ")
                    .append(MetricsSchema.RAW);
        }
        sql.append(" WHERE tenant_id = ? AND metric_name = ? AND ").append(time).append(" >= make_timestamptz(?::BIGINT) AND ")
                .append(time).append(" < make_timestamptz(?::BIGINT)");
        List<Object> where = new ArrayList<>(List.of(tenant, q.name(), origin, end));
        for (Map.Entry<String, String> f : q.filters().entrySet()) {
            sql.append(" AND coalesce(map_extract(attributes, ?)[1], map_extract(resource_attributes, ?)[1]) = ?");
            where.add(f.getKey());
            where.add(f.getKey());
            where.add(f.getValue());
        }
        sql.append(" ORDER BY ").append(time);
        args.addAll(where);

        Map<List<String>, TreeMap<Long, MetricAggregate>> groups = new LinkedHashMap<>();
        String type = null;
        String unit = null;
        long rowsRead = 0;
        long t0 = System.nanoTime();
        try (Connection c = lake.get().connect()) {
            MetricsSchema.ensure(c);
            try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
                for (int i = 0; i < args.size(); i++) ps.setObject(i + 1, args.get(i));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        rowsRead++;
                        if (type == null) {
                            type = rs.getString(1);
                            unit = rs.getString(2);
                        }
                        int col = 3;
                        List<String> key = new ArrayList<>(q.groupBy().size());
                        for (int i = 0; i < q.groupBy().size(); i++) key.add(rs.getString(col++));
                        long t = rs.getLong(col++);
                        long bucket = origin + Math.floorDiv(t - origin, step) * step;
                        TreeMap<Long, MetricAggregate> g = groups.computeIfAbsent(key, k -> new TreeMap<>());
                        if (level.isPresent()) {
                            g.merge(bucket, MetricsCommit.stored(rs, col), MetricAggregate::merge);
                        } else {
                            g.computeIfAbsent(bucket, k -> MetricAggregate.empty()).addPoint(rs.getString(1), rs.getString(col + 8),
                                    (Double) rs.getObject(col), (Double) rs.getObject(col + 1), (Long) rs.getObject(col + 2),
                                    (Double) rs.getObject(col + 3), (Double) rs.getObject(col + 4), (Double) rs.getObject(col + 5),
                                    doubles(rs.getArray(col + 6)), longs(rs.getArray(col + 7)));
                        }
                    }
                }
            }
        } catch (SQLException e) {
            throw new LakeException("metrics query failed: " + lake.get().redactor().redact(e.getMessage()), null);
        }
        ObjectNode out = json.createObjectNode();
        out.put("metric", q.name());
        out.put("type", type);
        out.put("unit", unit);
        out.put("aggregation", q.aggregation());
        out.put("step_seconds", q.stepSeconds());
        out.put("level", level.map(l -> l.label).orElse("raw"));
        out.put("since", Instant.ofEpochSecond(0, origin * 1000).toString());
        out.put("until", Instant.ofEpochSecond(0, end * 1000).toString());
        out.put("rows_read", rowsRead);
        out.put("query_ms", (System.nanoTime() - t0) / 1_000_000);
        if (quantile > 0) out.put("relative_accuracy", MetricAggregate.RELATIVE_ACCURACY);
        ArrayNode series = out.putArray("series");
        for (Map.Entry<List<String>, TreeMap<Long, MetricAggregate>> g : groups.entrySet()) {
            ObjectNode s = series.addObject();
            ObjectNode labels = s.putObject("group");
            for (int i = 0; i < q.groupBy().size(); i++) labels.put(q.groupBy().get(i), g.getKey().get(i));
            ArrayNode points = s.putArray("points");
            for (Map.Entry<Long, MetricAggregate> b : g.getValue().entrySet()) {
                Double v = value(b.getValue(), q.aggregation(), quantile, q.stepSeconds());
                ObjectNode p = points.addObject().put("t", Instant.ofEpochSecond(0, b.getKey() * 1000).toString());
                if (v == null || v.isNaN()) p.putNull("value");
                else p.put("value", v);
                p.put("samples", b.getValue().samples);
            }
        }
        return out;
    }

    private static Double value(MetricAggregate a, String agg, double quantile, long stepSeconds) {
        if (quantile > 0) return a.quantile(quantile);
        return switch (agg) {
            case "sum" -> a.sum;
            case "count" -> a.count;
            case "min" -> a.min;
            case "max" -> a.max;
            case "avg" -> a.avg();
            case "last" -> a.last;
            case "increase" -> a.increase;
            case "rate" -> a.increase == null ? null : a.increase / stepSeconds;
            case "distinct_series" -> a.distinctSeries();
            default -> null;
        };
    }

    private static long[] longs(Array a) throws SQLException {
        if (a == null) return null;
        Object[] xs = (Object[]) a.getArray();
        long[] out = new long[xs.length];
        for (int i = 0; i < xs.length; i++) out[i] = ((Number) xs[i]).longValue();
        return out;
    }

    private static double[] doubles(Array a) throws SQLException {
        if (a == null) return null;
        Object[] xs = (Object[]) a.getArray();
        double[] out = new double[xs.length];
        for (int i = 0; i < xs.length; i++) out[i] = ((Number) xs[i]).doubleValue();
        return out;
    }
}
