package dev.lakelog.cli;

import dev.lakelog.Lakelog;
import dev.lakelog.rollup.RollupReport;
import dev.lakelog.rollup.RollupRequest;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code lakelog rollup}: one rollup now, printed as JSON (local mode: stop the server first). */
@Command(name = "rollup", mixinStandardHelpOptions = true, description = "Roll up hot-tier segments into the lake now.")
final class RollupCommand implements Callable<Integer> {
    @Option(names = "--tenant", description = "only this tenant")
    String tenant;

    @Option(names = "--delete-after-rollup", description = "delete segments once committed")
    boolean delete;

    @Mixin
    StorageOptions storage;

    @Override
    public Integer call() throws Exception {
        try (Lakelog app = Lakelog.start(storage.config())) {
            app.lake(); // open it first: a lake held by a running server is said in words, not as a batch error
            RollupReport r = app.rollup().rollup(new RollupRequest("cli", Optional.ofNullable(tenant), Duration.ZERO, delete));
            System.out.println(app.json().writeValueAsString(r));
            return r.errors().isEmpty() ? 0 : 2;
        }
    }
}
