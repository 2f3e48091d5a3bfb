package dev.lakelog.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lakelog.api.ErrorCode;
import dev.lakelog.api.LakelogException;
import dev.lakelog.api.ApiResponse;
import dev.lakelog.auth.Tenant;
import dev.lakelog.auth.Tier;
import dev.lakelog.rollup.RollupRequest;
import dev.lakelog.testing.LakelogFixture;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code POST /v1/analytics/query} on the real servers: a table of escape attempts, each a 4xx
 * with a clear detail that returns none of the other tenant's rows; legitimate queries with
 * named params; the sandbox's own walls (only the tenant's files readable, configuration locked);
 * the row cap and the time limit.
 */
class CustomSqlSafetyTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static LakelogFixture fx;
    static LakelogFixture.TenantCredentials acme;
    static LakelogFixture.TenantCredentials other;
    static String otherFile;

    @BeforeAll
    static void start() throws Exception {
        fx = LakelogFixture.aws(Map.of(), java.time.Clock.systemUTC());
        acme = fx.createTenant("acme", Tier.PAID);
        other = fx.createTenant("other", Tier.PAID);
        AnalyticsQueryTest.fx = fx;
        AnalyticsQueryTest.ingest(acme, AnalyticsQueryTest.events("a", 20, Instant.parse("2026-11-20T00:00:00Z"), Duration.ofMinutes(30)));
        AnalyticsQueryTest.ingest(other, AnalyticsQueryTest.events("SECRET", 20, Instant.parse("2026-11-20T00:00:00Z"), Duration.ofMinutes(30)));
        assertThat(fx.app().rollup().rollup(new RollupRequest("test", Optional.empty(), Duration.ZERO, true)).errors()).isEmpty();
        try (Connection c = fx.app().lake().connect(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT data_file FROM ducklake_list_files('lake', 'logs') WHERE contains(data_file, 'tenant_id=other')")) {
            rs.next();
            otherFile = rs.getString(1);
        }
    }

    @AfterAll
    static void stop() {
        fx.close();
    }

    static ApiResponse query(LakelogFixture.TenantCredentials t, String sql, ObjectNode params) {
        ObjectNode body = JSON.createObjectNode().put("query", sql);
        if (params != null) body.set("params", params);
        return fx.call(LakelogFixture.bearer(t, "POST", "/v1/analytics/query", Map.of(), body.toString().getBytes(StandardCharsets.UTF_8)));
    }

    static Stream<Arguments> escapes() {
        String b = "s3://" + fx.bucket();
        return Stream.of(
                Arguments.of("COPY logs TO '/tmp/leak.csv'", "not a SELECT"),
                Arguments.of("ATTACH '/tmp/x.db' AS x", "not a SELECT"),
                Arguments.of("INSTALL httpfs", "not a SELECT"),
                Arguments.of("LOAD httpfs", "not a SELECT"),
                Arguments.of("SET enable_external_access = true", "not a SELECT"),
                Arguments.of("PRAGMA database_list", "not a SELECT"),
                Arguments.of("CALL duckdb_settings()", "not a SELECT"),
                Arguments.of("EXPORT DATABASE '/tmp/dump'", "not a SELECT"),
                Arguments.of("CREATE TABLE t AS SELECT * FROM logs", "not a SELECT"),
                Arguments.of("DELETE FROM logs", "not a SELECT"),
                Arguments.of("UPDATE logs SET message = 'x'", "not a SELECT"),
                Arguments.of("INSERT INTO logs SELECT * FROM logs", "not a SELECT"),
                Arguments.of("SELECT 1; SELECT * FROM lake.main.logs", "exactly one SELECT"),
                Arguments.of("SELECT * FROM logs; DROP TABLE logs", "not a SELECT"),
                Arguments.of("SELECT * FROM read_csv('/etc/passwd')", "table function 'read_csv'"),
                Arguments.of("SELECT * FROM read_parquet('" + b + "/lake/**/*.parquet')", "table function 'read_parquet'"),
                Arguments.of("SELECT * FROM read_json('/etc/hosts')", "table function 'read_json'"),
                Arguments.of("SELECT * FROM read_text('/etc/passwd')", "table function 'read_text'"),
                Arguments.of("SELECT * FROM read_blob('/etc/passwd')", "table function 'read_blob'"),
                Arguments.of("SELECT * FROM '/etc/passwd'", "table '/etc/passwd' is not allowed"),
                Arguments.of("SELECT * FROM '" + otherFile + "'", "is not allowed"),
                Arguments.of("SELECT * FROM glob('/*')", "table function 'glob'"),
                Arguments.of("SELECT * FROM duckdb_settings()", "table function 'duckdb_settings'"),
                Arguments.of("SELECT * FROM duckdb_secrets()", "table function 'duckdb_secrets'"),
                Arguments.of("SELECT * FROM ducklake_list_files('lake', 'logs')", "table function 'ducklake_list_files'"),
                Arguments.of("SELECT * FROM lake.snapshots()", "table function"),
                Arguments.of("SELECT * FROM query('SELECT * FROM lake.main.logs')", "table function 'query'"),
                Arguments.of("SELECT getenv('HOME')", "function 'getenv'"),
                Arguments.of("SELECT current_setting('s3_secret_access_key')", "function 'current_setting'"),
                Arguments.of("SELECT * FROM lake.main.logs WHERE tenant_id = 'other'", "table 'lake.main.logs'"),
                Arguments.of("SELECT * FROM logs l JOIN lake.main.logs o ON true", "table 'lake.main.logs'"),
                Arguments.of("SELECT * FROM logs WHERE log_id IN (SELECT log_id FROM lake.main.logs)", "table 'lake.main.logs'"),
                Arguments.of("WITH x AS (SELECT * FROM lake.main.logs) SELECT * FROM x", "table 'lake.main.logs'"),
                Arguments.of("SELECT log_id FROM logs UNION ALL SELECT log_id FROM lake.main.\"logs\"", "table 'lake.main.logs'"),
                Arguments.of("SELECT * FROM logs /* only mine */ UNION SELECT * FROM LAKE.MAIN.LOGS -- and theirs", "is not allowed"),
                Arguments.of("SELECT * FROM \"lake\".\"main\".\"logs\"", "table 'lake.main.logs'"),
                Arguments.of("SELECT * FROM main.logs", "table 'main.logs'"),
                Arguments.of("SELECT * FROM lake.main.rollup_ledger", "table 'lake.main.rollup_ledger'"),
                Arguments.of("SELECT * FROM __ducklake_metadata_lake.ducklake_data_file", "is not allowed"),
                Arguments.of("SELECT * FROM duckdb_tables", "table 'duckdb_tables'"),
                Arguments.of("SELECT * FROM information_schema.tables", "table 'information_schema.tables'"),
                Arguments.of("SELECT * FROM sqlite_master", "table 'sqlite_master'"),
                Arguments.of("WITH x AS (SELECT 1) SELECT * FROM (SELECT * FROM x), (WITH y AS (SELECT 2) SELECT * FROM duckdb_views)", "table 'duckdb_views'"),
                Arguments.of("SELECT * FROM logs AT (VERSION => 1)", "time travel"),
                Arguments.of("PIVOT duckdb_settings ON name USING first(value)", "not a SELECT"),
                Arguments.of("DESCRIBE lake.main.logs", "not"),
                Arguments.of("SUMMARIZE lake.main.logs", "not"),
                Arguments.of("SHOW TABLES", "not"),
                Arguments.of("SELECT lake.main.nope(1)", "function 'nope'"),
                Arguments.of("SELECT * FROM logs WHERE log_id = $1", "positional parameters"),
                Arguments.of("SELECT * FROM logs WHERE log_id = ?", "positional parameters"),
                Arguments.of("SELECT * FROM logs WHERE", "does not parse"),
                Arguments.of("", "empty"),
                // a CTE named after what it reads: inside its own body the name is the real object
                Arguments.of("WITH pg_settings AS (SELECT * FROM pg_settings) SELECT name, setting FROM pg_settings", "table 'pg_settings'"),
                Arguments.of("WITH duckdb_views AS (SELECT * FROM duckdb_views) SELECT view_name, sql FROM duckdb_views", "table 'duckdb_views'"),
                Arguments.of("WITH duckdb_settings AS (SELECT * FROM duckdb_settings) SELECT * FROM duckdb_settings", "table 'duckdb_settings'"),
                Arguments.of("WITH x AS (SELECT * FROM duckdb_databases), duckdb_databases AS (SELECT 1 AS a) SELECT * FROM x", "table 'duckdb_databases'"),
                Arguments.of("WITH x AS (SELECT * FROM y), y AS (SELECT * FROM pg_settings) SELECT * FROM x", "table 'y'"),
                Arguments.of("WITH \"" + otherFile + "\" AS (SELECT * FROM \"" + otherFile + "\") SELECT * FROM \"" + otherFile + "\"", "is not allowed"),
                Arguments.of("WITH \"PG_SETTINGS\" AS (SELECT * FROM pg_settings) SELECT * FROM Pg_Settings", "table 'pg_settings'"),
                Arguments.of("WITH pg_settings AS MATERIALIZED (SELECT * FROM pg_settings) SELECT * FROM pg_settings", "table 'pg_settings'"),
                Arguments.of("WITH pg_settings AS NOT MATERIALIZED (SELECT * FROM pg_settings) SELECT * FROM pg_settings", "table 'pg_settings'"),
                Arguments.of("SELECT * FROM (WITH pg_settings AS (SELECT * FROM pg_settings) SELECT * FROM pg_settings)", "table 'pg_settings'"),
                Arguments.of("SELECT (WITH duckdb_views AS (SELECT sql FROM duckdb_views) SELECT max(sql) FROM duckdb_views) AS s", "table 'duckdb_views'"),
                Arguments.of("WITH a AS (WITH pg_settings AS (SELECT * FROM pg_settings) SELECT * FROM pg_settings) SELECT * FROM a", "table 'pg_settings'"),
                Arguments.of("WITH a AS (SELECT 1 AS x) SELECT * FROM a, (WITH b AS (SELECT * FROM b) SELECT * FROM b)", "table 'b'"),
                Arguments.of("WITH logs AS (SELECT * FROM lake.main.logs) SELECT * FROM logs", "table 'lake.main.logs'"),
                Arguments.of("WITH RECURSIVE r AS (SELECT 1 AS n UNION ALL SELECT n + 1 FROM r WHERE n < 3) SELECT * FROM r", "not allowed"),
                // values that grow beyond any memory limit
                Arguments.of("SELECT printf('%0999999999d', 1)", "function 'printf'"),
                Arguments.of("SELECT format('{:>999999999}', 'x')", "function 'format'"),
                Arguments.of("SELECT 1 AS \"a\u0000b\"", "NUL"));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("escapes")
    void an_escape_attempt_gets_a_4xx_with_a_clear_detail_and_no_foreign_rows(String sql, String detail) throws Exception {
        ApiResponse r = query(acme, sql, null);
        assertThat(r.status()).as(sql + " -> " + r.bodyText()).isBetween(400, 499);
        JsonNode body = JSON.readTree(r.body());
        assertThat(body.path("detail").asText()).as(sql).contains(detail);
        assertThat(r.bodyText()).doesNotContain("SECRET-").doesNotContain("root:");
    }

    @Test
    void there_are_at_least_25_escape_attempts() {
        assertThat(escapes().count()).isGreaterThanOrEqualTo(25);
    }

    @Test
    void legitimate_aggregates_ctes_windows_and_params_over_logs_work() throws Exception {
        ObjectNode p = JSON.createObjectNode().put("since", "2026-11-20T05:00:00Z").put("sev", "ERROR");
        ApiResponse r = query(acme, """
                WITH w AS (SELECT *, row_number() OVER (PARTITION BY component ORDER BY "timestamp", log_id) AS rn
                           FROM logs WHERE "timestamp" >= $since)
                SELECT component, count(*) FILTER (WHERE severity = $sev) AS errors, max(rn) AS n,
                       date_trunc('day', min("timestamp")) AS day, list(DISTINCT actor_id ORDER BY actor_id)[1] AS first_actor
                FROM w GROUP BY component ORDER BY component""", p);
        assertThat(r.status()).as(r.bodyText()).isEqualTo(200);
        JsonNode rows = JSON.readTree(r.body()).path("rows");
        assertThat(rows).hasSize(3);
        long n = 0;
        for (JsonNode row : rows) n += row.path("n").asLong();
        assertThat(n).isEqualTo(10); // a-0010 .. a-0019
        assertThat(rows.get(0).path("day").asText()).isEqualTo("2026-11-20T00:00:00Z");
        // a quoting trick is only a string; an injected param value is only a value
        ApiResponse quoted = query(acme, "SELECT count(*) AS n FROM logs WHERE message = 'x'' UNION SELECT * FROM lake.main.logs --'", null);
        assertThat(JSON.readTree(quoted.body()).path("rows").get(0).path("n").asLong()).isZero();
        ApiResponse injected = query(acme, "SELECT count(*) AS n FROM logs WHERE tenant_id = $t",
                JSON.createObjectNode().put("t", "other' OR '1'='1"));
        assertThat(JSON.readTree(injected.body()).path("rows").get(0).path("n").asLong()).isZero();
        ApiResponse notMine = query(acme, "SELECT count(*) AS n FROM logs WHERE tenant_id <> 'acme'", null);
        assertThat(JSON.readTree(notMine.body()).path("rows").get(0).path("n").asLong()).isZero();
        ApiResponse values = query(acme, "SELECT x FROM (VALUES (1), (2)) v(x) WHERE x > $min", JSON.createObjectNode().put("min", 1));
        assertThat(JSON.readTree(values.body()).path("rows").toString()).isEqualTo("[{\"x\":2}]");
    }

    @Test
    void params_must_match_the_query() throws Exception {
        assertThat(JSON.readTree(query(acme, "SELECT count(*) FROM logs WHERE severity = $sev", null).body()).path("detail").asText())
                .contains("'$sev'");
        assertThat(JSON.readTree(query(acme, "SELECT 1", JSON.createObjectNode().put("extra", 1)).body()).path("detail").asText())
                .contains("'extra'");
        ApiResponse r = fx.call(LakelogFixture.bearer(acme, "POST", "/v1/analytics/query", Map.of(), "{\"sql\":\"SELECT 1\"}".getBytes(StandardCharsets.UTF_8)));
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.bodyText()).contains("'sql'");
    }

    @Test
    void the_sandbox_can_read_only_the_tenants_files_and_its_configuration_is_locked() throws Exception {
        List<String> mine = new ArrayList<>();
        try (Connection c = fx.app().lake().connect(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT data_file FROM ducklake_list_files('lake', 'logs') WHERE contains(data_file, 'tenant_id=acme')")) {
            while (rs.next()) mine.add(rs.getString(1));
        }
        try (dev.lakelog.lake.Sandbox box = fx.app().lake().openSandbox(mine, "256MB", 1, List.of(CustomQueryService.viewSql("acme", mine, List.of())));
                Connection sb = box.connection();
                Statement st = sb.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT count(*) FROM logs")) {
                rs.next();
                assertThat(rs.getLong(1)).isEqualTo(20);
            }
            assertThatThrownBy(() -> sb.createStatement().executeQuery("SELECT count(*) FROM read_parquet('" + otherFile + "')"))
                    .hasMessageContaining("disabled by configuration");
            assertThatThrownBy(() -> sb.createStatement().executeQuery("SELECT * FROM read_csv('/etc/passwd')")).hasMessageContaining("disabled by configuration");
            assertThatThrownBy(() -> sb.createStatement().execute("SET enable_external_access = true")).hasMessageContaining("locked");
            assertThatThrownBy(() -> sb.createStatement().execute("ATTACH '/tmp/sandbox-escape.db' AS x")).isInstanceOf(java.sql.SQLException.class);
            assertThatThrownBy(() -> sb.createStatement().executeQuery("SELECT * FROM lake.main.logs")).isInstanceOf(java.sql.SQLException.class);
        }
    }

    @Test
    void a_result_above_the_row_cap_is_refused_not_truncated() {
        CustomQueryService small = new CustomQueryService(() -> fx.app().lake(), JSON, 5, Duration.ofSeconds(30), fx.app().results());
        assertThatThrownBy(() -> small.run(new Tenant("acme", Tier.PAID), JSON.createObjectNode().put("query", "SELECT log_id FROM logs")))
                .isInstanceOfSatisfying(LakelogException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.RESULT_TOO_LARGE);
                    assertThat(e.detail()).contains("more than 5 rows");
                });
        assertThat(small.run(new Tenant("acme", Tier.PAID), JSON.createObjectNode().put("query", "SELECT log_id FROM logs LIMIT 5"))
                .path("count").asInt()).isEqualTo(5);
    }

    @Test
    void a_query_over_its_time_limit_is_cancelled_with_408() {
        CustomQueryService quick = new CustomQueryService(() -> fx.app().lake(), JSON, 10, Duration.ofMillis(200), fx.app().results());
        // 20^7 = 1.28 billion joined rows, each concatenating seven strings: minutes of work without the limit
        String slow = "SELECT sum(length(a.message || b.message || c.message || d.message || e.message || f.message || g.message)) AS n "
                + "FROM logs a, logs b, logs c, logs d, logs e, logs f, logs g";
        assertThatThrownBy(() -> quick.run(new Tenant("acme", Tier.PAID), JSON.createObjectNode().put("query", slow)))
                .isInstanceOfSatisfying(LakelogException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.QUERY_TIMEOUT);
                    assertThat(e.detail()).contains("time limit");
                });
    }
}
