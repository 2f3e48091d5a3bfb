package dev.lakelog.lake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lakelog.testing.TestDuckDb;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/** DuckDB as a Lambda function gets it: sized from the function's memory, writing only under /tmp. */
class LakeEngineLambdaSettingsTest {

    private static String setting(Connection c, String name) throws Exception {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT current_setting('" + name + "')")) {
            rs.next();
            return rs.getString(1);
        }
    }

    @Test
    void memory_limit_threads_and_directories_follow_the_function_memory_and_the_temp_dir() throws Exception {
        Path data = Files.createTempDirectory("lake-lambda-data-");
        Path tmp = Files.createTempDirectory("lake-lambda-tmp-");
        LakeEngine.Settings s = LakeEngine.Settings.forLambda(TestDuckDb.extensionDirectory(), tmp, 3008);
        assertThat(s.memoryLimit()).isEqualTo("1804MB");
        assertThat(s.threads()).isEqualTo(1);
        assertThat(LakeEngine.Settings.forLambda(TestDuckDb.extensionDirectory(), tmp, 10240).threads()).isEqualTo(5);
        try (LakeEngine lake = LakeEngine.open(new LakeStorage.Local(data), s, () -> null, new Redactor());
                Connection c = lake.connect()) {
            assertThat(setting(c, "threads")).isEqualTo("1");
            assertThat(setting(c, "memory_limit")).isEqualTo("1.6 GiB"); // 1804 MB (10^6 bytes)
            assertThat(setting(c, "home_directory")).isEqualTo(tmp.toString());
            // a spill directory of this instance alone (two instances must never share one)
            assertThat(setting(c, "temp_directory")).startsWith(tmp.resolve("lake-").toString());
            assertThat(setting(c, "extension_directory")).isEqualTo(TestDuckDb.extensionDirectory().toAbsolutePath().toString());
            assertThat(setting(c, "autoinstall_known_extensions")).isEqualTo("false");
            assertThat(setting(c, "autoload_known_extensions")).isEqualTo("false");
            // Signature checks stay on: every setting about unsigned extensions is off.
            try (Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("SELECT name, value FROM duckdb_settings() WHERE name LIKE '%unsigned%'")) {
                int n = 0;
                while (rs.next()) {
                    n++;
                    assertThat(rs.getString("value")).as(rs.getString("name")).isEqualTo("false");
                }
                assertThat(n).isPositive();
            }
            assertThat(lake.timings().totalMs()).isGreaterThanOrEqualTo(lake.timings().attachMs());
        }
    }

    @Test
    void a_missing_extension_fails_at_start_naming_the_command_that_fetches_it() throws Exception {
        Path empty = Files.createTempDirectory("no-extensions-");
        assertThatThrownBy(() -> LakeEngine.open(new LakeStorage.Local(Files.createTempDirectory("d-")),
                LakeEngine.Settings.defaults(empty), () -> null, new Redactor()))
                .isInstanceOf(LakeException.class)
                .hasMessageContaining("ducklake")
                .hasMessageContaining("build/fetch-duckdb-extensions.sh");
    }
}
