package dev.lakelog.lake;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.sql.Array;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * One event's proof (docs/integrity.md#one-events-proof): the row as stored (every column, times
 * in epoch microseconds), its canonical hash, the Merkle path from it to the {@code rows_root} of
 * the data file that holds it, the chain entries from the one that added that file up to the head
 * the anchor signed, and that signed head with the anchor's public key. An auditor checks it with
 * {@code docs/verify-proof.py} (python3 and openssl) without trusting lakelog.
 */
public final class IntegrityProof {
    private IntegrityProof() {}

    /** Why no proof can be given (the route answers 404 or 409 with it). */
    public static final class Unavailable extends RuntimeException {
        public final boolean notFound;

        Unavailable(boolean notFound, String message) {
            super(message);
            this.notFound = notFound;
        }
    }

    public static ObjectNode prove(LakeEngine engine, String tenant, String logId) throws SQLException {
        ObjectNode out = IntegrityChain.JSON.createObjectNode();
        try (Connection c = engine.connect(); Statement st = c.createStatement()) {
            st.execute("BEGIN TRANSACTION");
            try {
                String file;
                ObjectNode row = out.putObject("row");
                String rowHash;
                try (ResultSet rs = st.executeQuery("SELECT filename, " + CanonicalRow.SQL_HASH + ", " + CanonicalRow.SELECT_LIST + " FROM "
                        + LakeSchema.LOGS + " WHERE tenant_id = " + LakeEngine.literal(tenant) + " AND log_id = " + LakeEngine.literal(logId)
                        + " ORDER BY \"timestamp\" LIMIT 1")) {
                    if (!rs.next()) throw new Unavailable(true, "no event with log_id '" + logId + "' in the lake (an event still in the hot tier has no proof until it is rolled up)");
                    file = rs.getString(1);
                    rowHash = rs.getString(2);
                    for (int i = 0; i < CanonicalRow.COLUMNS.size(); i++) {
                        String name = CanonicalRow.COLUMNS.get(i).replace("\"", "");
                        int col = 3 + i;
                        switch (CanonicalRow.KINDS[i]) {
                            case S -> row.put(name, rs.getString(col));
                            case T -> {
                                long v = rs.getLong(col);
                                if (rs.wasNull()) row.putNull(name);
                                else row.put(name, v);
                            }
                            case L -> {
                                Array a = rs.getArray(col);
                                if (a == null) {
                                    row.putNull(name);
                                } else {
                                    ArrayNode l = row.putArray(name);
                                    for (Object o : (Object[]) a.getArray()) {
                                        if (o == null) l.addNull();
                                        else l.add(o.toString());
                                    }
                                }
                            }
                        }
                    }
                }
                out.put("row_hash", rowHash);
                String rel = IntegrityChain.relative(file);
                out.put("file", rel);
                // the file's rows as written, sorted: the Merkle path
                List<byte[]> leaves = new ArrayList<>(IntegrityChain.readRows(c, file).hashes());
                leaves.sort(CanonicalRow::compare);
                byte[] target = CanonicalRow.unhex(rowHash);
                int index = -1;
                for (int i = 0; i < leaves.size(); i++) {
                    if (java.util.Arrays.equals(leaves.get(i), target)) {
                        index = i;
                        break;
                    }
                }
                if (index < 0) throw new Unavailable(false, "the row is not among the rows of its data file as written: verify the lake");
                ArrayNode path = out.putArray("merkle_path");
                for (Merkle.Step s : Merkle.path(leaves, index)) {
                    path.addObject().put("side", s.left() ? "left" : "right").put("hash", CanonicalRow.hex(s.sibling()));
                }
                // the entry that added the file (in the lake chain or in the tenant's lane), then
                // every entry of that chain up to the anchored head; for a lane, up to the lane
                // entry the lake chain sealed, then the lake chain from that seal to the anchored head
                IntegrityChain.Stored adding = null;
                List<IntegrityChain.Stored> all;
                try {
                    all = IntegrityChain.ordered(c);
                    for (IntegrityChain.Stored x : all) {
                        for (JsonNode f : IntegrityChain.JSON.readTree(x.entry()).path("files_added")) {
                            if (f.path("path").asText().equals(rel)) adding = x;
                        }
                    }
                } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                    throw new Unavailable(false, "the integrity chain is unreadable: verify the lake");
                }
                if (adding == null) throw new Unavailable(false, "no chain entry added the event's data file: verify the lake");
                if (!engine.anchor().present()) {
                    throw new Unavailable(false, "this lake has no anchor outside the catalog (" + engine.anchor().describe() + ")");
                }
                List<IntegrityChain.Stored> lake = new ArrayList<>();
                for (IntegrityChain.Stored x : all) if (x.lane() == null) lake.add(x);
                lake.sort(java.util.Comparator.comparingLong(IntegrityChain.Stored::seq));
                long fromLakeSeq = adding.lane() == null ? adding.seq() : -1;
                long sealedLaneSeq = -1;
                if (adding.lane() != null) {
                    // the first seal that covers the adding lane entry
                    for (IntegrityChain.Stored x : lake) {
                        if (!"seal".equals(x.kind())) continue;
                        try {
                            for (JsonNode l : IntegrityChain.JSON.readTree(x.entry()).path("lanes")) {
                                if (l.path("lane").asText().equals(adding.lane()) && l.path("seq").asLong() >= adding.seq()) {
                                    fromLakeSeq = x.seq();
                                    sealedLaneSeq = l.path("seq").asLong();
                                    break;
                                }
                            }
                        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                            throw new Unavailable(false, "the integrity chain is unreadable: verify the lake");
                        }
                        if (fromLakeSeq >= 0) break;
                    }
                    if (fromLakeSeq < 0) {
                        throw new Unavailable(false, "the entry that added the event's file is not sealed into the lake chain yet; "
                                + "try again after the tenant's next rollup");
                    }
                }
                ChainAnchor.Anchored signed = null;
                for (ChainAnchor.Anchored a : engine.anchor().read()) {
                    if (a.problem() == null && a.seq() >= fromLakeSeq && (signed == null || a.seq() > signed.seq())) signed = a;
                }
                if (signed == null) throw new Unavailable(false, "the entry that added the event's file is not anchored yet; try again after the next commit");
                ChainAnchor.SignedHead sh = engine.anchor().signed(signed).orElseThrow(() -> new Unavailable(false,
                        "the anchor " + engine.anchor().describe() + " cannot show the signature of the head it signed"));
                if (adding.lane() != null) {
                    out.put("lane", adding.lane());
                    ArrayNode laneEntries = out.putArray("lane_entries");
                    for (IntegrityChain.Stored x : all) {
                        if (adding.lane().equals(x.lane()) && x.seq() >= adding.seq() && x.seq() <= sealedLaneSeq) {
                            laneEntries.addObject().put("seq", x.seq()).put("prev_hash", x.prevHash()).put("entry", x.entry())
                                    .put("chain_hash", x.chainHash());
                        }
                    }
                }
                ArrayNode entries = out.putArray("entries");
                for (IntegrityChain.Stored x : lake) {
                    if (x.seq() < fromLakeSeq || x.seq() > signed.seq()) continue;
                    entries.addObject().put("seq", x.seq()).put("prev_hash", x.prevHash()).put("entry", x.entry()).put("chain_hash", x.chainHash());
                }
                ObjectNode anchor = out.putObject("anchor");
                anchor.put("seq", signed.seq()).put("chain_hash", signed.chainHash()).put("at", signed.at())
                        .put("signature", sh.signature()).put("algorithm", sh.algorithm())
                        .put("message", sh.message())
                        .put("public_key", sh.publicKey()).put("public_key_sha256", sh.publicKeySha256()).put("key_id", sh.keyId());
            } finally {
                try {
                    st.execute("ROLLBACK");
                } catch (SQLException ignored) {
                    // read-only
                }
            }
        }
        return out;
    }
}
