package dev.lakelog.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.lakelog.generate.BatchSender;
import dev.lakelog.generate.EventGenerator;
import dev.lakelog.generate.Progress;
import java.io.BufferedOutputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code lakelog generate}: realistic compliance and telemetry events ({@link EventGenerator}) to an
 * NDJSON file or straight to a server as signed batches, with a progress bar.
 */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = {"Generate realistic compliance and telemetry events, to an NDJSON file or to a server.",
                "Reproducible: the same --seed, --events, --days, --tenants and --end give the same events.",
                "Examples:",
                "  lakelog generate --events 100000 --days 7 --out events.ndjson",
                "  lakelog generate --events 50000 --url http://127.0.0.1:8080 --key-id dev --secret \"$LAKELOG_DEV_HMAC_SECRET\""})
final class GenerateCommand implements Callable<Integer> {
    @Option(names = {"-n", "--events"}, defaultValue = "10000", description = "number of events (default: ${DEFAULT-VALUE})")
    long events;

    @Option(names = {"-d", "--days"}, defaultValue = "7", description = "days of history before --end (default: ${DEFAULT-VALUE})")
    int days;

    @Option(names = {"-k", "--tenants"}, defaultValue = "1",
            description = "tenants (default: ${DEFAULT-VALUE}); to a file: one file per tenant, <out> with .tenant-NN before its extension; to a server: one --key-id/--secret pair each")
    int tenants;

    @Option(names = "--seed", defaultValue = "42", description = "random seed (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--end", description = "end of the time range, ISO 8601 (default: now, to the second)")
    Instant end;

    @Option(names = {"-o", "--out"}, description = "NDJSON file to write ('-' for standard output)")
    String out;

    @Option(names = "--url", description = "send to this lakelog server instead (POST /v1/log/batch, HMAC-signed)")
    URI url;

    @Option(names = "--key-id", description = "HMAC key id of a tenant (repeat once per tenant, in order)")
    List<String> keyIds = new ArrayList<>();

    @Option(names = "--secret", description = "HMAC secret of that key (repeat once per tenant, in order)")
    List<String> secrets = new ArrayList<>();

    @Option(names = "--quiet", description = "no progress bar")
    boolean quiet;

    @Override
    public Integer call() throws Exception {
        if ((out == null) == (url == null)) throw new IllegalArgumentException("give exactly one of --out FILE or --url URL");
        EventGenerator.Spec spec;
        try {
            spec = new EventGenerator.Spec(seed, events, days, tenants, end != null ? end : Instant.now());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage().replace("count", "--events").replace("days", "--days").replace("tenants", "--tenants"));
        }
        boolean toStdout = "-".equals(out);
        Progress progress = quiet || toStdout ? null : new Progress(System.err, events, "events", System.console() != null);
        long[] done = {0};
        if (url != null) {
            if (keyIds.size() != tenants || secrets.size() != tenants) {
                throw new IllegalArgumentException("sending " + tenants + " tenant(s) needs " + tenants + " --key-id and " + tenants
                        + " --secret (got " + keyIds.size() + " and " + secrets.size() + ")");
            }
            List<BatchSender> senders = new ArrayList<>();
            for (int i = 0; i < tenants; i++) senders.add(new BatchSender(url, keyIds.get(i), secrets.get(i)));
            try {
                new EventGenerator(spec).generate((t, e) -> {
                    try {
                        senders.get(t).add(e);
                    } catch (java.io.IOException ex) {
                        throw new java.io.UncheckedIOException(ex);
                    } catch (InterruptedException ex) {
                        Thread.currentThread().interrupt();
                        throw new IllegalStateException("interrupted", ex);
                    }
                    if (progress != null) progress.update(++done[0]);
                });
                for (BatchSender s : senders) s.close();
            } catch (java.io.UncheckedIOException e) {
                throw e.getCause();
            }
            if (progress != null) progress.finish(done[0]);
            long batches = senders.stream().mapToLong(BatchSender::batches).sum();
            System.err.println("sent " + done[0] + " events in " + batches + " signed batches to " + url
                    + " (they reach the lake at the next rollup: POST /v1/analytics/rollup)");
            return 0;
        }
        ObjectMapper json = new ObjectMapper().disable(SerializationFeature.FLUSH_AFTER_WRITE_VALUE);
        List<OutputStream> files = new ArrayList<>();
        List<Path> paths = new ArrayList<>();
        for (int i = 0; i < tenants; i++) {
            if (toStdout) {
                files.add(new BufferedOutputStream(System.out, 1 << 16));
                if (tenants > 1) throw new IllegalArgumentException("--out - (standard output) takes one tenant; give a file name for --tenants " + tenants);
                continue;
            }
            Path p = tenants == 1 ? Path.of(out) : perTenant(Path.of(out), EventGenerator.tenantName(i, tenants));
            if (p.toAbsolutePath().getParent() != null) Files.createDirectories(p.toAbsolutePath().getParent());
            paths.add(p);
            files.add(new BufferedOutputStream(Files.newOutputStream(p), 1 << 16));
        }
        try {
            new EventGenerator(spec).generate((t, e) -> {
                try {
                    OutputStream o = files.get(t);
                    o.write(json.writeValueAsBytes(e));
                    o.write('\n');
                } catch (java.io.IOException ex) {
                    throw new java.io.UncheckedIOException(ex);
                }
                if (progress != null) progress.update(++done[0]);
            });
            for (OutputStream o : files) o.flush();
        } finally {
            if (!toStdout) for (OutputStream o : files) o.close();
        }
        if (progress != null) progress.finish(done[0]);
        if (!toStdout) System.err.println("wrote " + done[0] + " events to " + paths.stream().map(Path::toString).reduce((a, b) -> a + ", " + b).orElse(""));
        return 0;
    }

    static Path perTenant(Path p, String tenant) {
        String name = p.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String n = dot > 0 ? name.substring(0, dot) + "." + tenant + name.substring(dot) : name + "." + tenant;
        return p.resolveSibling(n);
    }
}
