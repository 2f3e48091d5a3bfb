package dev.lakelog.ingest;

import java.time.Instant;
import java.time.LocalDate;
import java.time.Year;

/**
 * A fast path for the one date-time shape nearly every producer sends,
 * {@code YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)}, giving exactly the instant
 * {@code OffsetDateTime.parse(s, ISO_OFFSET_DATE_TIME)} gives. Anything else (another shape, a value
 * out of range, a day the month lacks) returns null, and the caller parses with the JDK formatter,
 * which also words the error: accepting and refusing stay the formatter's.
 */
final class IsoTime {
    private IsoTime() {}

    /** The instant, or null when {@code s} is not of the common shape with valid fields. */
    static Instant parseCommon(String s) {
        int n = s.length();
        if (n < 20 || s.charAt(4) != '-' || s.charAt(7) != '-' || s.charAt(10) != 'T' || s.charAt(13) != ':' || s.charAt(16) != ':') {
            return null;
        }
        int year = digits(s, 0, 4);
        int month = digits(s, 5, 2);
        int day = digits(s, 8, 2);
        int hour = digits(s, 11, 2);
        int minute = digits(s, 14, 2);
        int second = digits(s, 17, 2);
        if (year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59
                || second < 0 || second > 59) {
            return null;
        }
        if (day > 28 && day > java.time.Month.of(month).length(Year.isLeap(year))) return null;
        int i = 19;
        int nanos = 0;
        if (i < n && s.charAt(i) == '.') {
            int start = ++i;
            while (i < n && s.charAt(i) >= '0' && s.charAt(i) <= '9') i++;
            int count = i - start;
            if (count < 1 || count > 9) return null;
            nanos = digits(s, start, count);
            for (int k = count; k < 9; k++) nanos *= 10;
        }
        if (i >= n) return null;
        int offsetSeconds;
        char c = s.charAt(i);
        if (c == 'Z' && i + 1 == n) {
            offsetSeconds = 0;
        } else if ((c == '+' || c == '-') && i + 6 == n && s.charAt(i + 3) == ':') {
            int oh = digits(s, i + 1, 2);
            int om = digits(s, i + 4, 2);
            if (oh < 0 || oh > 17 || om < 0 || om > 59) return null;
            offsetSeconds = (oh * 3600 + om * 60) * (c == '-' ? -1 : 1);
        } else {
            return null;
        }
        long epochDay = LocalDate.of(year, month, day).toEpochDay();
        long seconds = epochDay * 86_400L + hour * 3600L + minute * 60L + second - offsetSeconds;
        return Instant.ofEpochSecond(seconds, nanos);
    }

    /** The non-negative number in {@code s[from, from+count)}, or -1 if a character is not 0-9. */
    private static int digits(String s, int from, int count) {
        int v = 0;
        for (int i = from; i < from + count; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') return -1;
            v = v * 10 + (c - '0');
        }
        return v;
    }
}
