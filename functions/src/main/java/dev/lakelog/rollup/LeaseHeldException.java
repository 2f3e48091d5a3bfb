package dev.lakelog.rollup;

/** Another rollup holds the tenant's lease: REST answers 409, schedule and IoT exit cleanly. */
public final class LeaseHeldException extends RuntimeException {
    public LeaseHeldException(String tenantId) {
        super("a rollup for tenant '" + tenantId + "' is already running; try again when it has finished");
    }

    /** With a message of the caller's, e.g. for a maintenance job. */
    public LeaseHeldException(String leaseKey, String message) {
        super(message);
    }
}
