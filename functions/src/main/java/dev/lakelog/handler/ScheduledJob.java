package dev.lakelog.handler;

import java.io.InputStream;
import java.util.HashMap;
import java.util.Map;

/**
 * A maintenance schedule's input: the EventBridge event's {@code detail}, {@code {"job": "compact", ...}},
 * where every other non-null key is a parameter of the job, as text (the REST routes' parameters,
 * docs/api.md). Shared by {@link MaintenanceScheduleHandler} (runs the job) and
 * {@link MaintenancePlanHandler} (enqueues it).
 */
record ScheduledJob(String job, Map<String, String> params) {

    /** The event's {@code detail} object, or an empty map when the event has none. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> detail(InputStream in) {
        Map<String, Object> event = HandlerJson.read(in, Map.class);
        Object detail = event == null ? null : event.get("detail");
        return detail instanceof Map<?, ?> d ? (Map<String, Object>) d : Map.of();
    }

    static ScheduledJob of(Map<String, Object> detail) {
        Object job = detail.get("job");
        Map<String, String> params = new HashMap<>();
        detail.forEach((k, v) -> {
            if (!k.equals("job") && v != null) params.put(k, String.valueOf(v));
        });
        return new ScheduledJob(job == null ? null : String.valueOf(job), params);
    }
}
