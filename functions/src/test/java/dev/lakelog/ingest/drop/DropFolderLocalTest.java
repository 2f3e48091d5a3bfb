package dev.lakelog.ingest.drop;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lakelog.auth.Tier;
import dev.lakelog.local.DropFolderWatcher;
import dev.lakelog.rollup.RollupRequest;
import dev.lakelog.testing.LakelogFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Local mode's drop folder: files written into {@code <data-dir>/incoming/tenant=<t>/} are picked up
 * by {@link DropFolderWatcher} (driven here poll by poll) and go through the same core as the S3
 * event handler.
 */
class DropFolderLocalTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static LakelogFixture fx;
    private static Path data;
    private static DropFolderWatcher watcher;

    @BeforeAll
    static void start() {
        fx = LakelogFixture.local(Map.of("LAKELOG_ROLLUP_MIN_AGE_SECONDS", "0"));
        fx.createTenant("acme", Tier.PAID);
        data = Path.of(fx.env().get("LAKELOG_DATA_DIR"));
        // an hour between background polls: the test polls itself
        watcher = new DropFolderWatcher(fx.app().dropFolder(), fx.app().blobs(), Duration.ofHours(1), Duration.ofSeconds(2), Clock.systemUTC());
    }

    @AfterAll
    static void stop() {
        watcher.close();
        fx.close();
    }

    private static Path write(String key, byte[] bytes, Instant modified) throws Exception {
        Path p = data.resolve(key);
        Files.createDirectories(p.getParent());
        Files.write(p, bytes);
        Files.setLastModifiedTime(p, FileTime.from(modified));
        return p;
    }

    @Test
    void every_supported_file_type_written_into_the_folder_twice_lands_in_the_lake_exactly_once() throws Exception {
        List<DropFiles.Dropped> files = DropFiles.goodFiles("incoming/tenant=acme/", "local");
        for (int round = 0; round < 2; round++) {
            for (DropFiles.Dropped f : files) write(f.key(), f.bytes(), Instant.now().minusSeconds(60));
            watcher.poll(); // first sighting: size and time noted
            assertThat(watcher.poll()).as("round " + round).isEqualTo(files.size()); // unchanged since: taken
            for (DropFiles.Dropped f : files) assertThat(data.resolve(f.key())).as("removed once done").doesNotExist();
        }
        fx.app().rollup().rollup(new RollupRequest("test", Optional.of("acme"), Duration.ZERO, true));
        for (DropFiles.Dropped f : files) {
            String m0 = f.messages().get(0);
            Map<String, Long> expected = new HashMap<>();
            for (String m : f.messages()) expected.put(m, 1L);
            assertThat(counts(m0.substring(0, m0.lastIndexOf('-') + 1))).as(f.key()).isEqualTo(expected);
        }
    }

    @Test
    void a_file_still_changing_or_too_fresh_is_left_alone_until_it_has_settled() throws Exception {
        String key = "incoming/tenant=acme/settle/growing.ndjson";
        Path p = write(key, DropFiles.ndjson("settle-a", 2, -1), Instant.now().minusSeconds(60));
        watcher.poll();
        write(key, DropFiles.ndjson("settle", 3, -1), Instant.now()); // still being written: bigger, just modified
        assertThat(watcher.poll()).isZero();
        assertThat(p).exists();
        Files.setLastModifiedTime(p, FileTime.from(Instant.now().minusSeconds(30)));
        watcher.poll();
        assertThat(watcher.poll()).isEqualTo(1);
        assertThat(p).doesNotExist();
        Files.write(data.resolve("incoming/tenant=acme/settle/.hidden.ndjson.tmp"), DropFiles.ndjson("hidden", 1, -1));
        Files.setLastModifiedTime(data.resolve("incoming/tenant=acme/settle/.hidden.ndjson.tmp"), FileTime.from(Instant.now().minusSeconds(60)));
        watcher.poll();
        assertThat(watcher.poll()).as("a dot file is being written: never taken").isZero();
    }

    @Test
    void a_bad_file_is_moved_to_quarantine_beside_a_note_and_writes_nothing() throws Exception {
        String key = "incoming/tenant=acme/bad/events.csv";
        byte[] bytes = DropFiles.csv("localbad-csv", 4, 2);
        int segments = fx.app().blobs().list("segments/").size();
        write(key, bytes, Instant.now().minusSeconds(60));
        watcher.poll();
        watcher.poll();
        assertThat(data.resolve(key)).doesNotExist();
        Path q = data.resolve("quarantine/tenant=acme/incoming/bad/events.csv");
        assertThat(q).hasBinaryContent(bytes);
        JsonNode note = JSON.readTree(Files.readAllBytes(data.resolve("quarantine/tenant=acme/incoming/bad/events.csv.error.json")));
        assertThat(note.get("code").asText()).isEqualTo("invalid_event");
        assertThat(note.get("errors").get(0).get("at").asText()).isEqualTo("row 3 (line 5)");
        assertThat(note.get("errors").get(0).get("field").asText()).isEqualTo("outcome");
        assertThat(fx.app().blobs().list("segments/")).hasSize(segments);
    }

    private static Map<String, Long> counts(String prefix) throws Exception {
        Map<String, Long> out = new HashMap<>();
        try (Connection c = fx.app().lake().connect(); PreparedStatement ps = c.prepareStatement(
                "SELECT message, count(*) FROM lake.main.logs WHERE tenant_id = 'acme' AND starts_with(message, ?) GROUP BY 1")) {
            ps.setString(1, prefix);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.put(rs.getString(1), rs.getLong(2));
            }
        }
        return out;
    }
}
