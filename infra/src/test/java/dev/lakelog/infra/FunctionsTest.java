package dev.lakelog.infra;

import static dev.lakelog.infra.Synth.function;
import static dev.lakelog.infra.Synth.getAtt;
import static dev.lakelog.infra.Synth.logicalId;
import static dev.lakelog.infra.Synth.map;
import static dev.lakelog.infra.Synth.props;
import static dev.lakelog.infra.Synth.resources;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import software.amazon.awscdk.assertions.Template;

/** The eight Lambda functions: handler, runtime, architecture, sizes, VPC placement, environment, DLQs. */
class FunctionsTest {
    private final Template t = Synth.template();

    static final Set<String> BASE_ENV = Set.of("LAKELOG_BUCKET", "LAKELOG_TENANTS_TABLE", "LAKELOG_IDEMPOTENCY_TABLE",
            "LAKELOG_LEASES_TABLE", "LAKELOG_DUCKDB_TEMP_DIR", "LAKELOG_RATE_LIMITS_TABLE", "LAKELOG_TENANT_INGEST_RATE",
            "LAKELOG_TENANT_INGEST_BURST", "LAKELOG_TENANT_QUERY_RATE", "LAKELOG_TENANT_QUERY_BURST", "JAVA_TOOL_OPTIONS",
            "LAKELOG_JOBS_TABLE");
    static final Set<String> LAKE_ENV = Set.of("LAKELOG_PG_HOST", "LAKELOG_PG_PORT", "LAKELOG_PG_DATABASE",
            "LAKELOG_PG_SECRET_ARN", "LAKELOG_PG_SSLMODE", "LAKELOG_PG_SSLROOTCERT",
            // the integrity anchor (docs/integrity.md#the-anchor)
            "LAKELOG_ANCHOR_BUCKET", "LAKELOG_ANCHOR_KMS_KEY_ID", "LAKELOG_ANCHOR_PREFIX");

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            // handler class,           memory, timeout, ephemeral, in VPC, DLQ id prefix
            // (API-fronted functions end before API Gateway's 29 s integration timeout)
            "IngestHandler,               1024,   20,      512,       false,  ''",
            "AuthorizerHandler,            512,   10,      512,       false,  ''",
            "QueryHandler,                3008,   27,      4096,      true,   ''",
            "MaintenanceHandler,          3008,   900,     4096,      true,   ''",
            "RollupScheduleHandler,       3008,   900,     4096,      true,   RollupDlq",
            "IotRollupHandler,            3008,   900,     4096,      true,   IotRollupDlq",
            "MaintenanceScheduleHandler,  3008,   900,     4096,      true,   MaintenanceScheduleDlq",
            "QueryJobHandler,             3008,   900,     4096,      true,   QueryJobsDlq",
    })
    void functionShape(String handler, int memory, int timeout, int ephemeral, boolean inVpc, String dlq) {
        Map<String, Object> p = props(function(t, handler).getValue());
        assertThat(p).containsEntry("Runtime", "java21")
                .containsEntry("Architectures", List.of(inVpc ? "x86_64" : "arm64"))
                .containsEntry("MemorySize", memory)
                .containsEntry("Timeout", timeout)
                .containsEntry("EphemeralStorage", Map.of("Size", ephemeral));

        Map<String, Object> env = map(map(p.get("Environment")).get("Variables"));
        Set<String> expected = new HashSet<>(BASE_ENV);
        if (inVpc) {
            expected.addAll(LAKE_ENV);
        }
        if (handler.equals("QueryHandler")) expected.add("LAKELOG_JOBS_FUNCTION");
        assertThat(env.keySet()).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(env).containsEntry("LAKELOG_JOBS_TABLE", Synth.ref(logicalId(t, "AWS::DynamoDB::Table", "JobsTable")));
        assertThat(env).containsEntry("LAKELOG_DUCKDB_TEMP_DIR", "/tmp/duckdb")
                .containsEntry("LAKELOG_BUCKET", Synth.ref(logicalId(t, "AWS::S3::Bucket", "DataBucket")))
                .containsEntry("LAKELOG_TENANTS_TABLE", Synth.ref(logicalId(t, "AWS::DynamoDB::Table", "TenantsTable")))
                .containsEntry("LAKELOG_IDEMPOTENCY_TABLE", Synth.ref(logicalId(t, "AWS::DynamoDB::Table", "IdempotencyTable")))
                .containsEntry("LAKELOG_LEASES_TABLE", Synth.ref(logicalId(t, "AWS::DynamoDB::Table", "LeasesTable")));
        if (inVpc) {
            assertThat(env).containsEntry("LAKELOG_PG_HOST", getAtt(logicalId(t, "AWS::RDS::DBProxy", "CatalogProxy"), "Endpoint"))
                    .containsEntry("LAKELOG_PG_PORT", "5432")
                    .containsEntry("LAKELOG_PG_SSLMODE", "verify-full").containsEntry("LAKELOG_PG_SSLROOTCERT", "/var/task/certs/amazon-root-cas.pem")
                    .containsEntry("LAKELOG_PG_DATABASE", "lakelog")
                    .containsEntry("LAKELOG_PG_SECRET_ARN",
                            Synth.ref(logicalId(t, "AWS::SecretsManager::SecretTargetAttachment", "CatalogDbSecretAttachment")));
            Map<String, Object> vpc = map(p.get("VpcConfig"));
            assertThat(vpc.get("SecurityGroupIds"))
                    .isEqualTo(List.of(getAtt(logicalId(t, "AWS::EC2::SecurityGroup", "LakeFunctionsSg"), "GroupId")));
            assertThat(Synth.toJson(vpc.get("SubnetIds"))).contains("Vpcisolated");
        } else {
            assertThat(p).doesNotContainKey("VpcConfig");
        }
        if (dlq.isEmpty()) {
            assertThat(p).doesNotContainKey("DeadLetterConfig");
        } else {
            assertThat(p).containsEntry("DeadLetterConfig",
                    Map.of("TargetArn", getAtt(logicalId(t, "AWS::SQS::Queue", dlq), "Arn")));
        }
    }

    @Test
    void lakeFunctionsShareTheDuckdbZipAndIngestAndTheAuthorizerShareTheSlimZip() {
        List<Map<String, Object>> ours = resources(t, "AWS::Lambda::Function").values().stream().map(Synth::props)
                .filter(p -> String.valueOf(p.get("Handler")).startsWith(LakelogStack.HANDLER_PACKAGE)).toList();
        assertThat(ours).hasSize(13); // 7 + the drop folder + the fan-out's two planners (slim zip) and two workers + the query jobs worker
        Set<Object> keys = ours.stream().map(p -> map(p.get("Code")).get("S3Key")).collect(Collectors.toSet());
        assertThat(keys).hasSize(2);
        Object slim = map(props(function(t, "IngestHandler").getValue()).get("Code")).get("S3Key");
        assertThat(map(props(function(t, "AuthorizerHandler").getValue()).get("Code")).get("S3Key")).isEqualTo(slim);
        assertThat(map(props(function(t, "QueryHandler").getValue()).get("Code")).get("S3Key")).isNotEqualTo(slim);
        keys.forEach(k -> assertThat(String.valueOf(k)).endsWith(".zip"));
    }

    @Test
    void everyFunctionStartsItsJvmWithC1OnlyForColdStart() {
        for (String h : AlarmsTest.HANDLERS) {
            String opts = String.valueOf(map(map(props(function(t, h).getValue()).get("Environment")).get("Variables")).get("JAVA_TOOL_OPTIONS"));
            assertThat(opts).as(h).contains("-XX:+TieredCompilation").contains("-XX:TieredStopAtLevel=1").contains("-Xmx");
        }
    }

    @Test
    void heapIsCappedSoHeapPlusDuckdbPlusNativeFitTheFunctionsMemory() {
        for (String h : AlarmsTest.HANDLERS) {
            Map<String, Object> p = props(function(t, h).getValue());
            int memory = ((Number) p.get("MemorySize")).intValue();
            boolean lake = p.containsKey("VpcConfig");
            String opts = String.valueOf(map(map(p.get("Environment")).get("Variables")).get("JAVA_TOOL_OPTIONS"));
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("-Xmx(\\d+)m").matcher(opts);
            assertThat(m.find()).as(h + " JAVA_TOOL_OPTIONS " + opts).isTrue();
            int heap = Integer.parseInt(m.group(1));
            int duckdb = lake ? (int) (memory * 0.6) : 0; // functions: LakeEngine.Settings.LAMBDA_DUCKDB_SHARE
            int nativeReserve = Math.max(96, (int) (memory * 0.15));
            assertThat(heap + duckdb + nativeReserve).as(h + ": heap + DuckDB + native").isLessThanOrEqualTo(memory);
            // a 96 MB rollup batch, decoded; the drop folder: one segment and one OTLP message of at most 16 MiB, decoded
            int floor = h.equals("DropFolderHandler") ? 512 : lake ? 700 : 256;
            assertThat(heap).as(h + " heap").isGreaterThanOrEqualTo(floor);
        }
        // the smallest lake function the context accepts still fits
        assertThat(FunctionsConstruct.heapMb(1024, true) + (int) (1024 * 0.6) + FunctionsConstruct.nativeReserveMb(1024)).isLessThanOrEqualTo(1024);
    }

    @Test
    void apiFunctionsEndBeforeApiGatewaysTwentyNineSeconds() {
        for (String h : List.of("IngestHandler", "AuthorizerHandler", "QueryHandler")) {
            assertThat(((Number) props(function(t, h).getValue()).get("Timeout")).intValue()).as(h).isLessThan(29);
        }
    }

    @Test
    void everyFunctionHasReservedConcurrencyFromTheContext() {
        assertThat(props(function(t, "IngestHandler").getValue())).containsEntry("ReservedConcurrentExecutions", 100);
        assertThat(props(function(t, "AuthorizerHandler").getValue())).containsEntry("ReservedConcurrentExecutions", 50);
        assertThat(props(function(t, "QueryHandler").getValue())).containsEntry("ReservedConcurrentExecutions", 20);
        assertThat(props(function(t, "MaintenanceHandler").getValue())).containsEntry("ReservedConcurrentExecutions", 5);
        for (String h : List.of("RollupScheduleHandler", "IotRollupHandler", "MaintenanceScheduleHandler")) {
            assertThat(props(function(t, h).getValue())).containsEntry("ReservedConcurrentExecutions", 5);
        }
        Template unreserved = Synth.template(Map.of("ingestReservedConcurrency", 0));
        assertThat(props(function(unreserved, "IngestHandler").getValue())).doesNotContainKey("ReservedConcurrentExecutions");
    }

    @Test
    void asyncFunctionsRetryTwiceThenUseTheirDeadLetterQueue() {
        Map<String, Map<String, Object>> configs = resources(t, "AWS::Lambda::EventInvokeConfig");
        assertThat(configs).hasSize(7); // rollup, IoT rollup, scheduled maintenance, drop folder, the two planners, the query jobs worker
        configs.values().forEach(c -> assertThat(props(c)).containsEntry("MaximumRetryAttempts", 2));
        // dead-letter queues keep 14 days; the fan-out's work queues (those with a redrive policy) 4 (FanOutTest)
        resources(t, "AWS::SQS::Queue").values().stream().map(Synth::props).filter(q -> !q.containsKey("RedrivePolicy"))
                .forEach(q -> assertThat(q).containsEntry("SqsManagedSseEnabled", true).containsEntry("MessageRetentionPeriod", 1209600));
    }

    @Test
    void eachFunctionLogsToItsOwnRetainedLogGroup() {
        for (String h : List.of("IngestHandler", "AuthorizerHandler", "QueryHandler", "MaintenanceHandler",
                "RollupScheduleHandler", "IotRollupHandler", "MaintenanceScheduleHandler", "QueryJobHandler")) {
            Map<String, Object> logging = map(props(function(t, h).getValue()).get("LoggingConfig"));
            String group = String.valueOf(map(logging.get("LogGroup")).get("Ref"));
            Map<String, Object> lg = resources(t, "AWS::Logs::LogGroup").get(group);
            assertThat(lg).as(h).isNotNull();
            assertThat(props(lg)).containsEntry("RetentionInDays", 90);
        }
    }

    @Test
    void memorySizesAreContextParameters() {
        Template custom = Synth.template(Map.of("queryMemoryMb", 4096, "ingestMemoryMb", "1536",
                "rollupMemoryMb", 8192, "maintenanceMemoryMb", 6144, "authorizerMemoryMb", 256,
                "duckdbEphemeralStorageMb", 8192));
        assertThat(props(function(custom, "QueryHandler").getValue())).containsEntry("MemorySize", 4096)
                .containsEntry("EphemeralStorage", Map.of("Size", 8192));
        assertThat(props(function(custom, "IngestHandler").getValue())).containsEntry("MemorySize", 1536);
        assertThat(props(function(custom, "RollupScheduleHandler").getValue())).containsEntry("MemorySize", 8192);
        assertThat(props(function(custom, "IotRollupHandler").getValue())).containsEntry("MemorySize", 8192);
        assertThat(props(function(custom, "MaintenanceHandler").getValue())).containsEntry("MemorySize", 6144);
        assertThat(props(function(custom, "MaintenanceScheduleHandler").getValue())).containsEntry("MemorySize", 6144);
        assertThat(props(function(custom, "AuthorizerHandler").getValue())).containsEntry("MemorySize", 256);
    }

    @Test
    void iotRollupGetsTheIotEndpointWhenGiven() {
        String host = "abc123example-ats.iot.eu-west-1.amazonaws.com";
        Template withIot = Synth.template(Map.of("iotEndpoint", host));
        Map<String, Object> env = map(map(props(function(withIot, "IotRollupHandler").getValue()).get("Environment")).get("Variables"));
        assertThat(env).containsEntry("LAKELOG_IOT_ENDPOINT", host);
        Map<String, Object> other = map(map(props(function(withIot, "RollupScheduleHandler").getValue()).get("Environment")).get("Variables"));
        assertThat(other).doesNotContainKey("LAKELOG_IOT_ENDPOINT");
    }

    @Test
    void theQueryFunctionStartsTheJobsFunctionAsynchronouslyAndOnlyThatFunction() {
        Map<String, Object> env = map(map(props(function(t, "QueryHandler").getValue()).get("Environment")).get("Variables"));
        assertThat(env).containsEntry("LAKELOG_JOBS_FUNCTION", Synth.ref(Synth.liveAlias(t, "QueryJobHandler")));
        String policies = Synth.toJson(resources(t, "AWS::IAM::Policy"));
        assertThat(policies).contains("lambda:InvokeFunction");
        // the invoke right is the query function's, on the jobs function's ARN only
        List<Map<String, Object>> invoking = resources(t, "AWS::IAM::Policy").values().stream().map(Synth::props)
                .filter(p -> Synth.toJson(p).contains("lambda:InvokeFunction")).toList();
        assertThat(invoking).singleElement().satisfies(p -> {
            assertThat(Synth.toJson(p.get("Roles"))).contains("QueryFunction").doesNotContain("QueryJobsFunction");
            assertThat(Synth.toJson(p)).contains(Synth.toJson(Synth.ref(Synth.liveAlias(t, "QueryJobHandler"))));
        });
    }

    @Test
    void missingZipFailsWithTheCommandThatBuildsIt() {
        assertThatThrownBy(() -> Synth.synth(Map.of("lambdaZip", "does/not/exist/lakelog-lambda-x86_64.zip")))
                .hasMessageContaining("Lambda deployment zip not found")
                .hasMessageContaining("mvn -pl lambda-package -am package -DskipTests")
                .hasMessageContaining(Path.of("does/not/exist/lakelog-lambda-x86_64.zip").toString());
    }
}
