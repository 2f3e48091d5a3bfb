package dev.lakelog.lake;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.datadoghq.sketch.ddsketch.DDSketches;
import com.datadoghq.sketch.ddsketch.encoding.ByteArrayInput;
import com.datadoghq.sketch.ddsketch.encoding.GrowingByteArrayOutput;
import com.datadoghq.sketch.ddsketch.store.CollapsingLowestDenseStore;
import dev.lakelog.segment.MetricPoint;
import java.io.IOException;
import org.apache.datasketches.hll.HllSketch;
import org.apache.datasketches.hll.TgtHllType;
import org.apache.datasketches.hll.Union;

/**
 * The mergeable summary of a set of metric points that every rollup row stores and every metrics
 * query merges: sample count, observation count, sum, min, max, last value, counter increase, a
 * DDSketch of the observed values (relative accuracy {@link #RELATIVE_ACCURACY}) and an HLL sketch
 * of the series ids (distinct-series estimate). {@code merge} is associative and commutative except
 * for {@code last}, which is the value of the summary merged last: callers merge in time order.
 *
 * <p>What a point contributes (docs/metrics.md): a gauge or sum point one observation of its value;
 * an explicit-bucket histogram point its (delta) bucket counts, each bucket as its representative
 * value with the bucket's count as weight, and its (delta) count and sum. The counter increase is
 * the point's delta (sums) or delta count (histograms), computed at rollup ({@link MetricsCommit}).
 */
public final class MetricAggregate {
    /** DDSketch relative accuracy: a quantile answer v' for the true quantile v has |v' - v| <= 1% of |v|. */
    public static final double RELATIVE_ACCURACY = 0.01;
    /** Bins per sign; with 1% accuracy they span 17 orders of magnitude before the lowest bins collapse. */
    public static final int MAX_BINS = 2048;
    /** HLL lgK: 4096 registers, relative standard error about 1.6%. */
    public static final int HLL_LG_K = 12;

    public long samples;
    public double count;
    public double sum;
    public double min = Double.NaN;
    public double max = Double.NaN;
    public double last = Double.NaN;
    /** Null when no point carried an increase (gauges; a counter's first point without start time). */
    public Double increase;
    private DDSketch sketch;
    private Union hll;

    private static DDSketch newSketch() {
        return DDSketches.logarithmicCollapsingLowestDense(RELATIVE_ACCURACY, MAX_BINS);
    }

    /** The summary of one raw point; {@code delta} / {@code deltaCount}, {@code deltaSum}, {@code deltaBuckets} as computed at rollup. */
    public static MetricAggregate ofPoint(String type, String seriesId, Double value, Double delta, Long histCount, Double histSum,
            Double histMin, Double histMax, double[] bounds, long[] buckets) {
        return empty().addPoint(type, seriesId, value, delta, histCount, histSum, histMin, histMax, bounds, buckets);
    }

    /** Adds one raw point (in time order: it becomes {@code last}); the same as merging {@link #ofPoint}, without the objects. */
    public MetricAggregate addPoint(String type, String seriesId, Double value, Double delta, Long histCount, Double histSum,
            Double histMin, Double histMax, double[] bounds, long[] buckets) {
        samples++;
        hll.update(seriesId);
        if (MetricPoint.HISTOGRAM.equals(type)) {
            if (histCount != null) {
                count += histCount;
                increase = increase == null ? (double) histCount : increase + histCount;
            }
            if (histSum != null) sum += histSum;
            if (histMin != null) min = Double.isNaN(min) ? histMin : Math.min(min, histMin);
            if (histMax != null) max = Double.isNaN(max) ? histMax : Math.max(max, histMax);
            if (buckets != null && bounds != null) {
                for (int i = 0; i < buckets.length; i++) {
                    if (buckets[i] <= 0) continue;
                    sketch.accept(representative(bounds, i, histMin, histMax), buckets[i]);
                }
            }
        } else if (value != null) {
            count += 1;
            sum += value;
            min = Double.isNaN(min) ? value : Math.min(min, value);
            max = Double.isNaN(max) ? value : Math.max(max, value);
            last = value;
            if (delta != null) increase = increase == null ? delta : increase + delta;
            sketch.accept(value);
        }
        return this;
    }

    /**
     * The value a histogram bucket's observations are counted at: the geometric mean of its bounds when
     * both are positive (DDSketch's own relative-error view), else their midpoint; the open first and
     * last buckets use the point's min and max when known, else their one finite bound.
     */
    static double representative(double[] bounds, int i, Double min, Double max) {
        if (bounds.length == 0) return min != null && max != null ? (min + max) / 2 : (min != null ? min : (max != null ? max : 0));
        double lo = i == 0 ? (min != null ? Math.min(min, bounds[0]) : bounds[0]) : bounds[i - 1];
        double hi = i >= bounds.length ? (max != null ? Math.max(max, bounds[bounds.length - 1]) : bounds[bounds.length - 1]) : bounds[i];
        if (lo > 0 && hi > 0) return Math.sqrt(lo * hi);
        return (lo + hi) / 2;
    }

    public static MetricAggregate empty() {
        MetricAggregate a = new MetricAggregate();
        a.sketch = newSketch();
        a.hll = new Union(HLL_LG_K);
        return a;
    }

    /** A stored summary (a rollup row's columns). */
    public static MetricAggregate stored(long samples, double count, double sum, Double min, Double max, Double last, Double increase,
            byte[] sketch, byte[] hll) {
        MetricAggregate a = new MetricAggregate();
        a.samples = samples;
        a.count = count;
        a.sum = sum;
        a.min = min == null ? Double.NaN : min;
        a.max = max == null ? Double.NaN : max;
        a.last = last == null ? Double.NaN : last;
        a.increase = increase;
        try {
            a.sketch = sketch == null ? newSketch()
                    : DDSketch.decode(ByteArrayInput.wrap(sketch), () -> new CollapsingLowestDenseStore(MAX_BINS));
        } catch (IOException e) {
            throw new IllegalStateException("a stored DDSketch cannot be decoded: " + e.getMessage(), e);
        }
        a.hll = hll == null ? new Union(HLL_LG_K) : Union.heapify(hll);
        return a;
    }

    public MetricAggregate merge(MetricAggregate o) {
        samples += o.samples;
        count += o.count;
        sum += o.sum;
        min = Double.isNaN(min) ? o.min : (Double.isNaN(o.min) ? min : Math.min(min, o.min));
        max = Double.isNaN(max) ? o.max : (Double.isNaN(o.max) ? max : Math.max(max, o.max));
        if (!Double.isNaN(o.last)) last = o.last;
        if (o.increase != null) increase = increase == null ? o.increase : increase + o.increase;
        sketch.mergeWith(o.sketch);
        hll.update(o.hll.getResult());
        return this;
    }

    /** The q-quantile (0..1) of the observed values, from the sketch; NaN when nothing was observed. */
    public double quantile(double q) {
        return sketch.isEmpty() ? Double.NaN : sketch.getValueAtQuantile(q);
    }

    public double avg() {
        return count == 0 ? Double.NaN : sum / count;
    }

    public double distinctSeries() {
        return hll.getEstimate();
    }

    /** The sketch in DDSketch's own binary encoding, index mapping included (what {@link #stored} decodes). */
    public byte[] sketchBytes() {
        GrowingByteArrayOutput out = GrowingByteArrayOutput.withDefaultInitialCapacity();
        try {
            sketch.encode(out, false);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out.trimmedCopy();
    }

    public byte[] hllBytes() {
        return hll.getResult(TgtHllType.HLL_4).toCompactByteArray();
    }

    /** For tests: the HLL as a sketch. */
    HllSketch hll() {
        return hll.getResult();
    }
}
