package dev.lakelog.segment;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The hot-tier key layout of DESIGN.md:
 * {@code segments/tenant=<tenant>/date=<YYYY-MM-DD>/hour=<HH>/<uuidv7>.cbor}, by ingest time UTC.
 */
public final class SegmentKeys {
    public static final String ROOT = "segments/";
    private static final Pattern KEY = Pattern.compile(
            "segments/tenant=([^/]+)/date=(\\d{4}-\\d{2}-\\d{2})/hour=(\\d{2})/([0-9a-f-]{36})\\.cbor");

    private SegmentKeys() {}

    public static String newKey(String tenantId, Instant ingestTime) {
        ZonedDateTime t = ingestTime.atZone(ZoneOffset.UTC);
        return String.format("%stenant=%s/date=%04d-%02d-%02d/hour=%02d/%s.cbor", ROOT, tenantId,
                t.getYear(), t.getMonthValue(), t.getDayOfMonth(), t.getHour(), UuidV7.next(ingestTime));
    }

    /** The key of a segment with a given UUIDv7 (the drop folder derives it from the file, so a retry writes the same key). */
    public static String key(String tenantId, Instant ingestTime, java.util.UUID id) {
        ZonedDateTime t = ingestTime.atZone(ZoneOffset.UTC);
        return String.format("%stenant=%s/date=%04d-%02d-%02d/hour=%02d/%s.cbor", ROOT, tenantId,
                t.getYear(), t.getMonthValue(), t.getDayOfMonth(), t.getHour(), id);
    }

    public static String tenantPrefix(String tenantId) {
        return ROOT + "tenant=" + tenantId + "/";
    }

    /** The tenant of a well-formed segment key. */
    public static Optional<String> tenantOf(String key) {
        Matcher m = KEY.matcher(key);
        return m.matches() ? Optional.of(m.group(1)) : Optional.empty();
    }

    /** Creation time of a segment, from the UUIDv7 in its key (no clock of the store involved). */
    public static Optional<Instant> createdAt(String key) {
        Matcher m = KEY.matcher(key);
        if (!m.matches()) return Optional.empty();
        try {
            java.util.UUID u = java.util.UUID.fromString(m.group(4));
            if (u.version() != 7) return Optional.empty();
            return Optional.of(Instant.ofEpochMilli(u.getMostSignificantBits() >>> 16));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    public static boolean isSegmentKey(String key) {
        return KEY.matcher(key).matches();
    }
}
