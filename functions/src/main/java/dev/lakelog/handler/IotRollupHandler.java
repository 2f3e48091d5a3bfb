package dev.lakelog.handler;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import java.io.InputStream;
import java.io.OutputStream;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lakelog.Lakelog;
import java.util.function.Function;
import java.util.function.Supplier;
import dev.lakelog.api.ErrorCode;
import dev.lakelog.api.ErrorKind;
import dev.lakelog.api.LakelogException;
import dev.lakelog.backend.StatusPublisher;
import dev.lakelog.log.JsonLog;
import dev.lakelog.rollup.RollupReport;
import dev.lakelog.rollup.RollupRequest;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * IoT rule on {@code lakelog/+/commands}
 * ({@code SELECT *, topic(2) AS device_id FROM 'lakelog/+/commands'}): payload
 * {@code {"action":"rollup","delete_after_rollup":true,"device_id":"<device>"}}. Rolls up every
 * tenant's segments now and publishes {@code {"event":"rollup_completed","data":<report>}} or
 * {@code {"event":"rollup_failed","data":{"error":"...","code":"..."}}} to
 * {@code lakelog/<device>/status}. Returns the message.
 *
 * <p>Without LAKELOG_IOT_ENDPOINT the rollup still runs and nothing is published; the returned
 * message says {@code "status_publishing": "off"}. By the error's kind: a held tenant lease is
 * skipped inside the rollup (named in the report's errors); a bad command is answered with
 * rollup_failed and the invocation succeeds (retrying cannot help); an unavailable dependency or
 * a defect is answered with rollup_failed and fails the invocation, so that Lambda retries it and
 * the last failure lands in the dead-letter queue.
 */
public final class IotRollupHandler implements RequestStreamHandler {
    private static final JsonLog LOG = JsonLog.get(IotRollupHandler.class);
    private static final Pattern DEVICE = Pattern.compile("[A-Za-z0-9_:.-]{1,128}");
    private final Supplier<Lakelog> app;
    /** Resolved per invocation from the current app: SnapStart's restore replaces the app and its clients. */
    private final Function<Lakelog, Optional<StatusPublisher>> publishers;
    private final ObjectMapper json = new ObjectMapper();

    public IotRollupHandler() {
        this(LambdaApp.start(LambdaApp.Needs.LAKE), Lakelog::statusPublisher);
    }

    public IotRollupHandler(Lakelog app) {
        this(() -> app, Lakelog::statusPublisher);
    }

    public IotRollupHandler(Lakelog app, StatusPublisher publisher) {
        this(() -> app, a -> Optional.of(publisher));
    }

    private IotRollupHandler(Supplier<Lakelog> app, Function<Lakelog, Optional<StatusPublisher>> publishers) {
        this.app = app;
        this.publishers = publishers;
    }

    /** The Lambda entry point: the IoT rule's payload in, the published message out as JSON. */
    @Override
    @SuppressWarnings("unchecked")
    public void handleRequest(InputStream in, OutputStream out, Context context) {
        HandlerJson.write(out, handleRequest((Map<String, Object>) HandlerJson.read(in, Map.class), context));
    }

    public Map<String, Object> handleRequest(Map<String, Object> event, Context context) {
        try (LambdaInvocation inv = LambdaInvocation.begin(context, app.get().metrics())) {
            Object device = event == null ? null : event.get("device_id");
            if (!(device instanceof String d) || !DEVICE.matcher(d).matches()) {
                // Without a device there is no status topic to answer on: fail the invocation.
                throw new LakelogException(ErrorCode.INVALID_PARAMETER,
                        "IoT rollup command lacks a valid device_id (the rule should select topic(2) AS device_id)");
            }
            String topic = "lakelog/" + d + "/status";
            Map<String, Object> message = new LinkedHashMap<>();
            LakelogException failure = null;
            try {
                Object action = event.get("action");
                if (!"rollup".equals(action)) {
                    throw new LakelogException(ErrorCode.INVALID_PARAMETER, "unknown action '" + action + "'; expected \"rollup\"");
                }
                Object del = event.getOrDefault("delete_after_rollup", Boolean.FALSE);
                if (!(del instanceof Boolean)) throw new LakelogException(ErrorCode.INVALID_PARAMETER, "delete_after_rollup must be true or false");
                RollupReport report = app.get().rollup().rollup(new RollupRequest("iot", Optional.empty(), Duration.ZERO, (Boolean) del)
                        .withDeadline(inv.deadline(RollupScheduleHandler.RESERVE)));
                message.put("event", "rollup_completed");
                message.put("data", report.toMap());
            } catch (LakelogException e) {
                failure = e;
            } catch (RuntimeException e) {
                failure = new LakelogException(ErrorCode.INTERNAL, "internal error; this is a defect in lakelog", e);
            }
            if (failure != null) {
                LOG.warn("iot_rollup_failed", "device_id", d, "code", failure.code().wireName(), "error", failure.detail());
                message.clear();
                message.put("event", "rollup_failed");
                message.put("data", Map.of("error", String.valueOf(failure.detail()), "code", failure.code().wireName()));
            }
            Optional<StatusPublisher> publisher = publishers.apply(app.get());
            if (publisher.isPresent()) {
                try {
                    publisher.get().publish(topic, json.writeValueAsBytes(message));
                } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                    throw new IllegalStateException(e);
                }
            } else {
                message.put("status_publishing", "off");
            }
            if (failure != null && failure.kind() != ErrorKind.CALLER_ERROR && !failure.kind().skippable()) throw failure;
            return message;
        }
    }
}
