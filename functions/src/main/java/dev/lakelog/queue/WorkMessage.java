package dev.lakelog.queue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * One unit of fanned-out work: a tenant to roll up, or a maintenance job, as the JSON body of a
 * queue message ({@code {"kind":"rollup","tenant":"acme","trigger":"schedule","generation":0}} or
 * {@code {"kind":"maintenance","job":"compact","params":{}}}). {@code generation} counts how often
 * the work was carried over to a fresh message because a worker's time budget ran out, so a
 * tenant that never finishes is visible in the logs.
 */
public record WorkMessage(String kind, Optional<String> tenant, Optional<String> job, Map<String, String> params,
                          String trigger, int generation) {
    public static final String ROLLUP = "rollup";
    public static final String MAINTENANCE = "maintenance";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Tenant ids as auth.Tenant.validId accepts them. */
    private static final java.util.regex.Pattern TENANT = java.util.regex.Pattern.compile("[a-z0-9][a-z0-9_-]{0,62}");

    public WorkMessage {
        params = Map.copyOf(params);
    }

    public static WorkMessage rollup(String tenant, String trigger) {
        return new WorkMessage(ROLLUP, Optional.of(tenant), Optional.empty(), Map.of(), trigger, 0);
    }

    public static WorkMessage maintenance(String job, Map<String, String> params, String trigger) {
        return new WorkMessage(MAINTENANCE, Optional.empty(), Optional.of(job), params, trigger, 0);
    }

    /** The same work carried over to a new message (the worker's budget ran out). */
    public WorkMessage next() {
        return new WorkMessage(kind, tenant, job, params, trigger, generation + 1);
    }

    public String toJson() {
        ObjectNode n = JSON.createObjectNode().put("kind", kind);
        tenant.ifPresent(t -> n.put("tenant", t));
        job.ifPresent(j -> n.put("job", j));
        if (!params.isEmpty()) {
            ObjectNode p = n.putObject("params");
            new java.util.TreeMap<>(params).forEach(p::put);
        }
        n.put("trigger", trigger).put("generation", generation);
        return n.toString();
    }

    /**
     * Parses a message body; anything that is not a well-formed message of a known kind raises
     * {@link MalformedWorkException} naming the fault (such a message can never succeed: the
     * queue's redrive policy moves it to the dead-letter queue).
     */
    public static WorkMessage parse(String body) {
        JsonNode n;
        try {
            n = JSON.readTree(body == null ? "" : body);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new MalformedWorkException("message body is not JSON: " + e.getOriginalMessage());
        }
        if (n == null || !n.isObject()) throw new MalformedWorkException("message body must be a JSON object");
        String kind = text(n, "kind").orElseThrow(() -> new MalformedWorkException("message has no 'kind'"));
        Optional<String> tenant = text(n, "tenant");
        Optional<String> job = text(n, "job");
        String trigger = text(n, "trigger").orElse("queue");
        int generation = n.path("generation").asInt(0);
        Map<String, String> params = new LinkedHashMap<>();
        n.path("params").fields().forEachRemaining(e -> params.put(e.getKey(), e.getValue().asText()));
        switch (kind) {
            case ROLLUP -> {
                String t = tenant.orElseThrow(() -> new MalformedWorkException("a rollup message needs 'tenant'"));
                if (!TENANT.matcher(t).matches()) throw new MalformedWorkException("'tenant' is not a valid tenant id: " + t);
            }
            case MAINTENANCE -> job.orElseThrow(() -> new MalformedWorkException("a maintenance message needs 'job'"));
            default -> throw new MalformedWorkException("unknown message kind '" + kind + "' (expected rollup or maintenance)");
        }
        return new WorkMessage(kind, tenant, job, params, trigger, generation);
    }

    private static Optional<String> text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v != null && v.isTextual() && !v.asText().isEmpty() ? Optional.of(v.asText()) : Optional.empty();
    }

    /** A message that can never be processed. */
    public static final class MalformedWorkException extends RuntimeException {
        public MalformedWorkException(String message) {
            super(message);
        }
    }
}
