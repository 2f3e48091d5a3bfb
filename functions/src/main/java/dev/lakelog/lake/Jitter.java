package dev.lakelog.lake;

import java.security.SecureRandom;

/**
 * Random back-off for the commit retries (rollup, metrics, the integrity chain's seal). Not
 * {@code ThreadLocalRandom}: its seeds come from one process-wide seeder fixed when the class is
 * first used, so every Lambda environment resumed from one SnapStart snapshot would draw the same
 * back-offs and retry in step. {@link #reseed} (called after a restore, handler.LambdaApp) gives
 * this process a generator of its own.
 */
public final class Jitter {
    private static volatile SecureRandom random = new SecureRandom();

    private Jitter() {}

    /** A value in {@code [0, bound)}. */
    static int next(int bound) {
        return random.nextInt(bound);
    }

    /** A new generator, drawn from the system's entropy now. */
    public static void reseed() {
        random = new SecureRandom();
    }
}
