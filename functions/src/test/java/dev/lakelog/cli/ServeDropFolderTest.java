package dev.lakelog.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lakelog.auth.Tenant;
import dev.lakelog.auth.Tier;
import dev.lakelog.config.LakelogConfig;
import dev.lakelog.testing.TestDuckDb;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code lakelog serve} watches {@code <data-dir>/incoming/} by default, and not when told not to. */
class ServeDropFolderTest {

    private static LakelogConfig config(Path dir, Map<String, String> extra) {
        Map<String, String> env = new java.util.HashMap<>(Map.of("LAKELOG_DATA_DIR", dir.toString(),
                "LAKELOG_DUCKDB_EXTENSION_DIR", TestDuckDb.extensionDirectory().toString(), "LAKELOG_DROP_POLL_SECONDS", "1"));
        env.putAll(extra);
        return LakelogConfig.from(env);
    }

    @Test
    void serve_creates_the_drop_folder_and_ingests_a_file_written_into_it() throws Exception {
        Path dir = Files.createTempDirectory("lakelog-serve-drop-");
        ServeCommand.Running r = ServeCommand.start(config(dir, Map.of()), 0, 0);
        try {
            assertThat(r.dropFolder).as("on by default").isNotNull();
            assertThat(dir.resolve("incoming")).isDirectory();
            r.app.tenants().createTenant(new Tenant("shop", Tier.PAID));
            Path f = dir.resolve("incoming/tenant=shop/today.ndjson");
            Files.createDirectories(f.getParent());
            Files.writeString(f, "{\"timestamp\":\"" + Instant.now().minusSeconds(5) + "\",\"event_type\":\"serve.drop\",\"outcome\":\"SUCCESS\","
                    + "\"severity\":\"INFO\",\"message\":\"from the drop folder\"}\n", StandardCharsets.UTF_8);
            Files.setLastModifiedTime(f, FileTime.from(Instant.now().minusSeconds(60)));
            // the background watcher polls every second; wait (generously) for it to take the file
            for (int i = 0; i < 600 && Files.exists(f); i++) Thread.sleep(100);
            assertThat(f).as("taken by the watcher").doesNotExist();
            assertThat(r.app.blobs().list("segments/tenant=shop/")).hasSize(1);
        } finally {
            r.stop();
        }
    }

    @Test
    void a_poll_interval_of_zero_turns_the_watcher_off() throws Exception {
        Path dir = Files.createTempDirectory("lakelog-serve-drop-off-");
        ServeCommand.Running r = ServeCommand.start(config(dir, Map.of("LAKELOG_DROP_POLL_SECONDS", "0")), 0, 0);
        try {
            assertThat(r.dropFolder).isNull();
        } finally {
            r.stop();
        }
    }
}
