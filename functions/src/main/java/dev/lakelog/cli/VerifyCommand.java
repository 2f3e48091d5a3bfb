package dev.lakelog.cli;

import dev.lakelog.Lakelog;
import dev.lakelog.integrity.VerifyService;
import dev.lakelog.lake.IntegrityVerifier;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code lakelog verify}: checks the lake against its integrity chain and anchor; progress on stderr, the report as JSON on stdout. */
@Command(name = "verify", mixinStandardHelpOptions = true,
        description = "Verify the lake against its integrity chain and anchor (exit 0: ok, 1: broken; docs/integrity.md).")
final class VerifyCommand implements Callable<Integer> {
    @Option(names = "--tenant", description = "only this tenant's files, rows and segments (the chain and anchor are always checked whole)")
    String tenant;

    @Option(names = "--since-snapshot", description = "re-hash only data files added at or after this snapshot")
    Long sinceSnapshot;

    @Mixin
    StorageOptions storage;

    @Override
    public Integer call() throws Exception {
        try (Lakelog app = Lakelog.start(storage.config())) {
            Optional<String> t = Optional.ofNullable(tenant);
            Optional<Long> since = Optional.ofNullable(sinceSnapshot);
            IntegrityVerifier.Report r = app.verify().verify(t, since, s -> System.err.println("verify: " + s));
            System.out.println(app.json().writerWithDefaultPrettyPrinter().writeValueAsString(VerifyService.toJson(r, t, since)));
            System.err.println(r.ok() ? "verify: ok" : "verify: BROKEN: " + r.firstBroken());
            return r.ok() ? 0 : 1;
        }
    }
}
