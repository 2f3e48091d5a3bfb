package dev.lakelog.query;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lakelog.api.ApiResponse;
import dev.lakelog.auth.Tier;
import dev.lakelog.maintenance.MaintenanceService;
import dev.lakelog.rollup.RollupRequest;
import dev.lakelog.testing.LakelogFixture;
import dev.lakelog.testing.ProcessMemory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The limits that keep one query from taking the process down (docs/query.md#limits): private
 * spill directories (concurrent spilling queries), the per-value limit (value amplifiers), answers
 * streamed to a capped result file, and rows deleted by retention staying unreadable.
 */
public class SandboxLimitsTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static LakelogFixture fx;
    static final List<LakelogFixture.TenantCredentials> tenants = new ArrayList<>();

    /** The spilling query, with its 800,000-row fan-out built from values under the per-value limit. */
    public static final String SPILLING = "SELECT count(*) AS n, count(DISTINCT m) AS d FROM (SELECT left(l.message, 12) AS m, "
            + "row_number() OVER (ORDER BY hash(l.log_id || k || j)) AS r FROM (SELECT * FROM logs LIMIT 20) l, "
            + "(SELECT unnest(string_split(repeat('a,', 39999), ',')) AS k) s, (SELECT unnest(range_list) AS j FROM "
            + "(SELECT [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20] AS range_list)) t) WHERE r > 0";

    @BeforeAll
    static void start() {
        fx = LakelogFixture.local();
        AnalyticsQueryTest.fx = fx;
        for (int i = 0; i < 4; i++) {
            LakelogFixture.TenantCredentials t = fx.createTenant("t" + i, Tier.PAID);
            tenants.add(t);
            AnalyticsQueryTest.ingest(t, AnalyticsQueryTest.events("t" + i, 20, Instant.parse("2026-11-20T00:00:00Z"), Duration.ofMinutes(30)));
        }
        assertThat(fx.app().rollup().rollup(new RollupRequest("test", Optional.empty(), Duration.ZERO, true)).errors()).isEmpty();
    }

    @AfterAll
    static void stop() {
        fx.close();
    }

    static ApiResponse query(LakelogFixture.TenantCredentials t, String sql) {
        ObjectNode body = JSON.createObjectNode().put("query", sql);
        return fx.call(LakelogFixture.bearer(t, "POST", "/v1/analytics/query", Map.of(), body.toString().getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void two_then_eight_spilling_queries_at_once_all_answer_and_the_process_stays_up() throws Exception {
        for (int concurrent : new int[] {2, 8}) {
            ExecutorService pool = Executors.newFixedThreadPool(concurrent);
            List<Future<ApiResponse>> answers = new ArrayList<>();
            for (int i = 0; i < concurrent; i++) {
                LakelogFixture.TenantCredentials t = tenants.get(i % tenants.size());
                answers.add(pool.submit(() -> query(t, SPILLING)));
            }
            int ok = 0;
            int admitted = 0;
            for (Future<ApiResponse> f : answers) {
                ApiResponse r = f.get();
                if (r.status() == 200) {
                    JsonNode row = JSON.readTree(r.body()).path("rows").get(0);
                    assertThat(row.path("n").asLong()).isEqualTo(16_000_000L);
                    assertThat(row.path("d").asLong()).isEqualTo(20L);
                    ok++;
                    admitted++;
                } else if (r.status() == 408) {
                    // admitted, and ended by its 25 s limit: on a loaded machine a spilling query may take longer
                    assertThat(r.bodyText()).contains("\"query_timeout\"");
                    admitted++;
                } else {
                    // beyond a tenant's two concurrent queries, or the engine busy: a clean 429
                    assertThat(r.status()).as(r.bodyText()).isEqualTo(429);
                    assertThat(r.headers()).containsKey("Retry-After");
                }
            }
            pool.shutdown();
            System.out.println(concurrent + " concurrent spilling queries: " + ok + " answered, " + (admitted - ok)
                    + " ended by the time limit, " + (concurrent - admitted) + " refused with 429");
            assertThat(admitted).as("admitted of " + concurrent + " concurrent spilling queries")
                    .isGreaterThanOrEqualTo(Math.min(concurrent, QueryLimiter.DEFAULT_TOTAL));
            assertThat(ok).as("correct answers of " + concurrent + " concurrent spilling queries").isPositive();
        }
        // every sandbox spilled into a directory of its own, and each is gone once its query ended
        Path tmp = Path.of(fx.env().get("LAKELOG_DATA_DIR"), "tmp");
        try (Stream<Path> dirs = Files.list(tmp)) {
            assertThat(dirs.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("sandbox-"))).isEmpty();
        }
        assertThat(query(tenants.get(0), "SELECT count(*) AS n FROM logs").status()).isEqualTo(200);
    }

    @Test
    void the_exact_query_of_the_report_is_refused_by_the_per_value_limit_naming_it() throws Exception {
        ApiResponse r = query(tenants.get(0), "SELECT count(*) AS n, count(DISTINCT m) AS d FROM (SELECT left(l.message,12) AS m, "
                + "row_number() OVER (ORDER BY hash(l.log_id || k)) AS r FROM (SELECT * FROM logs LIMIT 20) l, "
                + "(SELECT unnest(string_split(repeat('a,', 799999), ',')) AS k) s) WHERE r > 0");
        assertThat(r.status()).isEqualTo(400);
        assertThat(JSON.readTree(r.body()).path("code").asText()).isEqualTo("value_too_large");
        assertThat(JSON.readTree(r.body()).path("detail").asText()).contains("repeat()").contains(Long.toString(SqlGuard.MAX_VALUE_BYTES));
    }

    @Test
    void value_amplifiers_are_refused_before_they_allocate_and_the_process_stays_small() throws Exception {
        List<String> amplifiers = List.of(
                "SELECT length(repeat(repeat('x', 1000000), 3000)) AS n",
                "SELECT length(repeat(message, 100000000)) AS n FROM logs",
                "SELECT length(lpad('x', 2000000000, 'y')) AS n",
                "SELECT length(rpad(message, 1000000000, 'y')) AS n FROM logs",
                "SELECT length(replace(repeat('a', 200000), 'a', 'bbbbbbbbbb')) AS n",
                "SELECT length(regexp_replace(repeat('a', 100000), '', 'xyz', 'g')) AS n",
                "WITH a AS (SELECT repeat('ab', 100000) AS s), b AS (SELECT s || s AS s FROM a), c AS (SELECT s || s AS s FROM b) "
                        + "SELECT length(c.s || c.s) AS n FROM c",
                "WITH a AS (SELECT repeat('ab', 100000) AS s) SELECT length(concat(s, s, s, s)) AS n FROM a",
                "SELECT len(list_value(repeat('x', 200000), repeat('x', 200000))) AS n");
        ProcessMemory.Peak peak = ProcessMemory.watch();
        for (String sql : amplifiers) {
            ApiResponse r = query(tenants.get(1), sql);
            assertThat(r.status()).as(sql + " -> " + r.bodyText()).isEqualTo(400);
            assertThat(JSON.readTree(r.body()).path("code").asText()).as(sql).isEqualTo("value_too_large");
        }
        long grewBy = peak.stop();
        System.out.println("value amplifiers: process RSS grew by at most " + grewBy / (1024 * 1024) + " MB");
        assertThat(grewBy).as("RSS growth while the amplifiers were refused").isLessThan(512L * 1024 * 1024);
        // ... while values under the limit still compute
        ApiResponse fine = query(tenants.get(1), "SELECT length(repeat(message, 1000)) AS n, len([1, 2, 3]) AS l, "
                + "length(replace(message, 'm', 'mm')) AS r FROM logs ORDER BY n LIMIT 1");
        assertThat(fine.status()).as(fine.bodyText()).isEqualTo(200);
        assertThat(JSON.readTree(fine.body()).path("rows").get(0).path("l").asInt()).isEqualTo(3);
    }

    @Test
    void an_answer_of_two_gigabytes_is_refused_by_a_named_limit_in_a_jvm_with_a_256_mb_heap() throws Exception {
        // A separate JVM with a small heap runs the query: an answer held in memory would end in
        // OutOfMemoryError there (it did before answers were written by DuckDB to a file).
        List<String> cmd = List.of(ProcessHandle.current().info().command().orElse("java"), "-Xmx256m",
                "-cp", System.getProperty("java.class.path"), BigAnswerInSmallHeap.class.getName());
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(false);
        pb.environment().put("LAKELOG_DUCKDB_EXTENSION_DIR", fx.env().get("LAKELOG_DUCKDB_EXTENSION_DIR"));
        Path out = Files.createTempFile("big-answer", ".txt");
        Process p = pb.redirectOutput(out.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        assertThat(p.waitFor(5, java.util.concurrent.TimeUnit.MINUTES)).isTrue();
        List<String> lines = Files.readAllLines(out);
        System.out.println(String.join("\n", lines));
        assertThat(p.exitValue()).as(String.join("\n", lines)).isZero();
        // refused either where DuckDB's memory limit stops it or at the result-file cap; never by the heap
        assertThat(lines).anySatisfy(l -> assertThat(l).matches("two_gigabytes (413 result_too_large|400 query_memory_limit) .*"));
        assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("forty_megabytes 200 file"));
        assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("after 200"));
        String timing = lines.stream().filter(l -> l.startsWith("two_gigabytes")).findFirst().orElseThrow();
        long ms = Long.parseLong(timing.replaceAll(".* ms=(\\d+).*", "$1"));
        assertThat(ms).as("the refusal comes within the time limit").isLessThan(CustomQueryService.DEFAULT_TIME_LIMIT.toMillis() + 5_000);
    }

    @Test
    void old_result_files_are_swept_in_local_mode() throws Exception {
        fx.app().blobs().put(BigResults.PREFIX + "t3/old.csv", "a\r\n".getBytes(StandardCharsets.UTF_8));
        Path old = Path.of(fx.env().get("LAKELOG_DATA_DIR"), BigResults.PREFIX, "t3", "old.csv");
        Files.setLastModifiedTime(old, java.nio.file.attribute.FileTime.from(Instant.now().minus(BigResults.KEEP).minusSeconds(60)));
        fx.app().blobs().put(BigResults.PREFIX + "t3/new.csv", "a\r\n".getBytes(StandardCharsets.UTF_8));
        assertThat(fx.app().results().sweep()).isGreaterThanOrEqualTo(1);
        assertThat(fx.app().blobs().get(BigResults.PREFIX + "t3/old.csv")).isEmpty();
        assertThat(fx.app().blobs().get(BigResults.PREFIX + "t3/new.csv")).isPresent();
    }

    @Test
    void rows_removed_by_retention_cannot_be_read_by_any_query() throws Exception {
        LakelogFixture.TenantCredentials t = fx.createTenant("ret", Tier.PAID);
        List<ObjectNode> events = AnalyticsQueryTest.events("ret", 10, Instant.parse("2026-11-20T00:00:00Z"), Duration.ofMinutes(1));
        for (int i = 0; i < 5; i++) events.get(i).put("retention_until", "2026-11-21T00:00:00Z");
        AnalyticsQueryTest.ingest(t, events);
        assertThat(fx.app().rollup().rollup(new RollupRequest("test", Optional.of("ret"), Duration.ZERO, true)).errors()).isEmpty();
        List<String> before = files("ret");
        MaintenanceService.RetentionResult removed = fx.app().maintenance().retention("test", Optional.of("ret"));
        assertThat(removed.rowsRemoved()).isEqualTo(5);
        assertThat(JSON.readTree(query(t, "SELECT count(*) AS n FROM logs").body()).path("rows").get(0).path("n").asLong()).isEqualTo(5);
        for (String file : before) {
            for (String sql : List.of("SELECT count(*) AS n FROM '" + file + "'",
                    "WITH \"" + file + "\" AS (SELECT * FROM \"" + file + "\") SELECT count(*) AS n FROM \"" + file + "\"",
                    "SELECT count(*) AS n FROM read_parquet('" + file + "')")) {
                ApiResponse r = query(t, sql);
                assertThat(r.status()).as(sql).isBetween(400, 499);
                assertThat(r.bodyText()).doesNotContain("ret-0000");
            }
        }
        ApiResponse all = query(t, "SELECT list(log_id ORDER BY log_id) AS ids FROM logs");
        assertThat(all.bodyText()).doesNotContain("ret-0000").contains("ret-0009");
    }

    private static List<String> files(String tenant) throws Exception {
        List<String> out = new ArrayList<>();
        try (Connection c = fx.app().lake().connect(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT data_file FROM ducklake_list_files('lake', 'logs') WHERE contains(data_file, 'tenant_id=" + tenant + "')")) {
            while (rs.next()) out.add(rs.getString(1));
        }
        return out;
    }
}
