package dev.lakelog.bench;

import dev.lakelog.auth.Tenant;
import dev.lakelog.auth.Tier;
import dev.lakelog.lake.IntegrityVerifier;
import dev.lakelog.rollup.RollupReport;
import dev.lakelog.rollup.RollupRequest;
import dev.lakelog.segment.LogEvent;
import dev.lakelog.segment.SegmentCodec;
import dev.lakelog.segment.SegmentKeys;
import dev.lakelog.testing.LakelogFixture;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Verify's speed (docs/integrity.md#cost): writes a backlog of segments (the rollup benchmark's
 * realistic events), rolls it up (with the integrity chain: files hashed, rows read back), then
 * runs a full verify and prints MB/s of Parquet re-hashed and rows/s re-hashed (each row is hashed
 * twice: from its Parquet file, and as a live row through DuckLake). Local mode by default;
 * {@code -Dbench.backend=aws} for S3 (s3proxy) + PostgreSQL.
 *
 * <pre>
 * cd functions && LAKELOG_DUCKDB_EXTENSION_DIR=$PWD/target/duckdb-extensions MAVEN_OPTS=-Xmx2g \
 *   mvn -q -o test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=dev.lakelog.bench.VerifyBenchmark \
 *   -Dbench.segments=200 -Dbench.perSegment=1000
 * </pre>
 */
public final class VerifyBenchmark {
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
        int segments = Integer.getInteger("bench.segments", 200);
        int perSegment = Integer.getInteger("bench.perSegment", 1000);
        boolean aws = "aws".equals(System.getProperty("bench.backend", "local"));
        SegmentCodec codec = new SegmentCodec();
        try (LakelogFixture fx = aws ? LakelogFixture.aws(Map.of(), Clock.systemUTC()) : LakelogFixture.local()) {
            Instant base = Instant.parse("2026-11-20T00:00:00Z");
            for (String tenant : List.of("bench-a", "bench-b")) {
                fx.app().tenants().createTenant(new Tenant(tenant, Tier.PAID));
                for (int s = 0; s < segments / 2; s++) {
                    List<LogEvent> batch = new ArrayList<>(perSegment);
                    for (int i = 0; i < perSegment; i++) batch.add(RollupBenchmark.event(tenant, (long) s * perSegment + i, base));
                    Instant created = base.plus(s, ChronoUnit.SECONDS);
                    fx.app().blobs().put(SegmentKeys.newKey(tenant, created),
                            codec.encode(tenant, ChronoUnit.MICROS.between(Instant.EPOCH, created), batch));
                }
            }
            fx.app().lake();
            long r0 = System.nanoTime();
            RollupReport report = fx.app().rollup().rollup(new RollupRequest("bench", Optional.empty(), Duration.ZERO, true));
            double rollupSec = (System.nanoTime() - r0) / 1e9;
            if (!report.errors().isEmpty()) throw new IllegalStateException(report.errors().toString());
            System.out.printf("backend %s: rollup with the integrity chain: %d rows in %.2f s = %.0f rows/s%n", aws ? "aws (s3proxy + PostgreSQL)" : "local",
                    report.logsInserted(), rollupSec, report.logsInserted() / rollupSec);
            IntegrityVerifier.Report v = fx.app().verify().verify(Optional.empty(), Optional.empty(), p -> {});
            System.out.printf("verify: %s, %d entries, %d files, %.1f MB Parquet re-hashed, %d rows hashed, %.2f s = %.1f MB/s, %.0f rows/s%n",
                    v.ok() ? "ok" : "BROKEN " + v.firstBroken(), v.entries(), v.filesChecked(), v.bytesHashed() / 1e6, v.rowsHashed(),
                    v.millis() / 1000.0, v.mbPerSecond(), v.rowsPerSecond());
            // where the time goes: DuckDB computing the canonical hashes, and the Java-side multiset digest
            long h0 = System.nanoTime();
            List<byte[]> hashes = new ArrayList<>();
            try (var c = fx.app().lake().connect(); var st = c.createStatement();
                    var rs = st.executeQuery("SELECT " + dev.lakelog.lake.CanonicalRow.SQL_HASH + " FROM lake.main.logs")) {
                while (rs.next()) hashes.add(dev.lakelog.lake.CanonicalRow.unhex(rs.getString(1)));
            }
            double sqlSec = (System.nanoTime() - h0) / 1e9;
            long m0 = System.nanoTime();
            dev.lakelog.lake.MuHash mu = new dev.lakelog.lake.MuHash();
            for (byte[] h : hashes) mu.add(h);
            mu.hex();
            double muSec = (System.nanoTime() - m0) / 1e9;
            System.out.printf("of which: canonical hashes in DuckDB %.0f rows/s; MuHash %.0f rows/s%n", hashes.size() / sqlSec, hashes.size() / muSec);
        }
    }
}
