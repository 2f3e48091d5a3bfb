package dev.lakelog.api;

/**
 * A request failed for a reason the caller can act on. The status and detail go to the client
 * as {@code {"detail": "..."}}; {@link ApiErrors} is the one place that maps failures to statuses.
 */
public class ApiException extends RuntimeException {
    private final int status;
    private final java.util.Map<String, String> headers;

    public ApiException(int status, String detail) {
        this(status, detail, java.util.Map.of(), null);
    }

    public ApiException(int status, String detail, java.util.Map<String, String> headers, Throwable cause) {
        super(detail, cause);
        this.status = status;
        this.headers = headers;
    }

    public int status() {
        return status;
    }

    public String detail() {
        return getMessage();
    }

    public java.util.Map<String, String> headers() {
        return headers;
    }

    public static ApiException badRequest(String detail) {
        return new ApiException(400, detail);
    }

    public static ApiException unauthorized(String detail) {
        return new ApiException(401, detail, java.util.Map.of("WWW-Authenticate", "Bearer"), null);
    }

    public static ApiException forbidden(String detail) {
        return new ApiException(403, detail);
    }

    public static ApiException notFound(String detail) {
        return new ApiException(404, detail);
    }

    public static ApiException conflict(String detail) {
        return new ApiException(409, detail);
    }

    public static ApiException payloadTooLarge(String detail) {
        return new ApiException(413, detail);
    }

    public static ApiException unsupportedMediaType(String detail) {
        return new ApiException(415, detail);
    }

    public static ApiException unavailable(String detail, int retryAfterSeconds, Throwable cause) {
        return new ApiException(503, detail, java.util.Map.of("Retry-After", Integer.toString(retryAfterSeconds)), cause);
    }
}
