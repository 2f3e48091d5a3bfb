package dev.lakelog.testing;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.lakelog.handler.LocalContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

/**
 * What Lambda's SQS event-source mapping does, against a real SQS API (ElasticMQ): up to
 * {@code maxConcurrency} pollers receive batches of up to {@code batchSize} messages (each then
 * invisible for the queue's visibility timeout), invoke the handler with an {@link SQSEvent}
 * and a {@link Context} whose remaining time is {@code functionTimeout}, and delete the messages
 * that the {@link SQSBatchResponse} does not name as failed (ReportBatchItemFailures). An
 * invocation that throws (or is "killed", see {@link #invoke}) deletes nothing: its messages come
 * back when their visibility timeout ends, and the queue's redrive policy moves one received
 * maxReceiveCount times to the dead-letter queue.
 */
public final class SqsEventSource {
    private final SqsClient sqs;
    private final String queueUrl;
    private final int batchSize;
    private final int maxConcurrency;
    private final Supplier<Duration> functionTimeout;
    private final AtomicInteger invocations = new AtomicInteger();
    private final AtomicInteger failedInvocations = new AtomicInteger();
    private final AtomicLong itemFailures = new AtomicLong();
    private final AtomicInteger staleDeletes = new AtomicInteger();

    public SqsEventSource(SqsClient sqs, String queueUrl, int batchSize, int maxConcurrency, Supplier<Duration> functionTimeout) {
        this.sqs = sqs;
        this.queueUrl = queueUrl;
        this.batchSize = batchSize;
        this.maxConcurrency = maxConcurrency;
        this.functionTimeout = functionTimeout;
    }

    /** One invocation of the function: the event in, the partial batch response out (or a throw). */
    public interface Invocation {
        SQSBatchResponse invoke(SQSEvent event, Context context);
    }

    public static Invocation of(RequestHandler<SQSEvent, SQSBatchResponse> handler) {
        return handler::handleRequest;
    }

    /**
     * Polls until the queue has been found empty (nothing visible, in flight or delayed) by every
     * poller, or {@code bound} has passed (a safety bound, so that a broken worker cannot hang the
     * build; the caller asserts on what the queue and the lake then hold).
     */
    public void drain(Invocation fn, Duration bound) throws Exception {
        long end = System.nanoTime() + bound.toNanos();
        ExecutorService pool = Executors.newFixedThreadPool(maxConcurrency);
        try {
            List<Future<?>> pollers = new ArrayList<>();
            for (int i = 0; i < maxConcurrency; i++) {
                pollers.add(pool.submit(() -> {
                    while (System.nanoTime() < end) {
                        List<Message> got = sqs.receiveMessage(b -> b.queueUrl(queueUrl).maxNumberOfMessages(batchSize).waitTimeSeconds(1)
                                .messageSystemAttributeNames(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT)).messages();
                        if (got.isEmpty()) {
                            if (depth() == 0) return null;
                            continue;
                        }
                        invoke(fn, got);
                    }
                    return null;
                }));
            }
            for (Future<?> f : pollers) f.get();
        } finally {
            pool.shutdownNow();
        }
    }

    /** Polls and invokes until {@code stop} says so (the simulation: work keeps arriving from the planner). */
    public void runUntil(Invocation fn, java.util.function.BooleanSupplier stop) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(maxConcurrency);
        try {
            List<Future<?>> pollers = new ArrayList<>();
            for (int i = 0; i < maxConcurrency; i++) {
                pollers.add(pool.submit(() -> {
                    while (!stop.getAsBoolean()) {
                        List<Message> got = sqs.receiveMessage(b -> b.queueUrl(queueUrl).maxNumberOfMessages(batchSize).waitTimeSeconds(1)
                                .messageSystemAttributeNames(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT)).messages();
                        if (!got.isEmpty()) invoke(fn, got);
                    }
                    return null;
                }));
            }
            for (Future<?> f : pollers) f.get();
        } finally {
            pool.shutdownNow();
        }
    }

    private void invoke(Invocation fn, List<Message> got) {
        SQSEvent event = new SQSEvent();
        List<SQSEvent.SQSMessage> records = new ArrayList<>();
        for (Message m : got) {
            SQSEvent.SQSMessage r = new SQSEvent.SQSMessage();
            r.setMessageId(m.messageId());
            r.setReceiptHandle(m.receiptHandle());
            r.setBody(m.body());
            r.setEventSource("aws:sqs");
            r.setEventSourceArn(queueUrl);
            Map<String, String> attrs = new HashMap<>();
            m.attributes().forEach((k, v) -> attrs.put(k.toString(), v));
            r.setAttributes(attrs);
            records.add(r);
        }
        event.setRecords(records);
        invocations.incrementAndGet();
        SQSBatchResponse response;
        try {
            response = fn.invoke(event, new LocalContext(functionTimeout.get()));
        } catch (Throwable e) { // the function failed or was killed: nothing is deleted
            failedInvocations.incrementAndGet();
            return;
        }
        Set<String> failed = response == null || response.getBatchItemFailures() == null ? Set.of()
                : response.getBatchItemFailures().stream().map(SQSBatchResponse.BatchItemFailure::getItemIdentifier).collect(Collectors.toSet());
        itemFailures.addAndGet(failed.size());
        for (Message m : got) {
            if (failed.contains(m.messageId())) continue;
            try {
                sqs.deleteMessage(b -> b.queueUrl(queueUrl).receiptHandle(m.receiptHandle()));
            } catch (software.amazon.awssdk.services.sqs.model.ReceiptHandleIsInvalidException e) {
                // the invocation outlived the visibility timeout and the message was received again:
                // its newer delivery decides (Lambda's poller, too, cannot delete it any more)
                staleDeletes.incrementAndGet();
            }
        }
    }

    private int depth() {
        return TestServers.sqs().depth(queueUrl);
    }

    public int invocations() {
        return invocations.get();
    }

    public int failedInvocations() {
        return failedInvocations.get();
    }

    /** Deletes refused because the message had been received again meanwhile. */
    public int staleDeletes() {
        return staleDeletes.get();
    }

    public long itemFailures() {
        return itemFailures.get();
    }
}
