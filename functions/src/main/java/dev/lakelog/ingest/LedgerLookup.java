package dev.lakelog.ingest;

import dev.lakelog.lake.LakeEngine;
import dev.lakelog.lake.LakeException;
import dev.lakelog.lake.LakeSchema;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Which segment keys the rollup ledger already holds (so the hot-tier read skips them). */
public final class LedgerLookup {
    private LedgerLookup() {}

    public static Set<String> rolledUp(LakeEngine lake, List<String> keys) {
        Set<String> out = new HashSet<>();
        if (keys.isEmpty()) return out;
        try (Connection conn = lake.connect();
             PreparedStatement ps = conn.prepareStatement("SELECT segment_key FROM " + LakeSchema.LEDGER
                     + " WHERE list_contains(?::VARCHAR[], segment_key)")) {
            ps.setArray(1, conn.createArrayOf("VARCHAR", keys.toArray(String[]::new)));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.add(rs.getString(1));
            }
        } catch (SQLException e) {
            throw new LakeException("cannot read the rollup ledger: " + lake.redactor().redact(e.getMessage()), e);
        }
        return out;
    }
}
