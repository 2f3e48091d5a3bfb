package dev.lakelog.handler;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.lakelog.log.JsonLog;
import dev.lakelog.queue.WorkMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The SQS side of a queue worker: each record of the batch is parsed and handed to the core, one
 * after the other; a record that fails is named in the partial batch response
 * ({@code batchItemFailures}, the event-source mapping has {@code ReportBatchItemFailures}), so
 * SQS deletes the others and only that one comes back after the visibility timeout (and, after
 * the queue's maxReceiveCount, goes to the dead-letter queue). One bad message never fails its
 * batch.
 */
final class SqsWork {
    private static final JsonLog LOG = JsonLog.get(SqsWork.class);

    private SqsWork() {}

    static SQSBatchResponse process(SQSEvent event, Context context, String worker, Consumer<WorkMessage> handler) {
        List<SQSBatchResponse.BatchItemFailure> failures = new ArrayList<>();
        List<SQSEvent.SQSMessage> records = event == null || event.getRecords() == null ? List.of() : event.getRecords();
        for (SQSEvent.SQSMessage r : records) {
            try {
                handler.accept(WorkMessage.parse(r.getBody()));
            } catch (RuntimeException e) {
                failures.add(new SQSBatchResponse.BatchItemFailure(r.getMessageId()));
                String receives = r.getAttributes() == null ? null : r.getAttributes().get("ApproximateReceiveCount");
                LOG.warn(worker + "_message_failed", "message_id", r.getMessageId(), "receive_count", receives,
                        "poison", e instanceof WorkMessage.MalformedWorkException, "error", String.valueOf(e.getMessage()));
            }
        }
        return new SQSBatchResponse(failures);
    }
}
