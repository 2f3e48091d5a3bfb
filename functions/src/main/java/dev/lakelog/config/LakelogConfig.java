package dev.lakelog.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * Everything lakelog is configured with, read once from the environment and validated.
 * See docs/configuration.md for every variable.
 *
 * <p>The {@link Backend} is chosen here, once: {@code LAKELOG_BACKEND} ({@code aws} or {@code local})
 * when set; otherwise AWS when {@code LAKELOG_BUCKET} or {@code LAKELOG_TENANTS_TABLE} is set, and
 * LOCAL (files under {@code LAKELOG_DATA_DIR}) when not. Each AWS resource variable is needed only
 * by the functions that use it; asking for a component whose variable is unset fails with a
 * {@link ConfigException} naming it.
 */
public record LakelogConfig(
        Backend backend,
        Optional<Path> dataDir,
        Optional<String> bucket,
        Optional<String> s3Endpoint,
        String region,
        Optional<PostgresSettings> postgres,
        Optional<String> pgSecretArn,
        Optional<String> tenantsTable,
        Optional<String> idempotencyTable,
        Optional<String> leasesTable,
        Optional<String> dynamoEndpoint,
        Optional<String> iotEndpoint,
        Path extensionDir,
        Optional<Path> duckdbTempDir,
        Optional<String> devToken,
        Optional<String> devHmacSecret,
        Optional<String> devOperatorToken,
        Duration rollupMinAge,
        long segmentMaxBytes,
        RollupLimits rollupLimits,
        Optional<AwsKeys> awsKeys,
        Optional<Integer> lambdaMemoryMb,
        Optional<String> lambdaFunctionName,
        Optional<String> rateLimitsTable,
        TenantRates tenantRates,
        Optional<String> jobsTable,
        Optional<String> jobsFunction) {

    /**
     * Per-tenant token buckets (requests): the ingest routes, and the analytics routes. The same in
     * local mode and in AWS (docs/operations.md, "Per-tenant limits").
     */
    public record TenantRates(double ingestPerSecond, int ingestBurst, double queryPerSecond, int queryBurst) {
        public static TenantRates defaults() {
            return new TenantRates(50, 100, 5, 20);
        }
    }

    public static final String DUCKDB_EXTENSION_VERSION = "v1.5.5";

    /** PostgreSQL catalog connection; password may be resolved later from Secrets Manager. */
    public record PostgresSettings(String host, int port, String database, String user, String password, String sslmode) {
        /** libpq conninfo for DuckDB's postgres extension. Never log this: it holds the password. */
        public String conninfo() {
            StringBuilder sb = new StringBuilder()
                    .append("dbname=").append(quote(database))
                    .append(" host=").append(quote(host))
                    .append(" port=").append(port);
            if (user != null && !user.isEmpty()) sb.append(" user=").append(quote(user));
            if (password != null && !password.isEmpty()) sb.append(" password=").append(quote(password));
            return sb.toString();
        }

        private static String quote(String v) {
            return "'" + v.replace("\\", "\\\\").replace("'", "\\'") + "'";
        }

        @Override
        public String toString() {
            return "PostgresSettings[host=" + host + ", port=" + port + ", database=" + database
                    + ", user=" + user + ", password=***, sslmode=" + sslmode + "]";
        }
    }

    /**
     * How much one rollup invocation does: batches close at {@code batchMaxBytes} of CBOR or
     * {@code batchMaxSegments} segments; no new batch starts once {@code timeBudget} has passed
     * (the first always runs); a tenant lease lasts {@code leaseDuration} unless renewed.
     */
    public record RollupLimits(long batchMaxBytes, int batchMaxSegments, Duration timeBudget, Duration leaseDuration) {
        public static RollupLimits defaults() {
            return new RollupLimits(96L * 1024 * 1024, 1000, Duration.ofSeconds(780), Duration.ofSeconds(120));
        }
    }

    /**
     * Explicit AWS credentials ({@code AWS_ACCESS_KEY_ID}, {@code AWS_SECRET_ACCESS_KEY},
     * {@code AWS_SESSION_TOKEN}), as Lambda sets them; when absent the SDK's default chain is used.
     */
    public record AwsKeys(String accessKeyId, String secretAccessKey, Optional<String> sessionToken) {
        @Override
        public String toString() {
            return "AwsKeys[accessKeyId=" + accessKeyId + ", secretAccessKey=***, sessionToken=" + sessionToken.map(t -> "***") + "]";
        }
    }

    public boolean embeddedStorage() {
        return backend == Backend.LOCAL;
    }

    public static LakelogConfig fromEnvironment() {
        return from(System.getenv());
    }

    /** Reads and validates; every message names the variable at fault. */
    public static LakelogConfig from(Map<String, String> env) {
        Optional<Path> dataDir = opt(env, "LAKELOG_DATA_DIR").map(Path::of);
        Optional<String> bucket = opt(env, "LAKELOG_BUCKET");
        Backend backend = backend(env, bucket, dataDir);
        bucket.ifPresent(b -> {
            if (!b.matches("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")) {
                throw new ConfigException("LAKELOG_BUCKET is not a valid S3 bucket name: " + b);
            }
        });
        Optional<String> pgHost = opt(env, "LAKELOG_PG_HOST");
        Optional<PostgresSettings> postgres = pgHost.map(host -> new PostgresSettings(
                host,
                intVar(env, "LAKELOG_PG_PORT", 5432, 1, 65535),
                opt(env, "LAKELOG_PG_DATABASE").orElse("lakelog"),
                opt(env, "LAKELOG_PG_USER").orElse(""),
                opt(env, "LAKELOG_PG_PASSWORD").orElse(""),
                sslmode(env)));
        // A bucket without PostgreSQL is valid: the ingest function and the authorizer never open
        // the lake. Opening the lake without LAKELOG_PG_HOST fails then, naming the variable.
        if (bucket.isEmpty() && postgres.isPresent()) {
            throw new ConfigException("LAKELOG_BUCKET is required when LAKELOG_PG_HOST is set (lake data lives in S3)");
        }
        Path extensionDir = opt(env, "LAKELOG_DUCKDB_EXTENSION_DIR").map(Path::of)
                .or(() -> opt(env, "LAMBDA_TASK_ROOT").map(root -> Path.of(root, "duckdb-extensions")))
                .orElse(Path.of("functions", "target", "duckdb-extensions"));
        Optional<Path> tempDir = opt(env, "LAKELOG_DUCKDB_TEMP_DIR").map(Path::of)
                .or(() -> opt(env, "LAMBDA_TASK_ROOT").map(r -> Path.of("/tmp/duckdb")));
        long minAge = longVar(env, "LAKELOG_ROLLUP_MIN_AGE_SECONDS", 300, 0, 30L * 24 * 3600);
        long segMax = longVar(env, "LAKELOG_SEGMENT_MAX_BYTES", 8L * 1024 * 1024, 64 * 1024, 256L * 1024 * 1024);
        RollupLimits d = RollupLimits.defaults();
        RollupLimits rollupLimits = new RollupLimits(
                longVar(env, "LAKELOG_ROLLUP_BATCH_MAX_BYTES", d.batchMaxBytes(), 1024, 1024L * 1024 * 1024),
                intVar(env, "LAKELOG_ROLLUP_BATCH_MAX_SEGMENTS", d.batchMaxSegments(), 1, 100_000),
                Duration.ofSeconds(longVar(env, "LAKELOG_ROLLUP_TIME_BUDGET_SECONDS", d.timeBudget().toSeconds(), 0, 24L * 3600)),
                Duration.ofSeconds(longVar(env, "LAKELOG_ROLLUP_LEASE_SECONDS", d.leaseDuration().toSeconds(), 10, 3600)));
        Optional<AwsKeys> keys = opt(env, "AWS_ACCESS_KEY_ID").map(id -> new AwsKeys(id,
                opt(env, "AWS_SECRET_ACCESS_KEY").orElseThrow(() -> new ConfigException(
                        "AWS_SECRET_ACCESS_KEY must be set when AWS_ACCESS_KEY_ID is set")),
                opt(env, "AWS_SESSION_TOKEN")));
        return new LakelogConfig(backend,
                dataDir, bucket, opt(env, "LAKELOG_S3_ENDPOINT"),
                opt(env, "AWS_REGION").orElse("us-east-1"),
                postgres, opt(env, "LAKELOG_PG_SECRET_ARN"),
                opt(env, "LAKELOG_TENANTS_TABLE"), opt(env, "LAKELOG_IDEMPOTENCY_TABLE"),
                opt(env, "LAKELOG_LEASES_TABLE"), opt(env, "LAKELOG_DYNAMODB_ENDPOINT"),
                opt(env, "LAKELOG_IOT_ENDPOINT"),
                extensionDir, tempDir,
                opt(env, "LAKELOG_DEV_TOKEN"), opt(env, "LAKELOG_DEV_HMAC_SECRET"), opt(env, "LAKELOG_DEV_OPERATOR_TOKEN"),
                Duration.ofSeconds(minAge), segMax, rollupLimits, keys,
                opt(env, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE").map(v -> intVar(env, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", 0, 128, 10240)),
                opt(env, "AWS_LAMBDA_FUNCTION_NAME"),
                opt(env, "LAKELOG_RATE_LIMITS_TABLE"),
                tenantRates(env),
                opt(env, "LAKELOG_JOBS_TABLE"),
                opt(env, "LAKELOG_JOBS_FUNCTION"));
    }

    private static TenantRates tenantRates(Map<String, String> env) {
        TenantRates d = TenantRates.defaults();
        return new TenantRates(
                intVar(env, "LAKELOG_TENANT_INGEST_RATE", (int) d.ingestPerSecond(), 1, 1_000_000),
                intVar(env, "LAKELOG_TENANT_INGEST_BURST", d.ingestBurst(), 1, 1_000_000),
                intVar(env, "LAKELOG_TENANT_QUERY_RATE", (int) d.queryPerSecond(), 1, 1_000_000),
                intVar(env, "LAKELOG_TENANT_QUERY_BURST", d.queryBurst(), 1, 1_000_000));
    }

    private static Backend backend(Map<String, String> env, Optional<String> bucket, Optional<Path> dataDir) {
        Optional<String> explicit = opt(env, "LAKELOG_BACKEND");
        Backend b;
        if (explicit.isPresent()) {
            b = switch (explicit.get().toLowerCase(java.util.Locale.ROOT)) {
                case "aws" -> Backend.AWS;
                case "local" -> Backend.LOCAL;
                default -> throw new ConfigException("LAKELOG_BACKEND must be aws or local; got '" + explicit.get() + "'");
            };
        } else if (bucket.isPresent() || opt(env, "LAKELOG_TENANTS_TABLE").isPresent()) {
            b = Backend.AWS;
        } else if (dataDir.isPresent()) {
            b = Backend.LOCAL;
        } else {
            throw new ConfigException("set LAKELOG_BUCKET (S3 storage) or LAKELOG_DATA_DIR (local storage)");
        }
        if (b == Backend.LOCAL && dataDir.isEmpty()) {
            throw new ConfigException("LAKELOG_DATA_DIR is required with LAKELOG_BACKEND=local");
        }
        if (b == Backend.LOCAL && bucket.isPresent()) {
            throw new ConfigException("LAKELOG_BUCKET is set but LAKELOG_BACKEND is local; unset one of them");
        }
        return b;
    }

    /**
     * The TLS part of the catalog's conninfo: {@code LAKELOG_PG_SSLMODE}, and with verify-ca/verify-full
     * the CA file {@code LAKELOG_PG_SSLROOTCERT} (in Lambda by default the Amazon root CAs packaged in the
     * zip, {@code $LAMBDA_TASK_ROOT/certs/amazon-root-cas.pem}, which RDS Proxy's certificate chains to).
     */
    private static String sslmode(Map<String, String> env) {
        String m = opt(env, "LAKELOG_PG_SSLMODE").orElse("prefer");
        if (!java.util.Set.of("disable", "allow", "prefer", "require", "verify-ca", "verify-full").contains(m)) {
            throw new ConfigException("LAKELOG_PG_SSLMODE must be one of disable, allow, prefer, require, verify-ca, verify-full; got '" + m + "'");
        }
        Optional<String> root = opt(env, "LAKELOG_PG_SSLROOTCERT")
                .or(() -> m.startsWith("verify-") ? opt(env, "LAMBDA_TASK_ROOT").map(r -> r + "/certs/amazon-root-cas.pem") : Optional.empty());
        if (root.isEmpty()) return m;
        if (!m.startsWith("verify-")) {
            throw new ConfigException("LAKELOG_PG_SSLROOTCERT is set but LAKELOG_PG_SSLMODE is " + m + "; it is used only with verify-ca or verify-full");
        }
        if (!Files.isRegularFile(Path.of(root.get()))) {
            throw new ConfigException("LAKELOG_PG_SSLROOTCERT (the CA file for sslmode=" + m + ") does not exist: " + root.get());
        }
        if (root.get().contains("'") || root.get().contains("\\")) {
            throw new ConfigException("LAKELOG_PG_SSLROOTCERT must not contain quotes or backslashes: " + root.get());
        }
        return m + " sslrootcert='" + root.get() + "'";
    }


    private static Optional<String> opt(Map<String, String> env, String name) {
        String v = env.get(name);
        return v == null || v.isBlank() ? Optional.empty() : Optional.of(v.trim());
    }

    private static int intVar(Map<String, String> env, String name, int dflt, int min, int max) {
        return (int) longVar(env, name, dflt, min, max);
    }

    private static long longVar(Map<String, String> env, String name, long dflt, long min, long max) {
        Optional<String> v = opt(env, name);
        if (v.isEmpty()) return dflt;
        long n;
        try {
            n = Long.parseLong(v.get());
        } catch (NumberFormatException e) {
            throw new ConfigException(name + " must be a whole number, got '" + v.get() + "'");
        }
        if (n < min || n > max) {
            throw new ConfigException(name + " must be between " + min + " and " + max + ", got " + n);
        }
        return n;
    }

    @Override
    public String toString() {
        return "LakelogConfig[backend=" + backend + ", dataDir=" + dataDir + ", bucket=" + bucket + ", s3Endpoint=" + s3Endpoint
                + ", region=" + region + ", postgres=" + postgres + ", tenantsTable=" + tenantsTable
                + ", leasesTable=" + leasesTable + ", rollupLimits=" + rollupLimits
                + ", extensionDir=" + extensionDir + ", devToken=" + devToken.map(t -> "***")
                + ", devHmacSecret=" + devHmacSecret.map(t -> "***") + ", devOperatorToken=" + devOperatorToken.map(t -> "***")
                + ", awsKeys=" + awsKeys + "]";
    }
}
