package dev.lakelog.api;

import java.util.Locale;

/**
 * Every error lakelog answers with, as the stable {@code code} of the error body
 * {@code {"detail": "...", "code": "..."}}. The wire name is the lower-case constant name
 * ({@link #wireName()}); docs/api.md lists each with its status and what to do about it, and a
 * test keeps that list, docs/openapi.yaml and this enum equal. Add codes; never rename or reuse one.
 */
public enum ErrorCode {
    // caller errors
    INVALID_PARAMETER(ErrorKind.CALLER_ERROR, 400),
    UNKNOWN_PARAMETER(ErrorKind.CALLER_ERROR, 400),
    INVALID_HEADER(ErrorKind.CALLER_ERROR, 400),
    INVALID_BODY(ErrorKind.CALLER_ERROR, 400),
    INVALID_EVENT(ErrorKind.CALLER_ERROR, 400),
    INVALID_OTLP(ErrorKind.CALLER_ERROR, 400),
    UNSUPPORTED_METRIC(ErrorKind.CALLER_ERROR, 400),
    SQL_REJECTED(ErrorKind.CALLER_ERROR, 400),
    SQL_FAILED(ErrorKind.CALLER_ERROR, 400),
    INVALID_CURSOR(ErrorKind.CALLER_ERROR, 400),
    VALUE_TOO_LARGE(ErrorKind.CALLER_ERROR, 400),
    QUERY_MEMORY_LIMIT(ErrorKind.CALLER_ERROR, 400),
    UNAUTHENTICATED(ErrorKind.CALLER_ERROR, 401),
    FORBIDDEN(ErrorKind.CALLER_ERROR, 403),
    METHOD_NOT_ALLOWED(ErrorKind.CALLER_ERROR, 405),
    QUERY_TIMEOUT(ErrorKind.CALLER_ERROR, 408),
    PAYLOAD_TOO_LARGE(ErrorKind.CALLER_ERROR, 413),
    RESULT_TOO_LARGE(ErrorKind.CALLER_ERROR, 413),
    UNSUPPORTED_MEDIA_TYPE(ErrorKind.CALLER_ERROR, 415),
    TOO_MANY_QUERIES(ErrorKind.CALLER_ERROR, 429),
    RATE_LIMITED(ErrorKind.CALLER_ERROR, 429),
    // not found
    ROUTE_NOT_FOUND(ErrorKind.NOT_FOUND, 404),
    SNAPSHOT_NOT_FOUND(ErrorKind.NOT_FOUND, 404),
    QUERY_NOT_FOUND(ErrorKind.NOT_FOUND, 404),
    EVENT_NOT_FOUND(ErrorKind.NOT_FOUND, 404),
    HOLD_NOT_FOUND(ErrorKind.NOT_FOUND, 404),
    JOB_NOT_FOUND(ErrorKind.NOT_FOUND, 404),
    // conflicts
    IDEMPOTENCY_KEY_REUSED(ErrorKind.CONFLICT, 409),
    IDEMPOTENCY_KEY_IN_PROGRESS(ErrorKind.CONFLICT, 409),
    LEASE_HELD(ErrorKind.CONFLICT, 409),
    PROOF_UNAVAILABLE(ErrorKind.CONFLICT, 409),
    // unavailable
    STORAGE_UNAVAILABLE(ErrorKind.UNAVAILABLE, 503),
    LAKE_UNAVAILABLE(ErrorKind.UNAVAILABLE, 503),
    DEPENDENCY_UNAVAILABLE(ErrorKind.UNAVAILABLE, 503),
    HOT_TIER_BUSY(ErrorKind.UNAVAILABLE, 503),
    ACCESS_TRAIL_UNAVAILABLE(ErrorKind.UNAVAILABLE, 503),
    // defects
    INTERNAL(ErrorKind.INTERNAL, 500);

    private final ErrorKind kind;
    private final int status;

    ErrorCode(ErrorKind kind, int status) {
        this.kind = kind;
        this.status = status;
    }

    public ErrorKind kind() {
        return kind;
    }

    /** The HTTP status this code is answered with. */
    public int status() {
        return status;
    }

    /** The {@code code} field of the error body, e.g. {@code invalid_parameter}. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
