package dev.lakelog.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * The SELECT list for log rows and their JSON form: timestamps ISO 8601 UTC (shortest exact
 * form), {@code policy_tags} a JSON list, {@code payload} JSON text.
 */
public final class LogRows {
    private LogRows() {}

    public static final String SELECT_LIST = "tenant_id, log_id, epoch_us(\"timestamp\") AS ts_us, event_type, outcome, "
            + "severity, sensitivity, actor_id, component, environment, resource, message, payload, "
            + "to_json(policy_tags)::VARCHAR AS policy_tags_json, session_id, request_id, source_ip, "
            + "epoch_us(retention_until) AS retention_us, epoch_us(ingested_at) AS ingested_us, "
            + "epoch_us(archived_at) AS archived_us, segment_key, trace_id, span_id";

    private static final String[] TEXT = {"event_type", "outcome", "severity", "sensitivity", "actor_id", "component",
            "environment", "resource", "message", "payload"};

    public static ObjectNode toJson(ResultSet rs, ObjectMapper json) throws SQLException {
        ObjectNode n = json.createObjectNode();
        n.put("tenant_id", rs.getString("tenant_id"));
        n.put("log_id", rs.getString("log_id"));
        n.put("timestamp", iso(rs.getLong("ts_us")));
        for (String f : TEXT) n.put(f, rs.getString(f));
        String tags = rs.getString("policy_tags_json");
        if (tags == null) {
            n.putNull("policy_tags");
        } else {
            try {
                JsonNode t = json.readTree(tags);
                n.set("policy_tags", t.isArray() ? (ArrayNode) t : json.createArrayNode());
            } catch (java.io.IOException e) {
                throw new SQLException("policy_tags is not a JSON list", e);
            }
        }
        n.put("session_id", rs.getString("session_id"));
        n.put("request_id", rs.getString("request_id"));
        n.put("source_ip", rs.getString("source_ip"));
        long r = rs.getLong("retention_us");
        if (rs.wasNull()) n.putNull("retention_until");
        else n.put("retention_until", iso(r));
        n.put("ingested_at", iso(rs.getLong("ingested_us")));
        long archived = rs.getLong("archived_us");
        if (rs.wasNull()) n.putNull("archived_at"); // still in the hot tier
        else n.put("archived_at", iso(archived));
        n.put("segment_key", rs.getString("segment_key"));
        n.put("trace_id", rs.getString("trace_id"));
        n.put("span_id", rs.getString("span_id"));
        return n;
    }

    public static String iso(long micros) {
        return Instant.EPOCH.plus(micros, ChronoUnit.MICROS).toString();
    }
}
