package dev.lakelog.handler;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lakelog.Lakelog;
import dev.lakelog.config.ConfigException;
import dev.lakelog.log.JsonLog;
import dev.lakelog.rollup.RollupReport;
import dev.lakelog.rollup.RollupRequest;
import dev.lakelog.rollup.RollupStatusPublisher;
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
 * {@code {"event":"rollup_failed","data":{"error":"..."}}} to {@code lakelog/<device>/status}.
 * A tenant whose lease is held is skipped and named in the report's errors: the handler exits
 * cleanly. Returns the message it published.
 */
public final class IotRollupHandler implements RequestHandler<Map<String, Object>, Map<String, Object>> {
    private static final JsonLog LOG = JsonLog.get(IotRollupHandler.class);
    private static final Pattern DEVICE = Pattern.compile("[A-Za-z0-9_:.-]{1,128}");
    private final Lakelog app;
    private final RollupStatusPublisher publisher;
    private final ObjectMapper json = new ObjectMapper();

    public IotRollupHandler() {
        this(LambdaApp.get());
    }

    public IotRollupHandler(Lakelog app) {
        this(app, app.iotPublisher().orElseThrow(() ->
                new ConfigException("LAKELOG_IOT_ENDPOINT must be set for the IoT rollup handler (the IoT data endpoint)")));
    }

    public IotRollupHandler(Lakelog app, RollupStatusPublisher publisher) {
        this.app = app;
        this.publisher = publisher;
    }

    @Override
    public Map<String, Object> handleRequest(Map<String, Object> event, Context context) {
        Object device = event == null ? null : event.get("device_id");
        if (!(device instanceof String d) || !DEVICE.matcher(d).matches()) {
            // Without a device there is no status topic to answer on: fail the invocation.
            throw new IllegalArgumentException("IoT rollup command lacks a valid device_id (the rule should select topic(2) AS device_id)");
        }
        String topic = "lakelog/" + d + "/status";
        Map<String, Object> message = new LinkedHashMap<>();
        try {
            Object action = event.get("action");
            if (!"rollup".equals(action)) throw new IllegalArgumentException("unknown action '" + action + "'; expected \"rollup\"");
            Object del = event.getOrDefault("delete_after_rollup", Boolean.FALSE);
            if (!(del instanceof Boolean)) throw new IllegalArgumentException("delete_after_rollup must be true or false");
            RollupReport report = app.rollup().rollup(new RollupRequest("iot", Optional.empty(), Duration.ZERO, (Boolean) del));
            message.put("event", "rollup_completed");
            message.put("data", json.convertValue(report, Map.class));
        } catch (RuntimeException e) {
            LOG.warn("iot_rollup_failed", "device_id", d, "error", e.getMessage());
            message.clear();
            message.put("event", "rollup_failed");
            message.put("data", Map.of("error", String.valueOf(e.getMessage())));
        }
        try {
            publisher.publish(topic, json.writeValueAsBytes(message));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        return message;
    }
}
