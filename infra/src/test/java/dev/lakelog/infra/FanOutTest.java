package dev.lakelog.infra;

import static dev.lakelog.infra.Synth.function;
import static dev.lakelog.infra.Synth.getAtt;
import static dev.lakelog.infra.Synth.list;
import static dev.lakelog.infra.Synth.logicalId;
import static dev.lakelog.infra.Synth.map;
import static dev.lakelog.infra.Synth.props;
import static dev.lakelog.infra.Synth.resources;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.assertions.Template;

/** The rollup and maintenance fan-out in the stack: queues, DLQs, event sources, concurrency, alarms, IAM. */
class FanOutTest {
    private final Template t = Synth.template();

    private Map<String, Object> queue(String idPrefix) {
        return props(resources(t, "AWS::SQS::Queue").get(logicalId(t, "AWS::SQS::Queue", idPrefix)));
    }

    private Map<String, Object> eventSourceOf(String handler) {
        String fn = Synth.liveAlias(t, handler); // the mapping invokes the live alias (SnapStart, published versions)
        return resources(t, "AWS::Lambda::EventSourceMapping").values().stream().map(Synth::props)
                .filter(p -> Synth.toJson(p.get("FunctionName")).contains("\"" + fn + "\"")).findFirst().orElseThrow(); // "<name>:live"
    }

    @Test
    void eachWorkQueueRedrivesToItsDeadLetterQueueAfterThreeReceivesAndOutlastsItsWorker() {
        for (String[] pair : new String[][] {{"RollupWorkQueue", "RollupWorkDlq", "RollupWorkerHandler"},
                {"MaintenanceWorkQueue", "MaintenanceWorkDlq", "MaintenanceWorkerHandler"}}) {
            Map<String, Object> q = queue(pair[0]);
            assertThat(map(q.get("RedrivePolicy"))).as(pair[0]).containsEntry("maxReceiveCount", 3)
                    .containsEntry("deadLetterTargetArn", getAtt(logicalId(t, "AWS::SQS::Queue", pair[1]), "Arn"));
            int timeout = ((Number) props(function(t, pair[2]).getValue()).get("Timeout")).intValue();
            assertThat(((Number) q.get("VisibilityTimeout")).intValue()).as("visibility timeout > function timeout")
                    .isGreaterThan(timeout).isEqualTo(2 * timeout);
            assertThat(q).containsEntry("SqsManagedSseEnabled", true).containsEntry("MessageRetentionPeriod", 4 * 24 * 3600);
            assertThat(((Number) queue(pair[1]).get("MessageRetentionPeriod")).intValue()).isEqualTo(14 * 24 * 3600);
        }
    }

    @Test
    void workersAreTriggeredBySqsWithPartialBatchResponsesAndAMaximumConcurrencyAtTheirReservedConcurrency() {
        Map<String, Object> rollup = eventSourceOf("RollupWorkerHandler");
        assertThat(rollup).containsEntry("BatchSize", 5).containsEntry("FunctionResponseTypes", List.of("ReportBatchItemFailures"))
                .containsEntry("ScalingConfig", Map.of("MaximumConcurrency", 10))
                .containsEntry("EventSourceArn", getAtt(logicalId(t, "AWS::SQS::Queue", "RollupWorkQueue"), "Arn"));
        assertThat(props(function(t, "RollupWorkerHandler").getValue())).containsEntry("ReservedConcurrentExecutions", 10)
                .containsEntry("Timeout", 900);
        Map<String, Object> maintenance = eventSourceOf("MaintenanceWorkerHandler");
        assertThat(maintenance).containsEntry("BatchSize", 1).containsEntry("FunctionResponseTypes", List.of("ReportBatchItemFailures"))
                .containsEntry("ScalingConfig", Map.of("MaximumConcurrency", 2));

        Template custom = Synth.template(Map.of("rollupWorkerMaxConcurrency", "50"));
        String fn = Synth.liveAlias(custom, "RollupWorkerHandler");
        Map<String, Object> esm = resources(custom, "AWS::Lambda::EventSourceMapping").values().stream().map(Synth::props)
                .filter(p -> Synth.toJson(p.get("FunctionName")).contains("\"" + fn + "\"")).findFirst().orElseThrow(); // "<name>:live"
        assertThat(esm).containsEntry("ScalingConfig", Map.of("MaximumConcurrency", 50));
        assertThat(props(function(custom, "RollupWorkerHandler").getValue())).containsEntry("ReservedConcurrentExecutions", 50);
    }

    @Test
    void theSchedulesStartThePlannersWhichKnowTheirQueues() {
        Map<String, Object> planner = props(function(t, "RollupPlanHandler").getValue());
        Map<String, Object> env = map(map(planner.get("Environment")).get("Variables"));
        assertThat(env).containsEntry("LAKELOG_ROLLUP_QUEUE_URL", Map.of("Ref", logicalId(t, "AWS::SQS::Queue", "RollupWorkQueue")));
        assertThat(planner).doesNotContainKey("VpcConfig"); // S3 and SQS over their public endpoints, no DuckDB
        Map<String, Object> worker = map(map(props(function(t, "RollupWorkerHandler").getValue()).get("Environment")).get("Variables"));
        assertThat(worker).containsEntry("LAKELOG_WORKER_RESERVE_SECONDS", "180").containsKey("LAKELOG_ROLLUP_QUEUE_URL");
        Map<String, Object> mworker = map(map(props(function(t, "MaintenanceWorkerHandler").getValue()).get("Environment")).get("Variables"));
        assertThat(mworker).containsEntry("LAKELOG_MAINTENANCE_QUEUE_URL", Map.of("Ref", logicalId(t, "AWS::SQS::Queue", "MaintenanceWorkQueue")));
        assertThat(resources(t, "AWS::EC2::VPCEndpoint").values().stream().map(Synth::props).map(Synth::toJson))
                .as("the workers in isolated subnets reach SQS through an interface endpoint").anyMatch(j -> j.contains("sqs"));
    }

    @Test
    void workQueuesAlarmOnTheAgeOfTheirOldestMessageAndTheirDeadLetterQueuesOnTheFirstMessage() {
        List<Map<String, Object>> alarms = resources(t, "AWS::CloudWatch::Alarm").values().stream().map(Synth::props).toList();
        for (String q : List.of("RollupWorkQueue", "MaintenanceWorkQueue")) {
            Object name = Map.of("Fn::GetAtt", List.of(logicalId(t, "AWS::SQS::Queue", q), "QueueName"));
            assertThat(alarms).as(q).anySatisfy(a -> {
                assertThat(a).containsEntry("MetricName", "ApproximateAgeOfOldestMessage").containsEntry("Threshold", 1800);
                assertThat(list(a.get("Dimensions"))).contains(Map.of("Name", "QueueName", "Value", name));
            });
        }
        for (String q : List.of("RollupWorkDlq", "MaintenanceWorkDlq")) {
            Object name = Map.of("Fn::GetAtt", List.of(logicalId(t, "AWS::SQS::Queue", q), "QueueName"));
            assertThat(alarms).as(q).anySatisfy(a -> {
                assertThat(a).containsEntry("MetricName", "ApproximateNumberOfMessagesVisible").containsEntry("Threshold", 1);
                assertThat(list(a.get("Dimensions"))).contains(Map.of("Name", "QueueName", "Value", name));
            });
        }
    }

    private Set<String> statementsOf(String handler) {
        String role = String.valueOf(list(map(props(function(t, handler).getValue()).get("Role")).get("Fn::GetAtt")).get(0));
        Set<String> out = new TreeSet<>();
        for (Map<String, Object> r : resources(t, "AWS::IAM::Policy").values()) {
            Map<String, Object> p = props(r);
            if (!Synth.toJson(p.get("Roles")).contains("\"" + role + "\"")) continue;
            for (Object s : list(map(p.get("PolicyDocument")).get("Statement"))) {
                Object action = map(s).get("Action");
                List<Object> actions = action instanceof List<?> l ? List.copyOf(l) : List.of(action);
                for (Object a : actions) out.add(a + " " + Synth.toJson(map(s).get("Resource")));
            }
        }
        return out;
    }

    @Test
    void plannersMaySendToTheirQueueOnlyAndTheRollupPlannerListOnlySegments() {
        // (besides its work queue, a planner may send to its own dead-letter queue: a failed schedule invocation lands there)
        String rollupQueue = logicalId(t, "AWS::SQS::Queue", "RollupWorkQueue");
        String rollupDlq = logicalId(t, "AWS::SQS::Queue", "RollupDlq");
        Set<String> planner = statementsOf("RollupPlanHandler");
        assertThat(planner).allSatisfy(s -> assertThat(s).matches("(sqs:SendMessage .*(" + rollupQueue + "|" + rollupDlq + ").*|s3:ListBucket .*)"));
        assertThat(planner).anyMatch(s -> s.startsWith("sqs:SendMessage") && s.contains(rollupQueue)).anyMatch(s -> s.startsWith("s3:ListBucket"));
        String maintenanceQueue = logicalId(t, "AWS::SQS::Queue", "MaintenanceWorkQueue");
        String maintenanceDlq = logicalId(t, "AWS::SQS::Queue", "MaintenanceScheduleDlq");
        assertThat(statementsOf("MaintenancePlanHandler")).allSatisfy(s -> assertThat(s).matches(
                "sqs:SendMessage .*(" + maintenanceQueue + "|" + maintenanceDlq + ").*"));
        // the worker consumes only its own queue (the event source's grant) and sends only to it
        Set<String> worker = statementsOf("RollupWorkerHandler");
        assertThat(worker.stream().filter(s -> s.startsWith("sqs:"))).allSatisfy(s -> assertThat(s).contains(rollupQueue));
        assertThat(worker).anyMatch(s -> s.startsWith("sqs:ReceiveMessage")).anyMatch(s -> s.startsWith("sqs:DeleteMessage"))
                .anyMatch(s -> s.startsWith("sqs:SendMessage"));
    }
}
