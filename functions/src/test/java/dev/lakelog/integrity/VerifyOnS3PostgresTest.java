package dev.lakelog.integrity;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lakelog.api.ApiResponse;
import dev.lakelog.auth.Tier;
import dev.lakelog.rollup.RollupReport;
import dev.lakelog.rollup.RollupRequest;
import dev.lakelog.testing.LakelogFixture;
import dev.lakelog.testing.TestServers;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * {@code GET /v1/analytics/verify} on the real servers (S3 + PostgreSQL catalog + DynamoDB): a
 * clean lake after rollups, compaction, retention and expiry verifies ok; a byte changed in a
 * Parquet object in S3 and a row deleted through DuckLake SQL on the PostgreSQL catalog are named.
 */
class VerifyOnS3PostgresTest {
    static final ObjectMapper JSON = new ObjectMapper();
    LakelogFixture fx;
    LakelogFixture.TenantCredentials acme;
    LakelogFixture.TenantCredentials globex;
    String operator;

    @BeforeEach
    void start() {
        fx = LakelogFixture.aws();
        acme = fx.createTenant("acme", Tier.PAID);
        globex = fx.createTenant("globex", Tier.PAID);
        operator = fx.createOperator("auditor");
        for (int round = 0; round < 2; round++) {
            for (int i = 0; i < 3; i++) {
                ingest(acme, "a-" + round + "-" + i, i == 0 ? "2020-01-01T00:00:00Z" : null);
                ingest(globex, "g-" + round + "-" + i, null);
            }
            RollupReport r = fx.app().rollup().rollup(new RollupRequest("test", Optional.empty(), Duration.ZERO, true));
            assertThat(r.errors()).isEmpty();
        }
    }

    @AfterEach
    void stop() {
        fx.close();
    }

    void ingest(LakelogFixture.TenantCredentials t, String id, String retention) {
        String json = "{\"log_id\":\"" + id + "\",\"timestamp\":\"2026-11-20T08:15:30Z\",\"event_type\":\"LOGIN\",\"outcome\":\"SUCCESS\",\"severity\":\"INFO\",\"message\":\"m\""
                + (retention == null ? "" : ",\"retention_until\":\"" + retention + "\"") + "}";
        ApiResponse r = fx.call(LakelogFixture.signedJson(t, "/v1/log", json));
        assertThat(r.status()).as(r.bodyText()).isEqualTo(200);
    }

    JsonNode verifyAsOperator(Map<String, String> query) throws Exception {
        ApiResponse r = fx.call(LakelogFixture.operator(operator, "GET", "/v1/analytics/verify", query));
        assertThat(r.status()).as(r.bodyText()).isEqualTo(200);
        return JSON.readTree(r.bodyText());
    }

    @Test
    void a_clean_lake_verifies_ok_after_rollups_compaction_retention_and_expiry() throws Exception {
        fx.app().maintenance().compact("test");
        assertThat(fx.app().maintenance().retention("test", Optional.empty()).rowsRemoved()).isEqualTo(2);
        fx.app().maintenance().expireSnapshots("test", 0);
        JsonNode v = verifyAsOperator(Map.of());
        assertThat(v.path("problems")).as(v.toString()).isEmpty();
        assertThat(v.path("status").asText()).isEqualTo("ok");
        assertThat(v.path("bytes_hashed").asLong()).isPositive();
        assertThat(v.path("notes").toString()).contains("no anchor outside the catalog");

        ApiResponse mine = fx.call(LakelogFixture.bearer(acme, "GET", "/v1/analytics/verify", Map.of(), null));
        assertThat(mine.status()).as(mine.bodyText()).isEqualTo(200);
        assertThat(JSON.readTree(mine.bodyText()).path("scope").path("tenant_id").asText()).isEqualTo("acme");
    }

    @Test
    void a_tenant_may_not_verify_another_tenant() {
        ApiResponse r = fx.call(LakelogFixture.bearer(acme, "GET", "/v1/analytics/verify", Map.of("tenant_id", "globex"), null));
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.bodyText()).contains("tenant_id");
    }

    @Test
    void one_changed_byte_of_a_parquet_object_in_s3_is_named() throws Exception {
        var s3 = TestServers.s3().client();
        S3Object obj = s3.listObjectsV2(b -> b.bucket(fx.bucket()).prefix("lake/main/logs/tenant_id=globex/")).contents().stream()
                .filter(o -> o.key().endsWith(".parquet")).findFirst().orElseThrow();
        byte[] bytes = s3.getObjectAsBytes(b -> b.bucket(fx.bucket()).key(obj.key())).asByteArray();
        bytes[bytes.length / 3] ^= 0x01;
        s3.putObject(b -> b.bucket(fx.bucket()).key(obj.key()), RequestBody.fromBytes(bytes));
        JsonNode v = verifyAsOperator(Map.of());
        assertThat(v.path("status").asText()).isEqualTo("broken");
        assertThat(v.path("first_broken").asText()).contains(obj.key().substring("lake/".length())).contains("tenant globex")
                .contains("was altered");
        // the tenant whose file it is sees it too; the other tenant's verify is not disturbed by it
        JsonNode acmeView = JSON.readTree(fx.call(LakelogFixture.bearer(acme, "GET", "/v1/analytics/verify", Map.of(), null)).bodyText());
        assertThat(acmeView.path("status").asText()).isEqualTo("ok");
    }

    @Test
    void a_row_deleted_through_ducklake_sql_on_the_postgres_catalog_is_named() throws Exception {
        try (Connection c = fx.app().lake().connect(); Statement st = c.createStatement()) {
            st.execute("DELETE FROM lake.main.logs WHERE log_id = 'a-1-2'");
        }
        JsonNode v = verifyAsOperator(Map.of("tenant_id", "acme"));
        assertThat(v.path("status").asText()).isEqualTo("broken");
        assertThat(v.path("first_broken").asText()).contains("tenant acme").contains("deleted behind lakelog's back");
    }
}
