package dev.lakelog.aws;

import dev.lakelog.queue.WorkMessage;
import dev.lakelog.queue.WorkQueue;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.BatchResultErrorEntry;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchResponse;

/**
 * {@link WorkQueue} on an SQS standard queue: {@code SendMessageBatch} in chunks of 10 (SQS's
 * limit), entries that the batch answer names as failed sent once more, then an error. The queue's
 * dead-letter queue and redrive policy are the stack's (infra: {@code maxReceiveCount}); the
 * consumer is Lambda's event-source mapping, not this class.
 */
public final class SqsWorkQueue implements WorkQueue {
    static final int BATCH = 10;
    private final SqsClient sqs;
    private final String queueUrl;

    public SqsWorkQueue(SqsClient sqs, String queueUrl) {
        this.sqs = sqs;
        this.queueUrl = queueUrl;
    }

    public String queueUrl() {
        return queueUrl;
    }

    @Override
    public void send(List<WorkMessage> messages, Duration delay) {
        int delaySeconds = (int) Math.min(900, Math.max(0, delay.toSeconds())); // SQS allows 0-900 s
        for (int i = 0; i < messages.size(); i += BATCH) {
            List<SendMessageBatchRequestEntry> entries = new ArrayList<>();
            List<WorkMessage> chunk = messages.subList(i, Math.min(messages.size(), i + BATCH));
            for (int j = 0; j < chunk.size(); j++) {
                entries.add(SendMessageBatchRequestEntry.builder().id(Integer.toString(j))
                        .messageBody(chunk.get(j).toJson()).delaySeconds(delaySeconds).build());
            }
            List<BatchResultErrorEntry> failed = sendBatch(entries);
            if (!failed.isEmpty()) {
                List<SendMessageBatchRequestEntry> again = new ArrayList<>();
                for (BatchResultErrorEntry f : failed) again.add(entries.get(Integer.parseInt(f.id())));
                failed = sendBatch(again);
                if (!failed.isEmpty()) {
                    throw new dev.lakelog.api.LakelogException(dev.lakelog.api.ErrorCode.DEPENDENCY_UNAVAILABLE,
                            "SQS refused " + failed.size() + " of " + chunk.size() + " messages (" + failed.get(0).code() + ": "
                                    + failed.get(0).message() + "); the next schedule enqueues them again");
                }
            }
        }
    }

    private List<BatchResultErrorEntry> sendBatch(List<SendMessageBatchRequestEntry> entries) {
        try {
            SendMessageBatchResponse r = sqs.sendMessageBatch(b -> b.queueUrl(queueUrl).entries(entries));
            return r.failed();
        } catch (SdkException e) {
            throw Unavailable.translate("SQS (" + queueUrl + ")", e);
        }
    }
}
