package dev.lakelog.infra;

import static dev.lakelog.infra.Synth.byIdPrefix;
import static dev.lakelog.infra.Synth.function;
import static dev.lakelog.infra.Synth.getAtt;
import static dev.lakelog.infra.Synth.logicalId;
import static dev.lakelog.infra.Synth.map;
import static dev.lakelog.infra.Synth.props;
import static dev.lakelog.infra.Synth.resources;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import software.amazon.awscdk.assertions.Template;

/** EventBridge schedules for rollup and the maintenance jobs, and the event each one sends. */
class SchedulesTest {
    private final Template t = Synth.template();

    private Map<String, Object> target(Template template, String rulePrefix) {
        Map<String, Object> rule = props(byIdPrefix(template, "AWS::Events::Rule", rulePrefix).getValue());
        assertThat(rule).containsEntry("State", "ENABLED");
        List<?> targets = (List<?>) rule.get("Targets");
        assertThat(targets).hasSize(1);
        return map(targets.get(0));
    }

    private static String schedule(Template template, String rulePrefix) {
        return String.valueOf(props(byIdPrefix(template, "AWS::Events::Rule", rulePrefix).getValue()).get("ScheduleExpression"));
    }

    /** The event the handler receives: EventBridge fills the placeholders with quoted strings. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> renderedEvent(Map<String, Object> target) throws IOException {
        Map<String, Object> transformer = map(target.get("InputTransformer"));
        assertThat(map(transformer.get("InputPathsMap"))).containsEntry("id", "$.id").containsEntry("time", "$.time");
        String json = String.valueOf(transformer.get("InputTemplate"))
                .replace("<id>", "\"0d9f1f4e-1111-2222-3333-444455556666\"")
                .replace("<account>", "\"123456789012\"")
                .replace("<time>", "\"2026-11-23T03:00:00Z\"")
                .replace("<region>", "\"eu-west-1\"");
        return Synth.JSON.readValue(json, Map.class);
    }

    @Test
    void rollupRunsEveryFifteenMinutesWithThePlainScheduledEvent() {
        assertThat(schedule(t, "RollupSchedule")).isEqualTo("rate(15 minutes)");
        Map<String, Object> target = target(t, "RollupSchedule");
        assertThat(target.get("Arn")).isEqualTo(Synth.ref(Synth.liveAlias(t, "RollupPlanHandler")));
        assertThat(target).doesNotContainKeys("Input", "InputTransformer");
        assertThat(target).containsEntry("DeadLetterConfig", Map.of("Arn", getAtt(logicalId(t, "AWS::SQS::Queue", "RollupDlq"), "Arn")));
        assertThat(map(target.get("RetryPolicy"))).containsEntry("MaximumRetryAttempts", 2);
    }

    @Test
    void metricsRollupAndTheAccessTrailCommitRunOnTheRollupScheduleInTheLakeSideFunctionWithoutItsLogWalk() throws IOException {
        assertThat(schedule(t, "LakeTasksSchedule")).isEqualTo("rate(15 minutes)");
        Map<String, Object> target = target(t, "LakeTasksSchedule");
        assertThat(target.get("Arn")).isEqualTo(Synth.ref(Synth.liveAlias(t, "RollupScheduleHandler")));
        assertThat(Synth.JSON.readValue(String.valueOf(target.get("Input")), Map.class)).isEqualTo(Map.of("logs", false));
        assertThat(target).containsEntry("DeadLetterConfig", Map.of("Arn", getAtt(logicalId(t, "AWS::SQS::Queue", "RollupDlq"), "Arn")));
    }

    @Test
    void maintenanceJobsRunOnTheirSchedulesWithAScheduledEventWhoseDetailIsTheJob() throws IOException {
        Map<String, String> expectedSchedule = Map.of(
                "CompactSchedule", "cron(0 3 ? * SUN *)",
                "ExpireSnapshotsSchedule", "cron(0 4 1 * ? *)",
                "RetentionSchedule", "cron(0 2 * * ? *)",
                "CleanupSchedule", "cron(0 5 * * ? *)");
        Map<String, Map<String, Object>> expectedDetail = Map.of(
                "CompactSchedule", Map.of("job", "compact"),
                "ExpireSnapshotsSchedule", Map.of("job", "expire-snapshots", "older_than_days", 90),
                "RetentionSchedule", Map.of("job", "retention"),
                "CleanupSchedule", Map.of("job", "cleanup", "older_than_hours", 168, "dry_run", false));
        String fn = Synth.liveAlias(t, "MaintenancePlanHandler"); // the fan-out: the planner enqueues the job (its live alias)
        String dlq = logicalId(t, "AWS::SQS::Queue", "MaintenanceScheduleDlq");
        for (String rule : expectedSchedule.keySet()) {
            assertThat(schedule(t, rule)).as(rule).isEqualTo(expectedSchedule.get(rule));
            Map<String, Object> target = target(t, rule);
            assertThat(target.get("Arn")).as(rule).isEqualTo(Synth.ref(fn));
            assertThat(target).containsEntry("DeadLetterConfig", Map.of("Arn", getAtt(dlq, "Arn")));
            Map<String, Object> event = renderedEvent(target);
            assertThat(event).as(rule)
                    .containsEntry("version", "0")
                    .containsEntry("detail-type", "Scheduled Event")
                    .containsEntry("source", "aws.events")
                    .containsEntry("id", "0d9f1f4e-1111-2222-3333-444455556666")
                    .containsEntry("time", "2026-11-23T03:00:00Z")
                    .containsEntry("account", "123456789012")
                    .containsEntry("region", "eu-west-1")
                    .containsEntry("resources", List.of())
                    .containsEntry("detail", expectedDetail.get(rule));
        }
        assertThat(resources(t, "AWS::Events::Rule")).hasSize(6); // rollup (planner), lake tasks, four maintenance jobs
    }

    @Test
    void schedulesAndJobParametersAreContextParameters() throws IOException {
        Template custom = Synth.template(Map.of(
                "rollupSchedule", "rate(5 minutes)",
                "compactSchedule", "cron(0 1 ? * SAT *)",
                "expireSnapshotsSchedule", "cron(0 2 15 * ? *)",
                "retentionSchedule", "cron(0 3 * * ? *)",
                "cleanupSchedule", "cron(0 4 * * ? *)",
                "expireSnapshotsOlderThanDays", 30,
                "cleanupOlderThanHours", "48"));
        assertThat(schedule(custom, "RollupSchedule")).isEqualTo("rate(5 minutes)");
        assertThat(schedule(custom, "CompactSchedule")).isEqualTo("cron(0 1 ? * SAT *)");
        assertThat(schedule(custom, "ExpireSnapshotsSchedule")).isEqualTo("cron(0 2 15 * ? *)");
        assertThat(schedule(custom, "RetentionSchedule")).isEqualTo("cron(0 3 * * ? *)");
        assertThat(schedule(custom, "CleanupSchedule")).isEqualTo("cron(0 4 * * ? *)");
        assertThat(map(renderedEvent(target(custom, "ExpireSnapshotsSchedule")).get("detail")))
                .containsEntry("older_than_days", 30);
        assertThat(map(renderedEvent(target(custom, "CleanupSchedule")).get("detail")))
                .containsEntry("older_than_hours", 48);
    }

    @Test
    void eventBridgeMayInvokeTheScheduledFunctionsFromTheirRulesOnly() {
        for (String[] pair : new String[][] {{"RollupPlanHandler", "RollupSchedule"},
                {"MaintenancePlanHandler", "CompactSchedule"}, {"MaintenancePlanHandler", "CleanupSchedule"}}) {
            String fn = Synth.liveAlias(t, pair[0]);
            String rule = logicalId(t, "AWS::Events::Rule", pair[1]);
            assertThat(resources(t, "AWS::Lambda::Permission").values().stream().map(Synth::props))
                    .anySatisfy(p -> assertThat(p)
                            .containsEntry("Principal", "events.amazonaws.com")
                            .containsEntry("FunctionName", Synth.ref(fn))
                            .containsEntry("SourceArn", getAtt(rule, "Arn")));
        }
    }
}
