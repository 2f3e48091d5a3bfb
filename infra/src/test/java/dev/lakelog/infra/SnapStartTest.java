package dev.lakelog.infra;

import static dev.lakelog.infra.Synth.getAtt;
import static dev.lakelog.infra.Synth.list;
import static dev.lakelog.infra.Synth.map;
import static dev.lakelog.infra.Synth.props;
import static dev.lakelog.infra.Synth.resources;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.assertions.Template;

/**
 * Lambda SnapStart (docs/infra.md#snapstart): on for published versions of every function AWS
 * allows it on (at most 512 MB of /tmp; no function has provisioned concurrency or EFS), a
 * {@code live} alias on each function's current version, and every invoker calling that alias,
 * never {@code $LATEST}.
 */
class SnapStartTest {
    private final Template t = Synth.template();

    private static final Map<String, Object> ON_PUBLISHED_VERSIONS = Map.of("ApplyOn", "PublishedVersions");

    private static int tmpMb(Map<String, Object> fn) {
        return ((Number) map(props(fn).get("EphemeralStorage")).get("Size")).intValue();
    }

    private static Set<String> handlersWithSnapStart(Template template) {
        return resources(template, "AWS::Lambda::Function").values().stream()
                .filter(f -> ON_PUBLISHED_VERSIONS.equals(props(f).get("SnapStart")))
                .map(f -> String.valueOf(props(f).get("Handler")).replace(LakelogStack.HANDLER_PACKAGE, "").replace("::handleRequest", ""))
                .collect(Collectors.toSet());
    }

    @Test
    void snapStartIsOnForPublishedVersionsOfEveryFunctionWhoseTmpIsWithinSnapStartsLimitAndOffForTheOthers() {
        Map<String, Map<String, Object>> fns = resources(t, "AWS::Lambda::Function");
        for (var e : fns.entrySet()) {
            Map<String, Object> p = props(e.getValue());
            if (!String.valueOf(p.get("Handler")).startsWith(LakelogStack.HANDLER_PACKAGE)) continue; // CDK's own helpers
            boolean allowed = tmpMb(e.getValue()) <= 512;
            if (allowed) {
                assertThat(p.get("SnapStart")).as(e.getKey()).isEqualTo(ON_PUBLISHED_VERSIONS);
            } else {
                assertThat(p).as(e.getKey() + ": SnapStart supports no more than 512 MB of /tmp").doesNotContainKey("SnapStart");
            }
            assertThat(p).as(e.getKey() + ": SnapStart does not support EFS").doesNotContainKey("FileSystemConfigs");
        }
        // the slim zip's functions (ingest, authorizer, the two planners) have 512 MB; the DuckDB functions 4096 MB for spill
        assertThat(handlersWithSnapStart(t)).containsExactlyInAnyOrder(
                "IngestHandler", "AuthorizerHandler", "RollupPlanHandler", "MaintenancePlanHandler");
        // SnapStart does not support provisioned concurrency: none is configured anywhere
        assertThat(Synth.toJson(resources(t, "AWS::Lambda::Alias"))).doesNotContain("ProvisionedConcurrencyConfig");
        assertThat(Synth.toJson(resources(t, "AWS::Lambda::Version"))).doesNotContain("ProvisionedConcurrencyConfig");
    }

    @Test
    void withTheDuckDbFunctionsTmpAt512MbEveryFunctionRunsWithSnapStart() {
        Template small = Synth.template(Map.of("duckdbEphemeralStorageMb", 512));
        assertThat(handlersWithSnapStart(small)).containsExactlyInAnyOrder(
                "IngestHandler", "AuthorizerHandler", "RollupPlanHandler", "MaintenancePlanHandler",
                "QueryHandler", "QueryJobHandler", "MaintenanceHandler", "RollupScheduleHandler", "IotRollupHandler",
                "MaintenanceScheduleHandler", "RollupWorkerHandler", "MaintenanceWorkerHandler", "DropFolderHandler");
    }

    @Test
    void everyFunctionHasOneLiveAliasOnItsCurrentVersionAndAReplacedVersionIsDeleted() {
        Map<String, Map<String, Object>> versions = resources(t, "AWS::Lambda::Version");
        for (var fn : resources(t, "AWS::Lambda::Function").entrySet()) {
            if (!String.valueOf(props(fn.getValue()).get("Handler")).startsWith(LakelogStack.HANDLER_PACKAGE)) continue;
            List<Map.Entry<String, Map<String, Object>>> aliases = resources(t, "AWS::Lambda::Alias").entrySet().stream()
                    .filter(a -> Map.of("Ref", fn.getKey()).equals(props(a.getValue()).get("FunctionName"))).toList();
            assertThat(aliases).as(fn.getKey()).hasSize(1);
            Map<String, Object> alias = props(aliases.get(0).getValue());
            assertThat(alias).containsEntry("Name", "live");
            String version = String.valueOf(list(map(alias.get("FunctionVersion")).get("Fn::GetAtt")).get(0));
            assertThat(versions).as(fn.getKey() + "'s alias points at a published version").containsKey(version);
            assertThat(props(versions.get(version))).containsEntry("FunctionName", Map.of("Ref", fn.getKey()));
            // retained versions would fill the account's code storage (75 GB) at one 75 MB zip per deployment
            assertThat(versions.get(version)).containsEntry("DeletionPolicy", "Delete");
        }
    }

    /** Every place that names a function to invoke it, as JSON: API Gateway, EventBridge, SQS, S3, IoT, permissions, IAM, the jobs function. */
    private List<String> invokers() {
        List<String> out = new ArrayList<>();
        resources(t, "AWS::ApiGateway::Method").values().forEach(m -> {
            Object integration = props(m).get("Integration");
            if (integration != null && "AWS_PROXY".equals(map(integration).get("Type"))) out.add("method " + Synth.toJson(map(integration).get("Uri")));
        });
        resources(t, "AWS::ApiGateway::Authorizer").values().forEach(a -> out.add("authorizer " + Synth.toJson(props(a).get("AuthorizerUri"))));
        resources(t, "AWS::Events::Rule").values().forEach(r -> list(props(r).get("Targets"))
                .forEach(x -> out.add("rule " + Synth.toJson(map(x).get("Arn")))));
        resources(t, "AWS::Lambda::EventSourceMapping").values().forEach(m -> out.add("event source " + Synth.toJson(props(m).get("FunctionName"))));
        resources(t, "AWS::Lambda::Permission").values().forEach(p -> out.add("permission " + Synth.toJson(props(p).get("FunctionName"))));
        resources(t, "AWS::IoT::TopicRule").values().forEach(r -> list(map(props(r).get("TopicRulePayload")).get("Actions"))
                .forEach(a -> out.add("iot " + Synth.toJson(map(map(a).get("Lambda")).get("FunctionArn")))));
        resources(t, "Custom::S3BucketNotifications").values().forEach(n -> list(map(props(n).get("NotificationConfiguration"))
                .get("LambdaFunctionConfigurations")).forEach(c -> out.add("s3 " + Synth.toJson(map(c).get("LambdaFunctionArn")))));
        Map<String, Object> queryEnv = map(map(props(Synth.function(t, "QueryHandler").getValue()).get("Environment")).get("Variables"));
        out.add("jobs env " + Synth.toJson(queryEnv.get("LAKELOG_JOBS_FUNCTION")));
        resources(t, "AWS::IAM::Policy").values().forEach(p -> list(map(props(p).get("PolicyDocument")).get("Statement")).forEach(s -> {
            if (Synth.toJson(map(s).get("Action")).contains("lambda:InvokeFunction")) out.add("iam " + Synth.toJson(map(s).get("Resource")));
        }));
        return out;
    }

    @Test
    void everyInvokerCallsALiveAliasAndNoneCallsLatest() {
        Map<String, String> aliasOf = resources(t, "AWS::Lambda::Alias").entrySet().stream()
                .collect(Collectors.toMap(a -> String.valueOf(map(props(a.getValue()).get("FunctionName")).get("Ref")), Map.Entry::getKey));
        Set<String> ourFunctions = resources(t, "AWS::Lambda::Function").entrySet().stream()
                .filter(f -> String.valueOf(props(f.getValue()).get("Handler")).startsWith(LakelogStack.HANDLER_PACKAGE))
                .map(Map.Entry::getKey).collect(Collectors.toSet());
        List<String> invokers = invokers();
        // API Gateway (3 integrations, the authorizer), 6 rules, 2 SQS mappings, S3, IoT, the jobs function
        assertThat(invokers).filteredOn(s -> s.startsWith("method ")).isNotEmpty();
        assertThat(invokers).filteredOn(s -> s.startsWith("authorizer ")).hasSize(1);
        assertThat(invokers).filteredOn(s -> s.startsWith("rule ")).hasSize(6);
        assertThat(invokers).filteredOn(s -> s.startsWith("event source ")).hasSize(2);
        assertThat(invokers).filteredOn(s -> s.startsWith("iot ")).hasSize(1);
        assertThat(invokers).filteredOn(s -> s.startsWith("s3 ")).hasSize(1);
        assertThat(invokers).filteredOn(s -> s.startsWith("iam ")).hasSize(1);
        for (String invoker : invokers) {
            if (invoker.startsWith("permission ") && !ourFunctions.stream().anyMatch(invoker::contains)
                    && !aliasOf.values().stream().anyMatch(invoker::contains)) {
                continue; // CDK's own helper functions (bucket notifications, log retention)
            }
            assertThat(aliasOf.values()).as(invoker).anySatisfy(a -> assertThat(invoker).contains("\"" + a + "\""));
            assertThat(invoker).as("calls a function's $LATEST").doesNotContain("$LATEST");
            for (String fn : ourFunctions) {
                assertThat(invoker).as("calls " + fn + " unqualified ($LATEST)")
                        .doesNotContain(Synth.toJson(Map.of("Ref", fn))).doesNotContain(Synth.toJson(getAtt(fn, "Arn")));
            }
        }
    }

    @Test
    void asynchronousInvocationsRetryThroughTheAliasTheyArriveBy() {
        Map<String, Map<String, Object>> configs = resources(t, "AWS::Lambda::EventInvokeConfig");
        assertThat(configs).isNotEmpty();
        for (Map<String, Object> c : configs.values()) {
            String fn = String.valueOf(map(props(c).get("FunctionName")).get("Ref"));
            String alias = resources(t, "AWS::Lambda::Alias").entrySet().stream()
                    .filter(a -> Map.of("Ref", fn).equals(props(a.getValue()).get("FunctionName"))).map(Map.Entry::getKey).findFirst().orElseThrow();
            // the qualifier is the alias's name, taken from its ARN
            assertThat(props(c).get("Qualifier")).as(fn).isEqualTo(Map.of("Fn::Select", List.of(7, Map.of("Fn::Split", List.of(":", Map.of("Ref", alias))))));
            assertThat(props(c)).containsEntry("MaximumRetryAttempts", 2);
        }
    }
}
