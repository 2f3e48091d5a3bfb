package dev.lakelog.infra;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import software.amazon.awscdk.assertions.Annotations;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;
import software.amazon.awscdk.cxapi.SynthesisMessage;

/**
 * cdk-nag's AwsSolutions rule pack finds nothing unsuppressed in the stack, with the defaults and with
 * the options that add resources (WAF, Multi-AZ, tracing, alarm e-mail, IoT endpoint).
 */
class NagTest {

    private static List<String> findings(Template t) {
        Annotations a = Synth.annotations(t);
        List<SynthesisMessage> errors = a.findError("*", Match.stringLikeRegexp("AwsSolutions-.*"));
        List<SynthesisMessage> warnings = a.findWarning("*", Match.stringLikeRegexp("AwsSolutions-.*"));
        return java.util.stream.Stream.concat(errors.stream(), warnings.stream())
                .map(m -> m.getId() + ": " + m.getEntry().getData()).toList();
    }

    static final Map<String, Object> EVERY_OPTION = Map.of("wafRateLimitPer5Min", 2000, "tracing", "xray", "dbMultiAz", true,
            "alarmEmail", "ops@example.com", "iotEndpoint", "abcdefgh123456-ats.iot.eu-west-1.amazonaws.com",
            "apiGatewayCloudWatchRole", true, "environment", "staging");

    @Test
    void the_default_stack_has_no_unsuppressed_aws_solutions_findings() {
        List<String> f = findings(Synth.template());
        assertThat(f).as(String.join("\n", f)).isEmpty();
    }

    @Test
    void the_stack_with_every_option_on_has_no_unsuppressed_aws_solutions_findings() {
        List<String> f = findings(Synth.template(EVERY_OPTION));
        assertThat(f).as(String.join("\n", f)).isEmpty();
    }

    @Test
    void every_suppressed_rule_has_a_reason_and_is_listed_in_docs_infra_md() throws java.io.IOException {
        String doc = java.nio.file.Files.readString(java.nio.file.Path.of("../docs/infra.md"));
        for (Template t : List.of(Synth.template(), Synth.template(EVERY_OPTION))) {
            int n = 0;
            for (Object r : Synth.map(t.toJSON().get("Resources")).values()) {
                Object meta = Synth.map(r).get("Metadata");
                if (meta == null || Synth.map(meta).get("cdk_nag") == null) continue;
                for (Object rule : Synth.list(Synth.map(Synth.map(meta).get("cdk_nag")).get("rules_to_suppress"))) {
                    String id = String.valueOf(Synth.map(rule).get("id"));
                    n++;
                    assertThat(String.valueOf(Synth.map(rule).get("reason"))).as("reason of " + id).hasSizeGreaterThan(20);
                    assertThat(doc).as("docs/infra.md lists " + id).contains(id);
                }
            }
            assertThat(n).as("suppressions found in the template metadata").isPositive();
        }
    }
}
