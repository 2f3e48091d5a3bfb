package dev.lakelog.ingest.drop;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * A dropped file far bigger than the heap is streamed, not loaded: {@link BigDropFileInSmallHeap}
 * runs in a JVM with {@code -Xmx64m} and ingests 400,000 events (about 130 MB of NDJSON, twice the heap; gzip'd) into
 * segments of the usual 8 MiB; it would fail with OutOfMemoryError if the file or its events were held.
 */
class DropFolderBoundedMemoryTest {
    static final int EVENTS = 400_000;

    @Test
    void a_file_many_times_the_heap_is_ingested_in_bounded_memory_split_into_segments() throws Exception {
        Process p = new ProcessBuilder(List.of(Path.javaBin(), "-Xmx64m", "-XX:+ExitOnOutOfMemoryError",
                "-cp", System.getProperty("java.class.path"), BigDropFileInSmallHeap.class.getName(), Integer.toString(EVENTS)))
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int exit = p.waitFor();
        assertThat(exit).as(out).isZero();
        Matcher m = Pattern.compile("status=(\\w+) events=(\\d+) segments=(\\d+) raw_bytes=(\\d+).* ms=(\\d+)").matcher(out);
        assertThat(m.find()).as(out).isTrue();
        System.out.println("drop folder, 64 MB heap: " + m.group(0));
        assertThat(m.group(1)).isEqualTo("INGESTED");
        assertThat(Long.parseLong(m.group(2))).isEqualTo(EVENTS);
        assertThat(Long.parseLong(m.group(4))).as("the file is bigger than the whole heap").isGreaterThan(64L * 1024 * 1024);
        assertThat(Integer.parseInt(m.group(3))).as("split into segments of the usual size").isGreaterThan(5);
    }

    private static final class Path {
        static String javaBin() {
            return java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString();
        }
    }
}
