package dev.lakelog.lake;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lakelog.api.ApiResponse;
import dev.lakelog.auth.Tier;
import dev.lakelog.rollup.RollupRequest;
import dev.lakelog.testing.LakelogFixture;
import dev.lakelog.testing.TestDuckDb;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * A lake written before {@code trace_id}/{@code span_id} existed: the table is made by hand with the
 * first release's columns (and its rollup ledger) and one row, then lakelog starts on it. The columns are added on start,
 * the old row reads NULL in them through every read path, and new rows carry them.
 */
class SchemaEvolutionTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The first release's logs table: today's columns without the ones added since. */
    static String previousColumns() {
        String cols = LakeSchema.LOGS_COLUMNS;
        for (String added : LakeSchema.ADDED_COLUMNS) {
            cols = cols.replace(",\n" + added, "");
        }
        return cols;
    }

    @Test
    void a_lake_written_by_the_previous_schema_gains_the_trace_columns_on_start_and_old_rows_read_null() throws Exception {
        Path dir = Files.createTempDirectory("lakelog-old-lake-");
        assertThat(previousColumns()).doesNotContain("trace_id").doesNotContain("span_id").contains("segment_key VARCHAR NOT NULL");
        try (Connection c = TestDuckDb.open(); Statement st = c.createStatement()) {
            st.execute("ATTACH 'ducklake:" + dir.resolve("catalog.ducklake") + "' AS lake (DATA_PATH '" + dir.resolve("lake") + "/', DATA_INLINING_ROW_LIMIT 0)");
            st.execute("CREATE TABLE lake.main.logs (" + previousColumns() + ")");
            st.execute(LakeSchema.PARTITION_LOGS);
            st.execute(LakeSchema.CREATE_LEDGER);
            st.execute("INSERT INTO lake.main.logs VALUES ('acme', 'old-1', TIMESTAMPTZ '2026-11-01 10:00:00+00', 'login', 'SUCCESS', 'INFO', "
                    + "NULL, 'u1', 'auth', 'prod', NULL, 'written by the first release', NULL, NULL, NULL, NULL, NULL, NULL, "
                    + "TIMESTAMPTZ '2026-11-01 10:00:01+00', TIMESTAMPTZ '2026-11-02 00:00:00+00', 'segments/tenant=acme/old.cbor')");
            st.execute("INSERT INTO lake.main.logs VALUES ('legacy', 'legacy-1', TIMESTAMPTZ '2026-11-01 11:00:00+00', 'login', 'SUCCESS', 'INFO', "
                    + "NULL, 'u2', 'auth', 'prod', NULL, 'a tenant with old files only', NULL, NULL, NULL, NULL, NULL, NULL, "
                    + "TIMESTAMPTZ '2026-11-01 11:00:01+00', TIMESTAMPTZ '2026-11-02 00:00:00+00', 'segments/tenant=legacy/old.cbor')");
            st.execute("DETACH lake");
        }

        try (LakelogFixture fx = LakelogFixture.local(dir)) {
            LakelogFixture.TenantCredentials acme = fx.createTenant("acme", Tier.PAID);
            String event = "{\"timestamp\":\"2026-11-20T10:00:00Z\",\"event_type\":\"checkout\",\"outcome\":\"SUCCESS\",\"severity\":\"INFO\","
                    + "\"message\":\"new\",\"trace_id\":\"4BF92F3577B34DA6A3CE929D0E0E4736\",\"span_id\":\"00f067aa0ba902b7\"}";
            assertThat(fx.call(LakelogFixture.signedJson(acme, "/v1/log", event)).status()).isEqualTo(200);

            JsonNode recent = JSON.readTree(fx.call(LakelogFixture.bearer(acme, "GET", "/v1/logs/recent",
                    Map.of("trace_id", "4bf92f3577b34da6a3ce929d0e0e4736"), null)).body());
            assertThat(recent.path("logs")).as(recent.toString()).hasSize(1);
            assertThat(recent.path("logs").get(0).path("span_id").asText()).isEqualTo("00f067aa0ba902b7");

            fx.app().rollup().rollup(new RollupRequest("test", Optional.of("acme"), Duration.ZERO, true));

            JsonNode all = JSON.readTree(fx.call(LakelogFixture.bearer(acme, "GET", "/v1/analytics/logs", Map.of(), null)).body());
            assertThat(all.path("logs")).hasSize(2);
            JsonNode old = null;
            JsonNode fresh = null;
            for (JsonNode row : all.path("logs")) {
                if (row.path("log_id").asText().equals("old-1")) old = row;
                else fresh = row;
            }
            assertThat(old).isNotNull();
            assertThat(old.path("message").asText()).isEqualTo("written by the first release");
            assertThat(old.has("trace_id")).isTrue();
            assertThat(old.path("trace_id").isNull()).as("old row reads NULL").isTrue();
            assertThat(old.path("span_id").isNull()).isTrue();
            assertThat(fresh.path("trace_id").asText()).as("stored lower-case").isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");

            JsonNode byTrace = JSON.readTree(fx.call(LakelogFixture.bearer(acme, "GET", "/v1/analytics/logs",
                    Map.of("trace_id", "4bf92f3577b34da6a3ce929d0e0e4736"), null)).body());
            assertThat(byTrace.path("logs")).hasSize(1);

            ApiResponse q = fx.call(LakelogFixture.bearer(acme, "POST", "/v1/analytics/query", Map.of(),
                    "{\"query\":\"SELECT log_id, trace_id, span_id FROM logs ORDER BY log_id\"}".getBytes(StandardCharsets.UTF_8)));
            assertThat(q.status()).as(q.bodyText()).isEqualTo(200);
            JsonNode rows = JSON.readTree(q.body()).path("rows");
            assertThat(rows.toString()).contains("{\"log_id\":\"old-1\",\"trace_id\":null,\"span_id\":null}");

            // A tenant whose every file predates the columns still has them in custom SQL (NULL).
            LakelogFixture.TenantCredentials legacy = fx.createTenant("legacy", Tier.PAID);
            ApiResponse lq = fx.call(LakelogFixture.bearer(legacy, "POST", "/v1/analytics/query", Map.of(),
                    "{\"query\":\"SELECT log_id, trace_id, span_id FROM logs WHERE trace_id IS NULL\"}".getBytes(StandardCharsets.UTF_8)));
            assertThat(lq.status()).as(lq.bodyText()).isEqualTo(200);
            assertThat(JSON.readTree(lq.body()).path("rows").toString()).isEqualTo("[{\"log_id\":\"legacy-1\",\"trace_id\":null,\"span_id\":null}]");
            JsonNode legacyLogs = JSON.readTree(fx.call(LakelogFixture.bearer(legacy, "GET", "/v1/analytics/logs", Map.of(), null)).body());
            assertThat(legacyLogs.path("logs").get(0).path("trace_id").isNull()).isTrue();

            JsonNode snapshots = JSON.readTree(fx.call(LakelogFixture.bearer(acme, "GET", "/v1/analytics/snapshots", Map.of(), null)).body());
            assertThat(snapshots.toString()).contains("add columns trace_id VARCHAR, span_id VARCHAR");

            // Time travel to the snapshot the first release wrote, before the columns existed.
            // (the hand-written commits carry no commit message; the last of them is the INSERT)
            long firstInsert = -1;
            for (JsonNode snap : snapshots.path("snapshots")) {
                if (snap.path("commit_message").isNull()) firstInsert = Math.max(firstInsert, snap.path("snapshot_id").asLong());
            }
            assertThat(firstInsert).as(snapshots.toString()).isPositive();
            ApiResponse then = fx.call(LakelogFixture.bearer(acme, "GET", "/v1/analytics/logs/snapshot/" + firstInsert, Map.of(), null));
            assertThat(then.status()).as(then.bodyText()).isEqualTo(200);
            JsonNode thenRows = JSON.readTree(then.body()).path("logs");
            assertThat(thenRows).hasSize(1);
            assertThat(thenRows.get(0).path("log_id").asText()).isEqualTo("old-1");
            assertThat(thenRows.get(0).path("trace_id").isNull()).isTrue();

            // The change feed across the schema change: the first release's insert and the new rollup.
            long latest = snapshots.path("snapshots").get(0).path("snapshot_id").asLong();
            ApiResponse changes = fx.call(LakelogFixture.bearer(acme, "GET", "/v1/analytics/changes",
                    Map.of("from_snapshot", "1", "to_snapshot", Long.toString(latest)), null));
            assertThat(changes.status()).as(changes.bodyText()).isEqualTo(200);
            assertThat(changes.bodyText()).contains("old-1").contains("4bf92f3577b34da6a3ce929d0e0e4736");
        }
    }
}
