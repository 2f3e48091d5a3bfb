package dev.lakelog.backend;

import java.time.Instant;

/**
 * One asynchronous query (docs/api.md, "Asynchronous queries"): what was asked ({@code request},
 * the JSON the caller posted, already validated), where it stands, and where its result is.
 * {@code state}: queued, running, succeeded, failed. On failure {@code errorCode} and
 * {@code errorDetail} say why (the same codes and words the synchronous route would answer); on
 * success {@code resultKey} names the result file in the blob store. {@code expiresAt}: when the
 * record (and its result file) may be forgotten.
 */
public record QueryJob(String tenantId, String id, String type, String request, String format, String state, Instant createdAt,
                       Instant updatedAt, String errorCode, String errorDetail, String resultKey, long rowCount, long bytes,
                       Instant expiresAt) {
    public static final String QUEUED = "queued";
    public static final String RUNNING = "running";
    public static final String SUCCEEDED = "succeeded";
    public static final String FAILED = "failed";

    public QueryJob running(Instant now) {
        return new QueryJob(tenantId, id, type, request, format, RUNNING, createdAt, now, null, null, null, 0, 0, expiresAt);
    }

    public QueryJob succeeded(Instant now, String key, long rows, long size) {
        return new QueryJob(tenantId, id, type, request, format, SUCCEEDED, createdAt, now, null, null, key, rows, size, expiresAt);
    }

    public QueryJob failed(Instant now, String code, String detail) {
        return new QueryJob(tenantId, id, type, request, format, FAILED, createdAt, now, code, detail, null, 0, 0, expiresAt);
    }

    public boolean finished() {
        return SUCCEEDED.equals(state) || FAILED.equals(state);
    }
}
