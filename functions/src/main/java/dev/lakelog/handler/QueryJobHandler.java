package dev.lakelog.handler;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import dev.lakelog.Lakelog;
import java.util.function.Supplier;
import dev.lakelog.backend.QueryJob;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The jobs function: invoked asynchronously by the query function with
 * {@code {"tenant_id": "...", "job_id": "..."}} (aws.LambdaJobDispatcher), it runs the job
 * (query.QueryJobs#run: the synchronous routes' code, the same tenant view and sandbox) and
 * records how it ended; its timeout is up to 15 minutes. A failure of the query is the job's
 * {@code failed} state, not a failed invocation (Lambda would retry it for nothing); an
 * invocation for a job already taken does nothing.
 */
public final class QueryJobHandler implements RequestStreamHandler {
    private final Supplier<Lakelog> app;

    public QueryJobHandler() {
        this(LambdaApp.start(LambdaApp.Needs.LAKE));
    }

    public QueryJobHandler(Lakelog app) {
        this(() -> app);
    }

    /** Bound to the container's current app, which SnapStart's restore replaces (see {@link LambdaApp}). */
    QueryJobHandler(Supplier<Lakelog> app) {
        this.app = app;
    }

    @Override
    @SuppressWarnings("unchecked")
    public void handleRequest(InputStream in, OutputStream out, Context context) {
        Map<String, Object> event = HandlerJson.read(in, Map.class);
        HandlerJson.write(out, run(event == null ? Map.of() : event, context));
    }

    public Map<String, Object> run(Map<String, Object> event, Context context) {
        try (LambdaInvocation inv = LambdaInvocation.begin(context, app.get().metrics())) {
            Object tenant = event.get("tenant_id");
            Object id = event.get("job_id");
            if (!(tenant instanceof String t) || !(id instanceof String j)) {
                throw new IllegalArgumentException("the jobs function takes {\"tenant_id\": \"...\", \"job_id\": \"...\"}");
            }
            QueryJob done = app.get().jobs().run(t, j);
            Map<String, Object> outcome = new LinkedHashMap<>();
            outcome.put("job_id", j);
            outcome.put("state", done == null ? "missing" : done.state());
            if (done != null && done.errorCode() != null) outcome.put("error_code", done.errorCode());
            return outcome;
        }
    }
}
