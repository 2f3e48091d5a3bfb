package dev.lakelog.lake;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.io.IOException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * The access trail in the lake (docs/integrity.md#access-trail): {@code lake.main.access_trail},
 * one row per recorded call, a hash chain per tenant ({@code hash = SHA-256(prev_hash(32 bytes) ||
 * UTF-8 of record)}, {@code prev_hash} of a tenant's record 0 being 64 zeros, like the integrity
 * chain's link). Records are committed in batches, each batch one DuckLake commit with an
 * integrity entry of kind {@code access} naming, per tenant, the records it added and the tenant's
 * new trail head; verify recomputes every tenant's trail and compares it with the last such entry.
 * The other columns repeat fields of {@code record} for filtering; verify checks they agree with it.
 */
public final class AccessLog {
    public static final String TABLE = "lake.main.access_trail";
    static final String CREATE = "CREATE TABLE IF NOT EXISTS " + TABLE + " (tenant_id VARCHAR NOT NULL, seq BIGINT NOT NULL, "
            + "id VARCHAR NOT NULL, recorded_at TIMESTAMPTZ NOT NULL, route VARCHAR, status INTEGER, error_code VARCHAR, principal VARCHAR, "
            + "record VARCHAR NOT NULL, prev_hash VARCHAR NOT NULL, hash VARCHAR NOT NULL)";
    private static final ObjectMapper JSON = new ObjectMapper();

    private AccessLog() {}

    /** One record to commit: its id, tenant ({@code *} for lake-wide operator calls) and JSON text. */
    public record Pending(String id, String tenantId, String text) {}

    /** One committed record as stored. */
    public record Stored(String tenantId, long seq, String record, String prevHash, String hash) {}

    /** The filters of a trail read; each null when not given. */
    public record Filter(Instant from, Instant to, String route, String principal, Integer status, long afterSeq, int limit) {}

    /**
     * Commits {@code records} (those not committed already: an id in the table is skipped) in one
     * transaction with their integrity entry; returns the chain head after it, or empty when
     * there was nothing new.
     */
    public static Optional<IntegrityChain.Head> commit(Connection c, Collection<Pending> records) throws SQLException {
        if (records.isEmpty()) return Optional.empty();
        return LakeMaintenance.inTransaction(c, () -> {
            Set<String> done = new HashSet<>();
            List<String> ids = records.stream().map(Pending::id).toList();
            try (Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("SELECT id FROM " + TABLE + " WHERE id IN " + IntegrityChain.inList(ids))) {
                while (rs.next()) done.add(rs.getString(1));
            }
            Map<String, List<JsonNode>> byTenant = new TreeMap<>();
            for (Pending p : records) {
                if (done.contains(p.id())) continue;
                try {
                    byTenant.computeIfAbsent(p.tenantId(), t -> new ArrayList<>()).add(JSON.readTree(p.text()));
                } catch (IOException e) {
                    throw new SQLException("access record " + p.id() + " is not JSON: " + e.getMessage());
                }
            }
            if (byTenant.isEmpty()) return Optional.<IntegrityChain.Head>empty();
            IntegrityChain.Change ch = IntegrityChain.Change.begin(c, "access", null, false);
            ArrayNode trail = ch.detail().putArray("trail");
            try (Statement st = c.createStatement()) {
                for (Map.Entry<String, List<JsonNode>> e : byTenant.entrySet()) {
                    String tenant = e.getKey();
                    long seq = 0;
                    String prev = IntegrityChain.ZERO;
                    try (ResultSet rs = st.executeQuery("SELECT seq, hash FROM " + TABLE + " WHERE tenant_id = " + LakeEngine.literal(tenant)
                            + " ORDER BY seq DESC LIMIT 1")) {
                        if (rs.next()) {
                            seq = rs.getLong(1) + 1;
                            prev = rs.getString(2);
                        }
                    }
                    List<JsonNode> recs = e.getValue();
                    recs.sort(java.util.Comparator.comparing((JsonNode n) -> n.path("at").asText()).thenComparing(n -> n.path("id").asText()));
                    long from = seq;
                    StringBuilder values = new StringBuilder();
                    for (JsonNode n : recs) {
                        String text = JSON.writeValueAsString(n);
                        String hash = IntegrityChain.link(prev, text);
                        if (values.length() > 0) values.append(", ");
                        values.append('(').append(LakeEngine.literal(tenant)).append(", ").append(seq).append(", ")
                                .append(LakeEngine.literal(n.path("id").asText())).append(", TIMESTAMPTZ ").append(LakeEngine.literal(n.path("at").asText()))
                                .append(", ").append(lit(n.path("route").asText(null))).append(", ").append(n.path("status").asInt())
                                .append(", ").append(lit(n.path("error_code").asText(null))).append(", ").append(lit(principal(n)))
                                .append(", ").append(LakeEngine.literal(text)).append(", ").append(LakeEngine.literal(prev)).append(", ")
                                .append(LakeEngine.literal(hash)).append(')');
                        prev = hash;
                        seq++;
                    }
                    st.execute("INSERT INTO " + TABLE + " VALUES " + values);
                    trail.addObject().put("tenant_id", tenant).put("from_seq", from).put("to_seq", seq - 1).put("records", recs.size())
                            .put("head_hash", prev);
                }
                IntegrityChain.Head head = ch.record(c);
                st.execute("CALL lake.set_commit_message('lakelog', " + LakeEngine.literal("access trail: " + records.size() + " records")
                        + ", extra_info => " + LakeEngine.literal("{\"kind\":\"access\",\"integrity_seq\":" + head.seq() + "}") + ")");
                return Optional.of(head);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new SQLException(e.getMessage());
            }
        });
    }

    /** The principal column: {@code tenant:<id>}, {@code operator:<name>} or {@code anonymous}, from the record. */
    static String principal(JsonNode record) {
        JsonNode p = record.path("principal");
        return switch (p.path("kind").asText("anonymous")) {
            case "tenant" -> "tenant:" + p.path("tenant_id").asText();
            case "operator" -> "operator:" + p.path("operator").asText();
            default -> "anonymous";
        };
    }

    private static String lit(String s) {
        return s == null ? "NULL" : LakeEngine.literal(s);
    }

    /** One tenant's committed records, oldest first, after {@code f.afterSeq()}, at most {@code f.limit()}. */
    public static List<Stored> read(Connection c, String tenant, Filter f) throws SQLException {
        StringBuilder where = new StringBuilder("tenant_id = " + LakeEngine.literal(tenant) + " AND seq > " + f.afterSeq());
        if (f.from() != null) where.append(" AND recorded_at >= TIMESTAMPTZ ").append(LakeEngine.literal(f.from().toString()));
        if (f.to() != null) where.append(" AND recorded_at < TIMESTAMPTZ ").append(LakeEngine.literal(f.to().toString()));
        if (f.route() != null) where.append(" AND route = ").append(LakeEngine.literal(f.route()));
        if (f.principal() != null) where.append(" AND principal = ").append(LakeEngine.literal(f.principal()));
        if (f.status() != null) where.append(" AND status = ").append(f.status());
        List<Stored> out = new ArrayList<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT tenant_id, seq, record, prev_hash, hash FROM " + TABLE
                + " WHERE " + where + " ORDER BY seq LIMIT " + f.limit())) {
            while (rs.next()) out.add(new Stored(rs.getString(1), rs.getLong(2), rs.getString(3), rs.getString(4), rs.getString(5)));
        }
        return out;
    }

    /**
     * Verify's check of the trail: each tenant's records (of {@code tenant}, or all) contiguous
     * from 0, each linked to the one before and hashing to its stored hash, its columns agreeing with
     * its record, and the last one equal to the trail head the chain's last {@code access} entry
     * recorded for the tenant. Reports each problem in words; returns the records checked.
     */
    public static long verify(Connection c, Optional<String> tenant, Consumer<String> problem) throws SQLException {
        Map<String, String[]> chainHead = new LinkedHashMap<>(); // tenant -> {to_seq, head_hash, entry seq}
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT seq, entry FROM " + IntegrityChain.CHAIN + " WHERE kind = 'access' ORDER BY seq")) {
            while (rs.next()) {
                JsonNode n;
                try {
                    n = JSON.readTree(rs.getString(2));
                } catch (IOException e) {
                    continue; // step 1 of verify reports an entry that is not what was stored
                }
                for (JsonNode t : n.path("detail").path("trail")) {
                    chainHead.put(t.path("tenant_id").asText(), new String[] {t.path("to_seq").asText(), t.path("head_hash").asText(), rs.getString(1)});
                }
            }
        }
        long checked = 0;
        Map<String, long[]> last = new TreeMap<>();
        Map<String, String> lastHash = new TreeMap<>();
        Set<String> broken = new HashSet<>();
        String scope = tenant.map(t -> " WHERE tenant_id = " + LakeEngine.literal(t)).orElse("");
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT tenant_id, seq, id, strftime(recorded_at AT TIME ZONE 'UTC', "
                + "'%Y-%m-%dT%H:%M:%S.%fZ'), route, status, error_code, principal, record, prev_hash, hash FROM " + TABLE + scope
                + " ORDER BY tenant_id, seq")) {
            while (rs.next()) {
                checked++;
                String t = rs.getString(1);
                long seq = rs.getLong(2);
                long[] l = last.computeIfAbsent(t, x -> new long[] {-1});
                String prevExpected = l[0] < 0 ? IntegrityChain.ZERO : lastHash.get(t);
                String where = "access record " + seq + " of tenant " + t;
                if (seq != l[0] + 1) {
                    if (broken.add(t)) problem.accept(seq > l[0] + 1 ? "access record " + (l[0] + 1) + " of tenant " + t
                            + " is missing (the trail goes from " + l[0] + " to " + seq + "): it was deleted behind lakelog's back"
                            : where + " appears twice: it was inserted behind lakelog's back");
                } else if (!rs.getString(10).equals(prevExpected)) {
                    if (broken.add(t)) problem.accept(where + " does not link to the record before it: the trail was rewritten");
                }
                String text = rs.getString(9);
                if (!IntegrityChain.link(rs.getString(10), text).equals(rs.getString(11))) {
                    if (broken.add(t)) problem.accept(where + " was altered: its hash does not match its content");
                } else {
                    try {
                        JsonNode n = JSON.readTree(text);
                        boolean agree = t.equals(n.path("tenant_id").asText()) && rs.getString(3).equals(n.path("id").asText())
                                && Instant.parse(rs.getString(4)).equals(Instant.parse(n.path("at").asText()))
                                && java.util.Objects.equals(rs.getString(5), n.path("route").asText(null))
                                && rs.getInt(6) == n.path("status").asInt() && java.util.Objects.equals(rs.getString(7), n.path("error_code").asText(null))
                                && java.util.Objects.equals(rs.getString(8), principal(n));
                        if (!agree && broken.add(t)) problem.accept(where + " was altered: its columns no longer agree with its hashed record");
                    } catch (IOException | RuntimeException e) {
                        if (broken.add(t)) problem.accept(where + " was altered: its record is not the JSON that was hashed");
                    }
                }
                l[0] = seq;
                lastHash.put(t, rs.getString(11));
            }
        }
        for (Map.Entry<String, String[]> e : chainHead.entrySet()) {
            String t = e.getKey();
            if (tenant.isPresent() && !tenant.get().equals(t)) continue;
            long want = Long.parseLong(e.getValue()[0]);
            long have = last.containsKey(t) ? last.get(t)[0] : -1;
            if (have < want) {
                problem.accept("the access trail of tenant " + t + " ends at record " + have + "; the chain (entry " + e.getValue()[2]
                        + ") recorded it up to record " + want + ": records were deleted behind lakelog's back");
            } else if (have > want) {
                problem.accept("the access trail of tenant " + t + " has records after " + want + " that no chain entry committed: "
                        + "they were inserted behind lakelog's back");
            } else if (!broken.contains(t) && !e.getValue()[1].equals(lastHash.get(t))) {
                problem.accept("the access trail of tenant " + t + " differs from the head the chain (entry " + e.getValue()[2]
                        + ") recorded: the trail was rewritten");
            }
        }
        for (String t : last.keySet()) {
            if (!chainHead.containsKey(t)) problem.accept("the access trail of tenant " + t + " has records no chain entry committed");
        }
        return checked;
    }
}
