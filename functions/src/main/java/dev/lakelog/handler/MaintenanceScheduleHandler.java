package dev.lakelog.handler;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.ScheduledEvent;
import dev.lakelog.Lakelog;
import dev.lakelog.maintenance.MaintenanceService;
import dev.lakelog.rollup.LeaseHeldException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * EventBridge schedules of lake maintenance. The rule's input is the job in {@code detail}:
 * {@code {"job":"compact"}}, {@code {"job":"expire-snapshots","older_than_days":90}},
 * {@code {"job":"cleanup","older_than_hours":168}} (scheduled cleanup deletes unless
 * {@code "dry_run":true}), {@code {"job":"retention"}} (every tenant). A job whose lease is held
 * returns {@code status: skipped} and the next schedule runs it.
 */
public final class MaintenanceScheduleHandler implements RequestHandler<ScheduledEvent, Map<String, Object>> {
    private final Lakelog app;

    public MaintenanceScheduleHandler() {
        this(LambdaApp.get());
    }

    public MaintenanceScheduleHandler(Lakelog app) {
        this.app = app;
    }

    @Override
    public Map<String, Object> handleRequest(ScheduledEvent event, Context context) {
        Map<String, Object> detail = event.getDetail() == null ? Map.of() : event.getDetail();
        Object job = detail.get("job");
        MaintenanceService m = app.maintenance();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("job", job);
        try {
            Object result;
            if ("compact".equals(job)) {
                result = m.compact("schedule");
            } else if ("expire-snapshots".equals(job)) {
                result = m.expireSnapshots("schedule", number(detail, "older_than_days", 90, 1, 3650));
            } else if ("cleanup".equals(job)) {
                result = m.cleanup("schedule", number(detail, "older_than_hours", 168, 1, 8760), bool(detail, "dry_run", false));
            } else if ("retention".equals(job)) {
                result = m.retention("schedule", Optional.empty());
            } else {
                throw new IllegalArgumentException("schedule detail.job must be compact, expire-snapshots, cleanup or retention; got " + job);
            }
            out.put("status", "ok");
            out.put("result", MaintenanceService.toJson(result));
        } catch (LeaseHeldException e) {
            out.put("status", "skipped");
            out.put("detail", e.getMessage());
        }
        return out;
    }

    private static long number(Map<String, Object> d, String name, long dflt, long min, long max) {
        Object v = d.get(name);
        if (v == null) return dflt;
        long n;
        if (v instanceof Number num && num.doubleValue() == num.longValue()) {
            n = num.longValue();
        } else {
            try {
                n = Long.parseLong(String.valueOf(v).trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("schedule detail." + name + " must be a whole number, got " + v);
            }
        }
        if (n < min || n > max) throw new IllegalArgumentException("schedule detail." + name + " must be between " + min + " and " + max + ", got " + n);
        return n;
    }

    private static boolean bool(Map<String, Object> d, String name, boolean dflt) {
        Object v = d.get(name);
        if (v == null) return dflt;
        if (v instanceof Boolean b) return b;
        throw new IllegalArgumentException("schedule detail." + name + " must be true or false, got " + v);
    }
}
