package dev.lakelog.backend;

import dev.lakelog.auth.TenantStore;
import dev.lakelog.idempotency.IdempotencyStore;
import dev.lakelog.lake.LakeStorage;
import dev.lakelog.lake.S3Credentials;
import dev.lakelog.lake.TenantLock;
import dev.lakelog.storage.BlobStore;
import dev.lakelog.throttle.RateLimitStore;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Everything lakelog keeps state in, for one {@link dev.lakelog.config.Backend}: the AWS one
 * ({@code aws.AwsBackend}: S3, PostgreSQL, DynamoDB, IoT) or the local one ({@code local.LocalBackend}:
 * files under the data directory). The composition root picks one, once; the core only sees
 * these interfaces. Components are built on first use, so a function that never asks for one
 * never needs its configuration (the authorizer has no bucket, ingest no catalog).
 */
public interface Backend extends AutoCloseable {

    /** Segments, quarantine and result files. */
    BlobStore blobs();

    TenantStore tenants();

    IdempotencyStore idempotency();

    /** Per-tenant leases that keep two rollups (or a rollup and maintenance) apart. */
    TenantLock locks();

    /** Where the lake's catalog and data files are. */
    LakeStorage lakeStorage();

    /** S3 credentials for DuckDB's httpfs, asked again before each use (they rotate in Lambda). */
    Supplier<S3Credentials> lakeCredentials();

    /** Per-tenant token buckets (in process locally, DynamoDB in AWS); empty when none is configured. */
    Optional<RateLimitStore> rateLimits();

    /** Where asynchronous query jobs are recorded (DynamoDB in AWS, files locally). */
    JobStore jobs();

    /**
     * Where a job's worker is started: the AWS jobs function when one is configured
     * ({@code LAKELOG_JOBS_FUNCTION}); empty: the composition root runs jobs on an executor in this process.
     */
    default Optional<JobDispatcher> jobDispatcher() {
        return Optional.empty();
    }

    /** Publisher of rollup status messages (AWS IoT), if configured. */
    Optional<StatusPublisher> statusPublisher();

    /**
     * Where the integrity chain's head is published outside the catalog, when this backend has
     * such a place of its own (AWS: S3 under Object Lock, signed with KMS); empty: the lake's
     * default (local: the Ed25519 file in the data directory; AWS: none).
     */
    default Optional<dev.lakelog.lake.ChainAnchor> chainAnchor() {
        return Optional.empty();
    }

    /**
     * The queue the rollup planner fans tenants out on (SQS in AWS, in process locally). AWS: needs
     * {@code LAKELOG_ROLLUP_QUEUE_URL}, which only the planner and worker functions have.
     */
    default dev.lakelog.queue.WorkQueue rollupQueue() {
        throw new UnsupportedOperationException("this backend has no rollup queue");
    }

    /** The queue of maintenance jobs (as {@link #rollupQueue()}; {@code LAKELOG_MAINTENANCE_QUEUE_URL}). */
    default dev.lakelog.queue.WorkQueue maintenanceQueue() {
        throw new UnsupportedOperationException("this backend has no maintenance queue");
    }

    @Override
    void close();
}
