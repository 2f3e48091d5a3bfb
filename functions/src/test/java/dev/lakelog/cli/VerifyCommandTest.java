package dev.lakelog.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lakelog.api.ApiResponse;
import dev.lakelog.auth.Tier;
import dev.lakelog.rollup.RollupRequest;
import dev.lakelog.testing.LakelogFixture;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** {@code lakelog verify}: the report as JSON on stdout, progress on stderr, exit 0 when ok and 1 when broken. */
class VerifyCommandTest {
    @Test
    void verify_exits_0_on_a_clean_lake_and_1_naming_the_altered_file() throws Exception {
        String dir;
        try (LakelogFixture fx = LakelogFixture.local()) {
            dir = fx.env().get("LAKELOG_DATA_DIR");
            LakelogFixture.TenantCredentials t = fx.createTenant("acme", Tier.PAID);
            for (int i = 0; i < 3; i++) {
                ApiResponse r = fx.call(LakelogFixture.signedJson(t, "/v1/log", "{\"log_id\":\"c-" + i + "\",\"timestamp\":\"2026-11-20T08:00:00Z\","
                        + "\"event_type\":\"LOGIN\",\"outcome\":\"SUCCESS\",\"severity\":\"INFO\",\"message\":\"m\"}"));
                assertThat(r.status()).as(r.bodyText()).isEqualTo(200);
            }
            fx.app().rollup().rollup(new RollupRequest("test", Optional.empty(), Duration.ZERO, true));
        }
        CliErrorsTest.Result ok = CliErrorsTest.cli("verify", "--data-dir", dir);
        assertThat(ok.exit()).as(ok.err()).isZero();
        JsonNode report = new ObjectMapper().readTree(ok.out());
        assertThat(report.path("status").asText()).isEqualTo("ok");
        assertThat(report.path("anchor").asText()).contains("anchor.log").contains("fingerprint sha256:");
        assertThat(ok.err()).contains("verify: checking the chain").contains("verify: ok");

        Path file;
        try (Stream<Path> s = Files.walk(Path.of(dir, "lake", "main", "logs"))) {
            file = s.filter(p -> p.toString().endsWith(".parquet")).findFirst().orElseThrow();
        }
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(f.length() / 2);
            int b = f.read();
            f.seek(f.length() / 2);
            f.write(b ^ 0x10);
        }
        CliErrorsTest.Result broken = CliErrorsTest.cli("verify", "--data-dir", dir, "--tenant", "acme");
        assertThat(broken.exit()).isEqualTo(1);
        assertThat(broken.err()).contains("verify: BROKEN: data file main/logs/tenant_id=acme/").contains("was altered");
    }
}
