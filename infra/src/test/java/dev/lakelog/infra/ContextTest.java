package dev.lakelog.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import software.amazon.awscdk.assertions.Template;

/** Context parameters: cdk.json carries the documented defaults, bad values fail with a clear message. */
class ContextTest {

    @Test
    void cdkJsonDefaultsAreTheStacksDefaults() {
        Map<String, Object> ctx = Synth.cdkJsonContext();
        for (Map.Entry<String, Object> e : StackConfig.DEFAULTS.entrySet()) {
            assertThat(ctx).as("cdk.json context").containsKey(e.getKey());
            assertThat(String.valueOf(ctx.get(e.getKey()))).as(e.getKey()).isEqualTo(String.valueOf(e.getValue()));
        }
    }

    @Test
    void everyContextParameterIsDocumented() throws IOException {
        String doc = Files.readString(Path.of("../docs/infra.md"));
        for (Map.Entry<String, Object> e : StackConfig.DEFAULTS.entrySet()) {
            assertThat(doc).as("docs/infra.md documents " + e.getKey()).contains("`" + e.getKey() + "`");
        }
    }

    @Test
    void cdkJsonRunsTheJavaAppThroughMaven() throws IOException {
        Map<?, ?> cdkJson = Synth.JSON.readValue(Path.of("cdk.json").toFile(), Map.class);
        assertThat(String.valueOf(cdkJson.get("app"))).contains("mvn").contains("exec:java");
    }

    @Test
    void badValuesFailWithTheParameterName() {
        Map<String, Object> bad = new HashMap<>();
        bad.put("rollupSchedule", "every 15 minutes");
        assertThatThrownBy(() -> StackConfig.from(bad::get)).hasMessageContaining("rollupSchedule")
                .hasMessageContaining("rate(15 minutes)");
        assertThatThrownBy(() -> StackConfig.from(Map.<String, Object>of("queryMemoryMb", "lots")::get))
                .hasMessageContaining("queryMemoryMb");
        assertThatThrownBy(() -> StackConfig.from(Map.<String, Object>of("queryMemoryMb", 64)::get))
                .hasMessageContaining("between 128 and 10240");
        assertThatThrownBy(() -> StackConfig.from(Map.<String, Object>of("logRetentionDays", 42)::get))
                .hasMessageContaining("logRetentionDays");
        assertThatThrownBy(() -> StackConfig.from(Map.<String, Object>of("stageName", "pr od")::get))
                .hasMessageContaining("stageName");
        assertThatThrownBy(() -> StackConfig.from(Map.<String, Object>of("iotEndpoint", "https://x.example")::get))
                .hasMessageContaining("iot:Data-ATS");
        assertThatThrownBy(() -> StackConfig.from(Map.<String, Object>of("dbMultiAz", "yes")::get))
                .hasMessageContaining("dbMultiAz");
    }

    @Test
    void stringValuesFromTheCommandLineAreAccepted() {
        StackConfig c = StackConfig.from(Map.<String, Object>of("dbMultiAz", "true", "queryMemoryMb", "4096",
                "logRetentionDays", "365")::get);
        assertThat(c.dbMultiAz()).isTrue();
        assertThat(c.queryMemoryMb()).isEqualTo(4096);
        assertThat(c.logRetentionDays()).isEqualTo(365);
    }

    @Test
    void stackIsEnvironmentAgnosticAndHasOutputsForDeployment() {
        Template t = Synth.template();
        Map<String, Object> outputs = Synth.map(t.toJSON().get("Outputs"));
        assertThat(outputs).containsKeys("ApiUrl", "BucketName", "TenantsTableName", "IdempotencyTableName",
                "LeasesTableName", "ProxyEndpoint", "DbSecretArn", "AlarmTopicArn", "IotCommandsRuleName");
        assertThat(Synth.toJson(t.toJSON())).doesNotContainPattern("\"\\d{12}\"");
    }
}
