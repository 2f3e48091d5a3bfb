package dev.lakelog.lake;

import dev.lakelog.api.ErrorCode;
import dev.lakelog.api.LakelogException;

/**
 * Another rollup or maintenance job holds the tenant's lease ({@link ErrorCode#LEASE_HELD}, a
 * conflict): REST answers 409, the schedule and IoT triggers skip the tenant and carry on.
 */
public final class LeaseHeldException extends LakelogException {
    public LeaseHeldException(String tenantId) {
        super(ErrorCode.LEASE_HELD, "a rollup for tenant '" + tenantId + "' is already running; try again when it has finished");
    }

    /** With a message of the caller's, e.g. for a maintenance job. */
    public LeaseHeldException(String leaseKey, String message) {
        super(ErrorCode.LEASE_HELD, message);
    }
}
