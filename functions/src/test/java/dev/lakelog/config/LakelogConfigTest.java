package dev.lakelog.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LakelogConfigTest {

    @Test
    void local_mode_needs_only_a_data_directory() {
        LakelogConfig c = LakelogConfig.from(Map.of("LAKELOG_DATA_DIR", "/tmp/x"));
        assertThat(c.embeddedStorage()).isTrue();
        assertThat(c.rollupMinAge()).isEqualTo(Duration.ofSeconds(300));
        assertThat(c.segmentMaxBytes()).isEqualTo(8L * 1024 * 1024);
    }

    @Test
    void without_bucket_or_data_directory_start_fails_naming_both_variables() {
        assertThatThrownBy(() -> LakelogConfig.from(Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("LAKELOG_BUCKET").hasMessageContaining("LAKELOG_DATA_DIR");
    }

    @Test
    void a_bucket_without_postgres_is_valid_for_the_functions_that_never_open_the_lake() {
        LakelogConfig c = LakelogConfig.from(Map.of("LAKELOG_BUCKET", "my-lake-bucket"));
        assertThat(c.embeddedStorage()).isFalse();
        assertThat(c.postgres()).isEmpty();
    }

    @Test
    void a_bad_number_names_the_variable_and_the_value() {
        assertThatThrownBy(() -> LakelogConfig.from(Map.of("LAKELOG_DATA_DIR", "/tmp/x", "LAKELOG_PG_HOST", "h",
                "LAKELOG_BUCKET", "b-bucket", "LAKELOG_PG_PORT", "five")))
                .hasMessageContaining("LAKELOG_PG_PORT").hasMessageContaining("five");
        assertThatThrownBy(() -> LakelogConfig.from(Map.of("LAKELOG_DATA_DIR", "/tmp/x", "LAKELOG_SEGMENT_MAX_BYTES", "10")))
                .hasMessageContaining("LAKELOG_SEGMENT_MAX_BYTES").hasMessageContaining("between");
    }

    @Test
    void an_invalid_bucket_name_or_sslmode_is_refused() {
        assertThatThrownBy(() -> LakelogConfig.from(Map.of("LAKELOG_BUCKET", "Not_A_Bucket")))
                .hasMessageContaining("LAKELOG_BUCKET");
        assertThatThrownBy(() -> LakelogConfig.from(Map.of("LAKELOG_BUCKET", "b-bucket", "LAKELOG_PG_HOST", "h",
                "LAKELOG_PG_SSLMODE", "sometimes"))).hasMessageContaining("LAKELOG_PG_SSLMODE");
    }

    @Test
    void in_lambda_extensions_come_from_the_task_root_and_temp_files_go_to_tmp() {
        LakelogConfig c = LakelogConfig.from(Map.of("LAKELOG_BUCKET", "b-bucket", "LAMBDA_TASK_ROOT", "/var/task"));
        assertThat(c.extensionDir().toString()).isEqualTo("/var/task/duckdb-extensions");
        assertThat(c.duckdbTempDir()).hasValueSatisfying(p -> assertThat(p.toString()).isEqualTo("/tmp/duckdb"));
    }

    @Test
    void secrets_never_appear_in_the_string_form() {
        LakelogConfig c = LakelogConfig.from(Map.of("LAKELOG_BUCKET", "b-bucket", "LAKELOG_PG_HOST", "h",
                "LAKELOG_PG_PASSWORD", "pg-secret-pw", "LAKELOG_DEV_TOKEN", "tok-secret", "LAKELOG_DATA_DIR", "/d"));
        assertThat(c.toString()).doesNotContain("pg-secret-pw").doesNotContain("tok-secret");
    }

    @Test
    void verify_full_to_the_catalog_checks_the_server_against_the_ca_file_packaged_in_the_zip() throws Exception {
        java.nio.file.Path root = java.nio.file.Files.createTempDirectory("task");
        java.nio.file.Files.createDirectories(root.resolve("certs"));
        java.nio.file.Files.writeString(root.resolve("certs/amazon-root-cas.pem"), "-----BEGIN CERTIFICATE-----\n");
        LakelogConfig c = LakelogConfig.from(Map.of("LAKELOG_BUCKET", "b-bucket", "LAKELOG_PG_HOST", "h",
                "LAKELOG_PG_SSLMODE", "verify-full", "LAMBDA_TASK_ROOT", root.toString()));
        assertThat(c.postgres().orElseThrow().sslmode())
                .isEqualTo("verify-full sslrootcert='" + root.resolve("certs/amazon-root-cas.pem") + "'");
        assertThat(LakelogConfig.from(Map.of("LAKELOG_BUCKET", "b-bucket", "LAKELOG_PG_HOST", "h", "LAKELOG_PG_SSLMODE", "require",
                "LAMBDA_TASK_ROOT", root.toString())).postgres().orElseThrow().sslmode()).isEqualTo("require");
        assertThatThrownBy(() -> LakelogConfig.from(Map.of("LAKELOG_BUCKET", "b-bucket", "LAKELOG_PG_HOST", "h",
                "LAKELOG_PG_SSLMODE", "verify-full", "LAKELOG_PG_SSLROOTCERT", "/nonexistent/ca.pem")))
                .hasMessageContaining("LAKELOG_PG_SSLROOTCERT").hasMessageContaining("/nonexistent/ca.pem");
    }
}
