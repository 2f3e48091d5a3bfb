package dev.lakelog.handler;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.ScheduledEvent;
import dev.lakelog.Lakelog;
import dev.lakelog.rollup.RollupReport;
import dev.lakelog.rollup.RollupRequest;
import java.util.Optional;

/**
 * EventBridge schedule: rolls up every tenant's segments older than LAKELOG_ROLLUP_MIN_AGE_SECONDS
 * and deletes them once committed. A tenant whose lease is held is skipped (named in errors).
 */
public final class RollupScheduleHandler implements RequestHandler<ScheduledEvent, RollupReport> {
    private final Lakelog app;

    public RollupScheduleHandler() {
        this(LambdaApp.get());
    }

    public RollupScheduleHandler(Lakelog app) {
        this.app = app;
    }

    @Override
    public RollupReport handleRequest(ScheduledEvent event, Context context) {
        return app.rollup().rollup(new RollupRequest("schedule", Optional.empty(), app.config().rollupMinAge(), true));
    }
}
