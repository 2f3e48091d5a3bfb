package dev.lakelog.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lakelog.testing.LakelogFixture;
import dev.lakelog.testing.TestDuckDb;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the command line says when it cannot do what was asked: in words, with a non-zero exit. */
class CliErrorsTest {
    record Result(int exit, String out, String err) {}

    static Result cli(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-cp", System.getProperty("java.class.path"), LakelogCli.class.getName()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().keySet().removeIf(k -> k.startsWith("LAKELOG_") || k.startsWith("AWS_"));
        pb.environment().put("LAKELOG_DUCKDB_EXTENSION_DIR", TestDuckDb.extensionDirectory().toString());
        Path out = Files.createTempFile("cli-out", ".txt");
        Path err = Files.createTempFile("cli-err", ".txt");
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        int exit = p.waitFor();
        return new Result(exit, Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }

    @Test
    void an_unknown_command_exits_2_and_names_it_even_with_help() throws Exception {
        for (String[] args : new String[][] {{"nosuch", "--help"}, {"nosuch"}, {"rolup"}}) {
            Result r = cli(args);
            assertThat(r.exit()).as(String.join(" ", args)).isEqualTo(2);
            assertThat(r.err()).contains("unknown command '" + args[0] + "'");
        }
        assertThat(cli("--help").exit()).isZero();
    }

    @Test
    void a_rollup_on_a_lake_held_by_a_running_server_says_so_in_words() throws Exception {
        try (LakelogFixture fx = LakelogFixture.local()) {
            fx.app().lake(); // this JVM holds the lake, as `lakelog serve` would
            Result r = cli("rollup", "--data-dir", fx.env().get("LAKELOG_DATA_DIR"));
            assertThat(r.exit()).isNotZero();
            assertThat(r.err()).contains("in use by another lakelog process").contains("lakelog serve")
                    .contains("POST /v1/analytics/rollup").doesNotContain("Could not set lock");
        }
    }
}
