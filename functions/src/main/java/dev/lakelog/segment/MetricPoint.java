package dev.lakelog.segment;

import java.util.Map;

/**
 * One OTLP metric data point as lakelog keeps it, in the hot tier (a metric segment) and in
 * {@code lake.main.metrics}. Attribute values are kept as text (OTLP's typed AnyValues in their
 * string form). {@code type} is {@code gauge}, {@code sum} or {@code histogram}; {@code temporality}
 * is {@code cumulative} or {@code delta} (null for gauges); times are epoch microseconds.
 *
 * @param seriesId a digest of name, type, unit, attributes and resource attributes: one time series
 * @param value the gauge or sum value (null for histograms)
 * @param bucketCounts explicit-bucket histogram counts ({@code bounds.length + 1} of them), else null
 */
public record MetricPoint(
        String tenantId,
        String name,
        String type,
        String unit,
        String temporality,
        Boolean monotonic,
        String seriesId,
        long timestampMicros,
        Long startMicros,
        Double value,
        Long histCount,
        Double histSum,
        Double histMin,
        Double histMax,
        double[] bounds,
        long[] bucketCounts,
        Map<String, String> attributes,
        Map<String, String> resourceAttributes,
        String scopeName,
        String exemplarTraceId,
        String exemplarSpanId,
        long ingestedAtMicros) {

    public static final String GAUGE = "gauge";
    public static final String SUM = "sum";
    public static final String HISTOGRAM = "histogram";
    public static final String CUMULATIVE = "cumulative";
    public static final String DELTA = "delta";

    public boolean cumulative() {
        return CUMULATIVE.equals(temporality);
    }

    /** The series id: SHA-256 (first 16 bytes, hex) over name, type, unit and both attribute maps in key order. */
    public static String seriesId(String name, String type, String unit, Map<String, String> attributes, Map<String, String> resource) {
        try {
            java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
            StringBuilder b = new StringBuilder();
            b.append(name).append('\0').append(type).append('\0').append(unit == null ? "" : unit).append('\0');
            for (Map.Entry<String, String> e : new java.util.TreeMap<>(attributes).entrySet()) {
                b.append(e.getKey()).append('\u0001').append(e.getValue()).append('\u0002');
            }
            b.append('\0');
            for (Map.Entry<String, String> e : new java.util.TreeMap<>(resource).entrySet()) {
                b.append(e.getKey()).append('\u0001').append(e.getValue()).append('\u0002');
            }
            byte[] d = md.digest(b.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(d, 0, 16);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
