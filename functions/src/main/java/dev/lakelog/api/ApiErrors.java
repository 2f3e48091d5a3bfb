package dev.lakelog.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lakelog.log.JsonLog;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The one place that turns a failure into an HTTP answer {@code {"detail": "...", "code": "..."}}:
 * the status comes from the {@link ErrorCode}. Caller errors say what to fix; unavailable answers
 * carry {@code Retry-After}; anything that is not a {@link LakelogException} is a defect, answered
 * 500 without internals (the log has the cause).
 */
public final class ApiErrors {
    private static final JsonLog LOG = JsonLog.get(ApiErrors.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Seconds a client should wait before retrying when a dependency is unavailable. */
    static final String DEFAULT_RETRY_AFTER = "5";

    private ApiErrors() {}

    public static ApiResponse toResponse(Throwable t, ApiRequest req) {
        if (t instanceof LakelogException e) {
            ErrorCode code = e.code();
            Map<String, String> headers = new LinkedHashMap<>();
            switch (code.kind()) {
                case UNAVAILABLE -> {
                    LOG.error("dependency_unavailable", e.getCause() != null ? e.getCause() : e, "path", req.path(), "code", code.wireName());
                    headers.put("Retry-After", DEFAULT_RETRY_AFTER);
                }
                case INTERNAL -> LOG.error("request_failed", e.getCause() != null ? e.getCause() : e, "path", req.path(), "code", code.wireName());
                default -> { }
            }
            if (code == ErrorCode.UNAUTHENTICATED) headers.put("WWW-Authenticate", "Bearer");
            headers.putAll(e.headers());
            return body(code, e.detail()).withHeaders(headers);
        }
        LOG.error("request_failed", t, "path", req.path(), "method", req.method());
        return body(ErrorCode.INTERNAL, "internal error; this is a defect in lakelog, please report it");
    }

    /** The {@code code} of an error answer, or "" when it has none. */
    public static String codeOf(ApiResponse r) {
        try {
            return JSON.readTree(r.body()).path("code").asText("");
        } catch (java.io.IOException e) {
            return "";
        }
    }

    /** The error answer for {@code code}: its status, {@code {"detail": detail, "code": code}}. */
    public static ApiResponse body(ErrorCode code, String detail) {
        byte[] b = JSON.createObjectNode().put("detail", detail).put("code", code.wireName()).toString()
                .getBytes(StandardCharsets.UTF_8);
        return ApiResponse.json(code.status(), b);
    }
}
