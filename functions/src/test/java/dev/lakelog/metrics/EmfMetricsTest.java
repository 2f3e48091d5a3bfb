package dev.lakelog.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The Embedded Metric Format lines a Lambda invocation writes. */
class EmfMetricsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void an_invocation_flushes_one_emf_document_per_dimension_set_with_every_value_declared() throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        EmfMetrics m = new EmfMetrics("lakelog-dev-IngestFunction", new PrintStream(buf, true, StandardCharsets.UTF_8));
        m.eventsAccepted(10);
        m.eventsAccepted(5);
        m.ingestRejected("invalid_event");
        m.ingestRejected("invalid_event");
        m.rolledUp(2, 30, 1);
        m.rollupLag(Duration.ofSeconds(90));
        m.request("/v1/log", "POST", 200, "", 3_000_000);
        m.flush();
        List<JsonNode> docs = new ArrayList<>();
        for (String line : buf.toString(StandardCharsets.UTF_8).split("\n")) if (!line.isBlank()) docs.add(JSON.readTree(line));
        assertThat(docs).hasSize(2);
        JsonNode main = docs.get(0);
        JsonNode directive = main.path("_aws").path("CloudWatchMetrics").get(0);
        assertThat(directive.path("Namespace").asText()).isEqualTo("Lakelog");
        assertThat(directive.path("Dimensions").get(0)).extracting(JsonNode::asText).containsExactly("function");
        assertThat(main.path("function").asText()).isEqualTo("lakelog-dev-IngestFunction");
        assertThat(main.path("EventsAccepted").asLong()).isEqualTo(15);
        assertThat(main.path("RowsRolledUp").asLong()).isEqualTo(30);
        assertThat(main.path("RollupLagSeconds").asDouble()).isEqualTo(90.0);
        for (JsonNode metric : directive.path("Metrics")) assertThat(main.has(metric.path("Name").asText())).isTrue();
        JsonNode byReason = docs.get(1);
        assertThat(byReason.path("reason").asText()).isEqualTo("invalid_event");
        assertThat(byReason.path("IngestRejectedByReason").asLong()).isEqualTo(2);
        // the next invocation starts from zero
        buf.reset();
        m.flush();
        assertThat(buf.toString(StandardCharsets.UTF_8)).isEmpty();
    }
}
