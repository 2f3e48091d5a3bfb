package dev.lakelog.lake;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * What an attacker with write access to the catalog does to hide a change to the rows: recompute
 * the integrity tables so that they agree with the tampered lake. Shared by the tamper tests of the
 * local anchor (IntegrityChainTest) and the KMS anchor (AwsAnchorTest): only the anchor can tell.
 */
public final class ChainTampering {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ChainTampering() {}

    record LiveState(long rows, String digest) {}

    static LiveState liveNow(LakeEngine lake, String tenant) throws Exception {
        MuHash live = new MuHash();
        long rows = 0;
        try (Connection c = lake.connect(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT " + CanonicalRow.SELECT_LIST + " FROM lake.main.logs WHERE tenant_id = '" + tenant + "'")) {
            while (rs.next()) {
                live.add(CanonicalRow.hash(rs, 1));
                rows++;
            }
        }
        return new LiveState(rows, live.hex());
    }

    static List<JsonNode> rows(LakeEngine lake, String sql) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        try (Connection c = lake.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) out.add(JSON.readTree(rs.getString(1)));
        }
        return out;
    }

    /** Recomputes every entry of the tenant's lane to agree with the lake as it is (its state, hashes, head). Returns the new hash per seq. */
    public static List<String> rewriteLaneToMatchTheLake(LakeEngine lake, String tenant) throws Exception {
        LiveState now = liveNow(lake, tenant);
        List<JsonNode> e = rows(lake, "SELECT entry FROM " + IntegrityChain.LANES + " WHERE lane = '" + tenant + "' ORDER BY seq");
        List<String> hashes = new ArrayList<>();
        String prev = IntegrityChain.ZERO;
        try (Connection c = lake.connect(); Statement st = c.createStatement()) {
            st.execute("BEGIN TRANSACTION");
            for (int i = 0; i < e.size(); i++) {
                ObjectNode n = (ObjectNode) e.get(i);
                for (JsonNode t : n.path("tenants")) ((ObjectNode) t).put("live_rows", now.rows()).put("live_digest", now.digest());
                String text = JSON.writeValueAsString(n);
                String hash = IntegrityChain.link(prev, text);
                st.execute("UPDATE " + IntegrityChain.LANES + " SET entry = " + LakeEngine.literal(text) + ", prev_hash = '" + prev + "', chain_hash = '"
                        + hash + "', live_rows = " + now.rows() + ", live_digest = '" + now.digest() + "' WHERE lane = '" + tenant + "' AND seq = " + i);
                prev = hash;
                hashes.add(hash);
            }
            String head = IntegrityChain.laneHeadTable(tenant);
            st.execute("DELETE FROM " + head + " WHERE lane = '" + tenant + "'");
            st.execute("INSERT INTO " + head + " VALUES ('" + tenant + "', " + (e.size() - 1) + ", '" + prev + "')");
            st.execute("COMMIT");
        }
        return hashes;
    }

    /** Rewrites the tenant's lane, then every seal of it and every lake chain hash: only the anchor tells. */
    public static void rewriteChainToMatchTheLake(LakeEngine lake, String tenant) throws Exception {
        List<String> laneHashes = rewriteLaneToMatchTheLake(lake, tenant);
        List<JsonNode> e = rows(lake, "SELECT entry FROM " + IntegrityChain.CHAIN + " ORDER BY seq");
        String prev = IntegrityChain.ZERO;
        try (Connection c = lake.connect(); Statement st = c.createStatement()) {
            st.execute("BEGIN TRANSACTION");
            st.execute("DELETE FROM " + IntegrityChain.CHAIN);
            for (int i = 0; i < e.size(); i++) {
                ObjectNode n = (ObjectNode) e.get(i);
                for (JsonNode l : n.path("lanes")) {
                    if (l.path("lane").asText().equals(tenant)) ((ObjectNode) l).put("chain_hash", laneHashes.get(l.path("seq").asInt()));
                }
                String text = JSON.writeValueAsString(n);
                String hash = IntegrityChain.link(prev, text);
                st.execute("INSERT INTO " + IntegrityChain.CHAIN + " VALUES (" + i + ", '" + n.path("kind").asText() + "', "
                        + n.path("base_snapshot").asLong() + ", now(), " + LakeEngine.literal(text) + ", '" + prev + "', '" + hash + "')");
                prev = hash;
            }
            st.execute("DELETE FROM " + IntegrityChain.HEAD);
            st.execute("INSERT INTO " + IntegrityChain.HEAD + " VALUES (" + (e.size() - 1) + ", '" + prev + "')");
            st.execute("COMMIT");
        }
    }
}
