package dev.lakelog.infra;

import static dev.lakelog.infra.Synth.function;
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

/** CloudWatch alarms: per-function errors/throttles, DLQ depth, rollup failures from the logs, API 5xx. */
class AlarmsTest {
    private final Template t = Synth.template();

    static final List<String> HANDLERS = List.of("IngestHandler", "AuthorizerHandler", "QueryHandler",
            "MaintenanceHandler", "RollupScheduleHandler", "IotRollupHandler", "MaintenanceScheduleHandler", "DropFolderHandler",
            "RollupPlanHandler", "RollupWorkerHandler", "MaintenancePlanHandler", "MaintenanceWorkerHandler", "QueryJobHandler");

    private List<Map<String, Object>> alarms() {
        return resources(t, "AWS::CloudWatch::Alarm").values().stream().map(Synth::props).toList();
    }

    private static boolean hasDimension(Map<String, Object> alarm, String name, Object value) {
        Object dims = alarm.get("Dimensions");
        return dims instanceof List<?> l && l.contains(Map.of("Name", name, "Value", value));
    }

    @Test
    void everyFunctionButTheAuthorizerHasAnErrorsAlarmAndEveryFunctionAThrottlesAlarm() {
        for (String h : HANDLERS) {
            Object fnRef = ref(function(t, h).getKey());
            for (String metric : List.of("Errors", "Throttles")) {
                List<Map<String, Object>> hits = alarms().stream().filter(a -> "AWS/Lambda".equals(a.get("Namespace"))
                        && metric.equals(a.get("MetricName")) && hasDimension(a, "FunctionName", fnRef)).toList();
                if (h.equals("AuthorizerHandler") && metric.equals("Errors")) {
                    // a refused token is thrown as "Unauthorized", which Lambda counts as an error
                    assertThat(hits).as("no errors alarm on the authorizer").isEmpty();
                    continue;
                }
                assertThat(hits).as(h + " " + metric).singleElement().satisfies(a -> assertThat(a)
                        .containsEntry("Statistic", "Sum").containsEntry("Period", 300)
                        .containsEntry("EvaluationPeriods", 3).containsEntry("DatapointsToAlarm", 2)
                        .containsEntry("ComparisonOperator", "GreaterThanOrEqualToThreshold")
                        .containsEntry("TreatMissingData", "notBreaching"));
            }
        }
    }

    @Test
    void durationNearTimeoutLatencyDatabaseAndDynamoDbThrottleAlarmsExist() {
        assertThat(alarms().stream().filter(a -> "Duration".equals(a.get("MetricName")))).hasSize(3)
                .allSatisfy(a -> assertThat(a).containsEntry("ExtendedStatistic", "p99"));
        assertThat(alarms()).anySatisfy(a -> assertThat(a).containsEntry("MetricName", "Latency").containsEntry("Threshold", 10_000));
        for (String m : List.of("CPUUtilization", "DatabaseConnections", "FreeStorageSpace")) {
            assertThat(alarms()).as(m).anySatisfy(a -> assertThat(a).containsEntry("Namespace", "AWS/RDS").containsEntry("MetricName", m));
        }
        assertThat(alarms().stream().filter(a -> Synth.toJson(a.get("Metrics")).contains("ThrottleEvents"))).hasSize(5);
        t.resourceCountIs("AWS::CloudWatch::Dashboard", 1);
    }

    @Test
    void rollupLagFromTheRollupFunctionsEmfMetricAlarmsAndMissingDataCountsAsLate() {
        // the fan-out: the workers report each tenant's lag, the planner 0 when no tenant waits; the alarm takes the larger
        Object worker = ref(function(t, "RollupWorkerHandler").getKey());
        Object planner = ref(function(t, "RollupPlanHandler").getKey());
        assertThat(alarms()).anySatisfy(a -> {
            assertThat(a).containsEntry("Threshold", 2700).containsEntry("ComparisonOperator", "GreaterThanThreshold")
                    .containsEntry("TreatMissingData", "breaching");
            String metrics = Synth.toJson(a.get("Metrics"));
            assertThat(metrics).contains("MAX([w, p])").contains("RollupLagSeconds").contains("\"Maximum\"");
            // compared as maps: the order of a dimension's keys in JSON is not part of the contract
            assertThat(lagDimensions(a)).contains(Map.of("Name", "function", "Value", worker),
                    Map.of("Name", "function", "Value", planner));
        });
    }

    @Test
    void everyDeadLetterQueueAlarmsOnTheFirstMessage() {
        for (String q : List.of("RollupDlq", "IotRollupDlq", "MaintenanceScheduleDlq", "QueryJobsDlq")) {
            Object queueName = Map.of("Fn::GetAtt", List.of(logicalId(t, "AWS::SQS::Queue", q), "QueueName"));
            assertThat(alarms()).as(q).anySatisfy(a -> {
                assertThat(a).containsEntry("Namespace", "AWS/SQS")
                        .containsEntry("MetricName", "ApproximateNumberOfMessagesVisible")
                        .containsEntry("Statistic", "Maximum")
                        .containsEntry("Threshold", 1)
                        .containsEntry("ComparisonOperator", "GreaterThanOrEqualToThreshold");
                assertThat(hasDimension(a, "QueueName", queueName)).isTrue();
            });
        }
    }

    @Test
    void rollupFailedLogEventsFeedACustomMetricWithAnAlarm() {
        Map<String, Map<String, Object>> filters = new java.util.LinkedHashMap<>(resources(t, "AWS::Logs::MetricFilter"));
        filters.values().removeIf(f -> !Synth.toJson(props(f).get("MetricTransformations")).contains(LakelogStack.ROLLUP_FAILURES_METRIC));
        assertThat(filters).hasSize(4);
        List<Object> groups = filters.values().stream().map(f -> props(f).get("LogGroupName")).toList();
        for (String h : List.of("RollupScheduleHandler", "IotRollupHandler", "MaintenanceHandler", "MaintenanceScheduleHandler")) {
            Object group = map(props(function(t, h).getValue()).get("LoggingConfig")).get("LogGroup");
            assertThat(groups).as(h).contains(group);
        }
        filters.values().forEach(f -> {
            Map<String, Object> p = props(f);
            assertThat(p).containsEntry("FilterPattern", "{ $.event = \"rollup_failed\" }");
            assertThat(p.get("MetricTransformations")).isEqualTo(List.of(Map.of(
                    "MetricNamespace", "Lakelog", "MetricName", "RollupFailures", "MetricValue", "1")));
        });
        assertThat(alarms()).anySatisfy(a -> assertThat(a).containsEntry("Namespace", "Lakelog")
                .containsEntry("MetricName", "RollupFailures").containsEntry("Statistic", "Sum")
                .containsEntry("Threshold", 1));
    }

    @Test
    void apiDefectsAlarmCountsOnly500And502FromTheAccessLog() {
        assertThat(alarms()).noneSatisfy(a -> assertThat(a).containsEntry("MetricName", "5XXError"));
        assertThat(alarms()).anySatisfy(a -> assertThat(a).containsEntry("Namespace", "Lakelog")
                .containsEntry("MetricName", MonitoringConstruct.API_DEFECTS_METRIC).containsEntry("Threshold", 1));
        assertThat(resources(t, "AWS::Logs::MetricFilter").values().stream().map(Synth::props)
                .filter(f -> MonitoringConstruct.API_DEFECTS_METRIC.equals(Synth.toJson(f.get("MetricTransformations")).replaceAll(".*MetricName\":\"(\\w+).*", "$1"))))
                .singleElement().satisfies(f -> assertThat(String.valueOf(f.get("FilterPattern"))).contains("500").contains("502").doesNotContain("503"));
    }

    @Test
    void everyAlarmNotifiesTheAlarmTopic() {
        Object topic = ref(logicalId(t, "AWS::SNS::Topic", "AlarmTopic"));
        List<Map<String, Object>> all = alarms();
        // 7+4+1 errors + 8+4+1 throttles (the drop folder; the fan-out's planners and workers; the query jobs worker) + 3 duration
        // + 7 DLQ + 2 work-queue age + rollup failures + API defects + latency + 3 database + 5 tables + lag
        assertThat(all).hasSize(7 + 4 + 1 + 8 + 4 + 1 + 3 + 7 + 2 + 1 + 1 + 1 + 3 + 5 + 1);
        all.forEach(a -> assertThat(a.get("AlarmActions")).isEqualTo(List.of(topic)));
        all.forEach(a -> assertThat(a.get("OKActions")).isEqualTo(List.of(topic)));
        t.resourceCountIs("AWS::SNS::Subscription", 0);
        Template withEmail = Synth.template(Map.of("alarmEmail", "oncall@example.com"));
        withEmail.hasResourceProperties("AWS::SNS::Subscription", Map.of("Protocol", "email", "Endpoint", "oncall@example.com"));
    }

    /** The dimensions of every metric an alarm's math expression reads. */
    @SuppressWarnings("unchecked")
    private static List<Object> lagDimensions(Map<String, Object> alarm) {
        List<Object> out = new java.util.ArrayList<>();
        for (Object m : (List<Object>) alarm.getOrDefault("Metrics", List.of())) {
            Object stat = ((Map<String, Object>) m).get("MetricStat");
            if (stat != null) {
                out.addAll((List<Object>) ((Map<String, Object>) ((Map<String, Object>) stat).get("Metric")).get("Dimensions"));
            }
        }
        return out;
    }
}
