package dev.lakelog.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lakelog.lake.LakeException;
import dev.lakelog.log.JsonLog;
import dev.lakelog.rollup.LeaseHeldException;
import dev.lakelog.storage.StorageException;
import java.nio.charset.StandardCharsets;

/**
 * The one place that turns a failure into an HTTP answer {@code {"detail": "..."}}.
 * 4xx: the caller's fault, detail says what to fix. 503: a dependency is down, retry.
 * 500: a defect; the detail says so without internals, the log has the cause.
 */
public final class ApiErrors {
    private static final JsonLog LOG = JsonLog.get(ApiErrors.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private ApiErrors() {}

    public static ApiResponse toResponse(Throwable t, ApiRequest req) {
        if (t instanceof ApiException e) {
            if (e.status() >= 500) LOG.error("request_unavailable", e.getCause() != null ? e.getCause() : e, "path", req.path(), "status", e.status());
            return body(e.status(), e.detail()).withHeaders(e.headers());
        }
        if (t instanceof LeaseHeldException e) {
            return body(409, e.getMessage());
        }
        if (t instanceof StorageException e) {
            LOG.error("storage_unavailable", e, "path", req.path());
            return body(503, "storage is unavailable; retry later").withHeaders(java.util.Map.of("Retry-After", "5"));
        }
        if (t instanceof software.amazon.awssdk.core.exception.SdkException e) {
            // DynamoDB (tenants, idempotency, leases) or another AWS service failed or throttled.
            LOG.error("dependency_unavailable", e, "path", req.path());
            return body(503, "a backing service is unavailable; retry later").withHeaders(java.util.Map.of("Retry-After", "5"));
        }
        if (t instanceof LakeException e) {
            LOG.error("lake_unavailable", e, "path", req.path());
            return body(503, "the lake is unavailable; retry later").withHeaders(java.util.Map.of("Retry-After", "5"));
        }
        LOG.error("request_failed", t, "path", req.path(), "method", req.method());
        return body(500, "internal error; this is a defect in lakelog, please report it");
    }

    public static ApiResponse body(int status, String detail) {
        byte[] b = JSON.createObjectNode().put("detail", detail).toString().getBytes(StandardCharsets.UTF_8);
        return ApiResponse.json(status, b);
    }
}
