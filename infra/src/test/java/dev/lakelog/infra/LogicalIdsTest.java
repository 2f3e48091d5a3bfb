package dev.lakelog.infra;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.App;
import software.amazon.awscdk.CfnResource;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.assertions.Template;
import software.constructs.Construct;

/**
 * Splitting the stack into concern constructs moved no stateful resource: {@link LogicalIds}
 * computes ids exactly as CDK does, and the bucket, key, tables, database, secret, proxy, VPC,
 * queues, log groups and alarm topic keep the logical ids of the single-construct stack.
 */
class LogicalIdsTest {

    @Test
    void ids_are_computed_exactly_as_cdk_computes_them() {
        App app = new App();
        Stack stack = new Stack(app, "S");
        Construct outer = new Construct(stack, "Outer");
        Construct bucket = new Construct(outer, "MyBucket");
        List<CfnResource> rs = List.of(
                CfnResource.Builder.create(stack, "TopLevel").type("AWS::SNS::Topic").build(),
                CfnResource.Builder.create(outer, "Resource").type("AWS::SNS::Topic").build(),
                CfnResource.Builder.create(bucket, "Bucket").type("AWS::SNS::Topic").build(),
                CfnResource.Builder.create(new Construct(bucket, "Default"), "Inner-Thing.x").type("AWS::SNS::Topic").build());
        List<List<String>> paths = List.of(List.of("TopLevel"), List.of("Outer", "Resource"), List.of("Outer", "MyBucket", "Bucket"),
                List.of("Outer", "MyBucket", "Default", "Inner-Thing.x"));
        for (int i = 0; i < rs.size(); i++) {
            assertThat(LogicalIds.of(paths.get(i))).as(paths.get(i).toString()).isEqualTo(stack.resolve(rs.get(i).getLogicalId()));
        }
    }

    @Test
    void stateful_resources_keep_the_ids_they_had_before_the_split() {
        Template t = Synth.template(Map.of());
        Map<String, String> legacy = Map.ofEntries(
                Map.entry("DataKey17AFBB84", "AWS::KMS::Key"),
                Map.entry("DataBucketE3889A50", "AWS::S3::Bucket"),
                Map.entry("TenantsTableB701DC57", "AWS::DynamoDB::Table"),
                Map.entry("IdempotencyTable22A5A209", "AWS::DynamoDB::Table"),
                Map.entry("LeasesTableBC467872", "AWS::DynamoDB::Table"),
                Map.entry("Vpc8378EB38", "AWS::EC2::VPC"),
                Map.entry("CatalogDbSecret1278C08A", "AWS::SecretsManager::Secret"),
                Map.entry("CatalogDb87159883", "AWS::RDS::DBInstance"),
                Map.entry("CatalogProxy071C3B97", "AWS::RDS::DBProxy"),
                Map.entry("RollupDlq36988CC4", "AWS::SQS::Queue"),
                Map.entry("IngestFunctionLogsAF4D8C26", "AWS::Logs::LogGroup"),
                Map.entry("AlarmTopicD01E77F9", "AWS::SNS::Topic"));
        Map<String, Map<String, Object>> resources = t.toJSON().entrySet().stream()
                .filter(e -> e.getKey().equals("Resources")).findFirst().map(e -> {
                    @SuppressWarnings("unchecked")
                    Map<String, Map<String, Object>> r = (Map<String, Map<String, Object>>) e.getValue();
                    return r;
                }).orElseThrow();
        legacy.forEach((id, type) -> assertThat(resources).as(id).containsKey(id)
                .extractingByKey(id).satisfies(r -> assertThat(r.get("Type")).isEqualTo(type)));
    }
}
