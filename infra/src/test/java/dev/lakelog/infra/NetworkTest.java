package dev.lakelog.infra;

import static dev.lakelog.infra.Synth.byIdPrefix;
import static dev.lakelog.infra.Synth.list;
import static dev.lakelog.infra.Synth.logicalId;
import static dev.lakelog.infra.Synth.map;
import static dev.lakelog.infra.Synth.props;
import static dev.lakelog.infra.Synth.resources;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import software.amazon.awscdk.assertions.Template;

/** VPC without NAT: isolated subnets, gateway endpoints for S3/DynamoDB, interface endpoints for Secrets Manager and IoT data. */
class NetworkTest {
    private final Template t = Synth.template();

    private Map<String, Object> endpoint(Template template, String serviceSuffix) {
        List<Map<String, Object>> hits = resources(template, "AWS::EC2::VPCEndpoint").values().stream()
                .map(Synth::props)
                .filter(p -> Synth.toJson(p.get("ServiceName")).contains(serviceSuffix))
                .toList();
        assertThat(hits).as("endpoint for " + serviceSuffix).hasSize(1);
        return hits.get(0);
    }

    @Test
    void vpcHasOnlyIsolatedSubnetsAndNoInternetPath() {
        t.resourceCountIs("AWS::EC2::VPC", 1);
        t.resourceCountIs("AWS::EC2::NatGateway", 0);
        t.resourceCountIs("AWS::EC2::InternetGateway", 0);
        t.resourceCountIs("AWS::EC2::EIP", 0);
        Map<String, Map<String, Object>> subnets = resources(t, "AWS::EC2::Subnet");
        assertThat(subnets).hasSize(2);
        subnets.values().forEach(s -> assertThat(props(s)).containsEntry("MapPublicIpOnLaunch", false));
        resources(t, "AWS::EC2::Route").values().forEach(r ->
                assertThat(props(r)).doesNotContainKeys("GatewayId", "NatGatewayId"));
    }

    @Test
    void gatewayEndpointsForS3AndDynamoDbOnTheIsolatedRouteTables() {
        for (String svc : List.of(".s3", ".dynamodb")) {
            Map<String, Object> p = endpoint(t, svc);
            assertThat(p).containsEntry("VpcEndpointType", "Gateway");
            assertThat(list(p.get("RouteTableIds"))).hasSize(2);
        }
    }

    @Test
    void interfaceEndpointForSecretsManagerWithPrivateDns() {
        Map<String, Object> p = endpoint(t, ".secretsmanager");
        assertThat(p).containsEntry("VpcEndpointType", "Interface").containsEntry("PrivateDnsEnabled", true);
        assertThat(Synth.toJson(p.get("SecurityGroupIds"))).contains(logicalId(t, "AWS::EC2::SecurityGroup", "EndpointsSg"));
    }

    @Test
    void interfaceEndpointForIotDataWithoutPrivateDnsAndNoZoneUntilTheEndpointIsKnown() {
        Map<String, Object> p = endpoint(t, ".iot.data");
        assertThat(p).containsEntry("VpcEndpointType", "Interface").containsEntry("PrivateDnsEnabled", false);
        t.resourceCountIs("AWS::Route53::HostedZone", 0);
    }

    @Test
    void iotEndpointContextCreatesAPrivateZoneAliasingTheDataHostToTheVpcEndpoint() {
        String host = "abc123example-ats.iot.eu-west-1.amazonaws.com";
        Template withIot = Synth.template(Map.of("iotEndpoint", host));
        Map<String, Object> zone = props(byIdPrefix(withIot, "AWS::Route53::HostedZone", "IotDataZone").getValue());
        assertThat(zone).containsEntry("Name", host + ".");
        assertThat(list(zone.get("VPCs"))).hasSize(1);
        Map<String, Object> record = props(byIdPrefix(withIot, "AWS::Route53::RecordSet", "IotDataRecord").getValue());
        assertThat(record).containsEntry("Name", host + ".").containsEntry("Type", "A");
        String alias = Synth.toJson(map(record.get("AliasTarget")).get("DNSName"));
        assertThat(alias).contains(logicalId(withIot, "AWS::EC2::VPCEndpoint", "VpcIotDataEndpoint")).contains("DnsEntries");
    }

    @Test
    void endpointsAcceptHttpsOnlyFromTheFunctionsAndTheProxy() {
        String endpointSg = logicalId(t, "AWS::EC2::SecurityGroup", "EndpointsSg");
        List<Map<String, Object>> ingress = resources(t, "AWS::EC2::SecurityGroupIngress").values().stream()
                .map(Synth::props)
                .filter(i -> Synth.toJson(i.get("GroupId")).contains(endpointSg)).toList();
        assertThat(ingress).hasSize(3).allSatisfy(i -> assertThat(i) // functions, proxy, password rotation
                .containsEntry("FromPort", 443).containsEntry("ToPort", 443).containsKey("SourceSecurityGroupId"));
    }
}
