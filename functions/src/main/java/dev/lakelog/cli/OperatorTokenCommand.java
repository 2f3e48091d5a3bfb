package dev.lakelog.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lakelog.Lakelog;
import dev.lakelog.auth.Secrets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code lakelog operator-token create|revoke}: the credential for lake-wide maintenance
 * (compact, cleanup, expire-snapshots, retention of every tenant). Held by the platform team; it
 * reads no tenant data. Stored hashed, in the same store as the tenants (local file or DynamoDB
 * with LAKELOG_TENANTS_TABLE).
 */
@Command(name = "operator-token", mixinStandardHelpOptions = true, description = "Operator tokens for lake-wide maintenance.",
        subcommands = {OperatorTokenCommand.Create.class, OperatorTokenCommand.Revoke.class})
final class OperatorTokenCommand implements Runnable {
    private static final ObjectMapper JSON = new ObjectMapper();
    @Spec CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "name a subcommand: create or revoke");
    }

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Create an operator token; prints it once.")
    static final class Create implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Option(names = "--name", required = true, description = "whose token it is (a person or a pipeline), 1-64 characters") String name;
        @Mixin StorageOptions storage;

        @Override
        public Integer call() {
            if (name.isBlank() || name.length() > 64) throw new ParameterException(spec.commandLine(), "--name must be 1-64 characters");
            try (Lakelog app = Lakelog.start(storage.config())) {
                String token = Secrets.newOperatorToken();
                app.tenants().addOperatorToken(Secrets.tokenHash(token), name);
                System.out.println(JSON.createObjectNode().put("operator", name).put("token", token));
                return 0;
            }
        }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true, description = "Revoke every operator token of a name.")
    static final class Revoke implements Callable<Integer> {
        @Option(names = "--name", required = true, description = "the name given at create") String name;
        @Mixin StorageOptions storage;

        @Override
        public Integer call() {
            try (Lakelog app = Lakelog.start(storage.config())) {
                int n = app.tenants().revokeOperatorTokens(name);
                System.out.println(JSON.createObjectNode().put("operator", name).put("revoked", n));
                return 0;
            }
        }
    }
}
