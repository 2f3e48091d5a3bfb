package dev.lakelog.handler;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import java.io.InputStream;
import java.io.OutputStream;
import com.amazonaws.services.lambda.runtime.events.ScheduledEvent;
import dev.lakelog.Lakelog;
import java.util.function.Supplier;
import dev.lakelog.rollup.RollupReport;
import dev.lakelog.rollup.RollupRequest;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * EventBridge schedule: rolls up every tenant's segments older than LAKELOG_ROLLUP_MIN_AGE_SECONDS
 * and deletes them once committed. A tenant whose lease is held is skipped (named in errors).
 * No new batch starts in the last {@link #RESERVE} of the invocation; the next schedule carries on.
 * Returns the report in the documented snake_case shape (docs/rollup.md), as a map, so the
 * Lambda runtime's serializer does not rename its fields.
 */
public final class RollupScheduleHandler implements RequestStreamHandler {
    /** Time kept free at the end of the invocation for the batch in progress to commit. */
    static final Duration RESERVE = Duration.ofMinutes(3);
    private final Supplier<Lakelog> app;

    public RollupScheduleHandler() {
        this(LambdaApp.start(LambdaApp.Needs.LAKE));
    }

    public RollupScheduleHandler(Lakelog app) {
        this(() -> app);
    }

    /** Bound to the container's current app, which SnapStart's restore replaces (see {@link LambdaApp}). */
    RollupScheduleHandler(Supplier<Lakelog> app) {
        this.app = app;
    }

    /** The Lambda entry point: the scheduled event in, the report out as documented JSON. */
    @Override
    public void handleRequest(InputStream in, OutputStream out, Context context) throws java.io.IOException {
        byte[] event = in.readAllBytes();
        // the plain scheduled event walks every tenant's logs; the LakeTasksSchedule rule sends {"logs": false}
        // because the fan-out (RollupPlanHandler, RollupWorkerHandler) rolls the logs up (docs/infra.md)
        boolean logs = true;
        if (event.length > 0) {
            com.fasterxml.jackson.databind.JsonNode node = new com.fasterxml.jackson.databind.ObjectMapper().readTree(event);
            if (node != null && node.path("logs").isBoolean()) logs = node.path("logs").asBoolean();
        }
        HandlerJson.write(out, run(logs, context));
    }

    /** The rollup of one scheduled invocation; the report as a map with the documented field names. */
    public Map<String, Object> handleRequest(ScheduledEvent event, Context context) {
        return run(true, context);
    }

    /** {@code logs}: walk every tenant's log segments too (false: the fan-out does that); then metrics and the access trail. */
    public Map<String, Object> run(boolean logs, Context context) {
        try (LambdaInvocation inv = LambdaInvocation.begin(context, app.get().metrics())) {
            // logs: the answer is the documented rollup report (docs/rollup.md), unchanged;
            // the lake tasks rule ({"logs": false}) gets the metrics rollup's figures instead
            Map<String, Object> out = new java.util.LinkedHashMap<>();
            if (logs) {
                RollupReport report = app.get().rollup().rollup(new RollupRequest("schedule", Optional.empty(), app.get().config().rollupMinAge(), true)
                        .withDeadline(inv.deadline(RESERVE)));
                out.putAll(report.toMap());
            }
            // then every tenant's metric segments (docs/metrics.md), one tenant per lease; it logs its figures
            var m = app.get().metricsRollup().rollupAll(true, "schedule", inv.deadline(RESERVE));
            if (!logs) {
                out.put("metrics", Map.of("segments_processed", m.segmentsProcessed(), "points_inserted", m.pointsInserted(),
                        "segments_deleted", m.segmentsDeleted(), "errors", m.errors()));
            }
            try {
                app.get().commitAccessTrail(); // the access trail's batch (docs/integrity.md#access-trail); it logs its count
            } catch (RuntimeException e) {
                dev.lakelog.log.JsonLog.get(RollupScheduleHandler.class).warn("access_trail_commit_failed", "error", e.getMessage());
            }
            return out;
        }
    }
}
