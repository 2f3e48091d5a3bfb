package dev.lakelog.segment;

import java.security.SecureRandom;
import java.time.Instant;
import java.util.UUID;

/** RFC 9562 UUID version 7: 48-bit Unix milliseconds, then random bits; sorts by time. */
public final class UuidV7 {
    private static volatile SecureRandom RANDOM = new SecureRandom();

    private UuidV7() {}

    /**
     * A new generator, drawn from the system's entropy now: called after a SnapStart restore
     * (handler.LambdaApp), so that environments resumed from one snapshot never draw the same ids.
     */
    public static void reseed() {
        RANDOM = new SecureRandom();
    }

    public static UUID next(Instant time) {
        long ms = time.toEpochMilli();
        SecureRandom random = RANDOM;
        long randA = random.nextInt(1 << 12);
        long msb = (ms << 16) | (0x7L << 12) | randA;
        long lsb = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(msb, lsb);
    }

    public static UUID next() {
        return next(Instant.now());
    }
}
