package dev.lakelog.metrics;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * CloudWatch Embedded Metric Format: what an invocation recorded is written, at its end, as JSON
 * log lines CloudWatch turns into metrics in namespace {@link #NAMESPACE} (no API call, no
 * latency). Dimension {@code function}; counts by reason also by {@code reason}. Specification:
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 */
public final class EmfMetrics implements Metrics {
    /** The namespace the stack's alarms and metric filters use too (infra LakelogStack.METRIC_NAMESPACE). */
    public static final String NAMESPACE = "Lakelog";
    private static final ObjectMapper JSON = new ObjectMapper();
    private final String function;
    private final PrintStream out;
    private final Map<String, AtomicLong> counts = new ConcurrentHashMap<>();
    private final Map<String, Map<String, AtomicLong>> byReason = new ConcurrentHashMap<>();
    private volatile Double lagSeconds;
    private final Map<String, Double> latencyMs = new ConcurrentHashMap<>();

    public EmfMetrics(String function, PrintStream out) {
        this.function = function;
        this.out = out;
    }

    private void add(String metric, long n) {
        counts.computeIfAbsent(metric, k -> new AtomicLong()).addAndGet(n);
    }

    private void reason(String metric, String reason) {
        byReason.computeIfAbsent(metric, k -> new ConcurrentHashMap<>()).computeIfAbsent(reason, k -> new AtomicLong()).incrementAndGet();
    }

    @Override
    public void request(String route, String method, int status, String code, long nanos) {
        add("Requests", 1);
        if (status >= 500) add("Errors5xx", 1);
        latencyMs.merge("RequestLatency", nanos / 1e6, Math::max);
    }

    @Override
    public void eventsAccepted(long events) {
        add("EventsAccepted", events);
    }

    @Override
    public void ingestRejected(String reason) {
        add("IngestRejected", 1);
        reason("IngestRejected", reason);
    }

    @Override
    public void rolledUp(long segments, long rows, long duplicates) {
        add("SegmentsRolledUp", segments);
        add("RowsRolledUp", rows);
        add("DuplicatesDropped", duplicates);
    }

    @Override
    public void rollupLag(Duration lag) {
        // several rollups in one invocation (a fan-out worker's batch of tenants): the largest lag counts
        double s = lag.toMillis() / 1000.0;
        Double before = lagSeconds;
        lagSeconds = before == null ? s : Math.max(before, s);
    }

    @Override
    public void commitConflict() {
        add("CommitConflicts", 1);
    }

    @Override
    public void queryRefused(String reason) {
        add("QueryRefusals", 1);
        reason("QueryRefusals", reason);
    }

    /** Writes the invocation's metrics (one line, plus one per reason) and starts afresh. */
    @Override
    public synchronized void flush() {
        long now = System.currentTimeMillis();
        Map<String, Object> values = new TreeMap<>();
        Map<String, String> units = new TreeMap<>();
        counts.forEach((k, v) -> {
            values.put(k, v.getAndSet(0));
            units.put(k, "Count");
        });
        latencyMs.forEach((k, v) -> {
            values.put(k, v);
            units.put(k, "Milliseconds");
        });
        latencyMs.clear();
        if (lagSeconds != null) {
            values.put("RollupLagSeconds", lagSeconds);
            units.put("RollupLagSeconds", "Seconds");
            lagSeconds = null;
        }
        if (!values.isEmpty()) out.println(document(now, Map.of("function", function), values, units));
        byReason.forEach((metric, reasons) -> reasons.forEach((reason, n) -> {
            long v = n.getAndSet(0);
            if (v > 0) out.println(document(now, Map.of("function", function, "reason", reason), Map.of(metric + "ByReason", v),
                    Map.of(metric + "ByReason", "Count")));
        }));
        counts.values().removeIf(v -> v.get() == 0);
    }

    static String document(long timestamp, Map<String, String> dimensions, Map<String, Object> values, Map<String, String> units) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode aws = root.putObject("_aws");
        aws.put("Timestamp", timestamp);
        ObjectNode directive = aws.putArray("CloudWatchMetrics").addObject();
        directive.put("Namespace", NAMESPACE);
        ArrayNode dims = directive.putArray("Dimensions").addArray();
        dimensions.keySet().stream().sorted().forEach(dims::add);
        ArrayNode metrics = directive.putArray("Metrics");
        values.keySet().stream().sorted().forEach(k -> metrics.addObject().put("Name", k).put("Unit", units.get(k)));
        dimensions.forEach(root::put);
        values.forEach((k, v) -> root.set(k, JSON.valueToTree(v)));
        return root.toString();
    }
}
