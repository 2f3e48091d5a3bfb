package dev.lakelog.generate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lakelog.ingest.EventValidator;
import dev.lakelog.ingest.FieldError;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The generated corpus: reproducible, valid for ingest, and shaped like real compliance traffic. */
class EventGeneratorTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant END = Instant.parse("2026-11-30T00:00:00Z"); // a Monday

    private static List<String> lines(EventGenerator.Spec spec) {
        List<String> out = new ArrayList<>();
        new EventGenerator(spec).generate((t, e) -> out.add(t + " " + e));
        return out;
    }

    private static List<ObjectNode> events(EventGenerator.Spec spec) {
        List<ObjectNode> out = new ArrayList<>();
        new EventGenerator(spec).generate((t, e) -> out.add(e));
        return out;
    }

    @Test
    void the_same_seed_gives_the_same_events_byte_for_byte_and_another_seed_other_events() {
        var spec = new EventGenerator.Spec(7, 5000, 3, 2, END);
        assertThat(lines(spec)).isEqualTo(lines(spec));
        assertThat(lines(new EventGenerator.Spec(8, 5000, 3, 2, END))).isNotEqualTo(lines(spec));
    }

    @Test
    void exactly_the_requested_number_of_events_inside_the_range_in_time_order() {
        var spec = new EventGenerator.Spec(1, 12_345, 7, 1, END);
        List<ObjectNode> ev = events(spec);
        assertThat(ev).hasSize(12_345);
        Instant prev = Instant.MIN;
        for (ObjectNode e : ev) {
            Instant t = Instant.parse(e.path("timestamp").asText());
            assertThat(t).isBetween(spec.start(), END);
            assertThat(t).isAfterOrEqualTo(prev);
            prev = t;
        }
    }

    @Test
    void every_event_passes_the_ingest_validator_and_log_ids_are_unique() {
        EventValidator v = new EventValidator(JSON);
        Set<String> ids = new HashSet<>();
        for (ObjectNode e : events(new EventGenerator.Spec(3, 20_000, 7, 3, END))) {
            List<FieldError> errors = new ArrayList<>();
            assertThat(v.validate(e, 0, "t", END, errors)).as(e + " " + errors).isNotNull();
            assertThat(ids.add(e.path("log_id").asText())).isTrue();
        }
    }

    @Test
    void working_hours_are_busier_than_nights_and_weekdays_busier_than_weekends() {
        int[] byHour = new int[24];
        Map<Boolean, Integer> weekend = new HashMap<>();
        for (ObjectNode e : events(new EventGenerator.Spec(5, 50_000, 14, 1, END))) {
            var t = Instant.parse(e.path("timestamp").asText()).atOffset(ZoneOffset.UTC);
            byHour[t.getHour()]++;
            boolean we = t.getDayOfWeek() == DayOfWeek.SATURDAY || t.getDayOfWeek() == DayOfWeek.SUNDAY;
            weekend.merge(we, 1, Integer::sum);
        }
        assertThat(byHour[10]).isGreaterThan(5 * byHour[3]);
        assertThat(byHour[15]).isGreaterThan(5 * byHour[2]);
        // 10 weekdays and 4 weekend days: per day, a weekday carries more than twice a weekend day
        assertThat(weekend.get(false) / 10.0).isGreaterThan(2 * weekend.get(true) / 4.0);
    }

    @Test
    void a_few_actors_do_most_of_the_work_and_criticals_are_rare_but_present() {
        Map<String, Integer> actors = new HashMap<>();
        Map<String, Integer> severities = new HashMap<>();
        Map<String, Integer> types = new HashMap<>();
        List<ObjectNode> ev = events(new EventGenerator.Spec(11, 40_000, 7, 1, END));
        for (ObjectNode e : ev) {
            if (e.hasNonNull("actor_id")) actors.merge(e.get("actor_id").asText(), 1, Integer::sum);
            severities.merge(e.path("severity").asText(), 1, Integer::sum);
            types.merge(e.path("event_type").asText(), 1, Integer::sum);
        }
        List<Integer> counts = actors.values().stream().sorted(java.util.Comparator.reverseOrder()).toList();
        int top5 = counts.stream().limit(5).mapToInt(Integer::intValue).sum();
        int all = counts.stream().mapToInt(Integer::intValue).sum();
        assertThat(top5).isGreaterThan(all / 3);
        assertThat(actors).hasSizeGreaterThan(10);
        assertThat(severities.get("CRITICAL")).isBetween(1, ev.size() / 200);
        assertThat(severities.keySet()).contains("DEBUG", "INFO", "NOTICE", "WARNING", "ERROR", "CRITICAL");
        assertThat(types.keySet()).contains("AUTH_LOGIN", "AUTH_LOGOUT", "API_ACCESS", "DATA_EXPORT", "PERMISSION_CHANGE", "CONFIG_CHANGE");
    }

    @Test
    void api_calls_carry_trace_ids_latencies_and_sessions_and_failed_logins_come_in_bursts() {
        List<ObjectNode> ev = events(new EventGenerator.Spec(13, 30_000, 7, 1, END));
        ObjectNode api = ev.stream().filter(e -> e.path("event_type").asText().equals("API_ACCESS")).findFirst().orElseThrow();
        assertThat(api.path("trace_id").asText()).matches("[0-9a-f]{32}");
        assertThat(api.path("span_id").asText()).matches("[0-9a-f]{16}");
        assertThat(api.path("payload").path("latency_ms").asDouble()).isPositive();
        assertThat(api.path("session_id").asText()).startsWith("sess-");
        assertThat(api.path("source_ip").asText()).isNotEmpty();
        // a burst: at least 15 failed logins against one account from one address within ten minutes
        Map<String, List<Instant>> failures = new HashMap<>();
        for (ObjectNode e : ev) {
            if (e.path("event_type").asText().equals("AUTH_LOGIN") && e.path("outcome").asText().equals("FAILURE")) {
                failures.computeIfAbsent(e.path("actor_id").asText() + "|" + e.path("source_ip").asText(), k -> new ArrayList<>())
                        .add(Instant.parse(e.path("timestamp").asText()));
            }
        }
        boolean burst = failures.values().stream().anyMatch(ts -> ts.size() >= 15
                && Duration.between(ts.get(0), ts.get(14)).compareTo(Duration.ofMinutes(10)) < 0);
        assertThat(burst).isTrue();
    }

    @Test
    void several_tenants_get_different_actors_and_the_first_tenant_is_the_busiest() {
        Map<Integer, Integer> perTenant = new HashMap<>();
        Map<Integer, Set<String>> actors = new HashMap<>();
        new EventGenerator(new EventGenerator.Spec(17, 10_000, 2, 3, END)).generate((t, e) -> {
            perTenant.merge(t, 1, Integer::sum);
            if (e.hasNonNull("actor_id")) actors.computeIfAbsent(t, k -> new HashSet<>()).add(e.get("actor_id").asText());
        });
        assertThat(perTenant.keySet()).containsExactlyInAnyOrder(0, 1, 2);
        assertThat(perTenant.get(0)).isGreaterThan(perTenant.get(2));
        assertThat(actors.get(0)).doesNotContainAnyElementsOf(actors.get(1));
        assertThat(EventGenerator.tenantName(0, 3)).isEqualTo("tenant-01");
    }
}
