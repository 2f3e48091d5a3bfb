package dev.lakelog.rollup;

import dev.lakelog.lake.LeaseHeldException;
import dev.lakelog.log.JsonLog;
import dev.lakelog.queue.WorkMessage;
import dev.lakelog.queue.WorkQueue;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * The scheduled rollup's second half in fan-out mode: one queue message, one tenant. Rolls the
 * tenant's segments older than the min age up under the tenant's lease and within the worker's
 * deadline (the Lambda's remaining time less a reserve), deleting them once committed; when the
 * deadline stops it with work left ({@code budget_exhausted}), it enqueues the same tenant again
 * and the next worker carries on. Plain Java: the SQS handler and the local worker threads both
 * call {@link #handle}.
 *
 * <p>Outcomes: {@link WorkQueue.Outcome#DONE}; {@code CONTINUED} (the rest re-enqueued);
 * {@code SKIPPED} (the tenant's lease is held: its holder is rolling it up and re-enqueues itself
 * if it runs out of time). A message that is not a rollup message throws
 * {@link WorkMessage.MalformedWorkException}; the lake or the store being unavailable throws
 * too: the message is then not deleted, comes back after the visibility timeout, and after the
 * queue's maxReceiveCount lands in the dead-letter queue.
 *
 * <p>Exactly once does not depend on the queue: a message delivered twice, or a worker killed in
 * the middle, is the same as two rollups of one tenant, which the lease, the ledger re-check in
 * the commit transaction and the commit fence already make exact (docs/rollup.md).
 */
public final class RollupWorker {
    private static final JsonLog LOG = JsonLog.get(RollupWorker.class);
    private final RollupService rollup;
    private final WorkQueue queue;
    private final Duration minAge;
    private final Clock clock;

    public RollupWorker(RollupService rollup, WorkQueue queue, Duration minAge, Clock clock) {
        this.rollup = rollup;
        this.queue = queue;
        this.minAge = minAge;
        this.clock = clock;
    }

    /** What one message led to: the outcome and, if a rollup ran, its report. */
    public record Result(WorkQueue.Outcome outcome, Optional<RollupReport> report) {}

    /** Rolls the message's tenant up; its first batch always runs, whatever the deadline. */
    public Result handle(WorkMessage message, Instant deadline) {
        return handle(message, deadline, false);
    }

    /**
     * As {@link #handle(WorkMessage, Instant)} for a later message of the same invocation: if an
     * earlier one used the time up, this one is handed on untouched to a new message.
     */
    public Result handleOrDefer(WorkMessage message, Instant deadline) {
        return handle(message, deadline, true);
    }

    private Result handle(WorkMessage message, Instant deadline, boolean mayDefer) {
        if (!WorkMessage.ROLLUP.equals(message.kind()) || message.tenant().isEmpty()) {
            throw new WorkMessage.MalformedWorkException("the rollup worker takes rollup messages with a tenant, got " + message.toJson());
        }
        String tenant = message.tenant().get();
        if (mayDefer && !clock.instant().isBefore(deadline)) {
            // an earlier message of the same invocation used the time up: hand this one on untouched
            queue.send(message);
            LOG.info("rollup_work_deferred", "tenant", tenant, "generation", message.generation());
            return new Result(WorkQueue.Outcome.CONTINUED, Optional.empty());
        }
        Instant cutoff = clock.instant().minus(minAge);
        RollupReport report;
        try {
            report = rollup.rollup(new RollupRequest(message.trigger(), Optional.of(tenant), minAge, true).withDeadline(deadline));
        } catch (LeaseHeldException e) {
            LOG.info("rollup_work_skipped", "tenant", tenant, "reason", "lease held");
            return new Result(WorkQueue.Outcome.SKIPPED, Optional.empty());
        }
        if (report.budgetExhausted()) {
            queue.send(message.next());
            LOG.info("rollup_work_continued", "tenant", tenant, "generation", message.generation() + 1,
                    "segments_processed", report.segmentsProcessed());
            return new Result(WorkQueue.Outcome.CONTINUED, Optional.of(report));
        }
        if (!report.errors().isEmpty()) {
            // Some batch failed (the lake or S3 unavailable, a conflict past its retries): if it left
            // segments behind, fail the message so that SQS delivers it again (and, if it keeps
            // failing, the dead-letter queue and its alarm show it). Quarantined segments are gone
            // from segments/ and do not count.
            long left = rollup.waitingSegments(tenant, cutoff);
            if (left > 0) {
                throw new dev.lakelog.lake.LakeException("rollup of tenant " + tenant + " left " + left
                        + " segments behind; first error: " + report.errors().get(0), null);
            }
        }
        return new Result(WorkQueue.Outcome.DONE, Optional.of(report));
    }
}
