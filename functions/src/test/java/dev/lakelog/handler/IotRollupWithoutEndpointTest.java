package dev.lakelog.handler;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lakelog.testing.LakelogFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The stack's default: no iotEndpoint, so the IoT rollup function has no LAKELOG_IOT_ENDPOINT. It
 * starts on the AWS backend, rolls up, and says in its answer that status publishing is off (it used
 * to fail at start with a ConfigException, so every command went three times to the DLQ).
 */
class IotRollupWithoutEndpointTest {

    @Test
    void without_an_iot_endpoint_the_function_starts_rolls_up_and_reports_status_publishing_off() throws Exception {
        try (LakelogFixture fx = LakelogFixture.aws()) {
            assertThat(fx.env()).doesNotContainKey("LAKELOG_IOT_ENDPOINT");
            assertThat(fx.app().statusPublisher()).isEmpty();
            String event = Files.readString(Path.of("..", "events", "iot-rollup-command.json"));
            JsonNode answer = new ObjectMapper().readTree(LocalInvoker.invoke(new IotRollupHandler(fx.app()), event));
            assertThat(answer.path("event").asText()).as(answer.toString()).isEqualTo("rollup_completed");
            assertThat(answer.path("status_publishing").asText()).isEqualTo("off");
        }
    }
}
