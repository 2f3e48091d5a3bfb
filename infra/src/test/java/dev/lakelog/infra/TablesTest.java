package dev.lakelog.infra;

import static dev.lakelog.infra.Synth.byIdPrefix;
import static dev.lakelog.infra.Synth.props;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import software.amazon.awscdk.assertions.Template;

/** DynamoDB: tenants, idempotency (TTL), leases (TTL), rate limits, query jobs (TTL); on demand, PITR, retained. */
class TablesTest {
    private final Template t = Synth.template();

    private static Map<String, Object> keyDef(String name, String type) {
        return Map.of("AttributeName", name, "KeyType", type);
    }

    private void assertCommon(Map<String, Object> table) {
        Map<String, Object> p = props(table);
        assertThat(p).containsEntry("BillingMode", "PAY_PER_REQUEST");
        assertThat(p).containsEntry("PointInTimeRecoverySpecification", Map.of("PointInTimeRecoveryEnabled", true));
        assertThat(p).containsEntry("SSESpecification", Map.of("SSEEnabled", true, "SSEType", "KMS",
                "KMSMasterKeyId", Synth.getAtt(Synth.logicalId(t, "AWS::KMS::Key", "DataKey"), "Arn")));
        assertThat(p).containsEntry("DeletionProtectionEnabled", true);
        assertThat(table).containsEntry("DeletionPolicy", "Retain").containsEntry("UpdateReplacePolicy", "Retain");
    }

    @Test
    void tenantsTableHasStringPkAndSk() {
        Map<String, Object> table = byIdPrefix(t, "AWS::DynamoDB::Table", "TenantsTable").getValue();
        assertCommon(table);
        Map<String, Object> p = props(table);
        assertThat(p.get("KeySchema")).isEqualTo(List.of(keyDef("pk", "HASH"), keyDef("sk", "RANGE")));
        assertThat(p.get("AttributeDefinitions")).isEqualTo(List.of(
                Map.of("AttributeName", "pk", "AttributeType", "S"), Map.of("AttributeName", "sk", "AttributeType", "S")));
        assertThat(p).doesNotContainKey("TimeToLiveSpecification");
    }

    @Test
    void idempotencyTableExpiresRecordsByTtl() {
        Map<String, Object> table = byIdPrefix(t, "AWS::DynamoDB::Table", "IdempotencyTable").getValue();
        assertCommon(table);
        Map<String, Object> p = props(table);
        assertThat(p.get("KeySchema")).isEqualTo(List.of(keyDef("pk", "HASH")));
        assertThat(p).containsEntry("TimeToLiveSpecification", Map.of("AttributeName", "expires_at", "Enabled", true));
    }

    @Test
    void jobsTableExpiresJobsByTtl() {
        Map<String, Object> table = byIdPrefix(t, "AWS::DynamoDB::Table", "JobsTable").getValue();
        assertCommon(table);
        Map<String, Object> p = props(table);
        assertThat(p.get("KeySchema")).isEqualTo(List.of(keyDef("pk", "HASH")));
        assertThat(p).containsEntry("TimeToLiveSpecification", Map.of("AttributeName", "expires_at", "Enabled", true));
    }

    @Test
    void leasesTableExpiresLeasesByTtl() {
        Map<String, Object> table = byIdPrefix(t, "AWS::DynamoDB::Table", "LeasesTable").getValue();
        assertCommon(table);
        Map<String, Object> p = props(table);
        assertThat(p.get("KeySchema")).isEqualTo(List.of(keyDef("lease_key", "HASH")));
        assertThat(p).containsEntry("TimeToLiveSpecification", Map.of("AttributeName", "expires_at", "Enabled", true));
    }

    @Test
    void exactlyFiveTables() {
        t.resourceCountIs("AWS::DynamoDB::Table", 5); // tenants, idempotency, leases, per-tenant rate limits, query jobs
    }
}
