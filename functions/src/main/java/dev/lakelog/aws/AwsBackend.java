package dev.lakelog.aws;

import dev.lakelog.backend.JobDispatcher;
import dev.lakelog.backend.JobStore;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lakelog.auth.TenantStore;
import dev.lakelog.backend.Backend;
import dev.lakelog.backend.StatusPublisher;
import dev.lakelog.throttle.RateLimitStore;
import dev.lakelog.config.ConfigException;
import dev.lakelog.config.LakelogConfig;
import dev.lakelog.idempotency.IdempotencyStore;
import dev.lakelog.lake.LakeStorage;
import dev.lakelog.lake.S3Credentials;
import dev.lakelog.lake.TenantLock;
import dev.lakelog.storage.BlobStore;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * The AWS {@link Backend}: segments and lake files in S3 ({@code LAKELOG_BUCKET}), the DuckLake
 * catalog in PostgreSQL ({@code LAKELOG_PG_*}, password optionally from Secrets Manager), tenants,
 * idempotency records and leases in DynamoDB tables, rollup status over AWS IoT. Each component
 * is built on first use and needs only its own variables; a missing one fails with a
 * {@link ConfigException} naming it. Clients come from {@link AwsClients}; SDK failures surface as
 * {@code dependency_unavailable} / {@code storage_unavailable}, never as SDK exceptions.
 */
public final class AwsBackend implements Backend {
    private final LakelogConfig config;
    private final Clock clock;
    private final AwsCredentialsProvider credentials;
    private final List<AutoCloseable> opened = new ArrayList<>();
    private DynamoDbClient dynamo;
    private BlobStore blobs;
    private TenantStore tenants;
    private IdempotencyStore idempotency;
    private TenantLock locks;
    private LakeStorage lakeStorage;
    private Optional<StatusPublisher> publisher;
    private Optional<RateLimitStore> rateLimits;
    private Optional<dev.lakelog.lake.ChainAnchor> anchor;

    public AwsBackend(LakelogConfig config, Clock clock) {
        this(config, clock, AwsClients.credentials(config));
    }

    AwsBackend(LakelogConfig config, Clock clock, AwsCredentialsProvider credentials) {
        this.config = config;
        this.clock = clock;
        this.credentials = credentials;
    }

    @Override
    public synchronized BlobStore blobs() {
        if (blobs == null) {
            String bucket = config.bucket().orElseThrow(() -> new ConfigException(
                    "LAKELOG_BUCKET must be set: this function reads or writes segments in S3"));
            var s3 = open(AwsClients.create(config.region(), config.s3Endpoint(), credentials));
            var presigner = open(AwsClients.presigner(config.region(), config.s3Endpoint(), credentials));
            blobs = new S3BlobStore(s3, bucket, presigner);
        }
        return blobs;
    }

    @Override
    public synchronized TenantStore tenants() {
        if (tenants == null) {
            String table = required(config.tenantsTable(), "LAKELOG_TENANTS_TABLE", "authenticates callers (DynamoDB tenants table)");
            tenants = Unavailable.guard(TenantStore.class, new DynamoTenantStore(dynamo(), table), "the DynamoDB tenants table");
        }
        return tenants;
    }

    @Override
    public synchronized IdempotencyStore idempotency() {
        if (idempotency == null) {
            String table = required(config.idempotencyTable(), "LAKELOG_IDEMPOTENCY_TABLE", "honours Idempotency-Key (DynamoDB table)");
            idempotency = Unavailable.guard(IdempotencyStore.class, new DynamoIdempotencyStore(dynamo(), table),
                    "the DynamoDB idempotency table");
        }
        return idempotency;
    }

    @Override
    public synchronized Optional<RateLimitStore> rateLimits() {
        if (rateLimits == null) {
            // the stack always sets the table; without it (older stacks, tools) requests are not rate limited
            rateLimits = config.rateLimitsTable().map(table -> Unavailable.guard(RateLimitStore.class,
                    new DynamoRateLimitStore(dynamo(), table), "the DynamoDB rate limits table"));
        }
        return rateLimits;
    }

    @Override
    public synchronized TenantLock locks() {
        if (locks == null) {
            String table = required(config.leasesTable(), "LAKELOG_LEASES_TABLE", "rolls up or maintains the lake (DynamoDB leases table)");
            locks = new DynamoTenantLock(dynamo(), table, clock, config.rollupLimits().leaseDuration(), true);
        }
        return locks;
    }

    @Override
    public synchronized LakeStorage lakeStorage() {
        if (lakeStorage == null) {
            String bucket = config.bucket().orElseThrow(() -> new ConfigException(
                    "LAKELOG_BUCKET must be set to open the lake (its data files are in S3)"));
            LakelogConfig.PostgresSettings pg = config.postgres().orElseThrow(() -> new ConfigException(
                    "LAKELOG_PG_HOST is required to open the lake (PostgreSQL DuckLake catalog) when LAKELOG_BUCKET is set"));
            String user = pg.user();
            String password = pg.password();
            if (config.pgSecretArn().isPresent()) {
                JsonNode secret = catalogSecret(config.pgSecretArn().get());
                user = secret.path("username").asText(user);
                password = secret.path("password").asText(password);
            }
            lakeStorage = new LakeStorage.S3Postgres(bucket, config.region(), config.s3Endpoint(),
                    pg.host(), pg.port(), pg.database(), user, password, pg.sslmode());
        }
        return lakeStorage;
    }

    @Override
    public Supplier<S3Credentials> lakeCredentials() {
        return () -> {
            AwsCredentials c = credentials.resolveCredentials();
            String token = c instanceof AwsSessionCredentials sc ? sc.sessionToken() : null;
            return new S3Credentials(c.accessKeyId(), c.secretAccessKey(), token);
        };
    }

    private JobStore jobs;
    private Optional<JobDispatcher> jobDispatcher;

    @Override
    public synchronized JobStore jobs() {
        if (jobs == null) {
            String table = required(config.jobsTable(), "LAKELOG_JOBS_TABLE", "answers asynchronous queries (DynamoDB jobs table)");
            jobs = Unavailable.guard(JobStore.class, new DynamoJobStore(dynamo(), table), "the DynamoDB jobs table");
        }
        return jobs;
    }

    @Override
    public synchronized Optional<JobDispatcher> jobDispatcher() {
        if (jobDispatcher == null) {
            jobDispatcher = config.jobsFunction().map(fn -> Unavailable.guard(JobDispatcher.class,
                    new LambdaJobDispatcher(open(AwsClients.lambda(config, credentials)), fn), "the jobs function (Lambda Invoke)"));
        }
        return jobDispatcher;
    }

    @Override
    public synchronized Optional<StatusPublisher> statusPublisher() {
        if (publisher == null) {
            publisher = config.iotEndpoint().map(ep -> open(IotStatusPublisher.create(ep, config.region(), credentials)));
        }
        return publisher;
    }

    /** The KMS-signed S3 anchor of the integrity chain, when LAKELOG_ANCHOR_BUCKET is set (docs/integrity.md#the-anchor). */
    @Override
    public synchronized Optional<dev.lakelog.lake.ChainAnchor> chainAnchor() {
        if (anchor == null) {
            anchor = config.anchor().map(a -> new KmsS3Anchor(open(AwsClients.create(config.region(), a.s3Endpoint(), credentials)),
                    open(AwsClients.kms(config.region(), a.kmsEndpoint(), credentials)), a.bucket(), a.prefix(), a.kmsKeyId()));
        }
        return anchor;
    }

    private JsonNode catalogSecret(String arn) {
        try (SecretsManagerClient sm = AwsClients.secretsManager(config, credentials)) {
            return new ObjectMapper().readTree(sm.getSecretValue(b -> b.secretId(arn)).secretString());
        } catch (IOException e) {
            throw new ConfigException("LAKELOG_PG_SECRET_ARN does not hold a JSON secret with username and password");
        } catch (SdkException e) {
            throw Unavailable.translate("Secrets Manager (LAKELOG_PG_SECRET_ARN)", e);
        }
    }

    private software.amazon.awssdk.services.sqs.SqsClient sqs;
    private SqsWorkQueue rollupQueue;
    private SqsWorkQueue maintenanceQueue;

    @Override
    public synchronized dev.lakelog.queue.WorkQueue rollupQueue() {
        if (rollupQueue == null) {
            rollupQueue = new SqsWorkQueue(sqs(), required(config.fanOut().rollupQueueUrl(), "LAKELOG_ROLLUP_QUEUE_URL",
                    "plans or runs fanned-out rollups"));
        }
        return rollupQueue;
    }

    @Override
    public synchronized dev.lakelog.queue.WorkQueue maintenanceQueue() {
        if (maintenanceQueue == null) {
            maintenanceQueue = new SqsWorkQueue(sqs(), required(config.fanOut().maintenanceQueueUrl(), "LAKELOG_MAINTENANCE_QUEUE_URL",
                    "plans or runs fanned-out maintenance"));
        }
        return maintenanceQueue;
    }

    private software.amazon.awssdk.services.sqs.SqsClient sqs() {
        if (sqs == null) sqs = open(AwsClients.sqs(config, credentials));
        return sqs;
    }

    private DynamoDbClient dynamo() {
        if (dynamo == null) dynamo = open(AwsClients.dynamo(config, credentials));
        return dynamo;
    }

    private static String required(Optional<String> v, String variable, String why) {
        return v.orElseThrow(() -> new ConfigException(variable + " must be set: this function " + why));
    }

    private <T extends AutoCloseable> T open(T c) {
        opened.add(c);
        return c;
    }

    @Override
    public synchronized void close() {
        for (AutoCloseable c : opened) {
            try {
                c.close();
            } catch (Exception ignored) {
                // closing clients at shutdown; nothing to do about a failure
            }
        }
        opened.clear();
    }
}
