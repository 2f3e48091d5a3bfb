package dev.lakelog.queue;

import java.time.Duration;
import java.util.List;

/**
 * Where the planners put fanned-out work and the workers take it from: an SQS queue in AWS
 * ({@code aws.SqsWorkQueue}, consumed by Lambda's event-source mapping), an in-process queue in
 * local mode ({@code local.InProcessWorkQueue}, consumed by worker threads). Delivery is
 * at-least-once: a message may arrive twice, so every worker is idempotent (the tenant lease and
 * the rollup ledger make a second delivery a no-op).
 */
public interface WorkQueue {

    /** Enqueues every message, each visible after {@code delay}; throws if any could not be enqueued. */
    void send(List<WorkMessage> messages, Duration delay);

    default void send(WorkMessage message) {
        send(List.of(message), Duration.ZERO);
    }

    /** What a worker did with one message. */
    enum Outcome {
        /** Done; the message is deleted. */
        DONE,
        /** Part done; the rest was enqueued as a new message, this one is deleted. */
        CONTINUED,
        /** Someone else holds the lease for this work and carries it on; the message is deleted. */
        SKIPPED
    }
}
