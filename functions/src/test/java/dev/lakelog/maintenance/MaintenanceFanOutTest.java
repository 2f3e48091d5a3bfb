package dev.lakelog.maintenance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lakelog.api.LakelogException;
import dev.lakelog.handler.LocalContext;
import dev.lakelog.handler.MaintenancePlanHandler;
import dev.lakelog.handler.MaintenanceWorkerHandler;
import dev.lakelog.testing.ElasticMqServer;
import dev.lakelog.testing.LakelogFixture;
import dev.lakelog.testing.SqsEventSource;
import dev.lakelog.testing.TestServers;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.model.Message;

/** Scheduled maintenance through the maintenance queue (ElasticMQ, real redrive policy) and its SQS-triggered worker. */
class MaintenanceFanOutTest {

    @Test
    void the_schedule_enqueues_the_job_the_worker_runs_it_and_a_bad_job_ends_in_the_dead_letter_queue() throws Exception {
        ElasticMqServer.Queue q = TestServers.sqs().newQueue("maintenance", 1, 60);
        try (LakelogFixture fx = LakelogFixture.aws(Map.of("LAKELOG_MAINTENANCE_QUEUE_URL", q.url(),
                "LAKELOG_SQS_ENDPOINT", TestServers.sqs().endpoint().toString()), Clock.systemUTC())) {
            fx.app().lake();
            assertThat(new MaintenancePlanHandler(fx.app()).plan(Map.of("job", "compact"), new LocalContext()))
                    .containsEntry("job", "compact").containsEntry("status", "enqueued");
            assertThatThrownBy(() -> new MaintenancePlanHandler(fx.app()).plan(Map.of("job", "defragment"), new LocalContext()))
                    .isInstanceOf(LakelogException.class).hasMessageContaining("job must be one of");
            String poison = "{\"kind\":\"maintenance\",\"job\":\"cleanup\",\"params\":{\"older_than_hours\":\"-5\"}}";
            TestServers.sqs().client().sendMessage(b -> b.queueUrl(q.url()).messageBody(poison));

            SqsEventSource esm = new SqsEventSource(TestServers.sqs().client(), q.url(), 1, 2, () -> Duration.ofMinutes(15));
            esm.drain(SqsEventSource.of(new MaintenanceWorkerHandler(fx.app())), Duration.ofMinutes(5));

            assertThat(esm.itemFailures()).as("the compaction succeeded (deleted); only the bad cleanup failed").isEqualTo(1);
            assertThat(TestServers.sqs().depth(q.url())).isZero();
            List<Message> dead = new ArrayList<>();
            for (int i = 0; i < 3 && dead.isEmpty(); i++) {
                dead.addAll(TestServers.sqs().client().receiveMessage(b -> b.queueUrl(q.dlqUrl()).maxNumberOfMessages(10).waitTimeSeconds(1)).messages());
            }
            assertThat(dead).extracting(Message::body).containsExactly(poison);
        }
    }
}
