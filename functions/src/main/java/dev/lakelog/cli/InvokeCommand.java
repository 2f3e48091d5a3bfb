package dev.lakelog.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lakelog.Lakelog;
import dev.lakelog.config.Backend;
import dev.lakelog.config.LakelogConfig;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
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
    @Option(names = "--handler",
            description = "handler class, e.g. IngestHandler, QueryHandler, RollupScheduleHandler, IotRollupHandler "
                    + "(default: the one the event is for, from its shape)")
    String handler;

    @Option(names = "--event", required = true, description = "event JSON file")
    Path event;

    @Option(names = "--sign", description = "fill in the local dev tenant's credentials: a fresh X-Signature (key id dev, "
            + "LAKELOG_DEV_HMAC_SECRET) and Bearer LAKELOG_DEV_TOKEN; in local mode both default to "
            + DEV_TOKEN + " / " + DEV_SECRET + " and the dev tenant is created")
    boolean sign;

    @Mixin
    StorageOptions storage;

    /** The dev credentials {@code --sign} uses in local mode when the environment sets none. */
    static final String DEV_TOKEN = "lakelog-dev-token";
    static final String DEV_SECRET = "lakelog-dev-secret";

    @Override
    public Integer call() throws Exception {
        String json = Files.readString(event);
        Map<String, String> env = new HashMap<>(System.getenv());
        LakelogConfig config = storage.config(env);
        if (sign) {
            String token = env.get("LAKELOG_DEV_TOKEN");
            String secret = env.get("LAKELOG_DEV_HMAC_SECRET");
            if (token == null || secret == null) {
                if (config.backend() != Backend.LOCAL) {
                    System.err.println("lakelog invoke --sign: set LAKELOG_DEV_TOKEN and LAKELOG_DEV_HMAC_SECRET "
                            + "(a tenant's token and the secret of its HMAC key id dev)");
                    return 2;
                }
                if (token == null) env.put("LAKELOG_DEV_TOKEN", token = DEV_TOKEN);
                if (secret == null) env.put("LAKELOG_DEV_HMAC_SECRET", secret = DEV_SECRET);
                config = storage.config(env);
            }
            json = SampleEvents.sign(json, token, secret, Instant.now());
        }
        String h = handler != null ? handler : SampleEvents.handlerFor(new ObjectMapper().readTree(json));
        try (Lakelog app = Lakelog.start(config)) {
            System.out.println(LocalInvoker.invoke(LocalInvoker.newHandler(h, app), json));
        }
        return 0;
    }
}
