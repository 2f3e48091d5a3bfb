package dev.lakelog.api;

/**
 * What kind of failure an {@link ErrorCode} is, which decides what the caller and the
 * scheduled triggers do about it:
 * <ul>
 *   <li>{@link #CALLER_ERROR}: the request is wrong; fix it, retrying the same request fails again.
 *   <li>{@link #NOT_FOUND}: the thing named does not exist (or no longer does).
 *   <li>{@link #CONFLICT}: something else holds or used it; a scheduled job skips it and carries on.
 *   <li>{@link #UNAVAILABLE}: a dependency (S3, DynamoDB, the catalog) is down or throttled;
 *       retry later. A scheduled job fails the invocation so that the platform retries it.
 *   <li>{@link #INTERNAL}: a defect in lakelog.
 * </ul>
 */
public enum ErrorKind {
    CALLER_ERROR,
    NOT_FOUND,
    CONFLICT,
    UNAVAILABLE,
    INTERNAL;

    /** A scheduled or IoT job skips the tenant/job and goes on (it is not the platform's to retry). */
    public boolean skippable() {
        return this == CONFLICT;
    }
}
