package dev.lakelog.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code lakelog}: run lakelog locally and administer tenants. */
@Command(name = "lakelog", mixinStandardHelpOptions = true, version = "lakelog 0.1.0",
        description = "Serverless compliance and telemetry log lake; local mode and administration.",
        subcommands = {ServeCommand.class, DemoCommand.class, GenerateCommand.class, TenantCommand.class, OperatorTokenCommand.class,
                RollupCommand.class, InvokeCommand.class, VerifyCommand.class})
public final class LakelogCli implements Runnable {

    @Override
    public void run() {
        CommandLine.usage(this, System.out);
    }

    public static void main(String[] args) {
        CommandLine cli = new CommandLine(new LakelogCli())
                .setExecutionExceptionHandler((ex, cmd, parsed) -> {
                    cmd.getErr().println("lakelog: " + (ex instanceof dev.lakelog.api.LakelogException le ? le.getMessage() : ex.getMessage()));
                    return 1;
                });
        // picocli would print the top-level usage and exit 0 for `lakelog nosuch --help`
        if (args.length > 0 && !args[0].startsWith("-") && !cli.getSubcommands().containsKey(args[0])) {
            System.err.println("lakelog: unknown command '" + args[0] + "'; commands: " + String.join(", ", cli.getSubcommands().keySet())
                    + " (lakelog --help)");
            System.exit(2);
        }
        int code = cli.execute(args);
        if (code != 0 || args.length == 0 || !(args[0].equals("serve") || args[0].equals("demo"))) {
            System.exit(code);
        }
    }
}
