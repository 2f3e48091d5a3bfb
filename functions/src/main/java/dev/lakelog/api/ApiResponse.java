package dev.lakelog.api;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/** An HTTP response from the core; adapters turn it into API Gateway or server responses. */
public record ApiResponse(int status, Map<String, String> headers, byte[] body) {

    public static ApiResponse json(int status, byte[] body) {
        return new ApiResponse(status, Map.of("Content-Type", "application/json"), body);
    }

    public ApiResponse withHeaders(Map<String, String> extra) {
        java.util.Map<String, String> h = new java.util.LinkedHashMap<>(headers);
        h.putAll(extra);
        return new ApiResponse(status, Map.copyOf(h), body);
    }

    public String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }
}
