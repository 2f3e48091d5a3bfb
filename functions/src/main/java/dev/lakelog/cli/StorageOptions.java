package dev.lakelog.cli;

import dev.lakelog.config.LakelogConfig;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * {@code --data-dir}: local mode's data directory. When LAKELOG_BUCKET is set in the
 * environment, production storage (S3 + PostgreSQL + DynamoDB) is used instead.
 */
final class StorageOptions {
    @Option(names = "--data-dir", description = "data directory for local mode (default: ${DEFAULT-VALUE})", defaultValue = "./data")
    Path dataDir;

    LakelogConfig config() {
        return config(new HashMap<>(System.getenv()));
    }

    /** The configuration from {@code env} (changed in place: the data directory is added in local mode). */
    LakelogConfig config(Map<String, String> env) {
        if (!env.containsKey("LAKELOG_BUCKET")) {
            env.put("LAKELOG_DATA_DIR", dataDir.toAbsolutePath().normalize().toString());
        }
        return LakelogConfig.from(env);
    }
}
