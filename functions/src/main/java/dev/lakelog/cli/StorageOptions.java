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
        Map<String, String> env = new HashMap<>(System.getenv());
        if (!env.containsKey("LAKELOG_BUCKET")) {
            env.put("LAKELOG_DATA_DIR", dataDir.toAbsolutePath().normalize().toString());
        }
        return LakelogConfig.from(env);
    }
}
