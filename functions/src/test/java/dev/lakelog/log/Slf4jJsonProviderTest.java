package dev.lakelog.log;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** What the AWS SDK logs through SLF4J lands in the JSON log (WARN and up), not nowhere. */
class Slf4jJsonProviderTest {

    @Test
    void an_sdk_warning_becomes_one_json_line_with_the_library_logger_and_message() throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream before = JsonLog.redirect(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            var sdk = LoggerFactory.getLogger("software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient");
            assertThat(sdk).isInstanceOf(Slf4jJsonProvider.JsonSlf4jLogger.class);
            sdk.debug("request details {}", "not logged");
            sdk.info("not logged either");
            sdk.warn("retrying after {} ms", 250);
            sdk.error("gave up", new IllegalStateException("boom"));
        } finally {
            JsonLog.redirect(before);
        }
        String[] lines = buf.toString(StandardCharsets.UTF_8).trim().split("\n");
        assertThat(lines).hasSize(2);
        JsonNode warn = new ObjectMapper().readTree(lines[0]);
        assertThat(warn.path("event").asText()).isEqualTo("library_log");
        assertThat(warn.path("level").asText()).isEqualTo("WARN");
        assertThat(warn.path("library_logger").asText()).isEqualTo("software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient");
        assertThat(warn.path("message").asText()).isEqualTo("retrying after 250 ms");
        JsonNode error = new ObjectMapper().readTree(lines[1]);
        assertThat(error.path("level").asText()).isEqualTo("ERROR");
        assertThat(error.path("error").asText()).isEqualTo("java.lang.IllegalStateException");
        assertThat(error.path("error_message").asText()).isEqualTo("boom");
    }
}
