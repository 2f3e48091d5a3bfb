package dev.lakelog.bench;

import dev.lakelog.Lakelog;
import dev.lakelog.auth.Tenant;
import dev.lakelog.auth.Tier;
import dev.lakelog.config.LakelogConfig;
import dev.lakelog.local.InProcessTenantLock;
import dev.lakelog.metrics.Metrics;
import dev.lakelog.rollup.RollupReport;
import dev.lakelog.rollup.RollupRequest;
import dev.lakelog.rollup.RollupService;
import dev.lakelog.segment.LogEvent;
import dev.lakelog.segment.SegmentCodec;
import dev.lakelog.segment.SegmentKeys;
import dev.lakelog.testing.LakelogFixture;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Does a rollup commit get slower as the DuckLake catalog holds more tables? (Issue 14: the
 * 1,000-tenant simulation's commit time grew with the number of tenants.) One container times
 * {@code -Dbench.commits} (10) one-segment rollups of one tenant, in phases: with the lake as it
 * is, then after a second container (another DuckDB, the same PostgreSQL catalog) has created
 * {@code -Dbench.tables} (500) small one-row tables, first while that container keeps creating one
 * more table between two timed commits (what a growing tenant count does: every commit then
 * starts from a new schema version), then with no more tables created. Also printed: the rows of
 * the catalog's column table, and on the worker's DuckDB the time of a table-exists lookup through
 * {@code duckdb_tables()} and through {@code duckdb_columns()} and of a bare one-row insert commit
 * (what told the cause apart: docs/benchmarks.md#fan-out-simulation-issue-14).
 *
 * <pre>
 * cd functions && LAKELOG_DUCKDB_EXTENSION_DIR=$PWD/target/duckdb-extensions MAVEN_OPTS=-Xmx2g \
 *   mvn -q -o test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=dev.lakelog.bench.CatalogTablesBenchmark
 * </pre>
 */
public final class CatalogTablesBenchmark {
    public static void main(String[] args) {
        try {
            run();
        } catch (Throwable t) {
            t.printStackTrace();
            System.exit(1);
        }
        System.exit(0);
    }

    private static void run() throws Exception {
        int commits = Integer.getInteger("bench.commits", 10);
        int tables = Integer.getInteger("bench.tables", 500);
        Map<String, String> extra = Map.of("LAKELOG_ROLLUP_MIN_AGE_SECONDS", "0", "LAKELOG_ROLLUP_BATCH_MAX_SEGMENTS", "1");
        SegmentCodec codec = new SegmentCodec();
        Metrics quiet = (Metrics) Proxy.newProxyInstance(Metrics.class.getClassLoader(), new Class<?>[] {Metrics.class},
                (p, m, a) -> m.getReturnType() == boolean.class ? false : null);
        try (LakelogFixture fx = LakelogFixture.aws(extra, Clock.systemUTC())) {
            LakelogConfig config = LakelogConfig.from(fx.env());
            try (Lakelog worker = Lakelog.start(config, Clock.systemUTC()); Lakelog other = Lakelog.start(config, Clock.systemUTC())) {
                worker.lake();
                other.lake();
                String tenant = "ctb";
                fx.app().tenants().createTenant(new Tenant(tenant, Tier.PAID));
                RollupService rs = new RollupService(worker.blobs(), worker::lake, new InProcessTenantLock(), codec, Clock.systemUTC(),
                        config.rollupLimits(), quiet);
                int[] next = {0};
                int[] created = {0};
                List<String> out = new ArrayList<>();
                out.add("| phase | extra tables | catalog columns | rollup commits | median ms | mean ms | duckdb_tables() lookup ms | duckdb_columns() lookup ms | bare insert commit ms |");
                out.add("|---|---|---|---|---|---|---|---|---|");
                Runnable createOne = () -> {
                    try (Connection c = other.lake().connect(); Statement st = c.createStatement()) {
                        String t = "lake.main.ctb_extra_" + created[0]++;
                        st.execute("BEGIN TRANSACTION");
                        st.execute("CREATE TABLE " + t + " (lane VARCHAR NOT NULL, seq BIGINT NOT NULL, chain_hash VARCHAR NOT NULL)");
                        st.execute("INSERT INTO " + t + " VALUES ('x', 0, 'h')");
                        st.execute("COMMIT");
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                };
                probeLake = worker.lake();
                try (Connection c = probeLake.connect(); Statement st = c.createStatement()) {
                    st.execute("CREATE TABLE IF NOT EXISTS lake.main.ctb_probe (k VARCHAR)");
                }
                phase(out, "warm-up", fx, rs, codec, tenant, next, 2, null, created);
                phase(out, "few extra tables, one more created between commits", fx, rs, codec, tenant, next, commits,
                        () -> {
                            while (created[0] < 10) createOne.run();
                        }, created, createOne);
                phase(out, "few extra tables, none created", fx, rs, codec, tenant, next, commits, null, created);
                long t0 = System.nanoTime();
                while (created[0] < tables) createOne.run();
                System.out.printf("created %d tables in %.1f s%n", tables, (System.nanoTime() - t0) / 1e9);
                phase(out, "+" + tables + " extra tables, one more created between commits", fx, rs, codec, tenant, next, commits, null, created,
                        createOne);
                phase(out, "+" + tables + " extra tables, none created", fx, rs, codec, tenant, next, commits, null, created);
                System.out.println();
                for (String l : out) System.out.println(l);
                System.out.println("load average: " + java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).trim());
            }
        }
    }

    private static dev.lakelog.lake.LakeEngine probeLake;

    /** On the worker's DuckDB: a table-exists lookup through duckdb_tables(), one bare one-row insert commit, the lookup through duckdb_columns(): mean ms of 5 each. */
    private static double[] probes(dev.lakelog.lake.LakeEngine lake) throws Exception {
        long lookup = 0;
        long insert = 0;
        long columns = 0;
        try (Connection c = lake.connect(); Statement st = c.createStatement()) {
            for (int i = 0; i < 5; i++) {
                long t0 = System.nanoTime();
                try (ResultSet r = st.executeQuery("SELECT count(*) FROM duckdb_tables() WHERE database_name = 'lake' AND schema_name = 'main' "
                        + "AND table_name = 'ctb_probe'")) {
                    r.next();
                }
                lookup += System.nanoTime() - t0;
                t0 = System.nanoTime();
                try (ResultSet r = st.executeQuery("SELECT count(*) FROM duckdb_columns() WHERE database_name = 'lake' AND schema_name = 'main' "
                        + "AND table_name = 'ctb_probe'")) {
                    r.next();
                }
                columns += System.nanoTime() - t0;
                t0 = System.nanoTime();
                st.execute("BEGIN TRANSACTION");
                st.execute("INSERT INTO lake.main.ctb_probe VALUES ('x')");
                st.execute("COMMIT");
                insert += System.nanoTime() - t0;
            }
        }
        return new double[] {lookup / 5e6, insert / 5e6, columns / 5e6};
    }

    private static void phase(List<String> out, String name, LakelogFixture fx, RollupService rs, SegmentCodec codec, String tenant, int[] next,
            int commits, Runnable before, int[] created, Runnable... between) throws Exception {
        if (before != null) before.run();
        List<Long> ms = new ArrayList<>();
        Instant base = Instant.now().minusSeconds(3600);
        for (int i = 0; i < commits; i++) {
            for (Runnable b : between) b.run();
            List<LogEvent> events = new ArrayList<>();
            for (int e = 0; e < 10; e++) events.add(RollupBenchmark.event(tenant, (long) next[0] * 10 + e, base));
            Instant at = base.plus(next[0]++, ChronoUnit.MILLIS);
            fx.app().blobs().put(SegmentKeys.newKey(tenant, at), codec.encode(tenant, ChronoUnit.MICROS.between(Instant.EPOCH, at), events));
            long t0 = System.nanoTime();
            RollupReport r = rs.rollup(new RollupRequest("bench", Optional.of(tenant), Duration.ZERO, true));
            ms.add((System.nanoTime() - t0) / 1_000_000);
            if (!r.errors().isEmpty()) throw new IllegalStateException("rollup failed: " + r.errors());
        }
        List<Long> sorted = new ArrayList<>(ms);
        sorted.sort(null);
        long columns;
        try (Connection c = fx.app().lake().connect(); Statement st = c.createStatement();
                ResultSet rs2 = st.executeQuery("SELECT count(*) FROM __ducklake_metadata_lake.ducklake_column")) {
            rs2.next();
            columns = rs2.getLong(1);
        }
        double[] probe = probes(probeLake);
        String row = String.format("| %s | %d | %d | %d | %d | %.0f | %.0f | %.0f | %.0f |", name, created[0], columns, commits, sorted.get(sorted.size() / 2),
                ms.stream().mapToLong(Long::longValue).average().orElse(0), probe[0], probe[2], probe[1]);
        System.out.println(row + "  " + ms);
        out.add(row);
    }
}
