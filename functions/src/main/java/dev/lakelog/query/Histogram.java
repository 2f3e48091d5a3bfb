package dev.lakelog.query;

import dev.lakelog.api.ErrorCode;
import dev.lakelog.api.LakelogException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The time buckets of {@code GET /v1/analytics/histogram}: an explicit {@code interval} ({@code 30s},
 * {@code 5m}, {@code 1h}, {@code 1d}, ...) or, by default, the smallest of a fixed ladder
 * (1s 5s 10s 30s 1m 5m 10m 30m 1h 3h 6h 12h 1d 7d) that covers the range in at most
 * {@code buckets} (default {@link #DEFAULT_BUCKETS}) buckets. Buckets are aligned to the Unix epoch
 * (UTC), so the same interval always cuts time at the same instants.
 */
public record Histogram(Instant since, Instant until, long intervalSeconds) {
    public static final int DEFAULT_BUCKETS = 100;
    public static final int MAX_BUCKETS = 1000;
    static final List<Long> LADDER = List.of(1L, 5L, 10L, 30L, 60L, 300L, 600L, 1800L, 3600L, 10800L, 21600L, 43200L, 86400L, 604800L);
    /** The range when neither since nor until is given. */
    public static final Duration DEFAULT_RANGE = Duration.ofHours(24);

    /** First bucket start: since, rounded down to the interval. */
    public long firstBucketSecond() {
        return Math.floorDiv(since.getEpochSecond(), intervalSeconds) * intervalSeconds;
    }

    public int bucketCount() {
        long last = Math.floorDiv(until.getEpochSecond(), intervalSeconds) * intervalSeconds;
        return (int) ((last - firstBucketSecond()) / intervalSeconds + 1);
    }

    public static Histogram of(Optional<Instant> since, Optional<Instant> until, Optional<String> interval, int buckets, Instant now) {
        Instant u = until.orElse(since.isPresent() && since.get().isAfter(now) ? since.get().plus(DEFAULT_RANGE) : now);
        Instant s = since.orElse(u.minus(DEFAULT_RANGE));
        if (u.isBefore(s)) throw new LakelogException(ErrorCode.INVALID_PARAMETER, "parameter 'until' is before 'since'");
        long range = Math.max(1, Duration.between(s, u).getSeconds());
        long seconds;
        if (interval.isPresent()) {
            seconds = parse(interval.get());
            Histogram h = new Histogram(s, u, seconds);
            if (h.bucketCount() > MAX_BUCKETS) {
                throw new LakelogException(ErrorCode.INVALID_PARAMETER, "interval " + interval.get() + " cuts the range into " + h.bucketCount()
                        + " buckets, more than " + MAX_BUCKETS + "; choose a longer interval or leave it out (automatic)");
            }
            return h;
        }
        seconds = LADDER.get(LADDER.size() - 1);
        for (long step : LADDER) {
            if (range / step + 1 <= buckets) {
                seconds = step;
                break;
            }
        }
        Histogram h = new Histogram(s, u, seconds);
        while (h.bucketCount() > MAX_BUCKETS) h = new Histogram(s, u, h.intervalSeconds() * 2);
        return h;
    }

    /** {@code <n><s|m|h|d>}, at least one second. */
    static long parse(String v) {
        var m = java.util.regex.Pattern.compile("([1-9][0-9]{0,6})([smhd])").matcher(v.trim().toLowerCase(java.util.Locale.ROOT));
        if (!m.matches()) {
            throw new LakelogException(ErrorCode.INVALID_PARAMETER, "parameter 'interval' must be a whole number followed by s, m, h or d (e.g. 30s, 5m, 1h, 1d), got '" + v + "'");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "s" -> n;
            case "m" -> n * 60;
            case "h" -> n * 3600;
            default -> n * 86400;
        };
    }

    /** The interval in the shortest of the parameter's own forms (90s, 5m, 3h, 1d). */
    public static String label(long seconds) {
        if (seconds % 86400 == 0) return seconds / 86400 + "d";
        if (seconds % 3600 == 0) return seconds / 3600 + "h";
        if (seconds % 60 == 0) return seconds / 60 + "m";
        return seconds + "s";
    }
}
