package dev.lakelog.infra;

import static dev.lakelog.infra.Synth.byIdPrefix;
import static dev.lakelog.infra.Synth.function;
import static dev.lakelog.infra.Synth.getAtt;
import static dev.lakelog.infra.Synth.list;
import static dev.lakelog.infra.Synth.logicalId;
import static dev.lakelog.infra.Synth.map;
import static dev.lakelog.infra.Synth.props;
import static dev.lakelog.infra.Synth.ref;
import static dev.lakelog.infra.Synth.resources;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import software.amazon.awscdk.assertions.Template;

/** IoT topic rule on lakelog/+/commands -> IotRollupHandler, its permission, and the status-topic publish right. */
class IotTest {
    private final Template t = Synth.template();

    @Test
    void ruleSelectsCommandsWithTheDeviceIdAndInvokesIotRollup() {
        Map<String, Object> payload = map(props(byIdPrefix(t, "AWS::IoT::TopicRule", "CommandsRule").getValue())
                .get("TopicRulePayload"));
        assertThat(payload).containsEntry("Sql", "SELECT *, topic(2) AS device_id FROM 'lakelog/+/commands'")
                .containsEntry("AwsIotSqlVersion", "2016-03-23")
                .containsEntry("RuleDisabled", false);
        String fn = Synth.liveAlias(t, "IotRollupHandler");
        assertThat(payload.get("Actions")).isEqualTo(List.of(Map.of("Lambda", Map.of("FunctionArn", Synth.ref(fn)))));
        // A failed action lands in the IoT rollup DLQ (and so raises its alarm).
        Map<String, Object> sqs = map(map(payload.get("ErrorAction")).get("Sqs"));
        assertThat(sqs).containsEntry("QueueUrl", ref(logicalId(t, "AWS::SQS::Queue", "IotRollupDlq")))
                .containsEntry("RoleArn", getAtt(logicalId(t, "AWS::IAM::Role", "IotRuleErrorRole"), "Arn"));
    }

    @Test
    void iotMayInvokeTheFunctionFromThisRuleOnly() {
        String fn = Synth.liveAlias(t, "IotRollupHandler");
        String rule = logicalId(t, "AWS::IoT::TopicRule", "CommandsRule");
        List<Map<String, Object>> perms = resources(t, "AWS::Lambda::Permission").values().stream().map(Synth::props)
                .filter(p -> "iot.amazonaws.com".equals(p.get("Principal"))).toList();
        assertThat(perms).hasSize(1);
        assertThat(perms.get(0)).containsEntry("Action", "lambda:InvokeFunction")
                .containsEntry("FunctionName", ref(fn))
                .containsEntry("SourceArn", getAtt(rule, "Arn"))
                .containsEntry("SourceAccount", ref("AWS::AccountId"));
    }

    @Test
    void onlyIotRollupMayPublishAndOnlyToTheStatusTopics() {
        String expected = "{\"Fn::Join\":[\"\",[\"arn:\",{\"Ref\":\"AWS::Partition\"},\":iot:\",{\"Ref\":\"AWS::Region\"},"
                + "\":\",{\"Ref\":\"AWS::AccountId\"},\":topic/lakelog/*/status\"]]}";
        String iotRole = String.valueOf(map(props(function(t, "IotRollupHandler").getValue()).get("Role")).get("Fn::GetAtt"));
        java.util.concurrent.atomic.AtomicInteger publishers = new java.util.concurrent.atomic.AtomicInteger();
        resources(t, "AWS::IAM::Policy").forEach((id, policy) -> {
            Map<String, Object> p = props(policy);
            for (Object s : list(map(p.get("PolicyDocument")).get("Statement"))) {
                Map<String, Object> st = map(s);
                if (list(st.get("Action")).contains("iot:Publish")) {
                    assertThat(Synth.toJson(st.get("Resource"))).isEqualTo(expected);
                    assertThat(Synth.toJson(p.get("Roles"))).as("iot:Publish only for the IoT rollup role")
                            .contains(logicalId(t, "AWS::IAM::Role", "IotRollupFunctionServiceRole"));
                    assertThat(iotRole).contains("IotRollupFunctionServiceRole");
                    publishers.incrementAndGet();
                }
            }
        });
        assertThat(publishers.get()).isEqualTo(1);
    }
}
