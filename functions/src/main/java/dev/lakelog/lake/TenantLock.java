package dev.lakelog.lake;

import java.util.Optional;

/**
 * Keeps two rollups (or a rollup and maintenance) off the same tenant. In-process in local mode;
 * a DynamoDB lease with expiry in AWS.
 */
public interface TenantLock {

    /** The held lock, or empty if someone else holds it. */
    Optional<Held> tryAcquire(String tenantId);

    interface Held extends AutoCloseable {
        /** Extends the hold; returns false if it was lost (expired and taken). */
        boolean renew();

        @Override
        void close();
    }
}
