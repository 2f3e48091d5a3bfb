package dev.lakelog.query;

import dev.lakelog.api.ErrorCode;
import dev.lakelog.api.LakelogException;
import dev.lakelog.api.Params;
import java.util.Locale;

/**
 * The answer formats of {@code /v1/analytics/logs} and {@code /v1/analytics/query}: {@code json}
 * (the default, the JSON object the routes always answered), or a file: {@code csv} (RFC 4180 with a
 * header, written by DuckDB), {@code ndjson} (one JSON object a line) or {@code parquet} (DuckDB's
 * Parquet writer, zstd), see docs/query.md.
 */
public enum ExportFormat {
    JSON("json", "application/json", null, false),
    CSV("csv", "text/csv; charset=utf-8", "(FORMAT csv, HEADER true)", false),
    NDJSON("ndjson", "application/x-ndjson", "(FORMAT json)", false),
    PARQUET("parquet", "application/vnd.apache.parquet", "(FORMAT parquet, COMPRESSION zstd)", true);

    final String wire;
    final String contentType;
    final String copyOptions;
    final boolean binary;

    ExportFormat(String wire, String contentType, String copyOptions, boolean binary) {
        this.wire = wire;
        this.contentType = contentType;
        this.copyOptions = copyOptions;
        this.binary = binary;
    }

    public String wireName() {
        return wire;
    }

    public String contentType() {
        return contentType;
    }

    /** The {@code format} parameter; 400 naming the accepted values for anything else. */
    public static ExportFormat from(Params p) {
        String v = p.string("format", 16).map(s -> s.toLowerCase(Locale.ROOT)).orElse("json");
        for (ExportFormat f : values()) if (f.wire.equals(v)) return f;
        throw new LakelogException(ErrorCode.INVALID_PARAMETER, "parameter 'format' must be one of json, csv, ndjson, parquet, got '" + v + "'");
    }
}
