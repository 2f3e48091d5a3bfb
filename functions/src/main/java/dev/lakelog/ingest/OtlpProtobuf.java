package dev.lakelog.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.lakelog.api.ErrorCode;
import dev.lakelog.api.LakelogException;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsPartialSuccess;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

/**
 * OTLP/HTTP protobuf ({@code application/x-protobuf}): decodes an {@code ExportLogsServiceRequest}
 * with the published OTLP Java bindings ({@code io.opentelemetry.proto}) and turns it into the
 * OTLP/HTTP JSON form (the protobuf JSON mapping, with hex trace and span ids as OTLP specifies), so
 * that {@link OtlpMapper} maps both encodings with the same rules and the same error paths. Also
 * writes the protobuf {@code ExportLogsServiceResponse}.
 */
public final class OtlpProtobuf {
    /** AnyValue nesting deeper than this is refused, as JSON nesting is on the JSON route. */
    public static final int MAX_ANY_VALUE_DEPTH = 24;
    private static final HexFormat HEX = HexFormat.of();
    private final ObjectMapper json;

    public OtlpProtobuf(ObjectMapper json) {
        this.json = json;
    }

    /** The request in the OTLP/HTTP JSON shape; a body that is not a valid message is a 400. */
    public JsonNode toJson(byte[] body) {
        ExportLogsServiceRequest req;
        try {
            CodedInputStream in = CodedInputStream.newInstance(body);
            in.setRecursionLimit(64);
            req = ExportLogsServiceRequest.parseFrom(in);
            in.checkLastTagWas(0);
        } catch (InvalidProtocolBufferException e) {
            throw new LakelogException(ErrorCode.INVALID_OTLP, "request body is not a valid OTLP protobuf ExportLogsServiceRequest: " + e.getMessage());
        } catch (java.io.IOException e) {
            throw new LakelogException(ErrorCode.INVALID_OTLP, "request body cannot be read as OTLP protobuf: " + e.getMessage());
        }
        ObjectNode out = json.createObjectNode();
        ArrayNode rls = out.putArray("resourceLogs");
        for (int i = 0; i < req.getResourceLogsCount(); i++) {
            ResourceLogs rl = req.getResourceLogs(i);
            String rp = "resourceLogs[" + i + "]";
            ObjectNode rln = rls.addObject();
            rln.putObject("resource").set("attributes", attributes(rl.getResource().getAttributesList(), rp + ".resource.attributes", 0));
            ArrayNode sls = rln.putArray("scopeLogs");
            for (int j = 0; j < rl.getScopeLogsCount(); j++) {
                ScopeLogs sl = rl.getScopeLogs(j);
                String sp = rp + ".scopeLogs[" + j + "]";
                ObjectNode sln = sls.addObject();
                InstrumentationScope scope = sl.getScope();
                ObjectNode sn = sln.putObject("scope");
                if (!scope.getName().isEmpty()) sn.put("name", text(scope.getName(), sp + ".scope.name"));
                if (!scope.getVersion().isEmpty()) sn.put("version", text(scope.getVersion(), sp + ".scope.version"));
                if (scope.getAttributesCount() > 0) sn.set("attributes", attributes(scope.getAttributesList(), sp + ".scope.attributes", 0));
                ArrayNode lrs = sln.putArray("logRecords");
                for (int k = 0; k < sl.getLogRecordsCount(); k++) {
                    lrs.add(record(sl.getLogRecords(k), sp + ".logRecords[" + k + "]"));
                }
            }
        }
        return out;
    }

    private ObjectNode record(LogRecord lr, String path) {
        ObjectNode n = json.createObjectNode();
        if (lr.getTimeUnixNano() != 0) n.put("timeUnixNano", Long.toUnsignedString(lr.getTimeUnixNano()));
        if (lr.getObservedTimeUnixNano() != 0) n.put("observedTimeUnixNano", Long.toUnsignedString(lr.getObservedTimeUnixNano()));
        if (lr.getSeverityNumberValue() != 0) n.put("severityNumber", lr.getSeverityNumberValue());
        if (!lr.getSeverityText().isEmpty()) n.put("severityText", text(lr.getSeverityText(), path + ".severityText"));
        if (lr.hasBody()) n.set("body", anyValue(lr.getBody(), path + ".body", 0));
        if (lr.getAttributesCount() > 0) n.set("attributes", attributes(lr.getAttributesList(), path + ".attributes", 0));
        if (!lr.getTraceId().isEmpty()) n.put("traceId", hex(lr.getTraceId()));
        if (!lr.getSpanId().isEmpty()) n.put("spanId", hex(lr.getSpanId()));
        if (lr.getFlags() != 0) n.put("flags", Integer.toUnsignedLong(lr.getFlags()));
        if (!lr.getEventName().isEmpty()) n.put("eventName", text(lr.getEventName(), path + ".eventName"));
        return n;
    }

    private ArrayNode attributes(List<KeyValue> kvs, String path, int depth) {
        ArrayNode a = json.createArrayNode();
        for (int i = 0; i < kvs.size(); i++) {
            KeyValue kv = kvs.get(i);
            ObjectNode o = a.addObject();
            o.put("key", text(kv.getKey(), path + "[" + i + "].key"));
            if (kv.hasValue()) o.set("value", anyValue(kv.getValue(), path + "[" + i + "].value", depth + 1));
        }
        return a;
    }

    private ObjectNode anyValue(AnyValue v, String path, int depth) {
        if (depth > MAX_ANY_VALUE_DEPTH) {
            throw new LakelogException(ErrorCode.INVALID_OTLP, path + " nests AnyValues deeper than " + MAX_ANY_VALUE_DEPTH + " levels");
        }
        ObjectNode o = json.createObjectNode();
        switch (v.getValueCase()) {
            case STRING_VALUE -> o.put("stringValue", text(v.getStringValue(), path + ".stringValue"));
            case BOOL_VALUE -> o.put("boolValue", v.getBoolValue());
            case INT_VALUE -> o.put("intValue", Long.toString(v.getIntValue()));
            case DOUBLE_VALUE -> o.put("doubleValue", v.getDoubleValue());
            case BYTES_VALUE -> o.put("bytesValue", Base64.getEncoder().encodeToString(v.getBytesValue().toByteArray()));
            case ARRAY_VALUE -> {
                ArrayNode vals = o.putObject("arrayValue").putArray("values");
                List<AnyValue> list = v.getArrayValue().getValuesList();
                for (int i = 0; i < list.size(); i++) vals.add(anyValue(list.get(i), path + ".arrayValue.values[" + i + "]", depth + 1));
            }
            case KVLIST_VALUE -> o.putObject("kvlistValue").set("values",
                    attributes(v.getKvlistValue().getValuesList(), path + ".kvlistValue.values", depth + 1));
            default -> {
                // VALUE_NOT_SET (and any future kind): an empty AnyValue, read as null like {} in JSON
            }
        }
        return o;
    }

    /** Strings that JSON could not carry either: the JSON route refuses NUL characters at parse time. */
    private static String text(String s, String path) {
        if (s.indexOf('\0') >= 0) throw new LakelogException(ErrorCode.INVALID_OTLP, path + " must not contain NUL characters");
        return s;
    }

    private static String hex(ByteString b) {
        return HEX.formatHex(b.toByteArray());
    }

    /** The protobuf answer: empty when everything was accepted, else {@code partial_success}. */
    public static byte[] response(long rejected, String errorMessage) {
        ExportLogsServiceResponse.Builder b = ExportLogsServiceResponse.newBuilder();
        if (rejected > 0 || (errorMessage != null && !errorMessage.isEmpty())) {
            b.setPartialSuccess(ExportLogsPartialSuccess.newBuilder().setRejectedLogRecords(rejected)
                    .setErrorMessage(errorMessage == null ? "" : errorMessage));
        }
        return b.build().toByteArray();
    }
}
