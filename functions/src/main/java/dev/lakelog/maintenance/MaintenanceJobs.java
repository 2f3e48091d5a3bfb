package dev.lakelog.maintenance;

import dev.lakelog.api.ErrorCode;
import dev.lakelog.api.LakelogException;
import dev.lakelog.api.Params;
import java.util.Optional;
import java.util.Set;

/**
 * The maintenance jobs, their parameters, defaults and bounds, defined once for both ways in:
 * the REST routes ({@code POST /v1/analytics/maintenance/<job>?...}) and the EventBridge
 * schedules ({@code {"job": "<job>", ...}}). docs/maintenance.md lists the same values.
 */
public final class MaintenanceJobs {
    private MaintenanceJobs() {}

    public static final String COMPACT = "compact";
    public static final String CLEANUP = "cleanup";
    public static final String EXPIRE_SNAPSHOTS = "expire-snapshots";
    public static final String RETENTION = "retention";
    public static final Set<String> NAMES = Set.of(COMPACT, CLEANUP, EXPIRE_SNAPSHOTS, RETENTION);

    /** cleanup: delete files unreferenced for at least this long (default one week). */
    public static final long CLEANUP_OLDER_THAN_HOURS_DEFAULT = 168;
    /** 0: every file scheduled for deletion, now (FlightRecorder's testing guide uses it). */
    public static final long CLEANUP_OLDER_THAN_HOURS_MIN = 0;
    public static final long CLEANUP_OLDER_THAN_HOURS_MAX = 8760;
    /** expire-snapshots: expire snapshots older than this (default 90 days). */
    public static final long EXPIRE_OLDER_THAN_DAYS_DEFAULT = 90;
    /** 0: every snapshot but the latest; time travel to anything older ends. */
    public static final long EXPIRE_OLDER_THAN_DAYS_MIN = 0;
    public static final long EXPIRE_OLDER_THAN_DAYS_MAX = 3650;

    /**
     * Runs {@code job} with its parameters from {@code p} (unknown ones are refused).
     *
     * @param scheduled true for the EventBridge schedule: a scheduled cleanup deletes unless
     *     {@code dry_run} is true; on REST it is a dry run unless {@code dry_run=false}
     * @param tenant the tenant whose data retention applies to, or empty for every tenant
     */
    public static Object run(MaintenanceService m, String job, Params p, String trigger, boolean scheduled, Optional<String> tenant) {
        switch (job == null ? "" : job) {
            case COMPACT -> {
                p.allowOnly(Set.of());
                return m.compact(trigger);
            }
            case CLEANUP -> {
                p.allowOnly(Set.of("older_than_hours", "dry_run"));
                long hours = p.integer("older_than_hours", CLEANUP_OLDER_THAN_HOURS_DEFAULT,
                        CLEANUP_OLDER_THAN_HOURS_MIN, CLEANUP_OLDER_THAN_HOURS_MAX);
                return m.cleanup(trigger, hours, p.bool("dry_run", !scheduled));
            }
            case EXPIRE_SNAPSHOTS -> {
                p.allowOnly(Set.of("older_than_days"));
                long days = p.integer("older_than_days", EXPIRE_OLDER_THAN_DAYS_DEFAULT,
                        EXPIRE_OLDER_THAN_DAYS_MIN, EXPIRE_OLDER_THAN_DAYS_MAX);
                return m.expireSnapshots(trigger, days);
            }
            case RETENTION -> {
                p.allowOnly(Set.of());
                return m.retention(trigger, tenant);
            }
            default -> throw new LakelogException(ErrorCode.INVALID_PARAMETER,
                    "job must be one of " + new java.util.TreeSet<>(NAMES) + "; got '" + job + "'");
        }
    }
}
