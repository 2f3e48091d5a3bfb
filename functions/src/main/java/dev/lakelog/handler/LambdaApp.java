package dev.lakelog.handler;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import dev.lakelog.Lakelog;
import dev.lakelog.auth.Secrets;
import dev.lakelog.config.LakelogConfig;
import dev.lakelog.lake.LakeEngine;
import dev.lakelog.log.JsonLog;
import dev.lakelog.segment.UuidV7;
import java.util.Map;
import java.util.function.Supplier;
import org.crac.Context;
import org.crac.Core;
import org.crac.Resource;

/**
 * The one {@link Lakelog} of a Lambda container, built from the environment on first use and kept
 * across invocations (DuckDB with extensions loaded and the lake attached), and the container's
 * SnapStart runtime hooks (docs/infra.md#snapstart).
 *
 * <p>Every handler's no-argument constructor (the Lambda init phase) calls {@link #start}, which
 * builds the app and registers this object with {@code org.crac}; with SnapStart, the runtime then
 * calls {@link #beforeCheckpoint} once the init phase is over and {@link #afterRestore} in every
 * execution environment resumed from the snapshot:
 *
 * <ul>
 *   <li><b>before the checkpoint</b>: prime (an unauthenticated request through the function's own
 *       routes, which answers 401 without a call to anything outside; for the DuckDB functions, the
 *       native library, the extensions and a Parquet write/read/aggregate query on a throw-away
 *       in-memory DuckDB), then <b>close the app</b>: the lake engine (its PostgreSQL connections,
 *       its S3 secret), every AWS SDK client (their sockets and any credentials they resolved) and
 *       the job executor. Nothing that holds a socket or a credential is in the snapshot; the lake
 *       is never attached in it.
 *   <li><b>after the restore</b>: new generators for the process's own random draws (segment ids,
 *       tokens, the commit retries' back-off), then nothing else: the next invocation builds a new app from the environment
 *       (re-read), which resolves credentials, reads the catalog secret and attaches the lake then.
 * </ul>
 *
 * <p>Handlers therefore hold a {@code Supplier<Lakelog>} (this object) and ask it per invocation.
 * Without SnapStart nothing calls the hooks and the app lives as long as the container.
 */
final class LambdaApp implements Supplier<Lakelog>, Resource {
    private static final JsonLog LOG = JsonLog.get(LambdaApp.class);

    /** What a function's priming exercises. */
    enum Needs {
        /** DuckDB functions (the x86_64 zip): the query routes and an in-memory DuckDB with the extensions. */
        LAKE,
        /** Functions of the slim zip (no DuckDB): the ingest routes only. */
        NO_LAKE
    }

    /** The container's instance; org.crac holds resources weakly, this field keeps it. */
    private static final LambdaApp CONTAINER = create(LakelogConfig::fromEnvironment);

    private final Supplier<LakelogConfig> configSource;
    private volatile Lakelog app;
    private volatile Needs needs = Needs.NO_LAKE;
    private volatile LakeEngine.Priming lastPriming;
    private volatile int checkpoints;
    private volatile int restores;

    private LambdaApp(Supplier<LakelogConfig> configSource) {
        this.configSource = configSource;
    }

    /** A holder reading its configuration from {@code configSource}, registered with org.crac's global context. */
    static LambdaApp create(Supplier<LakelogConfig> configSource) {
        LambdaApp a = new LambdaApp(configSource);
        Core.getGlobalContext().register(a);
        return a;
    }

    /** The init phase of a handler: the container's app, built now; {@code needs} says what priming runs. */
    static Supplier<Lakelog> start(Needs needs) {
        return CONTAINER.starting(needs);
    }

    /** The container's current app (built if there is none). */
    static Lakelog container() {
        return CONTAINER.get();
    }

    /** The container's holder: the SnapStart hooks for {@link LocalInvoker}'s measurement. */
    static LambdaApp containerHolder() {
        return CONTAINER;
    }

    /** Records what priming this function needs and builds the app. */
    Supplier<Lakelog> starting(Needs n) {
        if (n == Needs.LAKE) needs = Needs.LAKE;
        get();
        return this;
    }

    @Override
    public Lakelog get() {
        Lakelog a = app;
        if (a == null) {
            synchronized (this) {
                a = app;
                if (a == null) app = a = Lakelog.start(configSource.get());
            }
        }
        return a;
    }

    /** Closes the current app, if any (tests: a holder that outlives its test must hold nothing open). */
    synchronized void shutdown() {
        Lakelog a = app;
        app = null;
        if (a != null) a.close();
    }

    /** The current app, or null when none is built (after a checkpoint, before the next invocation). */
    Lakelog peek() {
        return app;
    }

    LakeEngine.Priming lastPriming() {
        return lastPriming;
    }

    int checkpoints() {
        return checkpoints;
    }

    int restores() {
        return restores;
    }

    @Override
    public void beforeCheckpoint(Context<? extends Resource> context) {
        long t0 = System.nanoTime();
        Lakelog a = app;
        if (a == null) {
            // no handler started in this process (a tool, a test): nothing to prime, nothing open
            checkpoints++;
            return;
        }
        long apiMs = -1;
        try {
            long p0 = System.nanoTime();
            primeRoutes(a);
            apiMs = (System.nanoTime() - p0) / 1_000_000;
        } catch (RuntimeException | LinkageError e) {
            LOG.warn("snapstart_priming_failed", "step", "routes", "error", String.valueOf(e.getMessage()));
        }
        LakeEngine.Priming duck = null;
        if (needs == Needs.LAKE) {
            try {
                duck = a.primeLake();
            } catch (RuntimeException | LinkageError e) {
                LOG.warn("snapstart_priming_failed", "step", "duckdb", "error", String.valueOf(e.getMessage()));
            }
        }
        lastPriming = duck;
        synchronized (this) {
            app = null;
            a.close();
        }
        checkpoints++;
        LOG.info("snapstart_checkpoint", "needs", needs.name(), "routes_priming_ms", apiMs,
                "duckdb_priming_ms", duck == null ? -1 : duck.ms(), "ms", (System.nanoTime() - t0) / 1_000_000);
    }

    @Override
    public void afterRestore(Context<? extends Resource> context) {
        // every environment resumed from one snapshot must draw its own ids and secrets
        UuidV7.reseed();
        Secrets.reseed();
        dev.lakelog.lake.Jitter.reseed();
        restores++;
        LOG.info("snapstart_restored", "app", app == null ? "built on the first invocation" : "present");
    }

    /**
     * One request through the function's own routes that no store is asked about: for the slim zip an
     * unsigned {@code POST /v1/log}, answered 401 by the authentication step before any lookup; for
     * the DuckDB functions a path no route serves, answered 404 (an analytics path would be written
     * to the access trail, even unauthenticated, and priming must leave no record). Either exercises
     * the API Gateway adapter, the router, the error mapping and JSON.
     */
    private void primeRoutes(Lakelog a) {
        boolean lake = needs == Needs.LAKE;
        Lakelog.Surface surface = lake ? Lakelog.Surface.QUERY : Lakelog.Surface.INGEST;
        APIGatewayProxyRequestEvent event = lake
                ? new APIGatewayProxyRequestEvent().withHttpMethod("GET").withPath(PRIMING_PATH)
                        .withQueryStringParameters(Map.of("limit", "1"))
                : new APIGatewayProxyRequestEvent().withHttpMethod("POST").withPath("/v1/log")
                        .withHeaders(Map.of("content-type", "application/json")).withBody("{\"event_type\":\"priming\"}");
        int expected = lake ? 404 : 401;
        int status = ApiGatewayAdapter.toResponse(a.router(surface).handle(ApiGatewayAdapter.toRequest(event))).getStatusCode();
        if (status != expected) {
            LOG.warn("snapstart_priming_unexpected", "status", status, "expected", expected, "path", event.getPath());
        }
    }

    /** A path no route serves and the access trail does not record (it records /v1/analytics/ and /v1/logs/recent). */
    static final String PRIMING_PATH = "/v1/_priming";
}
