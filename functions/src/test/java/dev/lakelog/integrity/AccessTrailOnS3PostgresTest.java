package dev.lakelog.integrity;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lakelog.api.ApiResponse;
import dev.lakelog.auth.Tier;
import dev.lakelog.lake.AccessLog;
import dev.lakelog.lake.IntegrityVerifier;
import dev.lakelog.testing.LakelogFixture;
import dev.lakelog.testing.TestServers;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The access trail on the AWS backend's real servers (S3 + PostgreSQL catalog + DynamoDB): records
 * wait as S3 objects under access-trail/pending/ (a read there does not commit: the query function
 * may not write the lake), the commit moves them into the lake's trail and deletes the objects, and
 * a record deleted through DuckLake SQL on the PostgreSQL catalog is named by verify.
 */
class AccessTrailOnS3PostgresTest {
    static final ObjectMapper JSON = new ObjectMapper();
    LakelogFixture fx;
    LakelogFixture.TenantCredentials acme;

    @BeforeEach
    void start() {
        fx = LakelogFixture.aws();
        acme = fx.createTenant("acme", Tier.PAID);
    }

    @AfterEach
    void stop() {
        fx.close();
    }

    @Test
    void records_wait_in_s3_until_committed_then_are_read_and_verified_and_a_deleted_one_is_named() throws Exception {
        for (int i = 0; i < 3; i++) {
            ApiResponse r = fx.call(LakelogFixture.bearer(acme, "POST", "/v1/analytics/query", Map.of(),
                    ("{\"query\":\"SELECT " + i + " AS n\"}").getBytes(StandardCharsets.UTF_8)));
            assertThat(r.status()).as(r.bodyText()).isEqualTo(200);
        }
        var s3 = TestServers.s3().client();
        assertThat(s3.listObjectsV2(b -> b.bucket(fx.bucket()).prefix(AccessTrail.PREFIX + "tenant=acme/")).contents()).hasSize(3);

        JsonNode before = JSON.readTree(fx.call(LakelogFixture.bearer(acme, "GET", "/v1/analytics/access", Map.of(), null)).bodyText());
        assertThat(before.path("records")).isEmpty();
        assertThat(before.path("pending_records").asInt()).isEqualTo(3);

        assertThat(fx.app().commitAccessTrail()).isEqualTo(4); // the three queries and the read
        assertThat(s3.listObjectsV2(b -> b.bucket(fx.bucket()).prefix(AccessTrail.PREFIX)).contents()).isEmpty();
        JsonNode after = JSON.readTree(fx.call(LakelogFixture.bearer(acme, "GET", "/v1/analytics/access",
                Map.of("route", "/v1/analytics/query"), null)).bodyText());
        assertThat(after.path("records")).hasSize(3);
        assertThat(after.path("records").get(2).path("sql").asText()).isEqualTo("SELECT 2 AS n");

        IntegrityVerifier.Report ok = fx.app().verify().verify(Optional.of("acme"), Optional.empty(), s -> {});
        assertThat(ok.problems()).isEmpty();
        try (Connection c = fx.app().lake().connect(); Statement st = c.createStatement()) {
            st.execute("DELETE FROM " + AccessLog.TABLE + " WHERE tenant_id = 'acme' AND seq = 1");
        }
        IntegrityVerifier.Report broken = fx.app().verify().verify(Optional.of("acme"), Optional.empty(), s -> {});
        assertThat(broken.firstBroken()).isEqualTo("access record 1 of tenant acme is missing (the trail goes from 0 to 2): it was deleted behind lakelog's back");
    }
}
