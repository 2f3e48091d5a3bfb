package dev.lakelog.lake;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lakelog.auth.Tier;
import dev.lakelog.rollup.RollupRequest;
import dev.lakelog.testing.LakelogFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The lake's data files are ZSTD-compressed Parquet version 2 (docs/storage.md#parquet-files). A lake
 * written before (SNAPPY, version 1) is switched on its next start: its old files stay as they are
 * and readable, new files use the new settings, and the integrity chain verifies across both.
 */
class ParquetSettingsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    static Map<String, String> options(Connection c) throws Exception {
        Map<String, String> out = new HashMap<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT option_name, value FROM lake.options()")) {
            while (rs.next()) out.put(rs.getString(1), rs.getString(2));
        }
        return out;
    }

    /** The compression codecs of the data files holding rows of {@code tenant}. */
    static java.util.Set<String> codecs(Connection c, String tenant) throws Exception {
        java.util.List<String> files = new java.util.ArrayList<>();
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT DISTINCT filename FROM lake.main.logs WHERE tenant_id = '" + tenant + "'")) {
            while (rs.next()) files.add("'" + rs.getString(1) + "'");
        }
        java.util.Set<String> out = new java.util.TreeSet<>();
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT DISTINCT compression FROM parquet_metadata(" + files + ")")) {
            while (rs.next()) out.add(rs.getString(1));
        }
        return out;
    }

    static String event(String timestamp, String message) {
        return "{\"timestamp\":\"" + timestamp + "\",\"event_type\":\"checkout\",\"outcome\":\"SUCCESS\",\"severity\":\"INFO\","
                + "\"message\":\"" + message + "\"}";
    }

    /** New credentials for a tenant that already exists in the data directory. */
    static LakelogFixture.TenantCredentials credentials(LakelogFixture fx, String tenant) {
        String token = dev.lakelog.auth.Secrets.newToken();
        fx.app().tenants().addToken(tenant, dev.lakelog.auth.Secrets.tokenHash(token));
        dev.lakelog.auth.HmacKey key = new dev.lakelog.auth.HmacKey(dev.lakelog.auth.Secrets.newKeyId(), tenant,
                dev.lakelog.auth.Secrets.newHmacSecret(), true);
        fx.app().tenants().addHmacKey(key);
        return new LakelogFixture.TenantCredentials(tenant, token, key.keyId(), key.secret());
    }

    @Test
    void a_new_lake_writes_zstd_parquet_version_2() throws Exception {
        Path dir = Files.createTempDirectory("lakelog-parquet-new-");
        try (LakelogFixture fx = LakelogFixture.local(dir)) {
            LakelogFixture.TenantCredentials acme = fx.createTenant("acme", Tier.PAID);
            assertThat(fx.call(LakelogFixture.signedJson(acme, "/v1/log", event("2026-11-20T10:00:00Z", "m")))
                    .status()).isEqualTo(200);
            fx.app().rollup().rollup(new RollupRequest("test", Optional.of("acme"), Duration.ZERO, true));
            try (Connection c = fx.app().lake().connect()) {
                assertThat(options(c)).containsEntry("parquet_compression", "zstd").containsEntry("parquet_version", "V2");
                assertThat(codecs(c, "acme")).containsExactly("ZSTD");
            }
        }
    }

    @Test
    void a_lake_written_with_snappy_version_1_keeps_its_files_readable_writes_new_ones_with_zstd_and_compaction_rewrites_the_old() throws Exception {
        Path dir = Files.createTempDirectory("lakelog-parquet-old-");
        try (LakelogFixture fx = LakelogFixture.local(dir)) {
            LakelogFixture.TenantCredentials acme = fx.createTenant("acme", Tier.PAID);
            // written while the lake is still on the old settings
            try (Connection c = fx.app().lake().connect(); Statement st = c.createStatement()) {
                st.execute("CALL lake.set_option('parquet_compression', 'snappy')");
                st.execute("CALL lake.set_option('parquet_version', '1')");
            }
            assertThat(fx.call(LakelogFixture.signedJson(acme, "/v1/log", event("2026-11-20T10:00:00Z", "old")))
                    .status()).isEqualTo(200);
            fx.app().rollup().rollup(new RollupRequest("test", Optional.of("acme"), Duration.ZERO, true));
            try (Connection c = fx.app().lake().connect()) {
                assertThat(codecs(c, "acme")).containsExactly("SNAPPY");
            }
        }
        try (LakelogFixture fx = LakelogFixture.local(dir)) {
            // the next start switches the settings
            LakelogFixture.TenantCredentials acme = credentials(fx, "acme");
            try (Connection c = fx.app().lake().connect()) {
                assertThat(options(c)).containsEntry("parquet_compression", "zstd").containsEntry("parquet_version", "V2");
            }
            assertThat(fx.call(LakelogFixture.signedJson(acme, "/v1/log", event("2026-11-20T11:00:00Z", "new")))
                    .status()).isEqualTo(200);
            fx.app().rollup().rollup(new RollupRequest("test", Optional.of("acme"), Duration.ZERO, true));
            try (Connection c = fx.app().lake().connect()) {
                assertThat(codecs(c, "acme")).containsExactly("SNAPPY", "ZSTD");
            }
            JsonNode all = JSON.readTree(fx.call(LakelogFixture.bearer(acme, "GET", "/v1/analytics/logs", Map.of(), null)).body());
            assertThat(all.path("logs").findValuesAsText("message")).containsExactlyInAnyOrder("old", "new");
            IntegrityVerifier.Report r = IntegrityVerifier.verify(fx.app().lake(),
                    new IntegrityVerifier.Options(Optional.empty(), Optional.empty()), p -> {});
            assertThat(r.ok()).as(r.toString()).isTrue();

            // compaction rewrites the old file with the new settings (docs/storage.md#lakes-written-before)
            String operator = fx.createOperator("ops");
            assertThat(fx.call(LakelogFixture.operator(operator, "POST", "/v1/analytics/maintenance/compact", Map.of())).status())
                    .isEqualTo(200);
            try (Connection c = fx.app().lake().connect()) {
                assertThat(codecs(c, "acme")).containsExactly("ZSTD");
            }
            JsonNode compacted = JSON.readTree(fx.call(LakelogFixture.bearer(acme, "GET", "/v1/analytics/logs", Map.of(), null)).body());
            assertThat(compacted.path("logs").findValuesAsText("message")).containsExactlyInAnyOrder("old", "new");
            IntegrityVerifier.Report after = IntegrityVerifier.verify(fx.app().lake(),
                    new IntegrityVerifier.Options(Optional.empty(), Optional.empty()), p -> {});
            assertThat(after.ok()).as(after.toString()).isTrue();
        }
    }
}
