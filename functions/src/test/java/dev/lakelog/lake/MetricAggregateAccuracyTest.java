package dev.lakelog.lake;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The error bounds docs/metrics.md promises, checked against exact answers: quantiles from DDSketches
 * merged through every level (points into minutes, minutes into 5 minutes, hours and a day, each
 * through its stored bytes) stay within the 1% relative accuracy of the exact quantile of the raw
 * values; distinct-series counts from merged HLL sketches stay within 5% (about three standard errors).
 */
class MetricAggregateAccuracyTest {

    static double exact(double[] sorted, double q) {
        return sorted[(int) Math.floor(q * (sorted.length - 1))];
    }

    /** Round-trips through the stored form, as a rollup row does between levels. */
    static MetricAggregate stored(MetricAggregate a) {
        return MetricAggregate.stored(a.samples, a.count, a.sum, a.min, a.max, a.last, a.increase, a.sketchBytes(), a.hllBytes());
    }

    static MetricAggregate mergeAll(List<MetricAggregate> parts, int fanIn) {
        List<MetricAggregate> level = parts;
        while (level.size() > 1) {
            List<MetricAggregate> next = new ArrayList<>();
            for (int i = 0; i < level.size(); i += fanIn) {
                MetricAggregate m = MetricAggregate.empty();
                for (int j = i; j < Math.min(level.size(), i + fanIn); j++) m.merge(stored(level.get(j)));
                next.add(m);
            }
            level = next;
        }
        return level.get(0);
    }

    @Test
    void quantiles_merged_from_minutes_to_a_day_stay_within_one_percent_of_the_exact_answer() {
        Random rnd = new Random(42);
        int minutes = 1440;
        int perMinute = 60;
        double[] all = new double[minutes * perMinute];
        List<MetricAggregate> mins = new ArrayList<>();
        int n = 0;
        for (int m = 0; m < minutes; m++) {
            MetricAggregate a = MetricAggregate.empty();
            for (int k = 0; k < perMinute; k++) {
                // a heavy-tailed latency: lognormal, with a 2% slow mode
                double v = rnd.nextDouble() < 0.02 ? 2000 + rnd.nextDouble() * 8000 : Math.exp(4 + 0.8 * rnd.nextGaussian());
                all[n++] = v;
                a.merge(MetricAggregate.ofPoint("gauge", "s" + (m % 7), v, null, null, null, null, null, null, null));
            }
            mins.add(a);
        }
        Arrays.sort(all);
        MetricAggregate day = mergeAll(regroup(mins), 12);
        double worst = 0;
        for (double q : new double[] {0.5, 0.9, 0.95, 0.99, 0.999}) {
            double e = exact(all, q);
            double got = day.quantile(q);
            double rel = Math.abs(got - e) / e;
            worst = Math.max(worst, rel);
            assertThat(rel).as("p%s: %s vs exact %s", q * 100, got, e).isLessThanOrEqualTo(MetricAggregate.RELATIVE_ACCURACY);
        }
        assertThat(day.count).isEqualTo(all.length);
        assertThat(day.min).isEqualTo(all[0]);
        assertThat(day.max).isEqualTo(all[all.length - 1]);
        assertThat(day.distinctSeries()).isCloseTo(7.0, org.assertj.core.data.Offset.offset(0.5));
        System.out.printf("ddsketch: worst relative error over p50..p99.9 after 1m->5m->1h->1d merges: %.4f%% (bound %.1f%%)%n",
                worst * 100, MetricAggregate.RELATIVE_ACCURACY * 100);
    }

    /** Minutes into 5-minute rows, those into hours: the rollup's own hierarchy. */
    private static List<MetricAggregate> regroup(List<MetricAggregate> mins) {
        List<MetricAggregate> fives = new ArrayList<>();
        for (int i = 0; i < mins.size(); i += 5) {
            MetricAggregate m = MetricAggregate.empty();
            for (int j = i; j < i + 5; j++) m.merge(stored(mins.get(j)));
            fives.add(m);
        }
        return fives;
    }

    @Test
    void distinct_series_from_merged_hll_sketches_is_within_five_percent() {
        List<MetricAggregate> parts = new ArrayList<>();
        int series = 20_000;
        for (int i = 0; i < series; i++) {
            parts.add(MetricAggregate.ofPoint("gauge", "series-" + i, 1.0, null, null, null, null, null, null, null));
            // the same series seen again in another bucket does not count twice
            if (i % 3 == 0) parts.add(MetricAggregate.ofPoint("gauge", "series-" + i, 2.0, null, null, null, null, null, null, null));
        }
        MetricAggregate all = mergeAll(parts, 60);
        double rel = Math.abs(all.distinctSeries() - series) / series;
        System.out.printf("hll: distinct series estimate %.0f for %d (error %.3f%%)%n", all.distinctSeries(), series, rel * 100);
        assertThat(rel).isLessThanOrEqualTo(0.05);
    }

    @Test
    void a_histogram_points_buckets_count_at_their_representative_values() {
        double[] bounds = {10, 100, 1000};
        assertThat(MetricAggregate.representative(bounds, 1, null, null)).isCloseTo(Math.sqrt(10 * 100), org.assertj.core.data.Offset.offset(1e-9));
        assertThat(MetricAggregate.representative(bounds, 3, 5.0, 4000.0)).isCloseTo(Math.sqrt(1000 * 4000), org.assertj.core.data.Offset.offset(1e-9));
        assertThat(MetricAggregate.representative(bounds, 3, null, null)).isEqualTo(1000);
        MetricAggregate h = MetricAggregate.ofPoint("histogram", "s", null, null, 10L, 300.0, 1.0, 900.0, bounds, new long[] {5, 3, 2, 0});
        assertThat(h.count).isEqualTo(10);
        assertThat(h.quantile(0.5)).isLessThanOrEqualTo(10 * 1.01);
    }
}
