package dev.lakelog.throttle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lakelog.aws.DynamoRateLimitStore;
import dev.lakelog.testing.DynamoServer;
import dev.lakelog.testing.TestServers;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * The AWS store on DynamoDB Local: buckets are shared by every function instance (two store objects
 * here stand for two Lambda instances), one tenant's empty bucket refuses it while another tenant
 * is served, and concurrent takes never admit more than the bucket holds.
 */
class DynamoRateLimitStoreTest {
    private final DynamoServer dynamo = TestServers.dynamo();

    private String table() {
        String t = dynamo.newTablePrefix() + "ratelimits";
        DynamoRateLimitStore.createTable(dynamo.client(), t);
        return t;
    }

    @Test
    void two_instances_share_a_tenants_bucket_and_another_tenant_is_still_served() {
        String table = table();
        RateLimitStore a = new DynamoRateLimitStore(dynamo.client(), table);
        RateLimitStore b = new DynamoRateLimitStore(dynamo.client(), table);
        RateLimit limit = new RateLimit("ingest", 1, 3);
        long now = 1_000_000L;
        assertThat(a.take("ingest#noisy", limit, now).allowed()).isTrue();
        assertThat(b.take("ingest#noisy", limit, now).allowed()).isTrue();
        assertThat(a.take("ingest#noisy", limit, now).allowed()).isTrue();
        TokenBucket.Take refused = b.take("ingest#noisy", limit, now);
        assertThat(refused.allowed()).isFalse();
        assertThat(refused.retryAfterMillis()).isEqualTo(1000);
        assertThat(a.take("ingest#quiet", limit, now).allowed()).isTrue();
        // a second later one token is back
        assertThat(b.take("ingest#noisy", limit, now + 1000).allowed()).isTrue();
        assertThat(a.take("ingest#noisy", limit, now + 1000).allowed()).isFalse();
    }

    @Test
    void concurrent_takes_from_many_instances_admit_no_more_than_the_burst() throws Exception {
        String table = table();
        RateLimit limit = new RateLimit("ingest", 0.001, 10); // no refill to speak of during the test
        long now = 5_000_000L;
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Callable<Boolean>> calls = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                RateLimitStore instance = new DynamoRateLimitStore(dynamo.client(), table);
                calls.add(() -> instance.take("ingest#burst", limit, now).allowed());
            }
            int allowed = 0;
            for (Future<Boolean> f : pool.invokeAll(calls)) if (f.get()) allowed++;
            assertThat(allowed).isLessThanOrEqualTo(10).isGreaterThan(0);
        } finally {
            pool.shutdownNow();
        }
    }
}
