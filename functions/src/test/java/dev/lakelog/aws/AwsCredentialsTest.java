package dev.lakelog.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lakelog.config.LakelogConfig;
import dev.lakelog.testing.LakelogFixture;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProviderChain;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkClientException;

/** Outside Lambda no AWS client may look for credentials at the instance-metadata address. */
class AwsCredentialsTest {

    @Test
    void the_test_harness_gives_every_aws_backend_explicit_keys() {
        Map<String, String> env = LakelogFixture.awsEnv(Map.of());
        assertThat(env).containsKeys("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY");
        assertThat(AwsClients.credentials(LakelogConfig.from(env))).isInstanceOf(StaticCredentialsProvider.class);
    }

    @Test
    void without_keys_outside_lambda_the_chain_has_no_instance_metadata_lookup_and_says_so_at_once() {
        Map<String, String> env = new HashMap<>();
        env.put("LAKELOG_BUCKET", "some-bucket");
        env.put("AWS_REGION", "eu-west-1");
        var provider = AwsClients.credentials(LakelogConfig.from(env));
        assertThat(provider).isInstanceOf(AwsCredentialsProviderChain.class).isNotInstanceOf(DefaultCredentialsProvider.class);
        assertThat(provider.toString()).doesNotContain("InstanceProfile").doesNotContain("ContainerCredentials");
        assertThat(System.getProperty("aws.disableEc2Metadata")).isEqualTo("true");
        // no keys anywhere in this JVM's properties: resolving fails without any network call
        if (System.getenv("AWS_ACCESS_KEY_ID") == null && !new java.io.File(System.getProperty("user.home"), ".aws/credentials").exists()) {
            assertThatThrownBy(provider::resolveCredentials).isInstanceOf(SdkClientException.class);
        }
    }

    @Test
    void in_lambda_the_default_chain_is_used() {
        Map<String, String> env = new HashMap<>();
        env.put("LAKELOG_BUCKET", "some-bucket");
        env.put("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "1024");
        assertThat(AwsClients.credentials(LakelogConfig.from(env))).isInstanceOf(DefaultCredentialsProvider.class);
    }
}
