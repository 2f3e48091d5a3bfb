package dev.lakelog.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code lakelog}: run lakelog locally and administer tenants. */
@Command(name = "lakelog", mixinStandardHelpOptions = true, version = "lakelog 0.1.0",
        description = "Serverless compliance and telemetry log lake; local mode and administration.",
        subcommands = {ServeCommand.class, DemoCommand.class, TenantCommand.class, OperatorTokenCommand.class, RollupCommand.class,
                InvokeCommand.class})
public final class LakelogCli implements Runnable {

    @Override
    public void run() {
        CommandLine.usage(this, System.out);
    }

    public static void main(String[] args) {
        int code = new CommandLine(new LakelogCli())
                .setExecutionExceptionHandler((ex, cmd, parsed) -> {
                    cmd.getErr().println("lakelog: " + ex.getMessage());
                    return 1;
                })
                .execute(args);
        if (code != 0 || args.length == 0 || !(args[0].equals("serve") || args[0].equals("demo"))) {
            System.exit(code);
        }
    }
}
