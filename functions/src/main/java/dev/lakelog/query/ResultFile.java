package dev.lakelog.query;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lakelog.api.ErrorCode;
import dev.lakelog.api.LakelogException;
import java.io.BufferedWriter;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * An answer's rows written as CSV (RFC 4180, UTF-8, CRLF; the format {@link BigResults} documents)
 * to a temporary file as they come, so an answer of any size is written in bounded memory. The
 * file may grow to {@link #MAX_BYTES}; past that the write stops with {@link ErrorCode#RESULT_TOO_LARGE}
 * and the file is deleted. Close it in every case: that deletes the temporary file.
 */
final class ResultFile implements AutoCloseable {
    /** The largest result file an answer may have (docs/query.md). */
    static final long MAX_BYTES = 1024L * 1024 * 1024;

    private final Path file;
    private final Counting counting;
    private final Writer out;
    private final long maxBytes;
    private long rows;

    ResultFile(List<String> columns, long maxBytes) {
        this.maxBytes = maxBytes;
        try {
            this.file = Files.createTempFile("lakelog-result-", ".csv");
            this.counting = new Counting(Files.newOutputStream(file));
            this.out = new BufferedWriter(new OutputStreamWriter(counting, StandardCharsets.UTF_8), 64 * 1024);
            for (int i = 0; i < columns.size(); i++) {
                if (i > 0) out.write(',');
                quote(out, columns.get(i));
            }
            out.write("\r\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write a result file", e);
        }
    }

    /** Appends one row; values are JSON nodes as the answer would carry them. */
    void row(List<JsonNode> values) {
        try {
            for (int i = 0; i < values.size(); i++) {
                if (i > 0) out.write(',');
                JsonNode v = values.get(i);
                if (v == null || v.isNull() || v.isMissingNode()) continue;
                if (v.isTextual()) quote(out, v.textValue());
                else if (v.isNumber() || v.isBoolean()) out.write(v.asText());
                else quote(out, v.toString());
            }
            out.write("\r\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write a result file", e);
        }
        rows++;
        if (counting.count > maxBytes) {
            throw new LakelogException(ErrorCode.RESULT_TOO_LARGE, "the result is larger than " + maxBytes
                    + " bytes, the largest result file an answer may have; nothing was returned: aggregate, filter or add a LIMIT");
        }
    }

    long rows() {
        return rows;
    }

    /** Flushes and returns the finished file (still deleted on {@link #close}). */
    Path finish() {
        try {
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write a result file", e);
        }
        return file;
    }

    long bytes() {
        return counting.count;
    }

    @Override
    public void close() {
        try {
            out.close();
        } catch (IOException ignored) {
            // deleting it anyway
        }
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // the OS temp directory is cleaned eventually
        }
    }

    static void quote(Writer w, String s) throws IOException {
        w.write('"');
        int from = 0;
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == '"') {
                w.write(s, from, i - from + 1);
                w.write('"');
                from = i + 1;
            }
        }
        w.write(s, from, s.length() - from);
        w.write('"');
    }

    private static final class Counting extends FilterOutputStream {
        long count;

        Counting(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }
    }
}
