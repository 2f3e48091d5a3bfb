package dev.lakelog.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.model.KeySpec;
import software.amazon.awssdk.services.kms.model.KeyUsageType;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ObjectLockEnabled;
import software.amazon.awssdk.services.s3.model.ObjectLockRetentionMode;

/**
 * Moto's server (PyPI {@code moto[server]}, a separate Python process) on 127.0.0.1: the real
 * AWS protocols for what nothing in Maven serves: KMS asymmetric keys ({@code Sign},
 * {@code Verify}, {@code GetPublicKey}) and S3 with Object Lock (bucket default retention,
 * versions, locked deletes). In memory; any credentials are accepted. Started once per JVM by
 * {@link TestServers#moto()}; installed by {@code .ci/install-moto} (run by {@code .ci/run}) into
 * {@code ~/.cache/lakelog/moto-venv}, or wherever {@code LAKELOG_MOTO_SERVER} points.
 */
public final class MotoServer implements AutoCloseable {
    public static final String HOST = "127.0.0.1";
    public static final String REGION = "us-east-1";
    private final Process process;
    private final int port;
    private final AtomicInteger names = new AtomicInteger();
    private final S3Client s3;
    private final KmsClient kms;

    private MotoServer(Process process, int port) {
        this.process = process;
        this.port = port;
        this.s3 = S3Client.builder().region(Region.of(REGION)).credentialsProvider(credentials())
                .httpClientBuilder(UrlConnectionHttpClient.builder()).endpointOverride(endpoint()).forcePathStyle(true).build();
        this.kms = KmsClient.builder().region(Region.of(REGION)).credentialsProvider(credentials())
                .httpClientBuilder(UrlConnectionHttpClient.builder()).endpointOverride(endpoint()).build();
    }

    static Path executable() {
        String env = System.getenv("LAKELOG_MOTO_SERVER");
        Path p = env != null && !env.isBlank() ? Path.of(env)
                : Path.of(System.getProperty("user.home"), ".cache", "lakelog", "moto-venv", "bin", "moto_server");
        if (!Files.isExecutable(p)) {
            throw new IllegalStateException("Moto's server is not installed at " + p + ": run .ci/install-moto (it pip-installs "
                    + "moto[server] into ~/.cache/lakelog/moto-venv), or point LAKELOG_MOTO_SERVER at a moto_server executable");
        }
        return p;
    }

    static MotoServer start() {
        Path exe = executable();
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName(HOST))) {
            port = s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Process p;
        try {
            Path log = Files.createTempFile("lakelog-moto-", ".log");
            p = new ProcessBuilder(exe.toString(), "-H", HOST, "-p", Integer.toString(port))
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        } catch (IOException e) {
            throw new UncheckedIOException("could not start " + exe, e);
        }
        long until = System.nanoTime() + 60_000_000_000L;
        while (true) {
            if (!p.isAlive()) throw new IllegalStateException("Moto's server exited with " + p.exitValue());
            try {
                HttpURLConnection c = (HttpURLConnection) URI.create("http://" + HOST + ":" + port + "/moto-api/").toURL().openConnection();
                c.setConnectTimeout(500);
                c.setReadTimeout(2000);
                if (c.getResponseCode() < 500) break;
            } catch (IOException notYet) {
                // still starting
            }
            if (System.nanoTime() > until) {
                p.destroyForcibly();
                throw new IllegalStateException("Moto's server did not answer on port " + port + " within 60 s");
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        return new MotoServer(p, port);
    }

    public static StaticCredentialsProvider credentials() {
        return StaticCredentialsProvider.create(AwsBasicCredentials.create("LAKELOGMOTOACCESSKEY", "lakelogMotoSecretKey"));
    }

    /** {@code http://127.0.0.1:<port>}: the endpoint of every service. */
    public URI endpoint() {
        return URI.create("http://" + HOST + ":" + port);
    }

    public S3Client s3() {
        return s3;
    }

    public KmsClient kms() {
        return kms;
    }

    /** A new bucket with Object Lock enabled and a default retention of {@code days} in {@code mode}. */
    public String newLockedBucket(ObjectLockRetentionMode mode, int days) {
        String name = "lakelog-anchor-" + ProcessHandle.current().pid() + "-" + names.incrementAndGet();
        s3.createBucket(b -> b.bucket(name).objectLockEnabledForBucket(true));
        s3.putObjectLockConfiguration(b -> b.bucket(name).objectLockConfiguration(c -> c.objectLockEnabled(ObjectLockEnabled.ENABLED)
                .rule(r -> r.defaultRetention(d -> d.mode(mode).days(days)))));
        return name;
    }

    /** A new asymmetric signing key ({@code SIGN_VERIFY}) of {@code spec}; returns its key id. */
    public String newSigningKey(KeySpec spec) {
        return kms.createKey(b -> b.keyUsage(KeyUsageType.SIGN_VERIFY).keySpec(spec).description("lakelog test anchor key"))
                .keyMetadata().keyId();
    }

    @Override
    public void close() {
        s3.close();
        kms.close();
        process.destroy();
        try {
            if (!process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) process.destroyForcibly();
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "Moto server (KMS, S3 with Object Lock) on " + endpoint();
    }
}
