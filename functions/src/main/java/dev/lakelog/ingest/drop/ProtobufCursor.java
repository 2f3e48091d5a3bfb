package dev.lakelog.ingest.drop;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lakelog.api.ErrorCode;
import dev.lakelog.api.LakelogException;
import dev.lakelog.ingest.OtlpMapper;
import dev.lakelog.ingest.OtlpProtobuf;
import java.io.IOException;
import java.io.InputStream;
import java.io.PushbackInputStream;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;

/**
 * An OTLP protobuf logs file: one {@code ExportLogsServiceRequest} (the file starts with its field 1
 * tag, byte {@code 0x0A}), or the OpenTelemetry Collector file exporter's {@code format: proto}: each
 * message prefixed with its length as 4 bytes big-endian. A message is decoded whole, so each is
 * bounded by {@link #MAX_MESSAGE_BYTES}; a file of many messages streams.
 */
final class ProtobufCursor implements EventCursor {
    static final int MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
    private final PushbackInputStream in;
    private final OtlpProtobuf protobuf;
    private final OtlpMapper otlp;
    private final Instant now;
    private final boolean framed;
    private boolean single;
    private int message;
    private final ArrayDeque<Item> pending = new ArrayDeque<>();

    ProtobufCursor(InputStream stream, OtlpProtobuf protobuf, OtlpMapper otlp, Instant now) throws DropProblem, IOException {
        this.in = new PushbackInputStream(stream, 1);
        this.protobuf = protobuf;
        this.otlp = otlp;
        this.now = now;
        int b = in.read();
        if (b == -1) throw new DropProblem(ErrorCode.INVALID_BODY, "the file is empty: no events");
        in.unread(b);
        this.framed = b != 0x0A;
    }

    @Override
    public Item next() throws DropProblem, IOException {
        while (pending.isEmpty()) {
            byte[] msg;
            if (framed) {
                byte[] len = in.readNBytes(4);
                if (len.length == 0) return null;
                if (len.length < 4) throw new DropProblem(ErrorCode.INVALID_OTLP, "message " + (message + 1) + ": the length prefix is cut short (file truncated?)");
                long n = ((len[0] & 0xffL) << 24) | ((len[1] & 0xffL) << 16) | ((len[2] & 0xffL) << 8) | (len[3] & 0xffL);
                if (n > MAX_MESSAGE_BYTES) {
                    throw new DropProblem(ErrorCode.PAYLOAD_TOO_LARGE, "message " + (message + 1) + " is " + n + " bytes long; at most "
                            + MAX_MESSAGE_BYTES + " are read (or the file is neither one ExportLogsServiceRequest nor length-prefixed messages)");
                }
                msg = in.readNBytes((int) n);
                if (msg.length < n) throw new DropProblem(ErrorCode.INVALID_OTLP, "message " + (message + 1) + " is cut short (file truncated?)");
            } else {
                if (single) return null;
                single = true;
                msg = in.readNBytes(MAX_MESSAGE_BYTES + 1);
                if (msg.length > MAX_MESSAGE_BYTES) {
                    throw new DropProblem(ErrorCode.PAYLOAD_TOO_LARGE, "one OTLP protobuf message of more than " + MAX_MESSAGE_BYTES
                            + " bytes; split it, or write length-prefixed messages (Collector file exporter, format: proto)");
                }
            }
            message++;
            List<JsonNode> events;
            try {
                events = otlp.toEvents(protobuf.toJson(msg), now);
            } catch (LakelogException e) {
                throw new DropProblem(e.code(), "message " + message + ": " + e.getMessage());
            }
            for (JsonNode e : events) pending.add(new Item(e, "message " + message));
        }
        return pending.poll();
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
