package dev.lakelog;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lakelog.api.ApiRouter;
import dev.lakelog.api.StrictJson;
import dev.lakelog.auth.Authenticator;
import dev.lakelog.auth.HmacKey;
import dev.lakelog.auth.Secrets;
import dev.lakelog.auth.Tenant;
import dev.lakelog.auth.TenantStore;
import dev.lakelog.auth.Tier;
import dev.lakelog.aws.AwsBackend;
import dev.lakelog.backend.Backend;
import dev.lakelog.backend.StatusPublisher;
import dev.lakelog.throttle.RateLimit;
import dev.lakelog.throttle.TenantRateLimiter;
import dev.lakelog.config.LakelogConfig;
import dev.lakelog.idempotency.Idempotency;
import dev.lakelog.ingest.IngestRoutes;
import dev.lakelog.ingest.IngestService;
import dev.lakelog.ingest.drop.DropFolderService;
import dev.lakelog.lake.LakeEngine;
import dev.lakelog.lake.Redactor;
import dev.lakelog.lake.RollupLedger;
import dev.lakelog.local.LocalBackend;
import dev.lakelog.local.OperationsRoutes;
import dev.lakelog.local.PrometheusMetrics;
import dev.lakelog.metrics.EmfMetrics;
import dev.lakelog.metrics.Metrics;
import dev.lakelog.integrity.AccessTrail;
import dev.lakelog.integrity.HoldRoutes;
import dev.lakelog.integrity.ProofRoutes;
import dev.lakelog.integrity.VerifyRoutes;
import dev.lakelog.integrity.VerifyService;
import dev.lakelog.maintenance.MaintenanceRoutes;
import dev.lakelog.maintenance.MaintenanceService;
import dev.lakelog.query.BigResults;
import dev.lakelog.query.CustomQueryService;
import dev.lakelog.query.HotTierReader;
import dev.lakelog.query.NamedQueries;
import dev.lakelog.query.QueryLimiter;
import dev.lakelog.query.QueryRoutes;
import dev.lakelog.query.JobRoutes;
import dev.lakelog.query.QueryJobs;
import dev.lakelog.query.QueryService;
import dev.lakelog.query.RecentRoutes;
import dev.lakelog.query.TenantView;
import dev.lakelog.rollup.RollupRoutes;
import dev.lakelog.rollup.RollupService;
import dev.lakelog.segment.SegmentCodec;
import dev.lakelog.telemetry.MetricsIngestService;
import dev.lakelog.telemetry.MetricsQueryService;
import dev.lakelog.telemetry.MetricsRollupService;
import dev.lakelog.telemetry.MetricsRoutes;
import dev.lakelog.storage.BlobStore;
import java.nio.file.Path;
import java.time.Clock;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The composition root: builds every service from one {@link LakelogConfig} on the one
 * {@link Backend} it names (AWS or local files, chosen here, once). Lambda handlers, the local
 * server, the CLI and the tests all start here. Everything is built on first use: the lake
 * (DuckDB) opens only when a service needs it, so the ingest function and the authorizer never
 * load it, and the tenant CLI needs no bucket.
 */
public final class Lakelog implements AutoCloseable {

    /** The groups of routes a deployed function serves; the local server serves them all. */
    public enum Surface {
        /** {@code POST /v1/log}, {@code /v1/log/batch}, {@code /v1/logs}: the ingest function. */
        INGEST,
        /** The analytics reads (with one event's proof) and {@code GET /v1/logs/recent}: the query function. */
        QUERY,
        /** {@code POST /v1/analytics/rollup}, {@code /v1/analytics/maintenance/*}, {@code GET /v1/analytics/verify} and the legal holds: the maintenance function. */
        MAINTENANCE
    }

    private final LakelogConfig config;
    private final Clock clock;
    private final Backend backend;
    private final ObjectMapper json = StrictJson.mapper();
    private final Redactor redactor = new Redactor();
    private final SegmentCodec codec = new SegmentCodec();
    private final Memo<LakeEngine> lake;
    private final Memo<Authenticator> auth;
    private final Memo<IngestService> ingest;
    private final Memo<RollupService> rollup;
    private final Memo<MaintenanceService> maintenance;
    private final Memo<QueryService> query;
    private final Map<Surface, ApiRouter> routers = new EnumMap<>(Surface.class);
    private final QueryLimiter queryLimiter = QueryLimiter.defaults();
    private final Metrics metrics;
    private final Memo<BigResults> results;
    private final Memo<AccessTrail> access;
    private final Memo<MetricsIngestService> metricsIngest;
    private final Memo<MetricsRollupService> metricsRollup;
    private final Memo<MetricsQueryService> metricsQuery;
    private ApiRouter allRoutes;

    private Lakelog(LakelogConfig config, Clock clock) {
        this.config = config;
        this.clock = clock;
        this.backend = switch (config.backend()) {
            case AWS -> new AwsBackend(config, clock);
            case LOCAL -> new LocalBackend(config);
        };
        // CloudWatch Embedded Metric Format in Lambda; Prometheus (GET /metrics) everywhere else
        this.metrics = config.lambdaFunctionName().<Metrics>map(fn -> new EmfMetrics(fn, System.out)).orElseGet(PrometheusMetrics::new);
        this.lake = new Memo<>(() -> {
            LakeEngine engine = LakeEngine.open(backend.lakeStorage(), lakeSettings(), backend.lakeCredentials(), redactor);
            backend.chainAnchor().ifPresent(engine::useAnchor);
            return engine;
        });
        this.auth = new Memo<>(() -> new Authenticator(backend.tenants(), clock));
        this.ingest = new Memo<>(() -> new IngestService(backend.blobs(), codec, clock, config.segmentMaxBytes()));
        this.rollup = new Memo<>(() -> new RollupService(backend.blobs(), lake, backend.locks(), codec, clock, config.rollupLimits(), metrics));
        this.maintenance = new Memo<>(() -> new MaintenanceService(lake, backend.locks(), clock));
        this.query = new Memo<>(() -> new QueryService(lake, new TenantView(lake, backend.blobs(), codec, TenantView.HotLimits.DEFAULT), json));
        this.results = new Memo<>(() -> new BigResults(backend.blobs(), clock));
        this.access = new Memo<>(() -> new AccessTrail(auth.get(), backend.tenants(), backend::blobs, lake, clock, json,
                config.backend() == dev.lakelog.config.Backend.LOCAL));
        this.metricsIngest = new Memo<>(() -> new MetricsIngestService(backend.blobs(), clock, json));
        this.metricsRollup = new Memo<>(() -> new MetricsRollupService(backend.blobs(), lake, backend.locks(), clock));
        this.metricsQuery = new Memo<>(() -> new MetricsQueryService(lake, json));
    }

    /** Starts lakelog on the system clock. */
    public static Lakelog start(LakelogConfig config) {
        return start(config, Clock.systemUTC());
    }

    public static Lakelog start(LakelogConfig config, Clock clock) {
        Lakelog app = new Lakelog(config, clock);
        app.ensureDevTenant();
        return app;
    }

    /**
     * Creates tenant {@code dev} from LAKELOG_DEV_TOKEN / LAKELOG_DEV_HMAC_SECRET, and the operator
     * token {@code dev} from LAKELOG_DEV_OPERATOR_TOKEN, if set.
     */
    private void ensureDevTenant() {
        config.devOperatorToken().ifPresent(t -> backend.tenants().addOperatorToken(Secrets.tokenHash(t), "dev"));
        if (config.devToken().isEmpty() && config.devHmacSecret().isEmpty()) return;
        TenantStore tenants = backend.tenants();
        tenants.ensureTenant(new Tenant("dev", Tier.PAID));
        config.devToken().ifPresent(t -> tenants.addToken("dev", Secrets.tokenHash(t)));
        config.devHmacSecret().ifPresent(s -> tenants.addHmacKey(new HmacKey("dev", "dev", s, true)));
    }

    private LakeEngine.Settings lakeSettings() {
        // DuckDB spills (one private directory per instance) and keeps its home under here: the
        // data directory locally, so nothing lands in the working directory.
        Path tmp = config.duckdbTempDir().or(() -> config.dataDir().map(d -> d.resolve("tmp"))).orElse(null);
        return config.lambdaMemoryMb()
                .map(mb -> LakeEngine.Settings.forLambda(config.extensionDir(), tmp == null ? Path.of("/tmp/duckdb") : tmp, mb))
                .orElseGet(() -> new LakeEngine.Settings(config.extensionDir(), tmp, null, null));
    }

    /** Every route (the local server, the CLI and most tests), with the operations endpoints (/healthz, /readyz, /metrics). */
    public synchronized ApiRouter router() {
        if (allRoutes == null) {
            allRoutes = buildRouter(EnumSet.allOf(Surface.class));
            if (metrics instanceof PrometheusMetrics prometheus) {
                new OperationsRoutes(lake, backend::blobs, backend::tenants, prometheus).register(allRoutes);
            }
        }
        return allRoutes;
    }

    /** Only the routes of one deployed function, as API Gateway sends them to it. */
    public synchronized ApiRouter router(Surface surface) {
        return routers.computeIfAbsent(surface, s -> buildRouter(EnumSet.of(s)));
    }

    private ApiRouter buildRouter(Set<Surface> surfaces) {
        ApiRouter router = new ApiRouter(json, metrics);
        if (surfaces.contains(Surface.INGEST)) {
            Idempotency idempotency = new Idempotency(backend.idempotency(), clock, Idempotency.DEFAULT_TTL);
            new IngestRoutes(auth.get(), ingest.get(), idempotency, metrics, rateLimiter()).register(router);
            metricsRoutes(idempotency).registerIngest(router);
        }
        if (surfaces.contains(Surface.QUERY)) {
            HotTierReader recent = new HotTierReader(backend.blobs(), codec, keys -> RollupLedger.rolledUp(lake.get(), keys), json);
            new RecentRoutes(auth.get(), recent).register(router);
            BigResults big = results();
            new QueryRoutes(auth.get(), query.get(),
                    new CustomQueryService(lake, json, CustomQueryService.DEFAULT_MAX_ROWS, CustomQueryService.DEFAULT_TIME_LIMIT, big, metrics),
                    new NamedQueries(query.get().view(), lake, json), big, queryLimiter, rateLimiter()).register(router);
            new ProofRoutes(auth.get(), lake).register(router);
            access.get().register(router);
            metricsRoutes(null).registerQuery(router);
            new JobRoutes(auth.get(), jobs(), rateLimiter()).register(router);
        }
        if (surfaces.contains(Surface.MAINTENANCE)) {
            new RollupRoutes(auth.get(), rollup.get()).register(router);
            new MaintenanceRoutes(auth.get(), maintenance.get()).register(router);
            new VerifyRoutes(auth.get(), verify()).register(router);
            new HoldRoutes(auth.get(), lake, tenants()).register(router);
            metricsRoutes(null).registerRollup(router);
        }
        if (surfaces.contains(Surface.QUERY) || surfaces.contains(Surface.MAINTENANCE)) {
            // every analytics, export, verify and maintenance call (and the hot-tier read), whichever route serves it
            router.recordAccess(p -> p.startsWith("/v1/analytics/") || p.equals("/v1/logs/recent"), access.get());
        }
        return router;
    }

    /** The metrics routes (docs/metrics.md); services are built on first use like the others. */
    private MetricsRoutes metricsRoutes(Idempotency idempotency) {
        return new MetricsRoutes(auth.get(), metricsIngest, metricsQuery, metricsRollup, idempotency, rateLimiter());
    }

    /** Metric segments into the metrics tables and their rollups (docs/metrics.md). */
    public MetricsRollupService metricsRollup() {
        return metricsRollup.get();
    }

    public MetricsQueryService metricsQuery() {
        return metricsQuery.get();
    }

    public LakelogConfig config() {
        return config;
    }

    private QueryJobs jobs;
    private java.util.concurrent.ExecutorService jobExecutor;

    /**
     * The asynchronous queries (docs/api.md): recorded in the backend's job store, run by the AWS
     * jobs function when one is configured, else on two threads of this process (local mode, tests).
     * Their custom SQL runs in the same sandbox as the synchronous route, with the worker's longer
     * time limit ({@link QueryJobs#CUSTOM_TIME_LIMIT}) and up to {@code Exports.MAX_EXPORT_ROWS} rows.
     */
    public synchronized QueryJobs jobs() {
        if (jobs == null) {
            BigResults big = results();
            dev.lakelog.backend.JobDispatcher dispatcher = backend.jobDispatcher().orElseGet(() -> (tenantId, jobId) -> {
                synchronized (this) {
                    if (jobExecutor == null) {
                        jobExecutor = java.util.concurrent.Executors.newFixedThreadPool(2, r -> {
                            Thread th = new Thread(r, "lakelog-query-job");
                            th.setDaemon(true);
                            return th;
                        });
                    }
                }
                jobExecutor.submit(() -> jobs().run(tenantId, jobId));
            });
            jobs = new QueryJobs(backend.jobs(), dispatcher, backend.tenants(), new NamedQueries(query.get().view(), lake, json),
                    new CustomQueryService(lake, json, dev.lakelog.query.Exports.MAX_EXPORT_ROWS, QueryJobs.CUSTOM_TIME_LIMIT, big, metrics),
                    query.get().exports(big), big, json, clock);
        }
        return jobs;
    }

    private TenantRateLimiter rateLimiter;

    /** The per-tenant rate limits of the configuration, over the backend's bucket store (none: no limits). */
    public synchronized TenantRateLimiter rateLimiter() {
        if (rateLimiter == null) {
            LakelogConfig.TenantRates r = config.tenantRates();
            rateLimiter = backend.rateLimits()
                    .map(store -> new TenantRateLimiter(store, new RateLimit("ingest", r.ingestPerSecond(), r.ingestBurst()),
                            new RateLimit("query", r.queryPerSecond(), r.queryBurst()), clock))
                    .orElse(TenantRateLimiter.NONE);
        }
        return rateLimiter;
    }

    public IngestService ingest() {
        return ingest.get();
    }

    private DropFolderService dropFolder;

    /** The drop folder's core (docs/ingest.md, "Drop folder"): the S3 event handler and the local watcher call it. */
    public synchronized DropFolderService dropFolder() {
        if (dropFolder == null) {
            LakelogConfig.DropFolder d = config.dropFolder();
            Path tmp = config.duckdbTempDir().or(() -> config.dataDir().map(dir -> dir.resolve("tmp")))
                    .orElse(Path.of(System.getProperty("java.io.tmpdir")));
            dropFolder = new DropFolderService(backend.blobs(), backend.tenants(), backend.idempotency(), codec, clock,
                    config.segmentMaxBytes(), new DropFolderService.Limits(d.maxObjectBytes(), d.dedupWindow()), tmp.resolve("drop"));
        }
        return dropFolder;
    }

    public RollupService rollup() {
        return rollup.get();
    }

    /** The fan-out's planner: one message per tenant with segments, on the backend's rollup queue (docs/scaling.md). */
    public dev.lakelog.rollup.RollupPlanner rollupPlanner() {
        return new dev.lakelog.rollup.RollupPlanner(backend.blobs(), backend.rollupQueue(), metrics);
    }

    /** The fan-out's worker: one tenant per message, continuing on the rollup queue when its deadline comes. */
    public dev.lakelog.rollup.RollupWorker rollupWorker() {
        return new dev.lakelog.rollup.RollupWorker(rollup.get(), backend.rollupQueue(), config.rollupMinAge(), clock);
    }

    /** Maintenance jobs through the maintenance queue: {@code plan} on the schedule, {@code handle} in the worker. */
    public dev.lakelog.maintenance.MaintenanceWorker maintenanceWorker() {
        return new dev.lakelog.maintenance.MaintenanceWorker(maintenance.get(), backend.maintenanceQueue());
    }

    /** Publisher of rollup status messages to AWS IoT, when LAKELOG_IOT_ENDPOINT is set. */
    public Optional<StatusPublisher> statusPublisher() {
        return backend.statusPublisher();
    }

    /** Verification against the integrity chain (docs/integrity.md); the pending access records are committed first. */
    public VerifyService verify() {
        return new VerifyService(lake, this::commitAccessTrailQuietly);
    }

    /** The access trail: the recorder on the analytics routes and its reads (docs/integrity.md#access-trail). */
    public AccessTrail accessTrail() {
        return access.get();
    }

    /** Commits the pending access records into the lake (the rollup schedule runs it); returns how many. */
    public int commitAccessTrail() {
        return access.get().commitPending();
    }

    private void commitAccessTrailQuietly() {
        try {
            commitAccessTrail();
        } catch (RuntimeException e) {
            // verify still runs: it checks what was committed, and the pending records are committed next time
            dev.lakelog.log.JsonLog.get(Lakelog.class).warn("access_trail_commit_failed", "error", e.getMessage());
        }
    }

    public MaintenanceService maintenance() {
        return maintenance.get();
    }

    public QueryService query() {
        return query.get();
    }

    /** Where the figures operators watch go (CloudWatch EMF in Lambda, Prometheus elsewhere). */
    public Metrics metrics() {
        return metrics;
    }

    /** Result files of answers too large to return inline. */
    public BigResults results() {
        return results.get();
    }

    public Authenticator auth() {
        return auth.get();
    }

    public TenantStore tenants() {
        return backend.tenants();
    }

    public BlobStore blobs() {
        return backend.blobs();
    }

    public ObjectMapper json() {
        return json;
    }

    /**
     * Primes DuckDB before a SnapStart snapshot (handler.LambdaApp): the extensions this backend's
     * lake uses, loaded into a throw-away in-memory database that runs a Parquet query; the lake is
     * not opened and nothing outside the process is touched.
     */
    public LakeEngine.Priming primeLake() {
        Path tmp = config.duckdbTempDir().orElse(Path.of(System.getProperty("java.io.tmpdir")));
        return LakeEngine.prime(config.extensionDir(), tmp, config.backend() == dev.lakelog.config.Backend.AWS);
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
        synchronized (this) {
            if (jobExecutor != null) {
                jobExecutor.shutdownNow();
                try {
                    jobExecutor.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        lake.ifPresent(LakeEngine::close);
        backend.close();
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
