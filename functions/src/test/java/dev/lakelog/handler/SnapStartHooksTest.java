package dev.lakelog.handler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.amazonaws.services.lambda.runtime.events.ScheduledEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lakelog.Lakelog;
import dev.lakelog.api.ApiResponse;
import dev.lakelog.auth.HmacKey;
import dev.lakelog.auth.Secrets;
import dev.lakelog.auth.Tenant;
import dev.lakelog.auth.Tier;
import dev.lakelog.config.LakelogConfig;
import dev.lakelog.lake.LakeEngine;
import dev.lakelog.testing.LakelogFixture;
import dev.lakelog.testing.PostgresServer;
import dev.lakelog.testing.S3Faults;
import dev.lakelog.testing.TestServers;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Lambda SnapStart's runtime hooks on real servers (PostgreSQL catalog, Parquet in the S3 server,
 * DynamoDB Local). The test plays the Lambda runtime: org.crac forwards to the test's CRaC
 * implementation ({@code dev.lakelog.testing.crac}, as it forwards to the runtime's in Lambda), and
 * the test calls the global context's {@code beforeCheckpoint} where Lambda takes the snapshot and
 * {@code afterRestore} where an execution environment resumes from it, on every resource the
 * handlers' start-up registered.
 */
class SnapStartHooksTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The catalog's role and database, owned by this test so that it can change the password. */
    private record Catalog(String role, String database) {}

    private static Catalog catalog(String name) {
        PostgresServer pg = TestServers.postgres();
        String role = name + "_" + Long.toHexString(System.nanoTime());
        pg.createRole(role, "before-checkpoint");
        return new Catalog(role, pg.newDatabaseOwnedBy(role));
    }

    private static Map<String, String> env(Catalog c) {
        Map<String, String> env = new HashMap<>(LakelogFixture.awsEnv(Map.of("LAKELOG_ROLLUP_MIN_AGE_SECONDS", "0")));
        env.put("LAKELOG_PG_DATABASE", c.database());
        env.put("LAKELOG_PG_USER", c.role());
        env.put("LAKELOG_PG_PASSWORD", "before-checkpoint");
        return env;
    }

    private static LakelogFixture.TenantCredentials tenant(Lakelog app, String id) {
        app.tenants().createTenant(new Tenant(id, Tier.PAID));
        String token = Secrets.newToken();
        app.tenants().addToken(id, Secrets.tokenHash(token));
        HmacKey key = new HmacKey(Secrets.newKeyId(), id, Secrets.newHmacSecret(), true);
        app.tenants().addHmacKey(key);
        return new LakelogFixture.TenantCredentials(id, token, key.keyId(), key.secret());
    }

    private static String batch(String prefix, int n) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < n; i++) {
            if (i > 0) b.append(',');
            b.append("{\"log_id\":\"").append(prefix).append('-').append(i).append("\",\"timestamp\":\"")
                    .append(Instant.now().minusSeconds(60 + i)).append("\",\"event_type\":\"E").append(i % 5)
                    .append("\",\"outcome\":\"SUCCESS\",\"severity\":\"INFO\",\"message\":\"m").append(i).append("\"}");
        }
        return b.append(']').toString();
    }

    private static APIGatewayProxyRequestEvent query(LakelogFixture.TenantCredentials t, Map<String, String> params) {
        return new APIGatewayProxyRequestEvent().withHttpMethod("GET").withPath("/v1/analytics/logs")
                .withHeaders(Map.of("Authorization", "Bearer " + t.token()))
                .withQueryStringParameters(params);
    }

    private static int count(APIGatewayProxyResponseEvent r) throws Exception {
        assertThat(r.getStatusCode()).as(r.getBody()).isEqualTo(200);
        return JSON.readTree(r.getBody()).path("count").asInt();
    }

    private static Map<String, Object> rollup(RollupScheduleHandler h) {
        return h.run(true, new LocalContext());
    }

    /** The catalog's client sessions once the server has seen the closes (a backend ends after its client's close arrives). */
    private static int sessionsSettled(String database, int expected) throws InterruptedException {
        int n = TestServers.postgres().sessionsOn(database);
        for (int i = 0; i < 100 && n != expected; i++) {
            Thread.sleep(100);
            n = TestServers.postgres().sessionsOn(database);
        }
        return n;
    }

    /** What the Lambda runtime does before it takes the snapshot: every registered resource's beforeCheckpoint. */
    private static void checkpoint() throws Exception {
        dev.lakelog.testing.crac.Core.getGlobalContext().beforeCheckpoint(null);
    }

    /** What the Lambda runtime does in an environment resumed from the snapshot: every registered resource's afterRestore. */
    private static void restore() throws Exception {
        dev.lakelog.testing.crac.Core.getGlobalContext().afterRestore(null);
    }

    @Test
    void a_checkpoint_primes_then_closes_the_lake_and_every_client_and_a_restored_function_attaches_anew_and_answers_queries_and_rollups()
            throws Exception {
        Catalog cat = catalog("snap");
        AtomicReference<Map<String, String>> environment = new AtomicReference<>(env(cat));
        AtomicInteger configReads = new AtomicInteger();
        LambdaApp container = LambdaApp.create(() -> {
            configReads.incrementAndGet();
            return LakelogConfig.from(environment.get());
        });
        // the init phase of the query function (QueryHandler's no-argument constructor, bound to this container)
        QueryHandler queryFn = new QueryHandler(container.starting(LambdaApp.Needs.LAKE));
        RollupScheduleHandler rollupFn = new RollupScheduleHandler(container);
        Lakelog before = container.peek();
        LakelogFixture.TenantCredentials acme = tenant(before, "acme");
        ApiResponse ingested = before.router().handle(LakelogFixture.signedJson(acme, "/v1/log/batch", batch("a", 40)));
        assertThat(ingested.status()).isEqualTo(200);
        assertThat(rollup(rollupFn)).containsEntry("logs_inserted", 40L);
        assertThat(count(queryFn.handleRequest(query(acme, Map.of("limit", "1000")), new LocalContext()))).isEqualTo(40);
        LakeEngine engineBefore = before.lakeIfOpen();
        assertThat(engineBefore).as("the lake is attached before the checkpoint").isNotNull();
        assertThat(TestServers.postgres().sessionsOn(cat.database())).as("DuckDB's catalog sessions").isPositive();

        // ---- the snapshot: Lambda calls beforeCheckpoint on the registered resources
        String bucket = environment.get().get("LAKELOG_BUCKET");
        List<S3Faults.Call> s3DuringCheckpoint = Collections.synchronizedList(new ArrayList<>());
        S3Faults faults = TestServers.s3().faults();
        faults.failWhen(c -> {
            if (bucket.equals(c.bucket())) s3DuringCheckpoint.add(c);
            return false;
        });
        try {
            checkpoint();
        } finally {
            faults.clear();
        }
        assertThat(container.checkpoints()).isEqualTo(1);
        assertThat(container.peek()).as("no app is carried in the snapshot").isNull();
        assertThat(sessionsSettled(cat.database(), 0)).as("no catalog session is open in the snapshot").isZero();
        assertThatThrownBy(engineBefore::connect).as("the attached lake is closed").isInstanceOf(Exception.class);
        assertThat(s3DuringCheckpoint).as("priming sends nothing to S3").isEmpty();
        LakeEngine.Priming priming = container.lastPriming();
        assertThat(priming).as("DuckDB was primed").isNotNull();
        assertThat(priming.extensions()).containsExactly("ducklake", "httpfs", "postgres_scanner");
        assertThat(priming.rows()).isEqualTo(1000);

        // the credentials of the snapshot's time stop working: the catalog's password is changed while
        // the function sleeps; only an app built from the environment after the restore can log in
        TestServers.postgres().changePassword(cat.role(), "after-restore");
        Map<String, String> rotated = new HashMap<>(environment.get());
        rotated.put("LAKELOG_PG_PASSWORD", "after-restore");
        environment.set(rotated);
        int readsBeforeRestore = configReads.get();

        // ---- a new execution environment resumes from the snapshot: afterRestore
        restore();
        assertThat(container.restores()).isEqualTo(1);
        assertThat(container.peek()).as("the app is built on the first invocation, not in the hook").isNull();
        assertThat(TestServers.postgres().sessionsOn(cat.database())).isZero();

        // the first invocation after the restore: a new app from the environment, the lake attached now
        assertThat(count(queryFn.handleRequest(query(acme, Map.of("limit", "1000")), new LocalContext()))).isEqualTo(40);
        Lakelog after = container.peek();
        assertThat(after).isNotNull().isNotSameAs(before);
        assertThat(configReads.get()).as("the environment is read again after the restore").isEqualTo(readsBeforeRestore + 1);
        assertThat(after.lakeIfOpen()).isNotNull().isNotSameAs(engineBefore);
        assertThat(TestServers.postgres().sessionsOn(cat.database())).as("the catalog, attached after the restore").isPositive();
        assertThatThrownBy(engineBefore::connect).as("nothing reopened the engine of the snapshot").isInstanceOf(Exception.class);

        // a rollup after the restore commits exactly the new events, and the query sees old and new
        ApiResponse more = after.router().handle(LakelogFixture.signedJson(acme, "/v1/log/batch", batch("b", 25)));
        assertThat(more.status()).isEqualTo(200);
        Map<String, Object> report = rollup(rollupFn);
        assertThat(report).containsEntry("logs_inserted", 25L).containsEntry("segments_processed", 1);
        assertThat(count(queryFn.handleRequest(query(acme, Map.of("limit", "1000")), new LocalContext()))).isEqualTo(65);
        JsonNode one = JSON.readTree(queryFn.handleRequest(query(acme, Map.of("limit", "1000", "event_type", "E3")),
                new LocalContext()).getBody());
        assertThat(one.path("count").asInt()).as("8 of the first 40 and 5 of the next 25 are E3").isEqualTo(13);
        container.shutdown();
    }

    @Test
    void an_ingest_function_checkpoint_primes_its_routes_without_duckdb_and_ingests_after_the_restore() throws Exception {
        Catalog cat = catalog("snapingest");
        Map<String, String> env = env(cat);
        LambdaApp container = LambdaApp.create(() -> LakelogConfig.from(env));
        IngestHandler ingestFn = new IngestHandler(container.starting(LambdaApp.Needs.NO_LAKE));
        Lakelog before = container.peek();
        LakelogFixture.TenantCredentials t = tenant(before, "ingestor");

        checkpoint();
        assertThat(container.peek()).isNull();
        assertThat(container.lastPriming()).as("the slim zip has no DuckDB to prime").isNull();
        assertThat(before.lakeIfOpen()).as("priming the ingest routes never opens the lake").isNull();
        restore();

        String body = batch("c", 3);
        long now = Instant.now().getEpochSecond();
        APIGatewayProxyResponseEvent r = ingestFn.handleRequest(new APIGatewayProxyRequestEvent().withHttpMethod("POST")
                .withPath("/v1/log/batch")
                .withHeaders(Map.of("content-type", "application/json", "x-key-id", t.keyId(),
                        "x-signature", dev.lakelog.auth.Authenticator.signatureHeader(t.hmacSecret(), now,
                                body.getBytes(java.nio.charset.StandardCharsets.UTF_8))))
                .withBody(body), new LocalContext());
        assertThat(r.getStatusCode()).as(r.getBody()).isEqualTo(200);
        assertThat(container.peek()).isNotNull().isNotSameAs(before);
        assertThat(TestServers.s3().client().listObjectsV2(b -> b.bucket(env.get("LAKELOG_BUCKET")).prefix("segments/tenant=ingestor/"))
                .contents()).hasSize(1);
        container.shutdown();
    }
}
