package dev.lakelog.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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
        FanOut fanOut,
        Optional<AwsKeys> awsKeys,
        Optional<Integer> lambdaMemoryMb,
        Optional<String> lambdaFunctionName,
        Optional<String> rateLimitsTable,
        TenantRates tenantRates,
        DropFolder dropFolder,
        Optional<AnchorSettings> anchor,
        Optional<String> jobsTable,
        Optional<String> jobsFunction) {

    /**
     * The drop folder (docs/ingest.md, "Drop folder"): files under {@code incoming/tenant=<t>/} of
     * the data bucket (an S3 event notification) or of the data directory (polled in local mode,
     * every {@code pollInterval}; zero turns the watcher off). A local file is taken once it has not
     * changed for {@code settle}; an object larger than {@code maxObjectBytes} (as stored, and again
     * decompressed) is quarantined; a file is recognised again for {@code dedupWindow}.
     */
    public record DropFolder(Duration pollInterval, Duration settle, long maxObjectBytes, Duration dedupWindow) {
        public static DropFolder defaults() {
            return new DropFolder(Duration.ofSeconds(5), Duration.ofSeconds(2), 4L * 1024 * 1024 * 1024, Duration.ofDays(30));
        }
    }

    /**
     * The AWS integrity anchor (docs/integrity.md#the-anchor): each chain head is signed with the
     * asymmetric KMS key {@code LAKELOG_ANCHOR_KMS_KEY_ID} and written to
     * {@code s3://LAKELOG_ANCHOR_BUCKET/LAKELOG_ANCHOR_PREFIX}, a bucket under Object Lock.
     * {@code s3Endpoint}/{@code kmsEndpoint} point elsewhere than AWS (tests).
     */
    public record AnchorSettings(String bucket, String prefix, String kmsKeyId, Optional<String> s3Endpoint, Optional<String> kmsEndpoint) {}

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
     * The rollup and maintenance fan-out (docs/scaling.md): the SQS queues the planners send to
     * ({@code LAKELOG_ROLLUP_QUEUE_URL}, {@code LAKELOG_MAINTENANCE_QUEUE_URL}; only the planner
     * and worker functions need them), an SQS endpoint override ({@code LAKELOG_SQS_ENDPOINT},
     * tests), the time a worker keeps free at the end of its invocation for the batch in flight
     * ({@code LAKELOG_WORKER_RESERVE_SECONDS}, 180), and local mode's worker threads
     * ({@code LAKELOG_LOCAL_ROLLUP_WORKERS}, 2).
     */
    public record FanOut(Optional<String> rollupQueueUrl, Optional<String> maintenanceQueueUrl, Optional<String> sqsEndpoint,
                         Duration workerReserve, int localWorkers) {
        public static FanOut defaults() {
            return new FanOut(Optional.empty(), Optional.empty(), Optional.empty(), Duration.ofSeconds(180), 2);
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
                Duration.ofSeconds(minAge), segMax, rollupLimits, fanOut(env), keys,
                opt(env, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE").map(v -> intVar(env, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", 0, 128, 10240)),
                opt(env, "AWS_LAMBDA_FUNCTION_NAME"),
                opt(env, "LAKELOG_RATE_LIMITS_TABLE"),
                tenantRates(env),
                dropFolder(env),
                anchor(env),
                opt(env, "LAKELOG_JOBS_TABLE"),
                opt(env, "LAKELOG_JOBS_FUNCTION"));
    }

    private static Optional<AnchorSettings> anchor(Map<String, String> env) {
        Optional<String> bucket = opt(env, "LAKELOG_ANCHOR_BUCKET");
        Optional<String> key = opt(env, "LAKELOG_ANCHOR_KMS_KEY_ID");
        if (bucket.isPresent() != key.isPresent()) {
            throw new ConfigException("LAKELOG_ANCHOR_BUCKET and LAKELOG_ANCHOR_KMS_KEY_ID are set together or not at all (the anchor "
                    + "writes signed chain heads to the bucket with the key); only " + (bucket.isPresent() ? "LAKELOG_ANCHOR_BUCKET" : "LAKELOG_ANCHOR_KMS_KEY_ID") + " is set");
        }
        if (bucket.isEmpty()) return Optional.empty();
        if (!bucket.get().matches("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")) {
            throw new ConfigException("LAKELOG_ANCHOR_BUCKET is not a valid S3 bucket name: " + bucket.get());
        }
        String prefix = opt(env, "LAKELOG_ANCHOR_PREFIX").orElse("chain-heads/");
        if (!prefix.matches("([A-Za-z0-9._-]+/)+")) {
            throw new ConfigException("LAKELOG_ANCHOR_PREFIX must be folder names ending in '/' (letters, digits, . _ -), got '" + prefix + "'");
        }
        return Optional.of(new AnchorSettings(bucket.get(), prefix, key.get(),
                opt(env, "LAKELOG_ANCHOR_S3_ENDPOINT").or(() -> opt(env, "LAKELOG_S3_ENDPOINT")), opt(env, "LAKELOG_KMS_ENDPOINT")));
    }

    private static DropFolder dropFolder(Map<String, String> env) {
        DropFolder d = DropFolder.defaults();
        return new DropFolder(
                Duration.ofSeconds(longVar(env, "LAKELOG_DROP_POLL_SECONDS", d.pollInterval().toSeconds(), 0, 3600)),
                Duration.ofSeconds(longVar(env, "LAKELOG_DROP_SETTLE_SECONDS", d.settle().toSeconds(), 0, 3600)),
                longVar(env, "LAKELOG_DROP_MAX_BYTES", d.maxObjectBytes(), 1024, 1L << 40),
                Duration.ofDays(longVar(env, "LAKELOG_DROP_DEDUP_DAYS", d.dedupWindow().toDays(), 1, 365)));
    }

    private static FanOut fanOut(Map<String, String> env) {
        FanOut d = FanOut.defaults();
        for (String name : List.of("LAKELOG_ROLLUP_QUEUE_URL", "LAKELOG_MAINTENANCE_QUEUE_URL", "LAKELOG_SQS_ENDPOINT")) {
            opt(env, name).ifPresent(v -> {
                if (!v.startsWith("https://") && !v.startsWith("http://")) {
                    throw new ConfigException(name + " must be an http(s) URL, got: " + v);
                }
            });
        }
        return new FanOut(opt(env, "LAKELOG_ROLLUP_QUEUE_URL"), opt(env, "LAKELOG_MAINTENANCE_QUEUE_URL"), opt(env, "LAKELOG_SQS_ENDPOINT"),
                Duration.ofSeconds(longVar(env, "LAKELOG_WORKER_RESERVE_SECONDS", d.workerReserve().toSeconds(), 0, 900)),
                intVar(env, "LAKELOG_LOCAL_ROLLUP_WORKERS", d.localWorkers(), 1, 64));
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
