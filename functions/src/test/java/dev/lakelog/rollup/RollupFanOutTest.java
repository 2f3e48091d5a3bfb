package dev.lakelog.rollup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lakelog.auth.Tier;
import dev.lakelog.handler.RollupPlanHandler;
import dev.lakelog.handler.RollupWorkerHandler;
import dev.lakelog.handler.LocalContext;
import dev.lakelog.queue.WorkMessage;
import dev.lakelog.testing.ElasticMqServer;
import dev.lakelog.testing.LakelogFixture;
import dev.lakelog.testing.SqsEventSource;
import dev.lakelog.testing.TestServers;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * The rollup fan-out on real servers: the planner's messages on a real SQS API (ElasticMQ, with a
 * dead-letter queue and a redrive policy), consumed as Lambda's event-source mapping does
 * ({@link SqsEventSource}: batches, concurrency, partial batch responses, visibility timeout)
 * by {@link RollupWorkerHandler}s of separate {@link dev.lakelog.Lakelog} instances (containers),
 * over PostgreSQL, the S3 server and DynamoDB Local.
 */
class RollupFanOutTest {
    static final Duration BOUND = Duration.ofMinutes(4);

    private static LakelogFixture fixture(ElasticMqServer.Queue q, Map<String, String> more) {
        Map<String, String> env = new HashMap<>(Map.of("LAKELOG_ROLLUP_MIN_AGE_SECONDS", "0",
                "LAKELOG_ROLLUP_QUEUE_URL", q.url(), "LAKELOG_SQS_ENDPOINT", TestServers.sqs().endpoint().toString()));
        env.putAll(more);
        return LakelogFixture.aws(env, Clock.systemUTC());
    }

    private static Map<String, List<String>> ingestTenants(LakelogFixture fx, String tag, int tenants, int requests) {
        Map<String, List<String>> acked = new LinkedHashMap<>();
        for (int i = 0; i < tenants; i++) {
            var t = fx.createTenant(tag + "-t" + i, Tier.PAID);
            acked.put(t.tenantId(), RollupTesting.ingest(fx, t, tag + i, requests, 5));
        }
        return acked;
    }

    private static List<Message> receiveAll(String url) {
        List<Message> out = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            List<Message> got = TestServers.sqs().client().receiveMessage(b -> b.queueUrl(url).maxNumberOfMessages(10).waitTimeSeconds(1)).messages();
            out.addAll(got);
        }
        return out;
    }

    @Test
    void the_planner_enqueues_one_message_per_tenant_and_concurrent_workers_roll_each_up_exactly_once() throws Exception {
        ElasticMqServer.Queue q = TestServers.sqs().newQueue("rollup", 3, 30);
        try (LakelogFixture fx = fixture(q, Map.of())) {
            Map<String, List<String>> acked = ingestTenants(fx, "fan", 6, 3);
            Map<String, Object> plan = new RollupPlanHandler(fx.app()).plan(new LocalContext());
            assertThat(plan).containsEntry("tenants_enqueued", 6);
            assertThat(TestServers.sqs().depth(q.url())).isEqualTo(6);

            // three containers side by side, as three concurrent Lambda instances
            List<dev.lakelog.Lakelog> containers = List.of(fx.app(), RollupTesting.another(fx.env()), RollupTesting.another(fx.env()));
            containers.forEach(dev.lakelog.Lakelog::lake); // warm containers: DuckDB open, the lake attached
            AtomicInteger next = new AtomicInteger();
            SqsEventSource esm = new SqsEventSource(TestServers.sqs().client(), q.url(), 2, 3, () -> Duration.ofMinutes(15));
            esm.drain((event, ctx) -> new RollupWorkerHandler(containers.get(next.getAndIncrement() % 3)).handleRequest(event, ctx), BOUND);

            for (var e : acked.entrySet()) {
                RollupTesting.assertExactlyOnce(fx.app(), e.getKey(), e.getValue());
                assertThat(RollupTesting.segmentCount(fx, e.getKey())).as("segments deleted after commit").isZero();
            }
            assertThat(TestServers.sqs().depth(q.url())).isZero();
            assertThat(TestServers.sqs().depth(q.dlqUrl())).isZero();
            assertThat(esm.itemFailures()).isZero();
            containers.get(1).close();
            containers.get(2).close();
        }
    }

    @Test
    void a_worker_killed_before_its_commit_or_before_acknowledging_loses_and_doubles_nothing() throws Exception {
        ElasticMqServer.Queue q = TestServers.sqs().newQueue("rollup-kill", 5, 5);
        try (LakelogFixture fx = fixture(q, Map.of("LAKELOG_ROLLUP_BATCH_MAX_SEGMENTS", "2"))) {
            Map<String, List<String>> acked = ingestTenants(fx, "kill", 4, 5);
            new RollupPlanHandler(fx.app()).plan(new LocalContext());

            // container A dies inside the commit transaction of its second batch (its first committed);
            // container B dies after its commit and deletes, before its answer reaches SQS. Both
            // deliveries come back after the visibility timeout; container C is healthy.
            dev.lakelog.Lakelog a = RollupTesting.another(fx.env());
            dev.lakelog.Lakelog b = RollupTesting.another(fx.env());
            dev.lakelog.Lakelog c = fx.app();
            List.of(a, b, c).forEach(dev.lakelog.Lakelog::lake);
            AtomicInteger commitsOfA = new AtomicInteger();
            a.rollup().beforeCommit(() -> {
                if (commitsOfA.incrementAndGet() == 2) throw new KilledInvocation("killed before COMMIT");
            });
            AtomicInteger kills = new AtomicInteger();
            AtomicInteger turn = new AtomicInteger();
            SqsEventSource esm = new SqsEventSource(TestServers.sqs().client(), q.url(), 1, 2, () -> Duration.ofMinutes(15));
            esm.drain((event, ctx) -> {
                int n = turn.getAndIncrement();
                if (n == 0) return new RollupWorkerHandler(a).handleRequest(event, ctx); // throws: killed
                if (n == 1) {
                    new RollupWorkerHandler(b).handleRequest(event, ctx);
                    kills.incrementAndGet();
                    throw new KilledInvocation("killed after COMMIT, before the answer");
                }
                return new RollupWorkerHandler(c).handleRequest(event, ctx);
            }, BOUND);

            assertThat(commitsOfA.get()).as("A reached its second commit and died there").isEqualTo(2);
            assertThat(kills.get()).isEqualTo(1);
            assertThat(esm.failedInvocations()).as("both killed invocations deleted nothing").isEqualTo(2);
            for (var e : acked.entrySet()) {
                RollupTesting.assertExactlyOnce(fx.app(), e.getKey(), e.getValue());
                assertThat(RollupTesting.segmentCount(fx, e.getKey())).isZero();
            }
            assertThat(TestServers.sqs().depth(q.url())).isZero();
            assertThat(TestServers.sqs().depth(q.dlqUrl())).isZero();
            a.close();
            b.close();
        }
    }

    @Test
    void a_poisoned_message_ends_in_the_dead_letter_queue_and_the_others_are_rolled_up() throws Exception {
        // the poison comes back after the visibility timeout, fails again and moves to the DLQ on its
        // third receive (maxReceiveCount 2). 30 s, not the stack's 30 min: the good messages are deleted
        // at their first success, so one of them could reach the DLQ only if two invocations in a row
        // each held it longer than 30 s (the lake is warmed first; one small rollup per tenant)
        ElasticMqServer.Queue q = TestServers.sqs().newQueue("rollup-poison", 2, 30);
        try (LakelogFixture fx = fixture(q, Map.of())) {
            Map<String, List<String>> acked = ingestTenants(fx, "poison", 3, 2);
            fx.app().lake();
            String poison = "{\"kind\":\"rollup\",\"tenant\":\"../../etc\"}";
            // the poison first, so that it shares a batch with good messages
            TestServers.sqs().client().sendMessage(b -> b.queueUrl(q.url()).messageBody(poison));
            new RollupPlanHandler(fx.app()).plan(new LocalContext());

            SqsEventSource esm = new SqsEventSource(TestServers.sqs().client(), q.url(), 10, 2, () -> Duration.ofMinutes(15));
            esm.drain(SqsEventSource.of(new RollupWorkerHandler(fx.app())), BOUND);

            for (var e : acked.entrySet()) RollupTesting.assertExactlyOnce(fx.app(), e.getKey(), e.getValue());
            assertThat(esm.itemFailures()).as("the poison failed once per receive, alone").isEqualTo(2);
            assertThat(esm.failedInvocations()).as("no whole batch failed").isZero();
            assertThat(TestServers.sqs().depth(q.url())).isZero();
            List<Message> dead = receiveAll(q.dlqUrl());
            assertThat(dead).extracting(Message::body).containsExactly(poison);
        }
    }

    @Test
    void a_worker_whose_time_runs_out_enqueues_the_rest_of_its_tenant_and_the_next_worker_finishes_it() throws Exception {
        ElasticMqServer.Queue q = TestServers.sqs().newQueue("rollup-budget", 3, 30);
        // each invocation has exactly its reserve left: its deadline is now, so it runs one batch
        // (the first always runs) of one segment and hands the rest on
        try (LakelogFixture fx = fixture(q, Map.of("LAKELOG_ROLLUP_BATCH_MAX_SEGMENTS", "1", "LAKELOG_WORKER_RESERVE_SECONDS", "60"))) {
            Map<String, List<String>> acked = ingestTenants(fx, "budget", 1, 4);
            fx.app().lake();
            new RollupPlanHandler(fx.app()).plan(new LocalContext());
            List<Integer> generations = new java.util.concurrent.CopyOnWriteArrayList<>();
            SqsEventSource esm = new SqsEventSource(TestServers.sqs().client(), q.url(), 1, 1, () -> Duration.ofSeconds(60));
            esm.drain((event, ctx) -> {
                event.getRecords().forEach(r -> generations.add(WorkMessage.parse(r.getBody()).generation()));
                return new RollupWorkerHandler(fx.app()).handleRequest(event, ctx);
            }, BOUND);

            var e = acked.entrySet().iterator().next();
            RollupTesting.assertExactlyOnce(fx.app(), e.getKey(), e.getValue());
            // four segments, one per invocation: the fourth finds no further batch to start and is done
            assertThat(generations).containsExactly(0, 1, 2, 3);
            assertThat(TestServers.sqs().depth(q.url())).isZero();
        }
    }

    /** What a Lambda killed mid-invocation looks like from the event source: no answer. */
    static final class KilledInvocation extends Error {
        KilledInvocation(String m) {
            super(m);
        }
    }
}
