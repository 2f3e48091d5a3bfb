package dev.lakelog.lake;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Legal holds (docs/integrity.md#legal-hold): a tenant, or a tenant's event type and/or time range,
 * that retention must not delete. {@link #TABLE} is append-only (a {@code place} row, later a
 * {@code release} row with the same id); placing and releasing are each one commit with their
 * integrity entry (kinds {@code hold} and {@code release}). Retention skips held rows
 * ({@link #notHeld}); snapshot expiry and cleanup do nothing while any hold is active.
 */
public final class LegalHolds {
    private LegalHolds() {}

    public static final String TABLE = "lake.main.legal_holds";
    static final String CREATE = "CREATE TABLE IF NOT EXISTS " + TABLE + " (hold_id VARCHAR NOT NULL, action VARCHAR NOT NULL, "
            + "tenant_id VARCHAR NOT NULL, event_type VARCHAR, from_ts TIMESTAMPTZ, to_ts TIMESTAMPTZ, reason VARCHAR, "
            + "by_whom VARCHAR, recorded_at TIMESTAMPTZ NOT NULL)";

    /** One hold; {@code eventType}, {@code from} (inclusive) and {@code to} (exclusive) narrow it when set. */
    public record Hold(String holdId, String tenantId, String eventType, Instant from, Instant to, String reason, String placedBy,
                       Instant placedAt) {}

    private static final String ACTIVE = "(SELECT * FROM " + TABLE + " p WHERE p.action = 'place' AND NOT EXISTS (SELECT 1 FROM "
            + TABLE + " r WHERE r.action = 'release' AND r.hold_id = p.hold_id))";

    /** A predicate over {@code lake.main.logs}: the row is under no active hold. */
    public static String notHeld() {
        return "NOT EXISTS (SELECT 1 FROM " + ACTIVE + " h WHERE h.tenant_id = logs.tenant_id"
                + " AND (h.event_type IS NULL OR h.event_type = logs.event_type)"
                + " AND (h.from_ts IS NULL OR logs.\"timestamp\" >= h.from_ts) AND (h.to_ts IS NULL OR logs.\"timestamp\" < h.to_ts))";
    }

    /** Places a hold, with its integrity entry, in one commit; returns it. */
    public static Hold place(Connection c, String tenant, String eventType, Instant from, Instant to, String reason, String by)
            throws SQLException {
        Hold h = new Hold(UUID.randomUUID().toString(), tenant, eventType, from, to, reason, by,
                Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MICROS));
        LakeMaintenance.inTransaction(c, () -> {
            try (Statement st = c.createStatement()) {
                st.execute("INSERT INTO " + TABLE + " VALUES (" + lit(h.holdId()) + ", 'place', " + lit(tenant) + ", " + lit(eventType) + ", "
                        + ts(from) + ", " + ts(to) + ", " + lit(reason) + ", " + lit(by) + ", " + ts(h.placedAt()) + ")");
                IntegrityChain.Change ch = IntegrityChain.Change.begin(c, "hold", null, false);
                ch.detail().put("hold_id", h.holdId()).put("tenant_id", tenant).put("event_type", eventType)
                        .put("from", from == null ? null : from.toString()).put("to", to == null ? null : to.toString())
                        .put("reason", reason).put("by", by);
                IntegrityChain.Head head = ch.record(c);
                st.execute("CALL lake.set_commit_message('lakelog', " + lit("legal hold placed tenant=" + tenant + " hold=" + h.holdId())
                        + ", extra_info => " + lit("{\"kind\":\"maintenance\",\"tenant_id\":" + json(tenant) + ",\"integrity_seq\":" + head.seq() + "}") + ")");
            }
            return h;
        });
        return h;
    }

    /** Releases an active hold in one commit with its integrity entry; empty if no such active hold. */
    public static Optional<Hold> release(Connection c, String holdId, String by) throws SQLException {
        Optional<Hold> held = active(c, Optional.empty()).stream().filter(h -> h.holdId().equals(holdId)).findFirst();
        if (held.isEmpty()) return held;
        Hold h = held.get();
        LakeMaintenance.inTransaction(c, () -> {
            try (Statement st = c.createStatement()) {
                st.execute("INSERT INTO " + TABLE + " VALUES (" + lit(holdId) + ", 'release', " + lit(h.tenantId()) + ", NULL, NULL, NULL, NULL, "
                        + lit(by) + ", now())");
                IntegrityChain.Change ch = IntegrityChain.Change.begin(c, "release", null, false);
                ch.detail().put("hold_id", holdId).put("tenant_id", h.tenantId()).put("by", by);
                IntegrityChain.Head head = ch.record(c);
                st.execute("CALL lake.set_commit_message('lakelog', " + lit("legal hold released tenant=" + h.tenantId() + " hold=" + holdId)
                        + ", extra_info => " + lit("{\"kind\":\"maintenance\",\"tenant_id\":" + json(h.tenantId()) + ",\"integrity_seq\":" + head.seq() + "}") + ")");
            }
            return h;
        });
        return held;
    }

    /** The active holds, of one tenant or all, oldest first. */
    public static List<Hold> active(Connection c, Optional<String> tenant) throws SQLException {
        List<Hold> out = new ArrayList<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT hold_id, tenant_id, event_type, from_ts, to_ts, reason, "
                + "by_whom, recorded_at FROM " + ACTIVE + " a" + tenant.map(t -> " WHERE tenant_id = " + lit(t)).orElse("") + " ORDER BY recorded_at, hold_id")) {
            while (rs.next()) {
                out.add(new Hold(rs.getString(1), rs.getString(2), rs.getString(3), instant(rs, 4), instant(rs, 5), rs.getString(6),
                        rs.getString(7), instant(rs, 8)));
            }
        }
        return out;
    }

    public static boolean anyActive(Connection c) throws SQLException {
        return !active(c, Optional.empty()).isEmpty();
    }

    private static Instant instant(ResultSet rs, int col) throws SQLException {
        java.time.OffsetDateTime t = rs.getObject(col, java.time.OffsetDateTime.class);
        return t == null ? null : t.toInstant();
    }

    private static String lit(String s) {
        return s == null ? "NULL" : LakeEngine.literal(s);
    }

    private static String ts(Instant t) {
        return t == null ? "NULL" : "TIMESTAMPTZ " + LakeEngine.literal(t.toString());
    }

    private static String json(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
