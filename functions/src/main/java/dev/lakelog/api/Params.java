package dev.lakelog.api;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Optional;

/** Reads query-string parameters; every bad value is a 400 that names the parameter. */
public final class Params {
    private final Map<String, String> query;

    public Params(Map<String, String> query) {
        this.query = query;
    }

    /** 400 naming the first parameter not in {@code allowed}. */
    public void allowOnly(java.util.Set<String> allowed) {
        for (String k : new java.util.TreeSet<>(query.keySet())) {
            if (!allowed.contains(k)) {
                throw new LakelogException(ErrorCode.UNKNOWN_PARAMETER, "unknown parameter '" + k + "'; allowed: " + new java.util.TreeSet<>(allowed));
            }
        }
    }

    public Optional<String> string(String name, int maxLength) {
        String v = query.get(name);
        if (v == null) return Optional.empty();
        if (v.isEmpty()) throw new LakelogException(ErrorCode.INVALID_PARAMETER, "parameter '" + name + "' is empty");
        if (v.length() > maxLength) throw new LakelogException(ErrorCode.INVALID_PARAMETER, "parameter '" + name + "' is longer than " + maxLength + " characters");
        return Optional.of(v);
    }

    public long integer(String name, long dflt, long min, long max) {
        String v = query.get(name);
        if (v == null) return dflt;
        long n;
        try {
            n = Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new LakelogException(ErrorCode.INVALID_PARAMETER, "parameter '" + name + "' must be a whole number, got '" + v + "'");
        }
        if (n < min || n > max) {
            throw new LakelogException(ErrorCode.INVALID_PARAMETER, "parameter '" + name + "' must be between " + min + " and " + max + ", got " + n);
        }
        return n;
    }

    public boolean bool(String name, boolean dflt) {
        String v = query.get(name);
        if (v == null) return dflt;
        return switch (v.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "true", "1", "yes" -> true;
            case "false", "0", "no" -> false;
            default -> throw new LakelogException(ErrorCode.INVALID_PARAMETER, "parameter '" + name + "' must be true or false, got '" + v + "'");
        };
    }

    public Optional<Instant> time(String name) {
        String v = query.get(name);
        if (v == null) return Optional.empty();
        try {
            return Optional.of(OffsetDateTime.parse(v.trim()).toInstant());
        } catch (DateTimeParseException e) {
            throw new LakelogException(ErrorCode.INVALID_PARAMETER, "parameter '" + name + "' must be an ISO 8601 date-time with offset, e.g. 2026-11-23T00:00:00Z; got '" + v + "'");
        }
    }
}
