package dev.lakelog.ingest.drop;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;

/**
 * Drop-folder files of every supported type, built in code: each event's message is
 * {@code <prefix>-<i>}, so a test can find each one in the lake. {@code bad} variants hold one
 * invalid event (a wrong severity) or are unreadable, as named.
 */
final class DropFiles {
    static final Instant T = Instant.now().minus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.MILLIS);

    private DropFiles() {}

    static List<String> messages(String prefix, int n) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add(prefix + "-" + i);
        return out;
    }

    static String event(String message, String severity) {
        return "{\"timestamp\":\"" + T + "\",\"event_type\":\"drop.test\",\"outcome\":\"SUCCESS\",\"severity\":\"" + severity
                + "\",\"message\":\"" + message + "\",\"policy_tags\":[\"pii\",\"gdpr\"],\"payload\":{\"n\":1}}";
    }

    /** NDJSON; with {@code badAt} >= 0 that event has severity LOUD. */
    static byte[] ndjson(String prefix, int n, int badAt) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) sb.append(event(prefix + "-" + i, i == badAt ? "LOUD" : "INFO")).append('\n');
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** A pretty-printed JSON array, one event per line. */
    static byte[] jsonArray(String prefix, int n, int badAt) {
        StringBuilder sb = new StringBuilder("[\n");
        for (int i = 0; i < n; i++) {
            sb.append("  ").append(event(prefix + "-" + i, i == badAt ? "LOUD" : "INFO")).append(i + 1 < n ? ",\n" : "\n");
        }
        return sb.append("]\n").toString().getBytes(StandardCharsets.UTF_8);
    }

    /** OTLP/JSON: two ExportLogsServiceRequests on two lines (the Collector file exporter's shape). */
    static byte[] otlpJson(String prefix, int n, String badTraceIdAt) {
        StringBuilder sb = new StringBuilder();
        int half = n / 2;
        for (int[] range : new int[][] {{0, half}, {half, n}}) {
            sb.append("{\"resourceLogs\":[{\"resource\":{\"attributes\":[{\"key\":\"service.name\",\"value\":{\"stringValue\":\"shop\"}}]},")
                    .append("\"scopeLogs\":[{\"scope\":{\"name\":\"drop\"},\"logRecords\":[");
            for (int i = range[0]; i < range[1]; i++) {
                if (i > range[0]) sb.append(',');
                long nanos = T.toEpochMilli() * 1_000_000L + i;
                sb.append("{\"timeUnixNano\":\"").append(nanos).append("\",\"severityNumber\":9,\"severityText\":\"INFO\",")
                        .append("\"body\":{\"stringValue\":\"").append(prefix).append('-').append(i).append("\"}");
                if (String.valueOf(i).equals(badTraceIdAt)) sb.append(",\"traceId\":\"not-hex\"");
                sb.append('}');
            }
            sb.append("]}]}]}\n");
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    static ExportLogsServiceRequest otlpRequest(String prefix, int from, int to) {
        ScopeLogs.Builder scope = ScopeLogs.newBuilder();
        for (int i = from; i < to; i++) {
            scope.addLogRecords(LogRecord.newBuilder()
                    .setTimeUnixNano(T.toEpochMilli() * 1_000_000L + i)
                    .setSeverityNumber(io.opentelemetry.proto.logs.v1.SeverityNumber.SEVERITY_NUMBER_WARN)
                    .setSeverityText("WARN")
                    .setBody(AnyValue.newBuilder().setStringValue(prefix + "-" + i))
                    .setTraceId(ByteString.copyFrom(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, (byte) (i + 1)})));
        }
        return ExportLogsServiceRequest.newBuilder().addResourceLogs(ResourceLogs.newBuilder()
                .setResource(io.opentelemetry.proto.resource.v1.Resource.newBuilder()
                        .addAttributes(KeyValue.newBuilder().setKey("service.name").setValue(AnyValue.newBuilder().setStringValue("shop"))))
                .addScopeLogs(scope)).build();
    }

    /** One ExportLogsServiceRequest, the whole file. */
    static byte[] otlpProtobuf(String prefix, int n) {
        return otlpRequest(prefix, 0, n).toByteArray();
    }

    /** The Collector file exporter's proto format: 4-byte big-endian length, then the message; two messages. */
    static byte[] otlpProtobufFramed(String prefix, int n) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] m : List.of(otlpRequest(prefix, 0, n / 2).toByteArray(), otlpRequest(prefix, n / 2, n).toByteArray())) {
            out.write(m.length >>> 24);
            out.write(m.length >>> 16);
            out.write(m.length >>> 8);
            out.write(m.length);
            out.writeBytes(m);
        }
        return out.toByteArray();
    }

    /** CSV with a header, a quoted message holding a comma, a quote and a line break in one row. */
    static byte[] csv(String prefix, int n, int badAt) {
        StringBuilder sb = new StringBuilder("timestamp,event_type,outcome,severity,message,policy_tags,actor_id\r\n");
        for (int i = 0; i < n; i++) {
            String outcome = i == badAt ? "MAYBE" : "FAILURE";
            sb.append(T).append(",drop.csv,").append(outcome).append(",ERROR,").append(prefix).append('-').append(i)
                    .append(",pii|gdpr,").append(i == 1 ? "\"alice, \"\"the admin\"\"\nsecond line\"" : "").append("\r\n");
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Parquet with the logs schema's columns (as {@code format=parquet} exports them), including
     * tenant_id, which the folder ignores; with {@code badAt} >= 0 that row's severity is LOUD.
     */
    static byte[] parquet(String prefix, int n, int badAt) {
        try {
            Path f = Files.createTempFile("drop-", ".parquet");
            Files.delete(f);
            try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement st = c.createStatement()) {
                st.execute("SET TimeZone = 'UTC'");
                st.execute("COPY (SELECT 'someone-else' AS tenant_id, '" + prefix + "-' || i AS log_id, TIMESTAMPTZ '" + T + "' + INTERVAL (i) SECOND AS \"timestamp\", "
                        + "'drop.parquet' AS event_type, 'SUCCESS' AS outcome, CASE WHEN i = " + badAt + " THEN 'LOUD' ELSE 'NOTICE' END AS severity, "
                        + "'" + prefix + "-' || i AS message, '{\"k\":' || i || '}' AS payload, ['retained'] AS policy_tags, "
                        + "NULL::VARCHAR AS trace_id, TIMESTAMPTZ '" + T + "' AS ingested_at "
                        + "FROM range(" + n + ") t(i)) TO '" + f + "' (FORMAT parquet)");
            }
            byte[] b = Files.readAllBytes(f);
            Files.delete(f);
            return b;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] gzip(byte[] b) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream g = new GZIPOutputStream(out)) {
            g.write(b);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    record Dropped(String key, byte[] bytes, List<String> messages) {}

    /** One file of each supported type (and gzip'd ones), under {@code root + run + "/"}. */
    static List<Dropped> goodFiles(String root, String run) {
        String t = root + run + "/";
        List<Dropped> out = new ArrayList<>();
        out.add(new Dropped(t + "events.ndjson", DropFiles.ndjson(run + "-ndjson", 5, -1), DropFiles.messages(run + "-ndjson", 5)));
        out.add(new Dropped(t + "events.json", DropFiles.jsonArray(run + "-array", 4, -1), DropFiles.messages(run + "-array", 4)));
        out.add(new Dropped(t + "collector/app logs.json", DropFiles.otlpJson(run + "-otlpjson", 6, null), DropFiles.messages(run + "-otlpjson", 6)));
        out.add(new Dropped(t + "otel.pb", DropFiles.otlpProtobuf(run + "-pb", 4), DropFiles.messages(run + "-pb", 4)));
        out.add(new Dropped(t + "otel-framed.binpb", DropFiles.otlpProtobufFramed(run + "-framed", 6), DropFiles.messages(run + "-framed", 6)));
        out.add(new Dropped(t + "events.csv", DropFiles.csv(run + "-csv", 4, -1), DropFiles.messages(run + "-csv", 4)));
        out.add(new Dropped(t + "events.parquet", DropFiles.parquet(run + "-parquet", 5, -1), DropFiles.messages(run + "-parquet", 5)));
        out.add(new Dropped(t + "events.ndjson.gz", DropFiles.gzip(DropFiles.ndjson(run + "-ndjsongz", 3, -1)), DropFiles.messages(run + "-ndjsongz", 3)));
        out.add(new Dropped(t + "events.csv.gz", DropFiles.gzip(DropFiles.csv(run + "-csvgz", 3, -1)), DropFiles.messages(run + "-csvgz", 3)));
        out.add(new Dropped(t + "otel.pb.gz", DropFiles.gzip(DropFiles.otlpProtobuf(run + "-pbgz", 2)), DropFiles.messages(run + "-pbgz", 2)));
        out.add(new Dropped(t + "events.parquet.gz", DropFiles.gzip(DropFiles.parquet(run + "-parquetgz", 2, -1)), DropFiles.messages(run + "-parquetgz", 2)));
        return out;
    }

}
