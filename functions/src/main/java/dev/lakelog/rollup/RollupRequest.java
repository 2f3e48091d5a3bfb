package dev.lakelog.rollup;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * What to roll up.
 *
 * @param trigger named in the commit message: {@code schedule}, {@code iot}, {@code rest}, {@code cli}
 * @param tenantId only this tenant's segments, or all tenants
 * @param minAge only segments at least this old (zero: everything now)
 * @param deleteAfterRollup delete each segment once its rows are committed
 * @param deadline no new batch starts after this instant (a Lambda's remaining time minus a
 *     margin); the configured time budget applies as well, whichever comes first
 */
public record RollupRequest(String trigger, Optional<String> tenantId, Duration minAge, boolean deleteAfterRollup,
                            Optional<Instant> deadline) {

    public RollupRequest(String trigger, Optional<String> tenantId, Duration minAge, boolean deleteAfterRollup) {
        this(trigger, tenantId, minAge, deleteAfterRollup, Optional.empty());
    }

    /** This request, stopping new batches at {@code at}. */
    public RollupRequest withDeadline(Instant at) {
        return new RollupRequest(trigger, tenantId, minAge, deleteAfterRollup, Optional.of(at));
    }
}
