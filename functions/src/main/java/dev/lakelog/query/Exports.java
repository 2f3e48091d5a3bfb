package dev.lakelog.query;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lakelog.api.ApiResponse;
import dev.lakelog.auth.Tenant;
import dev.lakelog.lake.LakeEngine;
import dev.lakelog.lake.LakeException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * {@code format=csv|ndjson|parquet} on the logs route: DuckDB writes the rows with {@code COPY} to a
 * temporary file in bounded memory, and the file is the answer, inline (with
 * {@code Content-Disposition: attachment}) when it fits in a response, else published as a result
 * file with a presigned URL ({@link BigResults#publishFile}). Parquet is binary, which API Gateway
 * would have to re-encode, so it is inline only where result URLs are local files (local mode).
 */
public final class Exports {
    /** The most rows one export of the logs route may hold (the JSON answer pages by 10,000). */
    public static final int MAX_EXPORT_ROWS = 1_000_000;
    /** Rows an export holds when no {@code limit} is given. */
    public static final int DEFAULT_EXPORT_ROWS = 10_000;

    /** The exported columns: the JSON answer's fields; CSV and NDJSON have ISO 8601 UTC times and policy_tags as JSON text. */
    static String columns(ExportFormat f) {
        if (f == ExportFormat.PARQUET) {
            return "tenant_id, log_id, \"timestamp\", event_type, outcome, severity, sensitivity, actor_id, component, environment, resource, "
                    + "message, payload, policy_tags, session_id, request_id, source_ip, retention_until, ingested_at, archived_at, "
                    + "segment_key, trace_id, span_id";
        }
        return "tenant_id, log_id, " + iso("\"timestamp\"") + " AS \"timestamp\", event_type, outcome, severity, sensitivity, actor_id, component, "
                + "environment, resource, message, payload, " + (f == ExportFormat.CSV ? "to_json(policy_tags)::VARCHAR" : "policy_tags")
                + " AS policy_tags, session_id, request_id, source_ip, " + iso("retention_until") + " AS retention_until, "
                + iso("ingested_at") + " AS ingested_at, " + iso("archived_at") + " AS archived_at, segment_key, trace_id, span_id";
    }

    private static String iso(String col) {
        return "strftime(" + col + ", '%Y-%m-%dT%H:%M:%S.%fZ')";
    }

    private final TenantView view;
    private final BigResults big;
    private final ObjectMapper json;
    private final Supplier<LakeEngine> lake;

    public Exports(Supplier<LakeEngine> lake, TenantView view, BigResults big, ObjectMapper json) {
        this.lake = lake;
        this.view = view;
        this.big = big;
        this.json = json;
    }

    /** When set, every answer is stored as {@code storeAt + "." + ext} instead (an asynchronous job's result). */
    private String storeAt;

    /**
     * The same exports, writing each result file to {@code keyWithoutExtension.<ext>} in the blob
     * store whatever its size, and answering {@code {"result_key", "format", "row_count", "bytes"}}
     * (the asynchronous jobs: {@link QueryJobs}).
     */
    Exports storingAt(String keyWithoutExtension) {
        Exports e = new Exports(lake, view, big, json);
        e.storeAt = keyWithoutExtension;
        return e;
    }

    /** The logs route's rows (filter, order, limit, offset as the JSON answer) as a file. */
    public ApiResponse logs(Tenant tenant, LogFilter f, TenantView.At at, boolean newestFirst, ExportFormat format) {
        QueryService.Where w = QueryService.Where.of(f);
        List<Object> args = new ArrayList<>(w.args());
        args.add(f.limit());
        args.add(f.offset());
        Path dir = tempDir();
        try {
            Path file = dir.resolve("logs." + format.wireName());
            long rows;
            try (TenantView.Opened o = view.open(tenant.id(), at);
                    PreparedStatement ps = o.connection().prepareStatement("COPY (SELECT " + columns(format) + " FROM " + TenantView.VIEW + w.sql()
                            + (newestFirst ? " ORDER BY \"timestamp\" DESC, log_id DESC" : " ORDER BY \"timestamp\", log_id")
                            + " LIMIT ? OFFSET ?) TO " + LakeEngine.literal(file.toString()) + " " + format.copyOptions)) {
                QueryService.bind(ps, args);
                rows = ps.executeUpdate();
            } catch (SQLException e) {
                throw new LakeException("export failed: " + lake.get().redactor().redact(e.getMessage()), null);
            }
            ObjectNode meta = json.createObjectNode();
            meta.put("limit", f.limit());
            meta.put("offset", f.offset());
            return deliver(tenant, file, format, rows, "lakelog-logs", meta);
        } finally {
            deleteTree(dir);
        }
    }

    /**
     * The answer for a finished export file: inline when it fits (and is text, or result URLs are
     * local files), else {@code meta} plus {@code result_url, expires_at, format, row_count, bytes}.
     */
    ApiResponse deliver(Tenant tenant, Path file, ExportFormat format, long rows, String name, ObjectNode meta) {
        long size;
        try {
            size = Files.size(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the export file", e);
        }
        if (storeAt != null) {
            String key = storeAt + "." + format.wireName();
            big.store(key, file, format.contentType());
            ObjectNode stored = json.createObjectNode().put("result_key", key).put("format", format.wireName()).put("row_count", rows)
                    .put("bytes", size);
            try {
                return ApiResponse.json(200, json.writeValueAsBytes(stored));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }
        boolean fits = size <= QueryRoutes.MAX_RESPONSE_BYTES;
        if (fits && !format.binary) return inline(file, format, rows, name);
        BigResults.Published p = big.publishFile(tenant, file, format.wireName(), format.contentType(), rows, size, meta);
        ObjectNode published = p.answer();
        if (fits && published.path("result_url").asText().startsWith("file:")) {
            big.discard(p.key());
            return inline(file, format, rows, name);
        }
        try {
            return ApiResponse.json(200, json.writeValueAsBytes(published));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ApiResponse inline(Path file, ExportFormat format, long rows, String name) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the export file", e);
        }
        String stamp = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString().replace(":", "").replace("-", "");
        return new ApiResponse(200, Map.of("Content-Type", format.contentType(),
                "Content-Disposition", "attachment; filename=\"" + name + "-" + stamp + "." + format.wireName() + "\"",
                "X-Row-Count", Long.toString(rows)), bytes);
    }

    static Path tempDir() {
        try {
            return Files.createTempDirectory("lakelog-export-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary directory for an export", e);
        }
    }

    static void deleteTree(Path dir) {
        try (var s = Files.walk(dir)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // the OS temp directory is cleaned eventually
                }
            });
        } catch (IOException ignored) {
            // already gone
        }
    }
}
