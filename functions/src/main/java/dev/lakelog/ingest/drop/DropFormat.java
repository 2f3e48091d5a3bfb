package dev.lakelog.ingest.drop;

import java.util.Locale;
import java.util.Optional;

/**
 * What a dropped file holds, by its name (docs/ingest.md, "Drop folder"); a trailing {@code .gz}
 * means gzip around any of them.
 * <ul>
 *   <li>{@code .json}, {@code .jsonl}, {@code .ndjson}: JSON, told apart by the first value: an
 *       array of native events, a sequence of native events (NDJSON), or OTLP/JSON
 *       {@code ExportLogsServiceRequest}s (one or more, e.g. the Collector's file exporter);</li>
 *   <li>{@code .csv}: native events, one per row, under a header of field names;</li>
 *   <li>{@code .parquet}: rows with the columns of {@code lake.main.logs};</li>
 *   <li>{@code .pb}, {@code .binpb}, {@code .protobuf}: OTLP protobuf {@code ExportLogsServiceRequest}: one
 *       message, or the Collector file exporter's sequence of 4-byte big-endian length-prefixed messages.</li>
 * </ul>
 * OTLP <em>metrics</em> files ({@code resourceMetrics}, or a name with {@code .metrics.} before the
 * extension) are {@link #OTLP_METRICS}: recognised and refused until the metrics ingest exists; its
 * reader plugs in at {@link DropFolderService} where this value is handled.
 */
enum DropFormat {
    JSON, CSV, PARQUET, OTLP_PROTOBUF, OTLP_METRICS;

    /** The format and whether the file is gzip'd, or empty for a name this folder does not read. */
    static Optional<Detected> of(String key) {
        String name = key.substring(key.lastIndexOf('/') + 1).toLowerCase(Locale.ROOT);
        boolean gzip = name.endsWith(".gz");
        if (gzip) name = name.substring(0, name.length() - 3);
        int dot = name.lastIndexOf('.');
        if (dot < 0) return Optional.empty();
        String ext = name.substring(dot + 1);
        boolean metrics = name.substring(0, dot).endsWith(".metrics");
        DropFormat f = switch (ext) {
            case "json", "jsonl", "ndjson" -> metrics ? OTLP_METRICS : JSON;
            case "csv" -> CSV;
            case "parquet" -> PARQUET;
            case "pb", "binpb", "protobuf" -> metrics ? OTLP_METRICS : OTLP_PROTOBUF;
            default -> null;
        };
        return Optional.ofNullable(f).map(x -> new Detected(x, gzip));
    }

    record Detected(DropFormat format, boolean gzip) {}
}
