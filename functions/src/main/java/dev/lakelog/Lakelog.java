package dev.lakelog;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lakelog.api.ApiRouter;
import dev.lakelog.auth.Authenticator;
import dev.lakelog.auth.DynamoTenantStore;
import dev.lakelog.auth.FileTenantStore;
import dev.lakelog.auth.HmacKey;
import dev.lakelog.auth.Secrets;
import dev.lakelog.auth.Tenant;
import dev.lakelog.auth.TenantStore;
import dev.lakelog.auth.Tier;
import dev.lakelog.config.ConfigException;
import dev.lakelog.config.LakelogConfig;
import dev.lakelog.idempotency.DynamoIdempotencyStore;
import dev.lakelog.idempotency.FileIdempotencyStore;
import dev.lakelog.idempotency.Idempotency;
import dev.lakelog.idempotency.IdempotencyStore;
import dev.lakelog.ingest.HotTierReader;
import dev.lakelog.ingest.IngestRoutes;
import dev.lakelog.ingest.IngestService;
import dev.lakelog.ingest.StrictJson;
import dev.lakelog.lake.LakeEngine;
import dev.lakelog.lake.LakeStorage;
import dev.lakelog.lake.Redactor;
import dev.lakelog.lake.RollupLedger;
import dev.lakelog.lake.S3Credentials;
import dev.lakelog.maintenance.MaintenanceRoutes;
import dev.lakelog.maintenance.MaintenanceService;
import dev.lakelog.query.CustomQueryService;
import dev.lakelog.query.NamedQueries;
import dev.lakelog.query.BigResults;
import dev.lakelog.query.QueryRoutes;
import dev.lakelog.query.QueryService;
import dev.lakelog.query.TenantView;
import dev.lakelog.rollup.DynamoRollupLock;
import dev.lakelog.rollup.InProcessRollupLock;
import dev.lakelog.rollup.IotRollupStatusPublisher;
import dev.lakelog.rollup.RollupStatusPublisher;
import dev.lakelog.rollup.RollupLock;
import dev.lakelog.rollup.RollupRoutes;
import dev.lakelog.rollup.RollupService;
import dev.lakelog.segment.SegmentCodec;
import dev.lakelog.storage.BlobStore;
import dev.lakelog.storage.LocalBlobStore;
import dev.lakelog.storage.S3BlobStore;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;
import java.util.function.Supplier;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * The composition root: builds every service from one {@link LakelogConfig}. Lambda handlers,
 * the local server, the CLI and the tests all start here. The lake (DuckDB) opens lazily on
 * first use, so the ingest function never loads it.
 */
public final class Lakelog implements AutoCloseable {
    private final LakelogConfig config;
    private final ObjectMapper json;
    private final BlobStore blobs;
    private final TenantStore tenants;
    private final Authenticator auth;
    private final IngestService ingest;
    private final Idempotency idempotency;
    private final RollupService rollup;
    private final QueryService query;
    private final MaintenanceService maintenance;
    private final Optional<IotRollupStatusPublisher> iotPublisher;
    private final ApiRouter router;
    private final Redactor redactor = new Redactor();
    private final Memo<LakeEngine> lake;
    private final Optional<DynamoDbClient> dynamo;
    private final Optional<S3Client> s3;
    private final Optional<S3Presigner> presigner;

    private Lakelog(LakelogConfig config, AwsCredentialsProvider credentials, Clock clock) {
        this.config = config;
        this.json = StrictJson.mapper();
        this.s3 = config.bucket().map(b -> s3Client(config, credentials));
        this.presigner = config.bucket().map(b -> dev.lakelog.storage.S3Clients.presigner(config.region(), config.s3Endpoint(), credentials));
        this.blobs = config.bucket().<BlobStore>map(b -> new S3BlobStore(s3.get(), b, presigner.get()))
                .orElseGet(() -> new LocalBlobStore(config.dataDir().orElseThrow()));
        this.dynamo = config.tenantsTable().or(config::leasesTable).or(config::idempotencyTable)
                .map(t -> dynamoClient(config, credentials));
        this.tenants = config.tenantsTable().<TenantStore>map(t -> new DynamoTenantStore(dynamo.get(), t))
                .orElseGet(() -> new FileTenantStore(config.dataDir()
                        .orElseThrow(() -> new ConfigException("set LAKELOG_TENANTS_TABLE (DynamoDB) or LAKELOG_DATA_DIR (local tenant store)"))
                        .resolve("tenants.json")));
        this.auth = new Authenticator(tenants, clock);
        SegmentCodec codec = new SegmentCodec();
        this.ingest = new IngestService(blobs, codec, clock, config.segmentMaxBytes());
        this.lake = new Memo<>(() -> openLake(config, credentials));
        // A DynamoDB lease per tenant when LAKELOG_LEASES_TABLE is set (several Lambda containers);
        // otherwise the process is the only rollup runner (local mode) and an in-process lock will do.
        RollupLock lock = config.leasesTable().<RollupLock>map(t -> new DynamoRollupLock(dynamo.get(), t, clock,
                config.rollupLimits().leaseDuration(), true)).orElseGet(InProcessRollupLock::new);
        this.rollup = new RollupService(blobs, lake, lock, codec, clock, config.rollupLimits());
        this.maintenance = new MaintenanceService(lake, lock, clock);
        this.iotPublisher = config.iotEndpoint().map(ep -> IotRollupStatusPublisher.create(ep, config.region(), credentials));
        this.query = new QueryService(lake, new TenantView(lake, blobs, codec, TenantView.HotLimits.DEFAULT), json);
        this.router = new ApiRouter(json);
        this.idempotency = new Idempotency(config.idempotencyTable()
                .<IdempotencyStore>map(t -> new DynamoIdempotencyStore(dynamo.get(), t))
                .orElseGet(() -> new FileIdempotencyStore(config.dataDir()
                        .orElseThrow(() -> new ConfigException("set LAKELOG_IDEMPOTENCY_TABLE (DynamoDB) or LAKELOG_DATA_DIR (local idempotency store)"))
                        .resolve("idempotency"))), clock, Idempotency.DEFAULT_TTL);
        HotTierReader recent = new HotTierReader(blobs, codec, keys -> RollupLedger.rolledUp(lake.get(), keys), json);
        new IngestRoutes(auth, ingest, idempotency, recent).register(router);
        new RollupRoutes(auth, rollup).register(router);
        new QueryRoutes(auth, query,
                new CustomQueryService(lake, json, CustomQueryService.DEFAULT_MAX_ROWS, CustomQueryService.DEFAULT_TIME_LIMIT),
                new NamedQueries(query.view(), lake, json), new BigResults(blobs, clock)).register(router);
        new MaintenanceRoutes(auth, maintenance).register(router);
    }

    public static Lakelog start(LakelogConfig config) {
        return start(config, DefaultCredentialsProvider.builder().build(), Clock.systemUTC());
    }

    public static Lakelog start(LakelogConfig config, AwsCredentialsProvider credentials, Clock clock) {
        Lakelog app = new Lakelog(config, credentials, clock);
        app.ensureDevTenant();
        return app;
    }

    /** Creates tenant {@code dev} from LAKELOG_DEV_TOKEN / LAKELOG_DEV_HMAC_SECRET, if set. */
    private void ensureDevTenant() {
        if (config.devToken().isEmpty() && config.devHmacSecret().isEmpty()) return;
        if (tenants instanceof FileTenantStore f) {
            f.upsertTenant(new Tenant("dev", Tier.PAID));
        } else if (tenants.tenant("dev").isEmpty()) {
            tenants.createTenant(new Tenant("dev", Tier.PAID));
        }
        config.devToken().ifPresent(t -> tenants.addToken("dev", Secrets.tokenHash(t)));
        config.devHmacSecret().ifPresent(s -> tenants.addHmacKey(new HmacKey("dev", "dev", s, true)));
    }

    private LakeEngine openLake(LakelogConfig c, AwsCredentialsProvider credentials) {
        Path tmp = c.duckdbTempDir().orElse(null);
        String mem = System.getenv("AWS_LAMBDA_FUNCTION_MEMORY_SIZE");
        LakeEngine.Settings settings = mem != null
                ? LakeEngine.Settings.forLambda(c.extensionDir(), tmp == null ? Path.of("/tmp/duckdb") : tmp, Integer.parseInt(mem))
                : new LakeEngine.Settings(c.extensionDir(), tmp, null, null);
        LakeStorage storage;
        if (c.embeddedStorage()) {
            storage = new LakeStorage.Local(c.dataDir().orElseThrow());
        } else {
            LakelogConfig.PostgresSettings pg = c.postgres().orElseThrow(() -> new ConfigException(
                    "LAKELOG_PG_HOST is required to open the lake (PostgreSQL DuckLake catalog) when LAKELOG_BUCKET is set"));
            String user = pg.user();
            String password = pg.password();
            if (c.pgSecretArn().isPresent()) {
                JsonNode secret = postgresSecret(c, credentials);
                user = secret.path("username").asText(user);
                password = secret.path("password").asText(password);
            }
            storage = new LakeStorage.S3Postgres(c.bucket().orElseThrow(), c.region(),
                    c.s3Endpoint(), pg.host(), pg.port(), pg.database(), user, password, pg.sslmode());
        }
        Supplier<S3Credentials> s3creds = () -> {
            AwsCredentials cr = credentials.resolveCredentials();
            String token = cr instanceof AwsSessionCredentials sc ? sc.sessionToken() : null;
            return new S3Credentials(cr.accessKeyId(), cr.secretAccessKey(), token);
        };
        return LakeEngine.open(storage, settings, s3creds, redactor);
    }

    private JsonNode postgresSecret(LakelogConfig c, AwsCredentialsProvider credentials) {
        try (SecretsManagerClient sm = SecretsManagerClient.builder().region(Region.of(c.region()))
                .credentialsProvider(credentials).httpClientBuilder(UrlConnectionHttpClient.builder()).build()) {
            String s = sm.getSecretValue(b -> b.secretId(c.pgSecretArn().get())).secretString();
            return json.readTree(s);
        } catch (java.io.IOException e) {
            throw new ConfigException("LAKELOG_PG_SECRET_ARN does not hold a JSON secret with username and password");
        }
    }

    static S3Client s3Client(LakelogConfig c, AwsCredentialsProvider credentials) {
        return dev.lakelog.storage.S3Clients.create(c.region(), c.s3Endpoint(), credentials);
    }

    static DynamoDbClient dynamoClient(LakelogConfig c, AwsCredentialsProvider credentials) {
        var b = DynamoDbClient.builder().region(Region.of(c.region())).credentialsProvider(credentials)
                .httpClientBuilder(UrlConnectionHttpClient.builder());
        c.dynamoEndpoint().ifPresent(ep -> b.endpointOverride(URI.create(ep)));
        return b.build();
    }

    public LakelogConfig config() {
        return config;
    }

    public ApiRouter router() {
        return router;
    }

    public IngestService ingest() {
        return ingest;
    }

    public RollupService rollup() {
        return rollup;
    }

    /** Publisher of rollup status messages to AWS IoT, when LAKELOG_IOT_ENDPOINT is set. */
    public Optional<RollupStatusPublisher> iotPublisher() {
        return iotPublisher.map(p -> p);
    }

    public MaintenanceService maintenance() {
        return maintenance;
    }

    public QueryService query() {
        return query;
    }

    public Authenticator auth() {
        return auth;
    }

    public TenantStore tenants() {
        return tenants;
    }

    public BlobStore blobs() {
        return blobs;
    }

    public ObjectMapper json() {
        return json;
    }

    /** The lake engine if it is open, else null (nothing is opened). */
    public LakeEngine lakeIfOpen() {
        return lake.peek();
    }

    /** The lake engine, opened now if it was not yet. */
    public LakeEngine lake() {
        return lake.get();
    }

    @Override
    public void close() {
        lake.ifPresent(LakeEngine::close);
        s3.ifPresent(S3Client::close);
        presigner.ifPresent(S3Presigner::close);
        dynamo.ifPresent(DynamoDbClient::close);
        iotPublisher.ifPresent(IotRollupStatusPublisher::close);
    }

    /** A thread-safe lazily computed value. */
    static final class Memo<T> implements Supplier<T> {
        private final Supplier<T> init;
        private volatile T value;

        Memo(Supplier<T> init) {
            this.init = init;
        }

        @Override
        public T get() {
            T v = value;
            if (v == null) {
                synchronized (this) {
                    v = value;
                    if (v == null) value = v = init.get();
                }
            }
            return v;
        }

        T peek() {
            return value;
        }

        void ifPresent(java.util.function.Consumer<T> c) {
            T v = value;
            if (v != null) c.accept(v);
        }
    }
}
