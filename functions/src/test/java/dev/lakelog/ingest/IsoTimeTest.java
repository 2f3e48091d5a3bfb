package dev.lakelog.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The timestamp fast path gives the JDK formatter's instant whenever it answers, and defers to it otherwise. */
class IsoTimeTest {
    private static Instant jdk(String s) {
        try {
            return OffsetDateTime.parse(s, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private static void agrees(String s) {
        Instant fast = IsoTime.parseCommon(s);
        if (fast != null) assertThat(fast).as(s).isEqualTo(jdk(s));
    }

    @Test
    void the_common_shapes_are_parsed_to_the_formatters_instant() {
        for (String s : new String[] {"2026-11-23T10:15:30Z", "2026-11-23T10:15:30.1Z", "2026-11-23T10:15:30.123456789Z",
                "2026-11-23T10:15:30.123+05:30", "2026-11-23T23:59:59-08:00", "2024-02-29T00:00:00Z", "1970-01-01T00:00:00Z",
                "9999-12-31T23:59:59Z", "2026-11-23T10:15:30+17:59", "2026-01-01T00:00:00-00:00"}) {
            assertThat(IsoTime.parseCommon(s)).as(s).isNotNull().isEqualTo(jdk(s));
        }
    }

    @Test
    void anything_else_is_left_to_the_formatter() {
        for (String s : new String[] {"2026-02-29T00:00:00Z", "2026-04-31T00:00:00Z", "2026-13-01T00:00:00Z", "2026-11-23T24:00:00Z",
                "2026-11-23T10:60:00Z", "2026-11-23T10:15:60Z", "2026-11-23T10:15Z", "2026-11-23t10:15:30Z", "2026-11-23T10:15:30z",
                "2026-11-23T10:15:30", "2026-11-23T10:15:30.Z", "2026-11-23T10:15:30.1234567890Z", "2026-11-23T10:15:30+18:00",
                "2026-11-23T10:15:30+0530", "2026-11-23T10:15:30+05", "+2026-11-23T10:15:30Z", "2026-11-23T10:15:30Z ",
                "20261-11-23T10:15:30Z", "2026-11-23T10:15:30+05:30:15", "2026-1a-23T10:15:30Z", "٢٠٢٦-11-23T10:15:30Z"}) {
            assertThat(IsoTime.parseCommon(s)).as(s).isNull();
        }
    }

    @Test
    void random_strings_of_the_common_shape_agree_with_the_formatter() {
        Random r = new Random(13);
        String alphabet = "0123456789";
        for (int i = 0; i < 20_000; i++) {
            String s = String.format("%04d-%02d-%02dT%02d:%02d:%02d%s%s", r.nextInt(10000), r.nextInt(14), r.nextInt(33), r.nextInt(26),
                    r.nextInt(62), r.nextInt(62), r.nextBoolean() ? "" : "." + "123456789".substring(0, 1 + r.nextInt(9)).replace('1', alphabet.charAt(r.nextInt(10))),
                    r.nextBoolean() ? "Z" : String.format("%s%02d:%02d", r.nextBoolean() ? "+" : "-", r.nextInt(20), r.nextInt(62)));
            agrees(s);
        }
    }
}
