package dev.lakelog.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class WorkMessageTest {

    @Test
    void a_message_survives_its_json_and_a_continuation_counts_up() {
        WorkMessage m = WorkMessage.rollup("acme", "schedule").next();
        assertThat(WorkMessage.parse(m.toJson())).isEqualTo(m);
        assertThat(m.generation()).isEqualTo(1);
        WorkMessage j = WorkMessage.maintenance("cleanup", Map.of("older_than_hours", "24", "dry_run", "false"), "schedule");
        assertThat(WorkMessage.parse(j.toJson())).isEqualTo(j);
    }

    @Test
    void a_message_that_can_never_succeed_is_refused_naming_its_fault() {
        assertThatThrownBy(() -> WorkMessage.parse("not json")).isInstanceOf(WorkMessage.MalformedWorkException.class).hasMessageContaining("not JSON");
        assertThatThrownBy(() -> WorkMessage.parse("[1]")).hasMessageContaining("JSON object");
        assertThatThrownBy(() -> WorkMessage.parse("{\"tenant\":\"a\"}")).hasMessageContaining("'kind'");
        assertThatThrownBy(() -> WorkMessage.parse("{\"kind\":\"reboot\"}")).hasMessageContaining("unknown message kind 'reboot'");
        assertThatThrownBy(() -> WorkMessage.parse("{\"kind\":\"rollup\"}")).hasMessageContaining("needs 'tenant'");
        assertThatThrownBy(() -> WorkMessage.parse("{\"kind\":\"rollup\",\"tenant\":\"../x\"}")).hasMessageContaining("not a valid tenant id");
        assertThatThrownBy(() -> WorkMessage.parse("{\"kind\":\"maintenance\"}")).hasMessageContaining("needs 'job'");
    }
}
