package dev.lakelog.api;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * An HTTP request as the core sees it: no API Gateway or server types. Header names are
 * case-insensitive; the body is the raw bytes (HMAC signatures are computed over them);
 * {@code deadline} is when the invocation serving it ends, if it has such a limit.
 */
public record ApiRequest(String method, String path, Map<String, String> query, Map<String, String> headers, byte[] body,
                         Optional<Instant> deadline) {

    /** A request with no deadline of its own (the local server, tests). */
    public ApiRequest(String method, String path, Map<String, String> query, Map<String, String> headers, byte[] body) {
        this(method, path, query, headers, body, Optional.empty());
    }

    public ApiRequest {
        method = method.toUpperCase(Locale.ROOT);
        TreeMap<String, String> h = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        if (headers != null) h.putAll(headers);
        headers = java.util.Collections.unmodifiableMap(h);
        query = query == null ? Map.of() : Map.copyOf(query);
        body = body == null ? new byte[0] : body;
        deadline = deadline == null ? Optional.empty() : deadline;
    }

    /**
     * This request with a deadline: when the invocation serving it ends (Lambda's remaining
     * time). Work that holds a claim (an idempotency record) sizes it from this.
     */
    public ApiRequest withDeadline(Instant at) {
        return new ApiRequest(method, path, query, headers, body, Optional.of(at));
    }

    public Optional<String> header(String name) {
        return Optional.ofNullable(headers.get(name));
    }

    public Optional<String> queryParam(String name) {
        return Optional.ofNullable(query.get(name));
    }

    public String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }
}
