package dev.lakelog.lambdapackage;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import org.junit.jupiter.api.Test;

/**
 * What each Lambda zip may carry, checked right after the zips are built (package phase): the
 * DuckDB zip has DuckDB's x86_64 native library and extensions, the slim zip of ingest and the
 * authorizer has no DuckDB at all, and neither has an HTTP client nobody uses (Apache, Netty and what
 * they bring: every SDK client is built with the URL-connection client), the local invoker's
 * serialization library, the CLI or the local server.
 */
class LambdaZipContentsTest {
    private static final Path DIR = Path.of(System.getProperty("zip.dir", "target"));

    /** Jar name prefixes no zip may contain. */
    static final List<String> NEVER = List.of("netty-", "apache-client-", "httpclient-", "httpcore-", "commons-logging-",
            "commons-codec-", "aws-lambda-java-serialization-", "picocli-", "jetty-", "prometheus-", "slf4j-simple-", "logback-");

    /** Jars every function needs. */
    static final List<String> ALWAYS = List.of("lakelog-functions-", "aws-lambda-java-core-", "aws-lambda-java-events-",
            "url-connection-client-", "s3-", "dynamodb-", "jackson-databind-", "jackson-dataformat-cbor-", "slf4j-api-");

    private static List<String> entries(String zip) throws IOException {
        try (ZipFile z = new ZipFile(DIR.resolve(zip).toFile())) {
            return Collections.list(z.entries()).stream().map(ZipEntry::getName).toList();
        }
    }

    private static List<String> jars(List<String> entries) {
        return entries.stream().filter(e -> e.startsWith("lib/") && e.endsWith(".jar")).map(e -> e.substring(4)).toList();
    }

    private static void assertCommon(List<String> jars) {
        for (String never : NEVER) {
            assertThat(jars).as("no " + never + "* jar").noneMatch(j -> j.startsWith(never));
        }
        for (String always : ALWAYS) {
            assertThat(jars).as("a " + always + "* jar").anyMatch(j -> j.startsWith(always));
        }
    }

    @Test
    void the_duckdb_zip_carries_the_x86_64_native_library_and_the_three_extensions_and_no_unused_library() throws IOException {
        List<String> entries = entries("lakelog-lambda-x86_64.zip");
        List<String> jars = jars(entries);
        assertCommon(jars);
        assertThat(jars.stream().filter(j -> j.startsWith("duckdb_jdbc-"))).containsExactly("duckdb_jdbc-1.5.5.0-linux_amd64.jar");
        for (String ext : List.of("ducklake", "httpfs", "postgres_scanner")) {
            assertThat(entries).contains("duckdb-extensions/v1.5.5/linux_amd64/" + ext + ".duckdb_extension");
        }
        assertThat(entries).noneMatch(e -> e.contains("arm64"));
        assertThat(entries).as("the CAs for sslmode=verify-full to RDS Proxy").contains("certs/amazon-root-cas.pem");
    }

    @Test
    void the_ingest_zip_has_no_duckdb_no_extensions_and_no_unused_library() throws IOException {
        List<String> entries = entries("lakelog-lambda-ingest.zip");
        List<String> jars = jars(entries);
        assertCommon(jars);
        assertThat(jars).noneMatch(j -> j.startsWith("duckdb"));
        assertThat(entries).noneMatch(e -> e.startsWith("duckdb-extensions"));
        // the SDK clients ingest and the authorizer use
        assertThat(jars).anyMatch(j -> j.startsWith("secretsmanager-"));
    }
}
