package dev.lakelog.maintenance;

import dev.lakelog.lake.LakeEngine;
import dev.lakelog.lake.LakeException;
import dev.lakelog.lake.LakeMaintenance;
import dev.lakelog.lake.LegalHolds;
import dev.lakelog.log.JsonLog;
import dev.lakelog.lake.LeaseHeldException;
import dev.lakelog.lake.TenantLock;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Lake maintenance through DuckLake's own functions: merge small adjacent files
 * ({@code ducklake_merge_adjacent_files}), expire old snapshots ({@code ducklake_expire_snapshots}),
 * delete files no snapshot needs any more ({@code ducklake_cleanup_old_files}), and retention:
 * delete rows whose {@code retention_until} has passed and rewrite the files they were in
 * ({@code ducklake_rewrite_data_files}).
 *
 * <p>Every job runs under the lake-wide lease {@link #LEASE_KEY}, so two maintenance jobs never
 * overlap; retention of one tenant also holds that tenant's rollup lease. Against a concurrent
 * rollup of another tenant, DuckLake's optimistic commit protocol decides: a logical conflict
 * aborts one of the two transactions whole (see docs/maintenance.md); the rollup's ledger makes
 * its retry exact.
 */
public final class MaintenanceService {
    private static final JsonLog LOG = JsonLog.get(MaintenanceService.class);
    public static final String LEASE_KEY = "__maintenance__";

    private final Supplier<LakeEngine> lake;
    private final TenantLock lock;
    private final Clock clock;

    public MaintenanceService(Supplier<LakeEngine> lake, TenantLock lock, Clock clock) {
        this.lake = lake;
        this.lock = lock;
        this.clock = clock;
    }

    public record CompactResult(long filesBefore, long filesAfter, long filesMerged) {}

    /** {@code legalHold}: nothing was done because a legal hold is active (docs/integrity.md#legal-hold). */
    public record CleanupResult(long filesCleaned, boolean dryRun, long olderThanHours, boolean legalHold) {}

    /** {@code legalHold}: nothing was expired because a legal hold is active. */
    public record ExpireResult(long expiredCount, long olderThanDays, boolean legalHold) {}

    public record RetentionResult(long rowsRemoved, long filesRewritten, String tenantId) {}

    /** Merges adjacent small Parquet files of every table (lake-wide). */
    public CompactResult compact(String trigger) {
        return underLease("compact", () -> {
            try (Connection c = lake.get().connect()) {
                long before = LakeMaintenance.fileCount(c);
                long merged = LakeMaintenance.withCommitMessage(c, "compaction trigger=" + trigger,
                        "compaction", () -> LakeMaintenance.mergeAdjacentFiles(c));
                lake.get().anchorHead(c);
                long after = LakeMaintenance.fileCount(c);
                LOG.info("maintenance_compact", "trigger", trigger, "files_before", before, "files_after", after, "files_merged", merged);
                return new CompactResult(before, after, merged);
            }
        });
    }

    /** Deletes data files scheduled for deletion more than {@code olderThanHours} ago. */
    public CleanupResult cleanup(String trigger, long olderThanHours, boolean dryRun) {
        return underLease("cleanup", () -> {
            try (Connection c = lake.get().connect()) {
                if (LegalHolds.anyActive(c)) {
                    LOG.info("maintenance_cleanup_held", "trigger", trigger);
                    return new CleanupResult(0, dryRun, olderThanHours, true);
                }
                long n = LakeMaintenance.cleanupOldFiles(c, clock.instant().minus(Duration.ofHours(olderThanHours)), dryRun);
                LOG.info("maintenance_cleanup", "trigger", trigger, "files_cleaned", n, "dry_run", dryRun);
                return new CleanupResult(n, dryRun, olderThanHours, false);
            }
        });
    }

    /** Expires snapshots older than {@code olderThanDays} (the latest snapshot is never expired). */
    public ExpireResult expireSnapshots(String trigger, long olderThanDays) {
        return underLease("expire-snapshots", () -> {
            try (Connection c = lake.get().connect()) {
                if (LegalHolds.anyActive(c)) {
                    LOG.info("maintenance_expire_held", "trigger", trigger);
                    return new ExpireResult(0, olderThanDays, true);
                }
                long n = LakeMaintenance.expireSnapshots(c, clock.instant().minus(Duration.ofDays(olderThanDays)));
                lake.get().anchorHead(c);
                LOG.info("maintenance_expire_snapshots", "trigger", trigger, "expired_count", n);
                return new ExpireResult(n, olderThanDays, false);
            }
        });
    }

    /**
     * Deletes the rows whose {@code retention_until} is before now, of one tenant or of all, and
     * rewrites the data files that had rows deleted. The rows stay reachable through older
     * snapshots until those are expired and their files cleaned up.
     */
    public RetentionResult retention(String trigger, Optional<String> tenantId) {
        return underLease("retention", () -> {
            Optional<TenantLock.Held> tenantLease = Optional.empty();
            if (tenantId.isPresent()) {
                tenantLease = lock.tryAcquire(tenantId.get());
                if (tenantLease.isEmpty()) throw new LeaseHeldException(tenantId.get());
            }
            try (Connection c = lake.get().connect()) {
                long removed = LakeMaintenance.deleteExpiredRows(c, clock.instant(), tenantId,
                        "retention trigger=" + trigger + " tenant=" + tenantId.orElse("*"));
                // The rewrite acts on every tenant's files: only lake-wide retention (operator,
                // schedule) does it; a tenant's own retention deletes rows and leaves files alone.
                long rewritten = removed > 0 && tenantId.isEmpty()
                        ? LakeMaintenance.withCommitMessage(c, "retention rewrite trigger=" + trigger, "rewrite",
                                () -> LakeMaintenance.rewriteFilesWithDeletes(c))
                        : 0;
                lake.get().anchorHead(c);
                LOG.info("maintenance_retention", "trigger", trigger, "tenant", tenantId.orElse("*"),
                        "rows_removed", removed, "files_rewritten", rewritten);
                return new RetentionResult(removed, rewritten, tenantId.orElse(null));
            } finally {
                tenantLease.ifPresent(TenantLock.Held::close);
            }
        });
    }

    private interface Job<T> {
        T run() throws SQLException;
    }

    private <T> T underLease(String job, Job<T> body) {
        Optional<TenantLock.Held> held = lock.tryAcquire(LEASE_KEY);
        if (held.isEmpty()) {
            throw new LeaseHeldException(LEASE_KEY, "another maintenance job is running; try '" + job + "' again when it has finished");
        }
        try (TenantLock.Held h = held.get()) {
            try (Connection c = lake.get().connect()) {
                LakeMaintenance.recordPendingIntegrity(c); // a compaction whose entry a crash left unwritten
            }
            return body.run();
        } catch (SQLException e) {
            String msg = lake.get().redactor().redact(e.getMessage());
            LOG.warn("maintenance_failed", "job", job, "error", msg);
            if (msg != null && msg.toLowerCase(java.util.Locale.ROOT).contains("conflict")) {
                throw new LeaseHeldException(LEASE_KEY, job + " conflicted with a concurrent commit and changed nothing; try again");
            }
            throw new LakeException(job + " failed: " + msg, null);
        }
    }

    /** The result as the JSON object the API and the schedule handler return. */
    public static Map<String, Object> toJson(Object result) {
        Map<String, Object> m = new LinkedHashMap<>();
        if (result instanceof CompactResult r) {
            m.put("files_before", r.filesBefore());
            m.put("files_after", r.filesAfter());
            m.put("files_merged", r.filesMerged());
        } else if (result instanceof CleanupResult r) {
            m.put("files_cleaned", r.filesCleaned());
            m.put("dry_run", r.dryRun());
            m.put("older_than_hours", r.olderThanHours());
            m.put("legal_hold", r.legalHold());
        } else if (result instanceof ExpireResult r) {
            m.put("expired_count", r.expiredCount());
            m.put("older_than_days", r.olderThanDays());
            m.put("legal_hold", r.legalHold());
        } else if (result instanceof RetentionResult r) {
            m.put("rows_removed", r.rowsRemoved());
            m.put("files_rewritten", r.filesRewritten());
            m.put("tenant_id", r.tenantId());
        }
        return m;
    }
}
