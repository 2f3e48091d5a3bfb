package dev.lakelog.query;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lakelog.auth.Tenant;
import dev.lakelog.lake.LakeEngine;
import dev.lakelog.lake.LakeException;
import dev.lakelog.lake.LakeSchema;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Reads the cold tier for one tenant. Every statement binds the tenant id and filters as
 * parameters; nothing from the request is spliced into SQL text.
 */
public final class QueryService {
    private final Supplier<LakeEngine> lake;
    private final ObjectMapper json;

    public QueryService(Supplier<LakeEngine> lake, ObjectMapper json) {
        this.lake = lake;
        this.json = json;
    }

    /** {@code GET /v1/analytics/logs}: {@code {logs, count, limit, offset}}, ordered by timestamp then log_id. */
    public ObjectNode logs(Tenant tenant, LogFilter f) {
        StringBuilder sql = new StringBuilder("SELECT ").append(LogRows.SELECT_LIST).append(" FROM ")
                .append(LakeSchema.LOGS).append(" WHERE tenant_id = ?");
        List<Object> args = new ArrayList<>();
        args.add(tenant.id());
        f.since().ifPresent(t -> {
            sql.append(" AND \"timestamp\" >= ?");
            args.add(Timestamp.from(t));
        });
        f.until().ifPresent(t -> {
            sql.append(" AND \"timestamp\" <= ?");
            args.add(Timestamp.from(t));
        });
        f.severity().ifPresent(v -> {
            sql.append(" AND severity = ?");
            args.add(v);
        });
        f.component().ifPresent(v -> {
            sql.append(" AND component = ?");
            args.add(v);
        });
        f.eventType().ifPresent(v -> {
            sql.append(" AND event_type = ?");
            args.add(v);
        });
        f.actorId().ifPresent(v -> {
            sql.append(" AND actor_id = ?");
            args.add(v);
        });
        sql.append(" ORDER BY \"timestamp\", log_id LIMIT ? OFFSET ?");
        args.add(f.limit());
        args.add(f.offset());
        ArrayNode logs = json.createArrayNode();
        try (Connection c = lake.get().connect(); PreparedStatement ps = c.prepareStatement(sql.toString())) {
            for (int i = 0; i < args.size(); i++) {
                Object a = args.get(i);
                if (a instanceof Timestamp ts) {
                    ps.setObject(i + 1, ts.toInstant().atOffset(java.time.ZoneOffset.UTC));
                } else {
                    ps.setObject(i + 1, a);
                }
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) logs.add(LogRows.toJson(rs, json));
            }
        } catch (SQLException e) {
            throw new LakeException("query failed: " + lake.get().redactor().redact(e.getMessage()), null);
        }
        ObjectNode out = json.createObjectNode();
        out.set("logs", logs);
        out.put("count", logs.size());
        out.put("limit", f.limit());
        out.put("offset", f.offset());
        return out;
    }
}
