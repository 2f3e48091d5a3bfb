package dev.lakelog.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lakelog.aws.DynamoTenantStore;
import dev.lakelog.auth.Secrets;
import dev.lakelog.auth.Tier;
import dev.lakelog.testing.DynamoServer;
import dev.lakelog.testing.TestServers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code lakelog tenant ...} as a platform team runs it against the deployed tenants table
 * ({@code LAKELOG_TENANTS_TABLE=<table> ./lakelog tenant create ...}): a separate JVM with only
 * environment variables, here pointed at DynamoDB Local.
 */
class TenantCliOnDynamoTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private record Result(int exit, String out, String err) {}

    private static Result cli(String table, String... args) throws Exception {
        DynamoServer dynamo = TestServers.dynamo();
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-cp", System.getProperty("java.class.path"), LakelogCli.class.getName()));
        cmd.addAll(List.of(args));
        cmd.addAll(List.of("--data-dir", Files.createTempDirectory("cli-dyn-").toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().keySet().removeIf(k -> k.startsWith("LAKELOG_") || k.startsWith("AWS_"));
        pb.environment().put("LAKELOG_TENANTS_TABLE", table);
        pb.environment().put("LAKELOG_DYNAMODB_ENDPOINT", dynamo.endpoint().toString());
        pb.environment().put("AWS_REGION", dynamo.region());
        pb.environment().put("AWS_ACCESS_KEY_ID", dynamo.accessKey());
        pb.environment().put("AWS_SECRET_ACCESS_KEY", dynamo.secretKey());
        Path out = Files.createTempFile("cli-out", ".txt");
        Path err = Files.createTempFile("cli-err", ".txt");
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        int exit = p.waitFor();
        return new Result(exit, Files.readString(out, StandardCharsets.UTF_8).trim(), Files.readString(err, StandardCharsets.UTF_8));
    }

    @Test
    void create_list_rotate_and_revoke_work_on_the_dynamodb_table_from_environment_variables_alone() throws Exception {
        String table = TestServers.dynamo().newTablePrefix() + "tenants";
        DynamoTenantStore.createTable(TestServers.dynamo().client(), table);
        DynamoTenantStore store = new DynamoTenantStore(TestServers.dynamo().client(), table);

        Result created = cli(table, "tenant", "create", "--id", "acme-prod", "--tier", "paid");
        assertThat(created.exit()).as(created.err()).isZero();
        JsonNode c = JSON.readTree(created.out());
        assertThat(c.path("tenant_id").asText()).isEqualTo("acme-prod");
        assertThat(store.tenantByTokenHash(Secrets.tokenHash(c.path("token").asText())))
                .hasValueSatisfying(t -> assertThat(t.tier()).isEqualTo(Tier.PAID));
        assertThat(store.hmacKey(c.path("key_id").asText()))
                .hasValueSatisfying(k -> assertThat(k.secret()).isEqualTo(c.path("hmac_secret").asText()));

        Result listed = cli(table, "tenant", "list");
        assertThat(listed.exit()).as(listed.err()).isZero();
        assertThat(listed.out()).contains("acme-prod").doesNotContain(c.path("token").asText())
                .doesNotContain(c.path("hmac_secret").asText());

        Result rotated = cli(table, "tenant", "rotate-key", "--id", "acme-prod", "--retire", c.path("key_id").asText());
        assertThat(rotated.exit()).as(rotated.err()).isZero();
        JsonNode r = JSON.readTree(rotated.out());
        assertThat(store.hmacKey(r.path("key_id").asText())).hasValueSatisfying(k -> assertThat(k.active()).isTrue());
        assertThat(store.hmacKey(c.path("key_id").asText())).hasValueSatisfying(k -> assertThat(k.active()).isFalse());

        Result revoked = cli(table, "tenant", "revoke", "--id", "acme-prod");
        assertThat(revoked.exit()).as(revoked.err()).isZero();
        assertThat(store.tenantByTokenHash(Secrets.tokenHash(c.path("token").asText()))).isEmpty();
        assertThat(store.hmacKey(r.path("key_id").asText())).isEmpty();
    }

    @Test
    void creating_an_existing_tenant_fails_with_a_message_and_a_non_zero_exit() throws Exception {
        String table = TestServers.dynamo().newTablePrefix() + "tenants";
        DynamoTenantStore.createTable(TestServers.dynamo().client(), table);
        assertThat(cli(table, "tenant", "create", "--id", "twice", "--tier", "free").exit()).isZero();
        Result again = cli(table, "tenant", "create", "--id", "twice", "--tier", "free");
        assertThat(again.exit()).isNotZero();
        assertThat(again.err()).contains("tenant 'twice' already exists");
    }
}
