package dev.lakelog.log;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.time.Instant;
import java.util.Map;

/**
 * Structured logging: one JSON object per line on stderr (CloudWatch in Lambda), with an
 * {@code event} name and fields. Callers must never pass secrets (tokens, HMAC secrets,
 * passwords, conninfo strings); exceptions are logged by class and message only.
 */
public final class JsonLog {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static volatile PrintStream out = System.err;
    /** Fields of the invocation being served, added to every line (see {@link #invocation}). */
    private static volatile Map<String, Object> invocation = Map.of();
    private final String logger;

    private JsonLog(String logger) {
        this.logger = logger;
    }

    /** Sends every line to {@code stream} instead of stderr (tests read the log this way); returns the previous one. */
    public static PrintStream redirect(PrintStream stream) {
        PrintStream before = out;
        out = stream;
        return before;
    }

    public static JsonLog get(Class<?> type) {
        return new JsonLog(type.getSimpleName());
    }

    /**
     * Adds {@code fields} (e.g. {@code function_request_id}, {@code cold_start}) to every line
     * until the returned scope closes. A Lambda container serves one invocation at a time, so the
     * fields are process-wide: lines of worker threads (rollup readers) carry them too.
     */
    public static Scope invocation(Map<String, Object> fields) {
        Map<String, Object> before = invocation;
        invocation = Map.copyOf(fields);
        return () -> invocation = before;
    }

    /** Ends an {@link #invocation} scope. */
    public interface Scope extends AutoCloseable {
        @Override
        void close();
    }

    public void info(String event, Object... kv) {
        write("INFO", event, null, kv);
    }

    public void warn(String event, Object... kv) {
        write("WARN", event, null, kv);
    }

    public void error(String event, Throwable t, Object... kv) {
        write("ERROR", event, t, kv);
    }

    private void write(String level, String event, Throwable t, Object... kv) {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("ts", Instant.now().toString());
        n.put("level", level);
        n.put("logger", logger);
        n.put("event", event);
        invocation.forEach((k, v) -> n.set(k, MAPPER.valueToTree(v)));
        for (int i = 0; i + 1 < kv.length; i += 2) {
            n.set(String.valueOf(kv[i]), MAPPER.valueToTree(kv[i + 1]));
        }
        if (t != null) {
            n.put("error", t.getClass().getName());
            n.put("error_message", String.valueOf(t.getMessage()));
        }
        String line;
        try {
            line = MAPPER.writeValueAsString(n);
        } catch (Exception e) {
            line = "{\"level\":\"ERROR\",\"event\":\"log_encoding_failed\"}";
        }
        synchronized (JsonLog.class) {
            out.println(line);
        }
    }
}
