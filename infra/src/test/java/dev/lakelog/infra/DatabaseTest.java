package dev.lakelog.infra;

import static dev.lakelog.infra.Synth.byIdPrefix;
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

/** PostgreSQL for the DuckLake catalog: RDS in isolated subnets, generated secret, RDS Proxy with TLS. */
class DatabaseTest {
    private final Template t = Synth.template();

    @Test
    void postgresInstanceIsPrivateEncryptedAndSnapshottedOnDelete() {
        Map<String, Object> db = byIdPrefix(t, "AWS::RDS::DBInstance", "CatalogDb").getValue();
        Map<String, Object> p = props(db);
        assertThat(p).containsEntry("Engine", "postgres")
                .containsEntry("EngineVersion", "17")
                .containsEntry("DBName", "lakelog")
                .containsEntry("DBInstanceClass", "db.t4g.small")
                .containsEntry("PubliclyAccessible", false)
                .containsEntry("StorageEncrypted", true)
                .containsEntry("StorageType", "gp3")
                .containsEntry("MultiAZ", false)
                .containsEntry("DeletionProtection", true)
                .containsEntry("BackupRetentionPeriod", 7)
                .containsEntry("CACertificateIdentifier", "rds-ca-rsa2048-g1")
                .containsEntry("Port", "5432");
        assertThat(db).containsEntry("DeletionPolicy", "Snapshot");
        // The subnet group holds the VPC's isolated subnets only (there are no others).
        Map<String, Object> subnets = props(byIdPrefix(t, "AWS::RDS::DBSubnetGroup", "CatalogDb").getValue());
        assertThat(list(subnets.get("SubnetIds"))).hasSize(2)
                .allSatisfy(s -> assertThat(String.valueOf(map(s).get("Ref"))).startsWith("Vpcisolated"));
    }

    @Test
    void credentialsAreGeneratedIntoARetainedSecret() {
        Map.Entry<String, Map<String, Object>> secret = byIdPrefix(t, "AWS::SecretsManager::Secret", "CatalogDbSecret");
        Map<String, Object> gen = map(props(secret.getValue()).get("GenerateSecretString"));
        assertThat(gen).containsEntry("GenerateStringKey", "password")
                .containsEntry("SecretStringTemplate", "{\"username\":\"lakelog\"}");
        assertThat(secret.getValue()).containsEntry("DeletionPolicy", "Retain");
        // The instance takes its master password from that secret (a dynamic reference, never a literal).
        String db = Synth.toJson(props(byIdPrefix(t, "AWS::RDS::DBInstance", "CatalogDb").getValue()).get("MasterUserPassword"));
        assertThat(db).contains("resolve:secretsmanager").contains(secret.getKey());
    }

    @Test
    void proxyRequiresTlsAndUsesTheSecret() {
        Map<String, Object> p = props(byIdPrefix(t, "AWS::RDS::DBProxy", "CatalogProxy").getValue());
        String attachment = logicalId(t, "AWS::SecretsManager::SecretTargetAttachment", "CatalogDbSecretAttachment");
        assertThat(p).containsEntry("EngineFamily", "POSTGRESQL")
                .containsEntry("RequireTLS", true)
                .containsEntry("Auth", List.of(Map.of(
                        "AuthScheme", "SECRETS",
                        "ClientPasswordAuthType", "POSTGRES_SCRAM_SHA_256",
                        "IAMAuth", "DISABLED",
                        "SecretArn", ref(attachment))));
        assertThat(list(p.get("VpcSubnetIds"))).hasSize(2);
        Map<String, Object> targets = props(byIdPrefix(t, "AWS::RDS::DBProxyTargetGroup", "CatalogProxy").getValue());
        assertThat(targets.get("DBInstanceIdentifiers"))
                .isEqualTo(List.of(ref(logicalId(t, "AWS::RDS::DBInstance", "CatalogDb"))));
    }

    @Test
    void onlyTheLakeFunctionsReachTheProxyAndOnlyTheProxyReachesTheDatabase() {
        String lambdaSg = logicalId(t, "AWS::EC2::SecurityGroup", "LakeFunctionsSg");
        String proxySg = logicalId(t, "AWS::EC2::SecurityGroup", "ProxySg");
        String dbSg = logicalId(t, "AWS::EC2::SecurityGroup", "CatalogDbSg");
        List<Map<String, Object>> ingress = resources(t, "AWS::EC2::SecurityGroupIngress").values().stream()
                .map(Synth::props).toList();
        assertThat(ingress).anySatisfy(i -> assertThat(i)
                .containsEntry("GroupId", getAtt(proxySg, "GroupId"))
                .containsEntry("SourceSecurityGroupId", getAtt(lambdaSg, "GroupId"))
                .containsEntry("FromPort", 5432).containsEntry("ToPort", 5432));
        assertThat(ingress).anySatisfy(i -> assertThat(i)
                .containsEntry("GroupId", getAtt(dbSg, "GroupId"))
                .containsEntry("SourceSecurityGroupId", getAtt(proxySg, "GroupId"))
                .containsEntry("FromPort", getAtt(logicalId(t, "AWS::RDS::DBInstance", "CatalogDb"), "Endpoint.Port")));
        String rotationSg = logicalId(t, "AWS::EC2::SecurityGroup", "RotationSg");
        assertThat(ingress.stream().filter(i -> getAtt(dbSg, "GroupId").equals(i.get("GroupId"))).map(i -> i.get("SourceSecurityGroupId")))
                .as("nothing but the proxy and the password rotation may reach the database")
                .containsExactlyInAnyOrder(getAtt(proxySg, "GroupId"), getAtt(rotationSg, "GroupId"));
        // No security group takes traffic from the internet.
        resources(t, "AWS::EC2::SecurityGroup").values().forEach(sg ->
                assertThat(Synth.toJson(props(sg).getOrDefault("SecurityGroupIngress", List.of()))).doesNotContain("0.0.0.0/0"));
    }

    @Test
    void instanceSizeAndAvailabilityAreContextParameters() {
        Template custom = Synth.template(Map.of("dbInstanceType", "m7g.large", "dbMultiAz", "true",
                "dbDeletionProtection", false, "dbAllocatedStorageGb", 50, "dbMaxAllocatedStorageGb", 500));
        assertThat(props(byIdPrefix(custom, "AWS::RDS::DBInstance", "CatalogDb").getValue()))
                .containsEntry("DBInstanceClass", "db.m7g.large")
                .containsEntry("MultiAZ", true)
                .containsEntry("DeletionProtection", false)
                .containsEntry("AllocatedStorage", "50")
                .containsEntry("MaxAllocatedStorage", 500);
    }
}
