package dev.lakelog.handler;

import com.amazonaws.services.lambda.runtime.Context;
import dev.lakelog.log.JsonLog;
import dev.lakelog.metrics.Metrics;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What every handler takes from the Lambda {@link Context}: the request id and whether this is
 * the container's first invocation (added to every log line while the invocation runs), and the
 * time left, from which deadlines for the core are computed.
 */
final class LambdaInvocation implements AutoCloseable {
    private static final AtomicBoolean COLD = new AtomicBoolean(true);
    private final Context context;
    private final Instant started = Instant.now();
    private final JsonLog.Scope log;
    private final Metrics metrics;

    private LambdaInvocation(Context context, Metrics metrics) {
        this.context = context;
        this.metrics = metrics;
        boolean cold = COLD.getAndSet(false);
        this.log = JsonLog.invocation(Map.of("function_request_id", context.getAwsRequestId(), "cold_start", cold));
    }

    /** Begins an invocation; its metrics are flushed (as EMF log lines) when it closes. */
    static LambdaInvocation begin(Context context, Metrics metrics) {
        if (context == null) throw new IllegalArgumentException("the Lambda runtime passes a Context to every invocation");
        return new LambdaInvocation(context, metrics);
    }

    /** When the invocation is ended by the runtime. */
    Instant end() {
        return started.plusMillis(context.getRemainingTimeInMillis());
    }

    /** API Gateway's REST integration timeout is 29 s; an answer must be written before it. */
    static final Duration API_GATEWAY_BUDGET = Duration.ofSeconds(25);

    /** When an API-fronted invocation must have answered: its end, or 25 s after it started if that is sooner. */
    Instant apiEnd() {
        Instant api = started.plus(API_GATEWAY_BUDGET);
        return api.isBefore(end()) ? api : end();
    }

    /**
     * The instant after which no new unit of work (a rollup batch, a maintenance step) should
     * start: the end minus {@code reserve}, the time the last unit may still need. Never before now.
     */
    Instant deadline(Duration reserve) {
        Instant d = end().minus(reserve);
        return d.isBefore(started) ? started : d;
    }

    @Override
    public void close() {
        try {
            metrics.flush();
        } finally {
            log.close();
        }
    }
}
