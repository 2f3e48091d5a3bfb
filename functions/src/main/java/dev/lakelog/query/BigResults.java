package dev.lakelog.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lakelog.api.ErrorCode;
import dev.lakelog.api.LakelogException;
import dev.lakelog.auth.Tenant;
import dev.lakelog.storage.BlobStore;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * A result too large for a Lambda response, written as CSV to {@code results/<tenant>/<uuid>.csv}
 * in the lake bucket and answered with a presigned GET URL valid {@link #URL_VALIDITY}. The URL is
 * the capability: whoever holds it can read the file until it expires, with no token. The bucket's
 * lifecycle rule deletes {@code results/} objects after a day.
 *
 * <p>CSV (RFC 4180, UTF-8, CRLF): a header row with the column names, then one line per row in the
 * answer's order. Strings are always quoted ({@code ""} doubles a quote), so an empty string is
 * {@code ""} and a SQL NULL is an empty unquoted field; numbers and booleans are bare; lists and
 * objects are their JSON text, quoted. Written from the rows already in memory (custom SQL runs in a
 * sandbox with external access disabled, so DuckDB cannot COPY them out).
 */
public final class BigResults {
    public static final Duration URL_VALIDITY = Duration.ofMinutes(15);
    public static final String PREFIX = "results/";

    private final BlobStore blobs;
    private final Clock clock;

    public BigResults(BlobStore blobs, Clock clock) {
        this.blobs = blobs;
        this.clock = clock;
    }

    /**
     * Writes {@code body.get(rowsField)} as CSV and answers {@code body} without the rows plus
     * {@code result_url, expires_at, format, row_count, bytes}; a 413 when the store cannot hand out
     * a URL. Never truncates.
     */
    public ObjectNode spill(Tenant tenant, ObjectNode body, String rowsField, int responseBytes) {
        JsonNode rows = body.path(rowsField);
        if (!rows.isArray()) throw tooLarge(responseBytes, "");
        byte[] csv = csv((ArrayNode) rows);
        String key = PREFIX + tenant.id() + "/" + UUID.randomUUID() + ".csv";
        Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
        blobs.put(key, csv, "text/csv; charset=utf-8");
        Optional<URI> url = blobs.presignedGetUrl(key, URL_VALIDITY);
        if (url.isEmpty()) {
            blobs.delete(key);
            throw tooLarge(responseBytes, " (this store cannot hand out a results URL)");
        }
        ObjectNode out = body.objectNode();
        out.put("result_url", url.get().toString());
        if ("file".equals(url.get().getScheme())) out.putNull("expires_at"); // local mode: a file on this machine
        else out.put("expires_at", now.plus(URL_VALIDITY).toString());
        out.put("format", "csv");
        out.put("row_count", rows.size());
        out.put("bytes", csv.length);
        Iterator<String> names = body.fieldNames();
        while (names.hasNext()) {
            String n = names.next();
            // the rows, and any other name for the same rows (the custom query's "results")
            if (!n.equals(rowsField) && body.get(n) != rows) out.set(n, body.get(n));
        }
        return out;
    }

    /**
     * Publishes a finished {@link ResultFile} as {@code results/<tenant>/<uuid>.csv} and answers
     * {@code meta} plus {@code result_url, expires_at, format, row_count, bytes}; a 413 when the store
     * cannot hand out a URL.
     */
    ObjectNode publish(Tenant tenant, ResultFile file, ObjectNode meta) {
        String key = PREFIX + tenant.id() + "/" + UUID.randomUUID() + ".csv";
        Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
        blobs.putFile(key, file.finish(), "text/csv; charset=utf-8");
        Optional<URI> url = blobs.presignedGetUrl(key, URL_VALIDITY);
        if (url.isEmpty()) {
            blobs.delete(key);
            throw new LakelogException(ErrorCode.RESULT_TOO_LARGE, "the result is " + file.bytes() + " bytes, more than the "
                    + QueryRoutes.MAX_RESPONSE_BYTES + " bytes a response may carry, and this store cannot hand out a results URL");
        }
        ObjectNode out = meta.deepCopy();
        out.put("result_url", url.get().toString());
        if ("file".equals(url.get().getScheme())) out.putNull("expires_at");
        else out.put("expires_at", now.plus(URL_VALIDITY).toString());
        out.put("format", "csv");
        out.put("row_count", file.rows());
        out.put("bytes", file.bytes());
        return out;
    }

    /** A published result file: its key in the store and the answer that points at it. */
    record Published(String key, ObjectNode answer) {}

    /**
     * Publishes an export file ({@code results/<tenant>/<uuid>.<ext>}) and answers {@code meta} plus
     * {@code result_url, expires_at, format, row_count, bytes}; a 413 when the store cannot hand out a URL.
     */
    Published publishFile(Tenant tenant, java.nio.file.Path file, String ext, String contentType, long rows, long bytes, ObjectNode meta) {
        String key = PREFIX + tenant.id() + "/" + UUID.randomUUID() + "." + ext;
        Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
        blobs.putFile(key, file, contentType);
        Optional<URI> url = blobs.presignedGetUrl(key, URL_VALIDITY);
        if (url.isEmpty()) {
            blobs.delete(key);
            throw new LakelogException(ErrorCode.RESULT_TOO_LARGE, "the result is " + bytes + " bytes, more than the "
                    + QueryRoutes.MAX_RESPONSE_BYTES + " bytes a response may carry, and this store cannot hand out a results URL");
        }
        ObjectNode out = meta.deepCopy();
        out.put("result_url", url.get().toString());
        if ("file".equals(url.get().getScheme())) out.putNull("expires_at");
        else out.put("expires_at", now.plus(URL_VALIDITY).toString());
        out.put("format", ext);
        out.put("row_count", rows);
        out.put("bytes", bytes);
        return new Published(key, out);
    }

    /** Stores a finished result file under {@code key} (an asynchronous job's result). */
    void store(String key, java.nio.file.Path file, String contentType) {
        blobs.putFile(key, file, contentType);
    }

    /** Stores result bytes under {@code key}. */
    void store(String key, byte[] bytes, String contentType) {
        blobs.put(key, bytes, contentType);
    }

    /** A fresh presigned GET URL of a stored result, valid {@link #URL_VALIDITY}; empty when the store hands out none. */
    Optional<URI> url(String key) {
        return blobs.presignedGetUrl(key, URL_VALIDITY);
    }

    /** Deletes a published result file (an answer that went inline after all). */
    void discard(String key) {
        blobs.delete(key);
    }

    /**
     * How long result files are kept: the bucket's lifecycle rule deletes {@code results/} after a
     * day; local mode has no such rule, so {@link #sweep} deletes them after this.
     */
    public static final Duration KEEP = Duration.ofHours(1);

    /** Deletes result files older than {@link #KEEP} (local mode's stand-in for the S3 lifecycle rule). */
    public int sweep() {
        Instant cutoff = clock.instant().minus(KEEP);
        int n = 0;
        for (BlobStore.BlobInfo b : blobs.iterate(PREFIX)) {
            if (b.lastModified() != null && b.lastModified().isBefore(cutoff)) {
                blobs.delete(b.key());
                n++;
            }
        }
        return n;
    }

    static LakelogException tooLarge(int bytes, String why) {
        return new LakelogException(ErrorCode.RESULT_TOO_LARGE, "the result is " + bytes + " bytes, more than the " + QueryRoutes.MAX_RESPONSE_BYTES
                + " bytes a response may carry" + why + "; nothing was truncated: narrow the time window or filters, lower 'limit', or page");
    }

    /** The rows as RFC 4180 CSV; the header is every field name in order of first appearance. */
    static byte[] csv(ArrayNode rows) {
        Set<String> cols = new LinkedHashSet<>();
        for (JsonNode r : rows) r.fieldNames().forEachRemaining(cols::add);
        StringBuilder sb = new StringBuilder(Math.max(16, rows.size() * 256));
        boolean first = true;
        for (String c : cols) {
            if (!first) sb.append(',');
            quote(sb, c);
            first = false;
        }
        sb.append("\r\n");
        for (JsonNode r : rows) {
            first = true;
            for (String c : cols) {
                if (!first) sb.append(',');
                first = false;
                JsonNode v = r.get(c);
                if (v == null || v.isNull() || v.isMissingNode()) continue;
                if (v.isTextual()) quote(sb, v.textValue());
                else if (v.isNumber() || v.isBoolean()) sb.append(v.asText());
                else quote(sb, v.toString());
            }
            sb.append("\r\n");
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void quote(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch == '"') sb.append('"');
            sb.append(ch);
        }
        sb.append('"');
    }
}
