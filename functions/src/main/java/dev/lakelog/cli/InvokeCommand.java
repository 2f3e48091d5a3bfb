package dev.lakelog.cli;

import dev.lakelog.Lakelog;
import dev.lakelog.handler.LocalInvoker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code lakelog invoke}: runs one Lambda handler on one sample event (see {@code events/}), on
 * local storage or on the production storage named by the environment. Stop a local server
 * first: the catalog is a single-writer DuckDB file.
 */
@Command(name = "invoke", mixinStandardHelpOptions = true,
        description = "Run a Lambda handler on an event file, as the Lambda runtime would.")
final class InvokeCommand implements Callable<Integer> {
    @Option(names = "--handler", required = true,
            description = "handler class, e.g. IngestHandler, QueryHandler, RollupScheduleHandler, IotRollupHandler")
    String handler;

    @Option(names = "--event", required = true, description = "event JSON file")
    Path event;

    @Mixin
    StorageOptions storage;

    @Override
    public Integer call() throws Exception {
        String json = Files.readString(event);
        try (Lakelog app = Lakelog.start(storage.config())) {
            System.out.println(LocalInvoker.invoke(LocalInvoker.newHandler(handler, app), json));
        }
        return 0;
    }
}
