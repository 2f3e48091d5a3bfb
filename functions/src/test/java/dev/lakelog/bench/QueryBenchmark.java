package dev.lakelog.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lakelog.auth.Tenant;
import dev.lakelog.auth.Tier;
import dev.lakelog.query.CustomQueryService;
import dev.lakelog.query.LogFilter;
import dev.lakelog.query.LogRows;
import dev.lakelog.query.NamedQueries;
import dev.lakelog.api.Params;
import dev.lakelog.query.TenantView;
import dev.lakelog.testing.LakelogFixture;
import dev.lakelog.testing.TestDuckDb;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * Query benchmark (issue 5): 10M events generated straight into the lake (local mode, DuckDB
 * {@code INSERT ... SELECT ... FROM range(...)}, two commits so there is a snapshot to travel to),
 * then p50/p95 of five queries through the query core against the same SQL in a bare DuckDB over
 * the same Parquet files ({@code read_parquet} of the lake's data files), in the same run.
 *
 * <pre>cd functions && mvn -q -o test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=dev.lakelog.bench.QueryBenchmark</pre>
 * Optional: -Dbench.events=10000000 -Dbench.iterations=20.
 */
public final class QueryBenchmark {
    private static final ObjectMapper JSON = new ObjectMapper();

    public static void main(String[] args) throws Exception {
        long events = Long.getLong("bench.events", 10_000_000L);
        int iterations = Integer.getInteger("bench.iterations", 20);
        try (LakelogFixture fx = LakelogFixture.local()) {
            Tenant tenant = new Tenant("bench", Tier.PAID);
            long t0 = System.nanoTime();
            long half;
            try (Connection c = fx.app().lake().connect(); Statement st = c.createStatement()) {
                insert(st, 0, events / 2, events);
                try (ResultSet rs = st.executeQuery("SELECT max(snapshot_id) FROM lake.snapshots()")) {
                    rs.next();
                    half = rs.getLong(1);
                }
                insert(st, events / 2, events, events);
            }
            System.out.printf("generated %,d events into the lake in %.1f s%n", events, (System.nanoTime() - t0) / 1e9);
            List<String> files = files(fx, null);
            List<String> halfFiles = files(fx, half);
            System.out.printf("data files: %d (at snapshot %d: %d)%n", files.size(), half, halfFiles.size());

            var query = fx.app().query();
            NamedQueries named = new NamedQueries(query.view(), () -> fx.app().lake(), JSON);
            CustomQueryService custom = new CustomQueryService(() -> fx.app().lake(), JSON, 10_000, Duration.ofSeconds(60), fx.app().results());

            String since = "2026-10-10T12:00:00Z";
            String until = "2026-10-10T13:00:00Z";
            LogFilter narrow = LogFilter.from(new Params(Map.of("since", since, "until", until, "limit", "1000")));
            LogFilter tt = LogFilter.from(new Params(Map.of("since", since, "until", until, "limit", "100")), 1000, 100);
            ObjectNode agg = JSON.createObjectNode();
            agg.putObject("params").put("since", "2026-10-05T00:00:00Z").put("until", "2026-10-12T00:00:00Z").put("event_type", "EXPORT");
            ObjectNode top = JSON.createObjectNode().put("page_size", 10);
            top.putObject("params").put("since", "2026-10-01T00:00:00Z");
            ObjectNode count = JSON.createObjectNode().put("query", "SELECT count(*) AS n FROM logs");

            String sel = LogRows.SELECT_LIST;
            String logsSql = "SELECT " + sel + " FROM %s WHERE tenant_id = 'bench' AND \"timestamp\" >= TIMESTAMPTZ '" + since
                    + "' AND \"timestamp\" <= TIMESTAMPTZ '" + until + "' ORDER BY \"timestamp\", log_id LIMIT %d OFFSET 0";
            String aggSql = "SELECT * FROM (SELECT coalesce(component, '') AS component, count(*) AS events, count(*) FILTER (WHERE outcome = 'FAILURE') AS failures "
                    + "FROM %s WHERE tenant_id = 'bench' AND \"timestamp\" >= TIMESTAMPTZ '2026-10-05T00:00:00Z' AND \"timestamp\" < TIMESTAMPTZ '2026-10-12T00:00:00Z' "
                    + "AND event_type = 'EXPORT' GROUP BY 1) q ORDER BY component ASC LIMIT 1001";
            String topSql = "SELECT * FROM (SELECT coalesce(resource, '') AS resource, count(*) AS events, count(DISTINCT actor_id) AS distinct_actors "
                    + "FROM %s WHERE tenant_id = 'bench' AND \"timestamp\" >= TIMESTAMPTZ '2026-10-01T00:00:00Z' GROUP BY 1) q "
                    + "ORDER BY events DESC, resource ASC LIMIT 11";
            String countSql = "SELECT count(*) AS n FROM %s WHERE tenant_id = 'bench'";
            String all = parquet(files);
            String old = parquet(halfFiles);

            try (Connection bare = TestDuckDb.open(); Statement b = bare.createStatement()) {
                b.execute("SET TimeZone = 'UTC'");
                List<String[]> rows = new ArrayList<>();
                rows.add(run("narrow time window (1 h, logs route)", iterations,
                        () -> query.logs(tenant, narrow, new TenantView.Latest(true)).path("count").asInt(),
                        () -> drain(b, String.format(logsSql, all, 1000))));
                rows.add(run("filter + aggregate (7 d, events_by_component)", iterations,
                        () -> named.run(tenant, "events_by_component", agg).path("count").asInt(),
                        () -> drain(b, String.format(aggSql, all))));
                rows.add(run("top-N (top_resources, 10)", iterations,
                        () -> named.run(tenant, "top_resources", top).path("count").asInt(),
                        () -> drain(b, String.format(topSql, all))));
                rows.add(run("full scan count (custom SQL sandbox)", iterations,
                        () -> custom.run(tenant, count).path("rows").get(0).path("n").asInt(),
                        () -> drain(b, String.format(countSql, all))));
                final long snap = half;
                rows.add(run("time travel (snapshot " + half + ", 1 h, limit 100)", iterations,
                        () -> query.logs(tenant, tt, new TenantView.AsOfVersion(snap)).path("count").asInt(),
                        () -> drain(b, String.format(logsSql, old, 100))));
                System.out.println();
                System.out.println("| query | core p50 ms | core p95 ms | bare p50 ms | bare p95 ms | p50 ratio | p95 ratio |");
                System.out.println("|---|---|---|---|---|---|---|");
                for (String[] r : rows) System.out.println("| " + String.join(" | ", r) + " |");
            }
        }
        System.out.flush();
        System.exit(0); // the test servers' non-daemon threads would keep exec:java waiting
    }

    private static void insert(Statement st, long from, long to, long total) throws Exception {
        // 30 days from 2026-10-01, evenly spaced; 6 severities, 4 event types, 5 components, 1000 actors, 5000 resources
        long stepUs = 30L * 24 * 3600 * 1_000_000 / total;
        st.execute("INSERT INTO lake.main.logs SELECT 'bench', 'b-' || lpad(i::VARCHAR, 9, '0'), ts, "
                + "['RECORD_VIEW','AUTH_LOGIN','EXPORT','DELETE'][i % 4 + 1], CASE WHEN i % 10 = 0 THEN 'FAILURE' ELSE 'SUCCESS' END, "
                + "['DEBUG','INFO','NOTICE','WARNING','ERROR','CRITICAL'][i % 6 + 1], 'INTERNAL', 'user-' || (i % 1000), "
                + "['auth','records-api','billing','export','admin'][i % 5 + 1], 'production', '/r/' || (i % 5000), 'message ' || i, "
                + "'{\"n\":' || i || '}', ['hipaa'], 'sess-' || (i % 100000), 'req-' || i, '10.0.' || (i % 256) || '.' || (i % 250), "
                + "NULL, ts, ts, 'generated' "
                + "FROM (SELECT i, TIMESTAMPTZ '2026-10-01 00:00:00+00' + to_microseconds(i * " + stepUs + ") AS ts FROM range(" + from + ", " + to + ") r(i)) "
                + "ORDER BY ts");
    }

    private static List<String> files(LakelogFixture fx, Long snapshot) throws Exception {
        List<String> out = new ArrayList<>();
        try (Connection c = fx.app().lake().connect(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT data_file FROM ducklake_list_files('lake', 'logs'"
                        + (snapshot == null ? "" : ", snapshot_version => " + snapshot) + ")")) {
            while (rs.next()) out.add(rs.getString(1));
        }
        return out;
    }

    private static String parquet(List<String> files) {
        StringBuilder b = new StringBuilder("read_parquet([");
        for (int i = 0; i < files.size(); i++) b.append(i > 0 ? ", " : "").append("'").append(files.get(i)).append("'");
        return b.append("])").toString();
    }

    private static int drain(Statement st, String sql) throws Exception {
        int n = 0;
        try (ResultSet rs = st.executeQuery(sql)) {
            int cols = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                for (int i = 1; i <= cols; i++) rs.getObject(i);
                n++;
            }
        }
        return n;
    }

    private static String[] run(String name, int iterations, Callable<Integer> core, Callable<Integer> bare) throws Exception {
        System.out.printf("%s: core %d rows, bare %d rows%n", name, core.call(), bare.call()); // warm-up and sanity
        core.call();
        bare.call();
        List<Double> c = new ArrayList<>();
        List<Double> b = new ArrayList<>();
        for (int i = 0; i < iterations; i++) { // interleaved so both see the same machine state
            long t = System.nanoTime();
            core.call();
            c.add((System.nanoTime() - t) / 1e6);
            t = System.nanoTime();
            bare.call();
            b.add((System.nanoTime() - t) / 1e6);
        }
        double c50 = pct(c, 50), c95 = pct(c, 95), b50 = pct(b, 50), b95 = pct(b, 95);
        return new String[] {name, f(c50), f(c95), f(b50), f(b95), String.format("%.2f", c50 / b50), String.format("%.2f", c95 / b95)};
    }

    private static double pct(List<Double> xs, int p) {
        List<Double> s = new ArrayList<>(xs);
        Collections.sort(s);
        int idx = (int) Math.ceil(p / 100.0 * s.size()) - 1;
        return s.get(Math.max(0, Math.min(s.size() - 1, idx)));
    }

    private static String f(double v) {
        return String.format("%.1f", v);
    }
}
