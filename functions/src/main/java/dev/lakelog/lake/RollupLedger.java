package dev.lakelog.lake;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;

/** Reads {@code lake.main.rollup_ledger}: which segments are already in the lake. */
public final class RollupLedger {
    private RollupLedger() {}

    /**
     * The keys among {@code keys} that the ledger holds, as seen by {@code conn}'s snapshot.
     *
     * @param tenant restricts the lookup to one tenant's rows (uses the tenant column), or null
     */
    public static Set<String> rolledUp(Connection conn, String tenant, Collection<String> keys) throws SQLException {
        Set<String> out = new HashSet<>();
        if (keys.isEmpty()) return out;
        String sql = "SELECT segment_key FROM " + LakeSchema.LEDGER + " WHERE list_contains(?::VARCHAR[], segment_key)"
                + (tenant == null ? "" : " AND tenant_id = ?");
        try (PreparedStatement ps = conn.prepareStatement(sql)) {
            ps.setArray(1, conn.createArrayOf("VARCHAR", keys.toArray(String[]::new)));
            if (tenant != null) ps.setString(2, tenant);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.add(rs.getString(1));
            }
        }
        return out;
    }

    /** As above on a connection of its own; failures become {@link LakeException} (redacted). */
    public static Set<String> rolledUp(LakeEngine lake, Collection<String> keys) {
        if (keys.isEmpty()) return new HashSet<>();
        try (Connection conn = lake.connect()) {
            return rolledUp(conn, null, keys);
        } catch (SQLException e) {
            throw new LakeException("cannot read the rollup ledger: " + lake.redactor().redact(e.getMessage()), null);
        }
    }
}
