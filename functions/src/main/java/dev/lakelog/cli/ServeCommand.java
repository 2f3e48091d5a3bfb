package dev.lakelog.cli;

import dev.lakelog.Lakelog;
import dev.lakelog.config.LakelogConfig;
import dev.lakelog.local.DropFolderWatcher;
import dev.lakelog.local.LocalServer;
import dev.lakelog.local.ResultSweeper;
import dev.lakelog.local.RollupScheduler;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code lakelog serve}: every route on 127.0.0.1, with a built-in rollup schedule. */
@Command(name = "serve", mixinStandardHelpOptions = true, description = "Serve the lakelog API on 127.0.0.1.")
final class ServeCommand implements Callable<Integer> {
    @Option(names = "--port", defaultValue = "8080", description = "port on 127.0.0.1 (default: ${DEFAULT-VALUE}; 0 picks a free one)")
    int port;

    @Option(names = "--rollup-interval-seconds", defaultValue = "60",
            description = "how often the built-in schedule rolls up segments older than LAKELOG_ROLLUP_MIN_AGE_SECONDS (default: ${DEFAULT-VALUE}; 0 turns it off)")
    long rollupIntervalSeconds;

    @Mixin
    StorageOptions storage;

    @Override
    public Integer call() throws Exception {
        LakelogConfig config = storage.config();
        Running r = start(config, port, rollupIntervalSeconds);
        System.out.println("lakelog listening on " + r.server.url() + " (data: "
                + config.dataDir().map(Object::toString).orElse("s3://" + config.bucket().orElse("")) + ")");
        System.out.flush();
        r.awaitShutdown();
        return 0;
    }

    /** A started server with its app and schedule; stops on SIGTERM/SIGINT. */
    static final class Running {
        final Lakelog app;
        final LocalServer server;
        final RollupScheduler scheduler;
        final ResultSweeper sweeper;
        final DropFolderWatcher dropFolder;
        private final CountDownLatch stopped = new CountDownLatch(1);

        Running(Lakelog app, LocalServer server, RollupScheduler scheduler) {
            this.app = app;
            this.server = server;
            this.scheduler = scheduler;
            this.sweeper = app.config().embeddedStorage() ? new ResultSweeper(app.results()) : null;
            this.dropFolder = dropFolderWatcher(app);
            Runtime.getRuntime().addShutdownHook(new Thread(this::stop, "lakelog-shutdown"));
        }

        synchronized void stop() {
            if (stopped.getCount() == 0) return;
            server.close();
            if (scheduler != null) scheduler.close();
            if (sweeper != null) sweeper.close();
            if (dropFolder != null) dropFolder.close();
            app.close();
            System.out.println("lakelog stopped");
            System.out.flush();
            stopped.countDown();
        }

        void awaitShutdown() throws InterruptedException {
            stopped.await();
        }
    }

    /**
     * The drop folder {@code <data-dir>/incoming/tenant=<t>/}, polled every LAKELOG_DROP_POLL_SECONDS
     * (0: off); local storage only (with S3, the bucket's event notification does this).
     */
    static DropFolderWatcher dropFolderWatcher(Lakelog app) {
        LakelogConfig c = app.config();
        if (!c.embeddedStorage() || c.dropFolder().pollInterval().isZero() || c.dataDir().isEmpty()) return null;
        try {
            java.nio.file.Files.createDirectories(c.dataDir().get().resolve("incoming"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot create the drop folder " + c.dataDir().get().resolve("incoming"), e);
        }
        return new DropFolderWatcher(app.dropFolder(), app.blobs(), c.dropFolder().pollInterval(), c.dropFolder().settle(), java.time.Clock.systemUTC());
    }

    static Running start(LakelogConfig config, int port, long rollupIntervalSeconds) throws java.io.IOException {
        Lakelog app = Lakelog.start(config);
        app.lake(); // open DuckDB and attach now, so a broken setup fails at start
        LocalServer server = new LocalServer(app.router(), port);
        RollupScheduler scheduler = rollupIntervalSeconds > 0
                ? new RollupScheduler(app.rollup(), app.blobs(), Duration.ofSeconds(rollupIntervalSeconds), config.rollupMinAge(),
                        config.fanOut().localWorkers(),
                        new RollupScheduler.After("metrics_rollup", () -> app.metricsRollup().rollupAll(true, "schedule")),
                        new RollupScheduler.After("access_trail_commit", app::commitAccessTrail))
                : null;
        return new Running(app, server, scheduler);
    }
}
