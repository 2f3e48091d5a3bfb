package dev.lakelog.rollup;

import java.time.Duration;
import java.util.Optional;

/**
 * What to roll up.
 *
 * @param trigger named in the commit message: {@code schedule}, {@code iot}, {@code rest}, {@code cli}
 * @param tenantId only this tenant's segments, or all tenants
 * @param minAge only segments at least this old (zero: everything now)
 * @param deleteAfterRollup delete each segment once its rows are committed
 */
public record RollupRequest(String trigger, Optional<String> tenantId, Duration minAge, boolean deleteAfterRollup) {}
