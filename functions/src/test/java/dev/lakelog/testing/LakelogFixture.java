package dev.lakelog.testing;

import dev.lakelog.Lakelog;
import dev.lakelog.api.ApiRequest;
import dev.lakelog.api.ApiResponse;
import dev.lakelog.auth.Authenticator;
import dev.lakelog.aws.DynamoTenantStore;
import dev.lakelog.auth.HmacKey;
import dev.lakelog.auth.Secrets;
import dev.lakelog.auth.Tenant;
import dev.lakelog.auth.Tier;
import dev.lakelog.config.LakelogConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * A whole {@link Lakelog} on the real test servers: a fresh S3 bucket, a fresh PostgreSQL
 * database as DuckLake catalog and fresh DynamoDB tables, so tests never share state.
 * {@link #local} builds one on a temporary directory instead (local mode).
 */
public final class LakelogFixture implements AutoCloseable {
    private final Lakelog app;
    private final Map<String, String> env;
    private final String bucket;

    /** Credentials of a tenant created for a test. */
    public record TenantCredentials(String tenantId, String token, String keyId, String hmacSecret) {}

    private LakelogFixture(Map<String, String> env, Clock clock) {
        this.env = Map.copyOf(env);
        this.bucket = env.get("LAKELOG_BUCKET");
        this.app = Lakelog.start(LakelogConfig.from(env), clock);
    }

    /** S3 + PostgreSQL catalog + DynamoDB, each fresh. */
    public static LakelogFixture aws() {
        return aws(Map.of(), Clock.systemUTC());
    }

    /** As {@link #aws()}, with extra environment variables (or overrides) and a clock. */
    public static LakelogFixture aws(Map<String, String> extraEnv, Clock clock) {
        return new LakelogFixture(awsEnv(extraEnv), clock);
    }

    /** The environment {@link #aws()} uses, with fresh bucket, database and tables created. */
    public static Map<String, String> awsEnv(Map<String, String> extraEnv) {
        S3Server s3 = TestServers.s3();
        PostgresServer pg = TestServers.postgres();
        DynamoServer dynamo = TestServers.dynamo();
        String bucket = s3.newBucket();
        String db = pg.newDatabase();
        String prefix = dynamo.newTablePrefix();
        Map<String, String> env = new HashMap<>();
        env.put("LAKELOG_BUCKET", bucket);
        env.put("LAKELOG_S3_ENDPOINT", s3.endpoint().toString());
        env.put("AWS_REGION", s3.region());
        env.put("LAKELOG_PG_HOST", pg.host());
        env.put("LAKELOG_PG_PORT", Integer.toString(pg.port()));
        env.put("LAKELOG_PG_DATABASE", db);
        env.put("LAKELOG_PG_USER", pg.user());
        env.put("LAKELOG_PG_PASSWORD", pg.password());
        env.put("LAKELOG_DYNAMODB_ENDPOINT", dynamo.endpoint().toString());
        env.put("LAKELOG_TENANTS_TABLE", prefix + "tenants");
        env.put("LAKELOG_LEASES_TABLE", prefix + "leases");
        env.put("LAKELOG_IDEMPOTENCY_TABLE", prefix + "idempotency");
        env.put("LAKELOG_JOBS_TABLE", prefix + "jobs");
        env.put("LAKELOG_DUCKDB_EXTENSION_DIR", TestDuckDb.extensionDirectory().toString());
        // explicit keys: nothing may look for credentials anywhere else (instance metadata)
        env.put("AWS_ACCESS_KEY_ID", s3.accessKey());
        env.put("AWS_SECRET_ACCESS_KEY", s3.secretKey());
        env.putAll(UNTHROTTLED);
        env.putAll(extraEnv);
        DynamoTenantStore.createTable(dynamo.client(), env.get("LAKELOG_TENANTS_TABLE"));
        dev.lakelog.aws.DynamoTenantLock.createTable(dynamo.client(), env.get("LAKELOG_LEASES_TABLE"));
        dev.lakelog.aws.DynamoIdempotencyStore.createTable(dynamo.client(), env.get("LAKELOG_IDEMPOTENCY_TABLE"));
        dev.lakelog.aws.DynamoJobStore.createTable(dynamo.client(), env.get("LAKELOG_JOBS_TABLE"));
        return env;
    }

    /**
     * Per-tenant rate limits far above what any test sends, so that tests of other behaviour are not
     * throttled; the rate-limit tests set their own ({@code TenantRateLimitTest}).
     */
    public static final Map<String, String> UNTHROTTLED = Map.of(
            "LAKELOG_TENANT_INGEST_RATE", "1000000", "LAKELOG_TENANT_INGEST_BURST", "1000000",
            "LAKELOG_TENANT_QUERY_RATE", "1000000", "LAKELOG_TENANT_QUERY_BURST", "1000000");

    /** Local mode on a fresh temporary directory. */
    public static LakelogFixture local() {
        return local(Map.of());
    }

    /** Local mode on a fresh temporary directory, with extra environment variables (or overrides). */
    public static LakelogFixture local(Map<String, String> extraEnv) {
        try {
            return local(Files.createTempDirectory("lakelog-local-"), extraEnv);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Local mode on this data directory (which may already hold a lake, e.g. one a test wrote by hand). */
    public static LakelogFixture local(Path dir) {
        return local(dir, Map.of());
    }

    /** Local mode on this data directory, with extra environment variables (or overrides). */
    public static LakelogFixture local(Path dir, Map<String, String> extraEnv) {
        Map<String, String> env = new HashMap<>();
        env.put("LAKELOG_DATA_DIR", dir.toString());
        env.put("LAKELOG_DUCKDB_EXTENSION_DIR", TestDuckDb.extensionDirectory().toString());
        env.putAll(UNTHROTTLED);
        env.putAll(extraEnv);
        return new LakelogFixture(env, Clock.systemUTC());
    }

    public Lakelog app() {
        return app;
    }

    public Map<String, String> env() {
        return env;
    }

    /** The S3 bucket (null in local mode). */
    public String bucket() {
        return bucket;
    }

    /** Creates a tenant with a token and an active HMAC key. */
    public TenantCredentials createTenant(String id, Tier tier) {
        app.tenants().createTenant(new Tenant(id, tier));
        String token = Secrets.newToken();
        app.tenants().addToken(id, Secrets.tokenHash(token));
        HmacKey key = new HmacKey(Secrets.newKeyId(), id, Secrets.newHmacSecret(), true);
        app.tenants().addHmacKey(key);
        return new TenantCredentials(id, token, key.keyId(), key.secret());
    }

    /** Creates an operator token (lake-wide maintenance) and returns it. */
    public String createOperator(String name) {
        String token = Secrets.newOperatorToken();
        app.tenants().addOperatorToken(Secrets.tokenHash(token), name);
        return token;
    }

    /** A request with an operator's Bearer token. */
    public static ApiRequest operator(String token, String method, String path, Map<String, String> query) {
        return new ApiRequest(method, path, query, Map.of("Authorization", "Bearer " + token), new byte[0]);
    }

    /** A request signed with the tenant's HMAC key, signed now. */
    public static ApiRequest signed(TenantCredentials t, String method, String path, String contentType, byte[] body) {
        Map<String, String> h = new HashMap<>();
        if (contentType != null) h.put("Content-Type", contentType);
        h.put("X-Key-Id", t.keyId());
        h.put("X-Signature", Authenticator.signatureHeader(t.hmacSecret(), Instant.now().getEpochSecond(), body));
        return new ApiRequest(method, path, Map.of(), h, body);
    }

    public static ApiRequest signedJson(TenantCredentials t, String path, String json) {
        return signed(t, "POST", path, "application/json", json.getBytes(StandardCharsets.UTF_8));
    }

    /** A request with the tenant's Bearer token. */
    public static ApiRequest bearer(TenantCredentials t, String method, String path, Map<String, String> query, byte[] body) {
        Map<String, String> h = new HashMap<>();
        h.put("Authorization", "Bearer " + t.token());
        if (body != null && body.length > 0) h.put("Content-Type", "application/json");
        return new ApiRequest(method, path, query, h, body);
    }

    public ApiResponse call(ApiRequest req) {
        return app.router().handle(req);
    }

    @Override
    public void close() {
        app.close();
    }
}
