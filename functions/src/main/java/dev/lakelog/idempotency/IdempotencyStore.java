package dev.lakelog.idempotency;

import java.time.Instant;
import java.util.Optional;

/**
 * Idempotency records: DynamoDB in AWS ({@code aws.DynamoIdempotencyStore}), files under the data
 * directory in local mode ({@code local.FileIdempotencyStore}). A record is first IN_PROGRESS (a claim,
 * with a short lock), then COMPLETED with the response, until {@code expiresAt}.
 */
public interface IdempotencyStore {

    /** A stored record; {@code body} is null while in progress. */
    record Entry(String fingerprint, boolean completed, int status, byte[] body, Instant expiresAt, Instant lockUntil) {}

    /**
     * Claims {@code pk} for a new request: succeeds (empty) if there is no live record, or the
     * existing record is expired, or is an in-progress claim whose lock has run out. Otherwise
     * returns the live record and claims nothing.
     */
    Optional<Entry> claim(String pk, String fingerprint, Instant now, Instant lockUntil, Instant expiresAt);

    /** Stores the response of a claimed request. */
    void complete(String pk, String fingerprint, int status, byte[] body, Instant expiresAt);

    /** Removes an in-progress claim (the request failed), so a retry can run. */
    void release(String pk);
}
