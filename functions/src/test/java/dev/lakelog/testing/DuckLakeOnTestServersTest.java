package dev.lakelog.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * DuckDB with ducklake + httpfs + postgres_scanner, the catalog in the test PostgreSQL and the data
 * files in the test S3 server: the production storage layout, on loopback.
 */
class DuckLakeOnTestServersTest {
    private final PostgresServer pg = TestServers.postgres();
    private final S3Server s3 = TestServers.s3();

    @Test
    void rowsInsertedIntoALakeTableAreParquetFilesInTheBucketAndReadBack() throws Exception {
        String db = pg.newDatabase();
        String bucket = s3.newBucket();
        // DuckLake 1.0 keeps inserts of up to 10 rows in the catalog ("data inlining", see below);
        // turned off here so that even three rows become a Parquet file.
        try (Connection duck = openLake(db, bucket, ", DATA_INLINING_ROW_LIMIT 0")) {
            exec(duck, "CREATE TABLE lake.main.events (tenant_id VARCHAR, n INTEGER, message VARCHAR)");
            exec(duck, "INSERT INTO lake.main.events VALUES ('t1', 1, 'one'), ('t1', 2, 'two'), ('t2', 3, 'three')");

            assertThat(rows(duck, "SELECT tenant_id, n, message FROM lake.main.events ORDER BY n"))
                    .containsExactly("t1|1|one", "t1|2|two", "t2|3|three");
            List<String> dataFiles = rows(duck, "SELECT data_file FROM ducklake_list_files('lake', 'events')");
            assertThat(dataFiles).singleElement().asString()
                    .startsWith("s3://" + bucket + "/lake/").endsWith(".parquet");
            String key = dataFiles.get(0).substring(("s3://" + bucket + "/").length());
            assertThat(objectKeys(bucket)).contains(key);
            // and the file really is Parquet that DuckDB reads straight from S3
            assertThat(rows(duck, "SELECT count(*) FROM read_parquet('" + dataFiles.get(0) + "')"))
                    .containsExactly("3");
        }
        try (Connection catalog = pg.connect(db); Statement s = catalog.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(*) FROM ducklake_table WHERE table_name = 'events'")) {
            rs.next();
            assertThat(rs.getInt(1)).as("the catalog lives in PostgreSQL").isEqualTo(1);
        }
    }

    @Test
    void byDefaultAnInsertOfAtMostTenRowsIsInlinedIntoTheCatalogInsteadOfWrittenToS3() throws Exception {
        String db = pg.newDatabase();
        String bucket = s3.newBucket();
        try (Connection duck = openLake(db, bucket)) {
            exec(duck, "CREATE TABLE lake.main.few (n INTEGER)");
            exec(duck, "INSERT INTO lake.main.few SELECT * FROM range(10)");

            assertThat(rows(duck, "SELECT count(*) FROM lake.main.few")).containsExactly("10");
            assertThat(rows(duck, "SELECT data_file FROM ducklake_list_files('lake', 'few')")).isEmpty();
            assertThat(objectKeys(bucket)).noneMatch(key -> key.endsWith(".parquet"));

            exec(duck, "INSERT INTO lake.main.few SELECT * FROM range(11)");
            assertThat(rows(duck, "SELECT data_file FROM ducklake_list_files('lake', 'few')")).hasSize(1);
        }
    }

    @Test
    void aParquetFileLargerThanOnePartIsUploadedInSeveralPartsAndReadsBack() throws Exception {
        String db = pg.newDatabase();
        String bucket = s3.newBucket();
        // ~28 MB of incompressible text in one Parquet file.
        String generated = "SELECT i, md5(i::VARCHAR) || md5((i * 7)::VARCHAR) AS s FROM range(400000) t(i)";
        try (Connection duck = openLake(db, bucket)) {
            // httpfs's part size is max(5 MiB, s3_uploader_max_filesize / s3_uploader_max_parts_per_file),
            // and a file smaller than one part is sent as a single PUT. With the defaults (800GB / 10000 =
            // 80 MB parts) this file would be one PUT; 50GB (the documented minimum) gives ~5 MiB parts.
            exec(duck, "SET s3_uploader_max_filesize = '50GB'");
            exec(duck, "CREATE TABLE lake.main.big AS " + generated);

            String dataFile = rows(duck, "SELECT data_file FROM ducklake_list_files('lake', 'big')").get(0);
            String key = dataFile.substring(("s3://" + bucket + "/").length());
            assertThat(s3.client().headObject(b -> b.bucket(bucket).key(key)).contentLength())
                    .isGreaterThan(10L * 1024 * 1024);
            assertThat(s3.completedMultipartParts(bucket, key)).isPresent();
            assertThat(s3.completedMultipartParts(bucket, key).getAsInt()).isGreaterThan(1);

            assertThat(rows(duck, "SELECT count(*), sum(i), min(s), max(s) FROM lake.main.big"))
                    .isEqualTo(rows(duck, "SELECT count(*), sum(i), min(s), max(s) FROM (" + generated + ")"));
        }
    }

    @Test
    void aSecondDuckDbInstanceAttachedToTheSameCatalogSeesTheDataAndCanAddToIt() throws Exception {
        String db = pg.newDatabase();
        String bucket = s3.newBucket();
        try (Connection first = openLake(db, bucket)) {
            exec(first, "CREATE TABLE lake.main.shared (n INTEGER)");
            exec(first, "INSERT INTO lake.main.shared VALUES (1), (2)");

            try (Connection second = openLake(db, bucket)) {
                assertThat(rows(second, "SELECT n FROM lake.main.shared ORDER BY n")).containsExactly("1", "2");
                exec(second, "INSERT INTO lake.main.shared VALUES (3)");
            }

            assertThat(rows(first, "SELECT n FROM lake.main.shared ORDER BY n")).containsExactly("1", "2", "3");
        }
    }

    /** A new DuckDB instance with the S3 secret and the lake attached. */
    private Connection openLake(String database, String bucket) throws SQLException {
        return openLake(database, bucket, "");
    }

    private Connection openLake(String database, String bucket, String moreAttachOptions) throws SQLException {
        Connection duck = TestDuckDb.open();
        try {
            exec(duck, s3.duckDbSecretSql("lake_s3"));
            exec(duck, "ATTACH 'ducklake:postgres:" + pg.conninfo(database) + "' AS lake (DATA_PATH 's3://"
                    + bucket + "/lake/'" + moreAttachOptions + ")");
            return duck;
        } catch (SQLException e) {
            duck.close();
            throw e;
        }
    }

    private List<String> objectKeys(String bucket) {
        return s3.client().listObjectsV2Paginator(b -> b.bucket(bucket)).contents().stream()
                .map(S3Object::key)
                .toList();
    }

    private static void exec(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    /** Each row as its columns joined by '|'. */
    private static List<String> rows(Connection c, String sql) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            int columns = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                StringBuilder row = new StringBuilder();
                for (int i = 1; i <= columns; i++) {
                    if (i > 1) {
                        row.append('|');
                    }
                    row.append(rs.getString(i));
                }
                out.add(row.toString());
            }
        }
        return out;
    }
}
