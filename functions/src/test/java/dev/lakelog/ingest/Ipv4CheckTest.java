package dev.lakelog.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The IPv4 and log_id checks without a regex say what the regexes said, for any string. */
class Ipv4CheckTest {
    private static final Pattern IPV4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");

    private static int byRegex(String s) {
        var m = IPV4.matcher(s);
        if (!m.matches()) return -1;
        for (int i = 1; i <= 4; i++) if (Integer.parseInt(m.group(i)) > 255) return 0;
        return 1;
    }

    @Test
    void agrees_with_the_regex_on_edge_cases_and_random_strings() {
        for (String s : new String[] {"10.0.0.1", "255.255.255.255", "256.0.0.1", "1.2.3", "1.2.3.4.5", "01.002.3.4", "1..2.3",
                ".1.2.3", "1.2.3.", "1.2.3.4 ", "1.2.3.a", "1234.1.1.1", "::1", "", "٣.2.3.4", "999.999.999.999"}) {
            assertThat(EventValidator.ipv4(s)).as(s).isEqualTo(byRegex(s));
        }
        Random r = new Random(4);
        String alphabet = "0123456789....a:";
        for (int i = 0; i < 50_000; i++) {
            StringBuilder b = new StringBuilder();
            int n = r.nextInt(17);
            for (int k = 0; k < n; k++) b.append(alphabet.charAt(r.nextInt(alphabet.length())));
            String s = b.toString();
            assertThat(EventValidator.ipv4(s)).as(s).isEqualTo(byRegex(s));
        }
    }

    @Test
    void the_log_id_check_agrees_with_its_pattern() {
        Random r = new Random(5);
        String alphabet = "aZ09._:@/+-%é \u0000";
        for (int i = 0; i < 50_000; i++) {
            StringBuilder b = new StringBuilder();
            int n = r.nextInt(5) == 0 ? 120 + r.nextInt(20) : r.nextInt(8);
            for (int k = 0; k < n; k++) b.append(alphabet.charAt(r.nextInt(r.nextInt(4) == 0 ? alphabet.length() : 11)));
            String s = b.toString();
            assertThat(EventValidator.logIdChars(s)).as(s).isEqualTo(EventValidator.LOG_ID.matcher(s).matches());
        }
    }
}
