package dev.lakelog.api;

import java.util.Map;

/**
 * A failure with a stable {@link ErrorCode}: the one exception type of lakelog's core. The detail
 * is written for the caller (what was wrong, what to do) and never holds a secret. Adapters turn
 * the failures of their dependencies (AWS SDK, JDBC, files) into one of these where they happen;
 * {@link ApiErrors} is the one place that turns it into an HTTP answer.
 */
public class LakelogException extends RuntimeException {
    private final ErrorCode code;
    private final Map<String, String> headers;

    public LakelogException(ErrorCode code, String detail) {
        this(code, detail, Map.of(), null);
    }

    public LakelogException(ErrorCode code, String detail, Throwable cause) {
        this(code, detail, Map.of(), cause);
    }

    public LakelogException(ErrorCode code, String detail, Map<String, String> headers, Throwable cause) {
        super(detail, cause);
        this.code = code;
        this.headers = Map.copyOf(headers);
    }

    public ErrorCode code() {
        return code;
    }

    public ErrorKind kind() {
        return code.kind();
    }

    public String detail() {
        return getMessage();
    }

    /** Extra response headers (e.g. {@code Retry-After}); {@link ApiErrors} adds the standard ones. */
    public Map<String, String> headers() {
        return headers;
    }

    /** A dependency is down; {@code Retry-After: retryAfterSeconds}. */
    public static LakelogException unavailable(ErrorCode code, String detail, int retryAfterSeconds, Throwable cause) {
        return new LakelogException(code, detail, Map.of("Retry-After", Integer.toString(retryAfterSeconds)), cause);
    }
}
