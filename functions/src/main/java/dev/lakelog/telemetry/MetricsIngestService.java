package dev.lakelog.telemetry;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lakelog.api.ErrorCode;
import dev.lakelog.api.LakelogException;
import dev.lakelog.auth.Tenant;
import dev.lakelog.segment.LogEvent;
import dev.lakelog.segment.MetricPoint;
import dev.lakelog.segment.MetricSegmentCodec;
import dev.lakelog.storage.BlobStore;
import dev.lakelog.storage.StorageException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * {@code POST /v1/metrics}: decodes an OTLP/HTTP metrics request (protobuf or JSON, optionally gzip),
 * maps it with {@link OtlpMetrics} and writes its points as ONE metric segment to the hot tier
 * ({@link MetricSegmentCodec}) before answering: the answer is sent only after the PUT succeeded; a
 * failed PUT answers 503 and nothing was stored.
 */
public final class MetricsIngestService {
    /** Largest request body, compressed or not (as the logs routes). */
    public static final int MAX_BODY_BYTES = 5 * 1024 * 1024;
    private final BlobStore store;
    private final MetricSegmentCodec codec = new MetricSegmentCodec();
    private final Clock clock;
    private final ObjectMapper json;
    private final OtlpMetrics otlp;

    public MetricsIngestService(BlobStore store, Clock clock, ObjectMapper json) {
        this.store = store;
        this.clock = clock;
        this.json = json;
        this.otlp = new OtlpMetrics(json);
    }

    /** What a request stored: points accepted and rejected (partial success), its segment. */
    public record Outcome(int accepted, int rejected, String errorMessage, boolean protobuf, String segmentKey) {}

    public Outcome ingest(Tenant tenant, byte[] rawBody, String contentEncoding, String contentType) {
        boolean protobuf = protobuf(contentType);
        byte[] body = decodeBody(rawBody, contentEncoding);
        JsonNode root;
        if (protobuf) {
            root = otlp.protobufToJson(body);
        } else {
            try {
                root = json.readTree(body);
            } catch (JsonProcessingException e) {
                throw new LakelogException(ErrorCode.INVALID_OTLP, "request body is not valid OTLP/HTTP JSON: " + e.getOriginalMessage());
            } catch (java.io.IOException e) {
                throw new LakelogException(ErrorCode.INVALID_OTLP, "request body cannot be read: " + e.getMessage());
            }
        }
        Instant now = clock.instant();
        OtlpMetrics.Mapped mapped = otlp.points(root, tenant.id(), LogEvent.micros(now));
        String key = null;
        if (!mapped.points().isEmpty()) key = write(tenant, mapped.points(), now);
        return new Outcome(mapped.points().size(), mapped.rejected(), mapped.errorMessage(), protobuf, key);
    }

    private String write(Tenant tenant, List<MetricPoint> points, Instant now) {
        String key = MetricSegmentCodec.newKey(tenant.id(), now);
        try {
            store.put(key, codec.encode(tenant.id(), LogEvent.micros(now), points));
        } catch (StorageException e) {
            throw LakelogException.unavailable(ErrorCode.STORAGE_UNAVAILABLE, "storage is unavailable; nothing was stored, retry later", 5, e);
        }
        return key;
    }

    private static boolean protobuf(String contentType) {
        if (contentType == null || contentType.isBlank()) {
            throw new LakelogException(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "Content-Type header is required: application/x-protobuf or application/json (OTLP/HTTP)");
        }
        String ct = contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        return switch (ct) {
            case "application/x-protobuf", "application/protobuf" -> true;
            case "application/json" -> false;
            default -> throw new LakelogException(ErrorCode.UNSUPPORTED_MEDIA_TYPE,
                    "Content-Type must be application/x-protobuf or application/json (OTLP/HTTP), got '" + contentType + "'");
        };
    }

    /** gzip or identity, decompressed up to {@link #MAX_BODY_BYTES}. */
    static byte[] decodeBody(byte[] body, String contentEncoding) {
        if (body.length > MAX_BODY_BYTES) throw new LakelogException(ErrorCode.PAYLOAD_TOO_LARGE, "request body is larger than " + MAX_BODY_BYTES + " bytes");
        if (contentEncoding == null || contentEncoding.isBlank() || contentEncoding.trim().equalsIgnoreCase("identity")) return body;
        if (!contentEncoding.trim().equalsIgnoreCase("gzip")) {
            throw new LakelogException(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "Content-Encoding must be gzip or identity, got '" + contentEncoding + "'");
        }
        try (java.util.zip.GZIPInputStream in = new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(body))) {
            byte[] out = in.readNBytes(MAX_BODY_BYTES + 1);
            if (out.length > MAX_BODY_BYTES) {
                throw new LakelogException(ErrorCode.PAYLOAD_TOO_LARGE, "decompressed request body is larger than " + MAX_BODY_BYTES + " bytes");
            }
            return out;
        } catch (java.io.IOException e) {
            throw new LakelogException(ErrorCode.INVALID_BODY, "request body is not valid gzip: " + e.getMessage());
        }
    }
}
