package dev.lakelog.testing;

import com.amazonaws.services.dynamodbv2.local.server.AbstractLocalDynamoDBServerHandler;
import com.amazonaws.services.dynamodbv2.local.server.LocalDynamoDBRequestHandler;
import com.amazonaws.services.dynamodbv2.local.server.LocalDynamoDBServerHandler;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ContextHandler;
import org.eclipse.jetty.server.handler.ContextHandlerCollection;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * DynamoDB Local on 127.0.0.1, in-process and in-memory, one database shared by all credentials and
 * regions. Started once per JVM by {@link TestServers#dynamo()}; tests keep apart by naming their
 * tables with {@link #newTablePrefix()}.
 *
 * <p>The server is assembled here from DynamoDB Local's request handler and its Jetty, rather than
 * through its {@code ServerRunner}, so that it binds to loopback only and never starts its telemetry.
 * Its storage engine is SQLite through sqlite4java, whose native library Maven copies to
 * {@code target/native-libs} (see functions/pom.xml).
 */
public final class DynamoServer implements AutoCloseable {
    public static final String HOST = "127.0.0.1";
    public static final String ACCESS_KEY = "LAKELOGTESTACCESSKEY";
    public static final String SECRET_KEY = "lakelogTestSecretKey0123456789";
    public static final String REGION = "us-east-1";

    private static final String SQLITE4JAVA_PATH = "sqlite4java.library.path";

    private final Server server;
    private final ServerConnector connector;
    private final AbstractLocalDynamoDBServerHandler handler;
    private final DynamoDbClient client;
    private final AtomicInteger prefixes = new AtomicInteger();

    private DynamoServer(Server server, ServerConnector connector, AbstractLocalDynamoDBServerHandler handler) {
        this.server = server;
        this.connector = connector;
        this.handler = handler;
        this.client = newClient();
    }

    static DynamoServer start() {
        if (System.getProperty(SQLITE4JAVA_PATH) == null) {
            System.setProperty(SQLITE4JAVA_PATH, sqliteNativeDir().toString());
        }
        try {
            AbstractLocalDynamoDBServerHandler handler = new LocalDynamoDBServerHandler(
                    new LocalDynamoDBRequestHandler(0, /* inMemory */ true, /* dbPath */ null,
                            /* sharedDb */ true, /* delayTransientStatuses */ false),
                    /* corsParams */ null);
            Server server = new Server();
            ServerConnector connector = new ServerConnector(server);
            connector.setHost(HOST);
            connector.setPort(0);
            server.addConnector(connector);
            ContextHandler context = new ContextHandler();
            context.setHandler(handler);
            server.setHandler(new ContextHandlerCollection(context));
            server.start();
            return new DynamoServer(server, connector, handler);
        } catch (Exception e) {
            throw new IllegalStateException("could not start DynamoDB Local", e);
        }
    }

    /**
     * The directory holding sqlite4java's native library: the one the build copies it to, else the
     * directory of a native file on the class path.
     */
    private static Path sqliteNativeDir() {
        Path copied = Path.of("target", "native-libs").toAbsolutePath();
        if (containsSqliteNative(copied)) {
            return copied;
        }
        for (String entry : System.getProperty("java.class.path", "").split(File.pathSeparator)) {
            Path p = Path.of(entry);
            String name = p.getFileName() == null ? "" : p.getFileName().toString();
            if (name.startsWith("libsqlite4java-") || name.startsWith("sqlite4java-win")) {
                return p.getParent();
            }
        }
        throw new IllegalStateException("sqlite4java native library not found in " + copied
                + " nor on the class path; `mvn -pl functions test-compile` copies it there "
                + "(maven-dependency-plugin execution copy-sqlite4java-natives), or set -D" + SQLITE4JAVA_PATH);
    }

    private static boolean containsSqliteNative(Path dir) {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*sqlite4java*")) {
            return files.iterator().hasNext();
        } catch (IOException e) {
            return false;
        }
    }

    /** {@code http://127.0.0.1:<port>} */
    public URI endpoint() {
        return URI.create("http://" + HOST + ":" + port());
    }

    public int port() {
        return connector.getLocalPort();
    }

    public String accessKey() {
        return ACCESS_KEY;
    }

    public String secretKey() {
        return SECRET_KEY;
    }

    public String region() {
        return REGION;
    }

    /** A shared DynamoDB client for this server. */
    public DynamoDbClient client() {
        return client;
    }

    /** A new DynamoDB client for this server; the caller closes it. */
    public DynamoDbClient newClient() {
        return DynamoDbClient.builder()
                .endpointOverride(endpoint())
                .region(Region.of(REGION))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
                .httpClient(UrlConnectionHttpClient.create())
                .build();
    }

    /** A table-name prefix no other caller in this JVM gets, e.g. {@code t7_}. */
    public String newTablePrefix() {
        return "t" + prefixes.incrementAndGet() + "_";
    }

    @Override
    public void close() throws Exception {
        try {
            client.close();
            server.stop();
        } finally {
            handler.close();
        }
    }

    @Override
    public String toString() {
        return "DynamoDB Local on " + HOST + ":" + port();
    }
}
