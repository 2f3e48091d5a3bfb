package dev.lakelog.local;

import dev.lakelog.backend.JobStore;

import dev.lakelog.auth.TenantStore;
import dev.lakelog.backend.Backend;
import dev.lakelog.backend.StatusPublisher;
import dev.lakelog.config.LakelogConfig;
import dev.lakelog.idempotency.IdempotencyStore;
import dev.lakelog.lake.LakeStorage;
import dev.lakelog.lake.S3Credentials;
import dev.lakelog.lake.TenantLock;
import dev.lakelog.storage.BlobStore;
import dev.lakelog.throttle.RateLimitStore;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The local {@link Backend}: everything under {@code LAKELOG_DATA_DIR}: segments and lake data
 * files, the DuckDB-file catalog, {@code tenants.json}, {@code idempotency/}; one process, so an
 * in-process lease keeps rollups apart. No network at all.
 */
public final class LocalBackend implements Backend {
    private final Path dataDir;
    private final BlobStore blobs;
    private final TenantStore tenants;
    private final IdempotencyStore idempotency;
    private final TenantLock locks = new InProcessTenantLock();
    private final Optional<RateLimitStore> rateLimits = Optional.of(new InProcessRateLimitStore());

    public LocalBackend(LakelogConfig config) {
        this.dataDir = config.dataDir().orElseThrow();
        PrivateFiles.directory(dataDir);
        PrivateFiles.directory(dataDir.resolve("idempotency"));
        this.blobs = new LocalBlobStore(dataDir);
        this.tenants = new FileTenantStore(dataDir.resolve("tenants.json"));
        this.idempotency = new FileIdempotencyStore(dataDir.resolve("idempotency"));
        this.jobs = new FileJobStore(dataDir.resolve("jobs"));
    }

    private final JobStore jobs;

    @Override
    public JobStore jobs() {
        return jobs;
    }

    @Override
    public BlobStore blobs() {
        return blobs;
    }

    @Override
    public TenantStore tenants() {
        return tenants;
    }

    @Override
    public IdempotencyStore idempotency() {
        return idempotency;
    }

    @Override
    public Optional<RateLimitStore> rateLimits() {
        return rateLimits;
    }

    @Override
    public TenantLock locks() {
        return locks;
    }

    @Override
    public LakeStorage lakeStorage() {
        return new LakeStorage.Local(dataDir);
    }

    @Override
    public Supplier<S3Credentials> lakeCredentials() {
        return () -> null;
    }

    @Override
    public Optional<StatusPublisher> statusPublisher() {
        return Optional.empty();
    }

    @Override
    public void close() {
        // files only: nothing to release
    }
}
