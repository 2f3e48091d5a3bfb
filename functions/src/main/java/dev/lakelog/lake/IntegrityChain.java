package dev.lakelog.lake;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The integrity chain (docs/integrity.md): every commit that changes {@code lake.main.logs}
 * (rollup, retention, compaction, the rewrite after retention, snapshot expiry) appends, in the
 * SAME DuckLake transaction, one entry to {@link #CHAIN}: its kind, the snapshot it started from,
 * the segments it consumed (key, digest, rows), the data files of {@code logs} it added and removed
 * (path, size, SHA-256; for added files also their rows and the Merkle root of their rows), and for
 * each tenant whose rows changed the rows added and removed (count and Merkle root) and the tenant's
 * live rows afterwards (count and {@link MuHash} digest). {@code chain_hash = SHA-256(prev_hash ||
 * entry)}, {@code entry} being the exact UTF-8 text stored.
 *
 * <p><b>Which files a transaction added.</b> DuckLake writes a transaction's Parquet files while the
 * transaction runs, and {@code ducklake_list_files} shows only committed files. So the files are
 * found through the table itself: {@code SELECT DISTINCT filename FROM lake.main.logs WHERE <scope>}
 * inside the transaction sees its own new files; the difference from the same query run before the
 * change is what it added and removed. The new files exist in storage before COMMIT and are hashed
 * there ({@code read_blob}, DuckDB's own reader for local paths and S3) and their rows read back
 * ({@code read_parquet}): the entry describes exactly the bytes that the COMMIT makes visible.
 *
 * <p>Writers are serialised by {@link #HEAD}, a one-row table every entry deletes and re-inserts:
 * DuckLake aborts one of two overlapping transactions that both delete from it, so two entries can
 * never claim the same predecessor (the loser retries or reports a conflict).
 */
public final class IntegrityChain {
    private IntegrityChain() {}

    public static final String CHAIN = "lake.main.integrity_chain";
    public static final String HEAD = "lake.main.integrity_head";
    public static final String TENANT_STATE = "lake.main.integrity_tenant_state";
    /**
     * The tenants' lanes (layout v2, docs/integrity.md#lanes): every rollup entry of a tenant is
     * appended to that tenant's own hash-linked lane, whose head is a row of one of
     * {@link #LANE_HEAD_BUCKETS} head tables ({@link #laneHeadTable}, chosen by the tenant's hash).
     * A rollup commit deletes from its tenant's head table only, so rollups of tenants in different
     * head tables never touch a table in common that they delete from, and DuckLake commits them
     * side by side; two tenants that share a head table conflict like two commits of one tenant
     * and the rollup retries. The lake chain ({@link #CHAIN}) keeps the lake-wide entries and seals
     * the lanes' heads into itself ({@code kind = seal}).
     */
    public static final String LANES = "lake.main.integrity_lanes";
    /**
     * The prefix of the lane head tables: {@code integrity_lane_heads_<2 hex>}, the first byte of
     * SHA-256(tenant). At most a fixed number of tables, each created by the first lane commit
     * that needs it (with its fence row): the DuckLake catalog does not grow with the tenants (one table per tenant made every commit slower as tenants were
     * added: docs/benchmarks.md#fan-out-simulation-issue-14).
     */
    public static final String LANE_HEADS_PREFIX = "integrity_lane_heads_";
    /** How many lane head tables (commit fences) a lake has. */
    public static final int LANE_HEAD_BUCKETS = 256;
    /**
     * The lane of each head table's fence row ({@code ('', -1, '')}), which every lane commit into
     * that table deletes and re-inserts: a tenant's first commit has no head row of its own to
     * delete, and a DELETE that matches no row does not fence (DuckLakeConflictRulesTest).
     */
    public static final String FENCE_ROW_LANE = "";
    /**
     * The prefix of the head tables of lakes written before the buckets (one table per tenant,
     * {@code integrity_lane_head_<16 hex of SHA-256(tenant)>}). Still read; a tenant's next lane
     * entry moves its head into its bucket and drops the old table in the same transaction.
     */
    public static final String LEGACY_LANE_HEAD_PREFIX = "integrity_lane_head_";
    /**
     * The end of the commit message of the commit that records a compaction's entry: the
     * compaction's own message, then this (the snapshot list shows both, newest first).
     */
    public static final String INTEGRITY_ENTRY_LABEL = "(integrity entry)";

    /** The hash before the first entry. */
    public static final String ZERO = "0".repeat(64);
    static final ObjectMapper JSON = new ObjectMapper();

    static final String CREATE_CHAIN = "CREATE TABLE IF NOT EXISTS " + CHAIN + " (seq BIGINT NOT NULL, kind VARCHAR NOT NULL, "
            + "base_snapshot BIGINT, committed_at TIMESTAMPTZ NOT NULL, entry VARCHAR NOT NULL, prev_hash VARCHAR NOT NULL, "
            + "chain_hash VARCHAR NOT NULL)";
    static final String CREATE_HEAD = "CREATE TABLE IF NOT EXISTS " + HEAD + " (seq BIGINT NOT NULL, chain_hash VARCHAR NOT NULL)";
    static final String CREATE_TENANT_STATE = "CREATE TABLE IF NOT EXISTS " + TENANT_STATE + " (tenant_id VARCHAR NOT NULL, "
            + "seq BIGINT NOT NULL, live_rows BIGINT NOT NULL, live_digest VARCHAR NOT NULL)";

    static final String CREATE_LANES = "CREATE TABLE IF NOT EXISTS " + LANES + " (lane VARCHAR NOT NULL, seq BIGINT NOT NULL, "
            + "kind VARCHAR NOT NULL, base_snapshot BIGINT, committed_at TIMESTAMPTZ NOT NULL, entry VARCHAR NOT NULL, "
            + "prev_hash VARCHAR NOT NULL, chain_hash VARCHAR NOT NULL, live_rows BIGINT, live_digest VARCHAR)";

    /** The newest entry: its sequence number and chain hash. */
    public record Head(long seq, String chainHash) {}

    /** A lane's newest entry. */
    public record LaneHead(String lane, long seq, String chainHash) {}

    /** The table that holds the head of {@code tenant}'s lane (and fences its commits). */
    public static String laneHeadTable(String tenant) {
        return "lake.main." + LANE_HEADS_PREFIX + CanonicalRow.hex(CanonicalRow.sha256().digest(tenant.getBytes(StandardCharsets.UTF_8))).substring(0, 2);
    }

    /** Every lane head table, in order. */
    public static List<String> laneHeadTables() {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < LANE_HEAD_BUCKETS; i++) out.add("lake.main." + LANE_HEADS_PREFIX + String.format("%02x", i));
        return out;
    }

    /** The per-tenant head table of the layout before the buckets (still read, never written). */
    public static String legacyLaneHeadTable(String tenant) {
        String h = CanonicalRow.hex(CanonicalRow.sha256().digest(tenant.getBytes(StandardCharsets.UTF_8)));
        return "lake.main." + LEGACY_LANE_HEAD_PREFIX + h.substring(0, 16);
    }

    /** The head of {@code tenant}'s lane as {@code c}'s transaction sees it, or null (no entry yet). */
    public static LaneHead laneHead(Connection c, String tenant) throws SQLException {
        try (Statement st = c.createStatement()) {
            LaneHead h = tableExists(st, laneHeadTable(tenant)) ? headRow(st, laneHeadTable(tenant), tenant) : null;
            if (h != null) return h;
            String legacy = legacyLaneHeadTable(tenant);
            return tableExists(st, legacy) ? headRow(st, legacy, tenant) : null;
        }
    }

    /** The tenant's row of {@code table} (which must exist), or null. */
    private static LaneHead headRow(Statement st, String table, String tenant) throws SQLException {
        try (ResultSet rs = st.executeQuery("SELECT lane, seq, chain_hash FROM " + table + " WHERE lane = " + LakeEngine.literal(tenant))) {
            return rs.next() ? new LaneHead(rs.getString(1), rs.getLong(2), rs.getString(3)) : null;
        }
    }

    static boolean tableExists(Statement st, String qualified) throws SQLException {
        return LakeCatalog.tableExists(st, qualified.substring("lake.main.".length()));
    }

    /** One entry of the lake chain or of a lane, as stored. {@code lane} is null for the lake chain. */
    public record Stored(String lane, long seq, String kind, long baseSnapshot, String entry, String prevHash, String chainHash) {
        /** In words: {@code entry 7} or {@code entry 3 of tenant acme's lane}. */
        public String name() {
            return lane == null ? "entry " + seq : "entry " + seq + " of tenant " + lane + "'s lane";
        }
    }

    /**
     * Every entry, the lake chain's and the lanes', in the order their changes happened: by the
     * snapshot each started from (an entry's changes are visible only to transactions that began
     * after it committed, so whatever an entry removes or builds on was added by an entry with a
     * smaller base snapshot; entries with the same base snapshot committed side by side and touch
     * nothing in common), then the lake chain before the lanes, then lane and sequence number.
     */
    public static List<Stored> ordered(Connection c) throws SQLException {
        List<Stored> out = new ArrayList<>();
        try (Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT seq, kind, base_snapshot, entry, prev_hash, chain_hash FROM " + CHAIN + " ORDER BY seq")) {
                while (rs.next()) out.add(new Stored(null, rs.getLong(1), rs.getString(2), rs.getLong(3), rs.getString(4), rs.getString(5), rs.getString(6)));
            }
            if (lanesExist(st)) {
                try (ResultSet rs = st.executeQuery("SELECT lane, seq, kind, base_snapshot, entry, prev_hash, chain_hash FROM " + LANES
                        + " ORDER BY lane, seq")) {
                    while (rs.next()) {
                        out.add(new Stored(rs.getString(1), rs.getLong(2), rs.getString(3), rs.getLong(4), rs.getString(5), rs.getString(6),
                                rs.getString(7)));
                    }
                }
            }
        }
        out.sort(java.util.Comparator.comparingLong(Stored::baseSnapshot)
                .thenComparing(x -> x.lane() == null ? "" : "\u0001" + x.lane())
                .thenComparingLong(Stored::seq));
        return out;
    }

    static boolean lanesExist(Statement st) throws SQLException {
        return LakeCatalog.tableExists(st, "integrity_lanes");
    }

    /** {@code SHA-256(prev || entry)} as hex. */
    public static String link(String prevHashHex, String entryText) {
        MessageDigest d = CanonicalRow.sha256();
        d.update(CanonicalRow.unhex(prevHashHex));
        return CanonicalRow.hex(d.digest(entryText.getBytes(StandardCharsets.UTF_8)));
    }

    /** A file's path as the chain names it: relative to the lake's data path ({@code main/logs/...}). */
    public static String relative(String path) {
        int i = path.lastIndexOf("/main/logs/");
        return i >= 0 ? path.substring(i + 1) : path;
    }

    /** The tenant a data file belongs to, from its partition directory ({@code tenant_id=...}), or null. */
    static String tenantOfPath(String path) {
        int i = path.indexOf("tenant_id=");
        if (i < 0) return null;
        int j = path.indexOf('/', i);
        return java.net.URLDecoder.decode(path.substring(i + "tenant_id=".length(), j < 0 ? path.length() : j), StandardCharsets.UTF_8);
    }

    /**
     * Creates the chain's tables with its first entry ({@code genesis}) when they do not exist. A
     * lake that already holds rows is adopted: the genesis entry records its files and each
     * tenant's live rows as found (what came before cannot be proven; docs/integrity.md).
     */
    static void ensure(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            if (exists(st)) {
                ensureLanes(st);
                return;
            }
            try {
                st.execute("BEGIN TRANSACTION");
                st.execute(CREATE_CHAIN);
                st.execute(CREATE_HEAD);
                st.execute(CREATE_TENANT_STATE);
                st.execute(CREATE_LANES);
                Change g = Change.begin(c, "genesis", "true", false);
                g.before.clear();
                g.genesis = true;
                Head h = g.record(c);
                st.execute("CALL lake.set_commit_message('lakelog', 'create the integrity chain', extra_info => "
                        + LakeEngine.literal("{\"kind\":\"maintenance\",\"integrity_seq\":" + h.seq() + "}") + ")");
                st.execute("COMMIT");
            } catch (SQLException e) {
                try {
                    st.execute("ROLLBACK");
                } catch (SQLException ignored) {
                    // already ended
                }
                if (!exists(st)) throw e;
            }
        }
    }

    /** A lake whose chain predates the lanes gains their table (its old entries stay in the lake chain). */
    private static void ensureLanes(Statement st) throws SQLException {
        if (lanesExist(st)) return;
        try {
            st.execute("BEGIN TRANSACTION");
            st.execute(CREATE_LANES);
            st.execute("CALL lake.set_commit_message('lakelog', 'create the integrity lanes', extra_info => '{\"kind\":\"maintenance\"}')");
            st.execute("COMMIT");
        } catch (SQLException e) {
            try {
                st.execute("ROLLBACK");
            } catch (SQLException ignored) {
                // already ended
            }
            if (!lanesExist(st)) throw e;
        }
    }

    private static boolean exists(Statement st) throws SQLException {
        return LakeCatalog.tableExists(st, "integrity_head");
    }

    /** The head as {@code c}'s transaction sees it (null before the chain exists). */
    public static Head head(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT seq, chain_hash FROM " + HEAD)) {
            return rs.next() ? new Head(rs.getLong(1), rs.getString(2)) : null;
        }
    }

    /** What one tenant's rows did in one commit. */
    static final class TenantDelta {
        long added;
        long removed;
        final List<byte[]> addedLeaves = new ArrayList<>();
        final List<byte[]> removedLeaves = new ArrayList<>();
        final MuHash change = new MuHash();
    }

    /** One entry being recorded, inside the caller's open transaction. */
    public static final class Change {
        final String kind;
        final long baseSnapshot;
        final String scope;
        final boolean afterWithinBefore;
        final Set<String> before;
        final ObjectNode detail = JSON.createObjectNode();
        final ArrayNode segments = JSON.createArrayNode();
        final ArrayNode expired = JSON.createArrayNode();
        final Map<String, TenantDelta> tenants = new TreeMap<>();
        /** Rows of added files are rows added (rollup); otherwise files only move rows (compaction). */
        boolean filesAddRows;
        boolean genesis;
        /** Files given by the caller instead of found through the scope (a compaction recorded after it committed). */
        List<String> explicitAdded;
        List<String> explicitRemoved;
        final List<ObjectNode> explicitRemovedNodes = new ArrayList<>();
        /** The tenant whose lane this entry goes to; null: the lake chain. */
        String lane;
        /** Lane heads a seal entry records. */
        final ArrayNode sealed = JSON.createArrayNode();
        /**
         * For the commit's log line: time {@link #record} spent in the read-back queries (SQL row
         * hash and fetch), and after the files in the tenants' Merkle roots and live digests (the
         * last MuHash fold, the previous digest's lookup, the combine); the MuHash folds made while
         * the files' rows are added are in neither.
         */
        long readBackNanos;
        long digestNanos;

        private Change(String kind, long baseSnapshot, String scope, boolean afterWithinBefore, Set<String> before) {
            this.kind = kind;
            this.baseSnapshot = baseSnapshot;
            this.scope = scope;
            this.afterWithinBefore = afterWithinBefore;
            this.before = before;
        }

        /**
         * Starts an entry before the transaction changes anything: notes the snapshot and the data
         * files of {@code logs} that hold rows matching {@code scope} (a SQL predicate over logs, or
         * null for a commit that changes no files). With {@code afterWithinBefore}, the files
         * afterwards are looked for only among those (a DELETE never adds data files).
         */
        public static Change begin(Connection c, String kind, String scope, boolean afterWithinBefore) throws SQLException {
            long snap;
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("FROM lake.current_snapshot()")) {
                rs.next();
                snap = rs.getLong(1);
            }
            Set<String> files = scope == null ? new LinkedHashSet<>() : files(c, scope);
            return new Change(kind, snap, scope, afterWithinBefore, files);
        }

        /** Free-form facts of the commit (rollup id, trigger, tenant...), part of the entry. */
        public ObjectNode detail() {
            return detail;
        }

        /**
         * Appends this entry to {@code tenant}'s lane instead of the lake chain (a rollup): it may
         * change no other tenant's rows or files. The lane's head table is deleted from and
         * re-inserted into by {@link #record}, which is what makes two overlapping commits of the
         * same tenant conflict (and nothing else).
         */
        public Change inLane(String tenant) {
            this.lane = tenant;
            return this;
        }

        /** Counts the rows of added files as rows added (a rollup's INSERT). */
        public Change filesAddRows() {
            this.filesAddRows = true;
            return this;
        }

        public void segment(String key, String tenant, String digest, long rows) {
            segments.addObject().put("segment_key", key).put("tenant_id", tenant).put("digest", digest).put("rows", rows);
        }

        public void expiredSnapshot(long id) {
            expired.add(id);
        }

        /** Before a DELETE: reads and hashes the rows {@code where} matches, as rows removed. */
        public void removeRows(Connection c, String where) throws SQLException {
            try (Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("SELECT tenant_id, " + CanonicalRow.SQL_HASH + " FROM " + LakeSchema.LOGS + " WHERE " + where)) {
                while (rs.next()) {
                    byte[] h = CanonicalRow.unhex(rs.getString(2));
                    TenantDelta d = tenants.computeIfAbsent(rs.getString(1), t -> new TenantDelta());
                    d.removed++;
                    d.removedLeaves.add(h);
                    d.change.remove(h);
                }
            }
        }

        /**
         * After the change, before COMMIT: finds the files added and removed, hashes them, reads the
         * added files' rows, and appends the entry, the tenants' new live state and the new head.
         */
        public Head record(Connection c) throws SQLException {
            Set<String> after;
            if (scope == null) after = new LinkedHashSet<>();
            else if (afterWithinBefore) after = before.isEmpty() ? new LinkedHashSet<>() : files(c, "filename IN " + inList(before));
            else after = files(c, scope);
            List<String> added = new ArrayList<>();
            for (String f : after) if (!before.contains(f)) added.add(f);
            List<String> removed = new ArrayList<>();
            for (String f : before) if (!after.contains(f)) removed.add(f);
            if (explicitAdded != null) {
                added = explicitAdded;
                removed = explicitRemoved;
            }
            Map<String, long[]> sizes = new TreeMap<>();
            Map<String, String> shas = new TreeMap<>();
            hashFiles(c, added, sizes, shas);
            hashFiles(c, removed, sizes, shas);

            ObjectNode e = JSON.createObjectNode();
            long seq;
            String prevHash;
            boolean fromLegacy = false;
            if (lane != null) {
                // the tenant's head table (made by the first entry that needs it: two such first
                // entries both create it, and conflict); then its row, else (a lake written with a
                // table per tenant, until the tenant's first entry since) its old table. Only
                // that fallback looks the catalog up
                LaneHead prev;
                try (Statement st = c.createStatement()) {
                    st.execute("CREATE TABLE IF NOT EXISTS " + laneHeadTable(lane) + " (lane VARCHAR NOT NULL, seq BIGINT NOT NULL, chain_hash VARCHAR NOT NULL)");
                    prev = headRow(st, laneHeadTable(lane), lane);
                    if (prev == null && tableExists(st, legacyLaneHeadTable(lane))) {
                        prev = headRow(st, legacyLaneHeadTable(lane), lane);
                        fromLegacy = true;
                    }
                }
                seq = prev == null ? 0 : prev.seq() + 1;
                prevHash = prev == null ? ZERO : prev.chainHash();
                e.put("v", 2);
                e.put("lane", lane);
            } else {
                Head prev = head(c);
                seq = prev == null ? 0 : prev.seq() + 1;
                prevHash = prev == null ? ZERO : prev.chainHash();
                e.put("v", 1);
            }
            e.put("seq", seq);
            e.put("kind", kind);
            e.put("base_snapshot", baseSnapshot);
            String at = Instant.now().truncatedTo(ChronoUnit.MICROS).toString();
            e.put("committed_at", at);
            e.set("detail", detail);
            e.set("segments", segments);
            ArrayNode fa = e.putArray("files_added");
            for (String f : added) {
                long r0 = System.nanoTime();
                FileRows rows = readRows(c, f);
                readBackNanos += System.nanoTime() - r0;
                if (filesAddRows) {
                    for (byte[] h : rows.hashes) {
                        TenantDelta d = tenants.computeIfAbsent(rows.tenant, t -> new TenantDelta());
                        d.added++;
                        d.addedLeaves.add(h);
                        d.change.add(h);
                    }
                }
                fa.addObject().put("path", relative(f)).put("tenant_id", rows.tenant).put("size", sizes.get(f)[0])
                        .put("sha256", shas.get(f)).put("rows", rows.hashes.size())
                        .put("rows_root", CanonicalRow.hex(Merkle.root(rows.hashes)));
            }
            ArrayNode fr = e.putArray("files_removed");
            for (String f : removed) {
                fr.addObject().put("path", relative(f)).put("tenant_id", tenantOfPath(f)).put("size", sizes.get(f)[0])
                        .put("sha256", shas.get(f));
            }
            for (ObjectNode n : explicitRemovedNodes) fr.add(n);
            long d0 = System.nanoTime();
            if (genesis) adoptLiveRows(c);
            ArrayNode tn = e.putArray("tenants");
            List<String[]> states = new ArrayList<>();
            for (Map.Entry<String, TenantDelta> t : tenants.entrySet()) {
                TenantDelta d = t.getValue();
                long[] prevRows = {0};
                MuHash live = genesis ? new MuHash() : previousLive(c, t.getKey(), prevRows);
                live.combine(d.change);
                long liveRows = prevRows[0] + d.added - d.removed;
                String digest = live.hex();
                tn.addObject().put("tenant_id", t.getKey()).put("rows_added", d.added)
                        .put("added_root", CanonicalRow.hex(Merkle.root(d.addedLeaves)))
                        .put("rows_removed", d.removed).put("removed_root", CanonicalRow.hex(Merkle.root(d.removedLeaves)))
                        .put("live_rows", liveRows).put("live_digest", digest);
                states.add(new String[] {t.getKey(), Long.toString(liveRows), digest});
            }
            digestNanos += System.nanoTime() - d0;
            e.set("expired_snapshots", expired);
            if (!sealed.isEmpty()) e.set("lanes", sealed);
            if (lane != null) {
                for (String[] st : states) {
                    if (!st[0].equals(lane)) throw new IllegalStateException("a lane entry of tenant " + lane + " changes tenant " + st[0]);
                }
            }
            String text;
            try {
                text = JSON.writeValueAsString(e);
            } catch (com.fasterxml.jackson.core.JsonProcessingException ex) {
                throw new IllegalStateException(ex);
            }
            String hash = link(prevHash, text);
            if (lane != null) {
                String[] state = states.isEmpty() ? null : states.get(0);
                String table = laneHeadTable(lane);
                try (Statement st = c.createStatement()) {
                    st.execute("INSERT INTO " + LANES + " VALUES (" + LakeEngine.literal(lane) + ", " + seq + ", " + LakeEngine.literal(kind) + ", "
                            + baseSnapshot + ", TIMESTAMPTZ " + LakeEngine.literal(at) + ", " + LakeEngine.literal(text) + ", "
                            + LakeEngine.literal(prevHash) + ", " + LakeEngine.literal(hash) + ", " + (state == null ? "NULL" : state[1]) + ", "
                            + (state == null ? "NULL" : LakeEngine.literal(state[2])) + ")");
                    // the lane's head, and the fence of this tenant's commits: two overlapping
                    // commits of one tenant (or of two tenants of one head table) both delete from
                    // this table and DuckLake aborts one; the fence row makes a tenant's first
                    // commit delete something too
                    // (a head table this transaction created has no rows: nothing to delete, the create fences)
                    st.execute("DELETE FROM " + table + " WHERE lane IN (" + LakeEngine.literal(lane) + ", " + LakeEngine.literal(FENCE_ROW_LANE) + ")");
                    st.execute("INSERT INTO " + table + " VALUES (" + LakeEngine.literal(lane) + ", " + seq + ", " + LakeEngine.literal(hash) + ")");
                    st.execute("INSERT INTO " + table + " VALUES (" + LakeEngine.literal(FENCE_ROW_LANE) + ", -1, '')");
                    // a lake written with a table per tenant: this tenant's head moved here, its old table goes
                    if (fromLegacy) st.execute("DROP TABLE " + legacyLaneHeadTable(lane));
                }
                return new Head(seq, hash);
            }
            try (Statement st = c.createStatement()) {
                st.execute("INSERT INTO " + CHAIN + " VALUES (" + seq + ", " + LakeEngine.literal(kind) + ", " + baseSnapshot + ", "
                        + "TIMESTAMPTZ " + LakeEngine.literal(at) + ", " + LakeEngine.literal(text) + ", " + LakeEngine.literal(prevHash)
                        + ", " + LakeEngine.literal(hash) + ")");
                for (String[] s : states) {
                    st.execute("INSERT INTO " + TENANT_STATE + " VALUES (" + LakeEngine.literal(s[0]) + ", " + seq + ", " + s[1] + ", "
                            + LakeEngine.literal(s[2]) + ")");
                }
                st.execute("DELETE FROM " + HEAD);
                st.execute("INSERT INTO " + HEAD + " VALUES (" + seq + ", " + LakeEngine.literal(hash) + ")");
            }
            return new Head(seq, hash);
        }

        /** Genesis of a lake that already has rows: every tenant's live rows as they are now. */
        private void adoptLiveRows(Connection c) throws SQLException {
            try (Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("SELECT tenant_id, " + CanonicalRow.SQL_HASH + " FROM " + LakeSchema.LOGS)) {
                while (rs.next()) {
                    byte[] h = CanonicalRow.unhex(rs.getString(2));
                    TenantDelta d = tenants.computeIfAbsent(rs.getString(1), t -> new TenantDelta());
                    d.added++;
                    d.addedLeaves.add(h);
                    d.change.add(h);
                }
            }
        }
    }

    /**
     * Records the compactions (and rewrites) committed with {@code integrity_pending} that no entry
     * records yet, as one entry naming their snapshots. DuckLake's compaction keeps time travel by
     * rewriting file history (the merged file is listed at older snapshots too), so the files it
     * removed and added are found differently: inside this entry's own transaction, the files the
     * chain says are live are compared with the catalog's files of logs, both read at the same
     * snapshot. Every other commit records its own files atomically, so the difference is exactly
     * what the pending compactions did (removed files keep the size and SHA-256 recorded when added).
     */
    static void recordPending(Connection c) throws SQLException {
        java.util.Set<Long> recorded = new java.util.HashSet<>();
        List<Long> pending = new ArrayList<>();
        String kind = "compaction";
        String label = "compaction";
        try (Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT entry FROM " + CHAIN + " WHERE kind IN ('compaction', 'rewrite')")) {
                while (rs.next()) {
                    try {
                        for (com.fasterxml.jackson.databind.JsonNode n : JSON.readTree(rs.getString(1)).path("detail").path("snapshots")) {
                            recorded.add(n.asLong());
                        }
                    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                        throw new SQLException("integrity: a chain entry is not JSON", e);
                    }
                }
            }
            try (ResultSet rs = st.executeQuery("SELECT snapshot_id, json_extract_string(commit_extra_info, '$.integrity_pending'), "
                    + "commit_message FROM lake.snapshots() WHERE commit_extra_info LIKE '%integrity_pending%' ORDER BY snapshot_id")) {
                while (rs.next()) {
                    if (!recorded.contains(rs.getLong(1))) {
                        pending.add(rs.getLong(1));
                        kind = rs.getString(2);
                        label = rs.getString(3) == null ? kind : rs.getString(3);
                    }
                }
            }
        }
        if (pending.isEmpty()) return;
        String k = kind;
        String message = label + " " + INTEGRITY_ENTRY_LABEL;
        LakeMaintenance.inTransaction(c, () -> {
            Change ch = Change.begin(c, k, null, false);
            Map<String, com.fasterxml.jackson.databind.node.ObjectNode> live = liveFiles(c);
            List<String> added = new ArrayList<>();
            java.util.Set<String> inCatalog = new java.util.HashSet<>();
            try (Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("SELECT data_file FROM ducklake_list_files('lake', 'logs') ORDER BY 1")) {
                while (rs.next()) {
                    String rel = relative(rs.getString(1));
                    inCatalog.add(rel);
                    if (!live.containsKey(rel)) added.add(rs.getString(1));
                }
            }
            ch.explicitAdded = added;
            ch.explicitRemoved = new ArrayList<>();
            for (Map.Entry<String, com.fasterxml.jackson.databind.node.ObjectNode> f : live.entrySet()) {
                if (!inCatalog.contains(f.getKey())) {
                    ch.explicitRemovedNodes.add(JSON.createObjectNode().put("path", f.getKey()).put("tenant_id", f.getValue().path("tenant_id").asText(null))
                            .put("size", f.getValue().path("size").asLong()).put("sha256", f.getValue().path("sha256").asText()));
                }
            }
            ArrayNode snaps = ch.detail().putArray("snapshots");
            for (Long p : pending) snaps.add(p);
            Head h = ch.record(c);
            try (Statement st = c.createStatement()) {
                st.execute("CALL lake.set_commit_message('lakelog', " + LakeEngine.literal(message)
                        + ", extra_info => " + LakeEngine.literal("{\"kind\":\"maintenance\",\"integrity_seq\":" + h.seq() + "}") + ")");
            }
            return h;
        });
    }

    /** The data files of logs the chain says are live now (added and not removed since), by relative path. */
    static Map<String, com.fasterxml.jackson.databind.node.ObjectNode> liveFiles(Connection c) throws SQLException {
        Map<String, com.fasterxml.jackson.databind.node.ObjectNode> live = new java.util.LinkedHashMap<>();
        {
            for (Stored stored : ordered(c)) {
                com.fasterxml.jackson.databind.JsonNode e;
                try {
                    e = JSON.readTree(stored.entry());
                } catch (com.fasterxml.jackson.core.JsonProcessingException ex) {
                    throw new SQLException("integrity: a chain entry is not JSON", ex);
                }
                for (com.fasterxml.jackson.databind.JsonNode f : e.path("files_removed")) live.remove(f.path("path").asText());
                for (com.fasterxml.jackson.databind.JsonNode f : e.path("files_added")) {
                    live.put(f.path("path").asText(), (com.fasterxml.jackson.databind.node.ObjectNode) f);
                }
            }
        }
        return live;
    }

    /**
     * The tenant's live state after its newest entry: the lake chain's (retention, an old-layout
     * rollup) or its lane's, whichever started from the later snapshot (two entries that change one
     * tenant's rows never start from the same snapshot: they conflict on logs or on the lane head).
     */
    private static MuHash previousLive(Connection c, String tenant, long[] rows) throws SQLException {
        long bestBase = Long.MIN_VALUE;
        String digest = null;
        try (Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT s.live_rows, s.live_digest, c.base_snapshot FROM " + TENANT_STATE + " s JOIN " + CHAIN
                    + " c ON c.seq = s.seq WHERE s.tenant_id = " + LakeEngine.literal(tenant) + " ORDER BY s.seq DESC LIMIT 1")) {
                if (rs.next()) {
                    rows[0] = rs.getLong(1);
                    digest = rs.getString(2);
                    bestBase = rs.getLong(3);
                }
            }
            if (lanesExist(st)) {
                try (ResultSet rs = st.executeQuery("SELECT live_rows, live_digest, base_snapshot FROM " + LANES + " WHERE lane = "
                        + LakeEngine.literal(tenant) + " AND live_digest IS NOT NULL ORDER BY seq DESC LIMIT 1")) {
                    if (rs.next() && (digest == null || rs.getLong(3) > bestBase)) {
                        rows[0] = rs.getLong(1);
                        digest = rs.getString(2);
                    }
                }
            }
        }
        return digest == null ? new MuHash() : MuHash.ofHex(digest);
    }

    /**
     * Seals the heads of {@code tenants}' lanes into the lake chain: one entry of kind {@code seal}
     * listing each lane's head, so the lake chain's head (which the anchor signs) covers them. A
     * tenant without a lane is left out; nothing to seal commits nothing (null). Runs
     * in its own small transaction, retried on a conflict with another lake-chain commit (no rows
     * or files are rewritten by a retry).
     */
    public static Head seal(Connection c, java.util.Collection<String> tenants) throws SQLException {
        for (int attempt = 1; ; attempt++) {
            try {
                return sealOnce(c, tenants);
            } catch (SQLException e) {
                if (attempt >= SEAL_ATTEMPTS || !String.valueOf(e.getMessage()).toLowerCase(java.util.Locale.ROOT).contains("conflict")) throw e;
                sealConflicts.incrementAndGet();
                try {
                    Thread.sleep(5L * attempt + Jitter.next(10 + 10 * attempt));
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    /** Attempts of {@link #seal} before it gives up (the next seal carries the lane's newer head). */
    public static final int SEAL_ATTEMPTS = 20;
    /** Seal attempts that lost to another lake-chain commit, since start (benchmarks count them). */
    public static final java.util.concurrent.atomic.AtomicLong sealConflicts = new java.util.concurrent.atomic.AtomicLong();

    private static Head sealOnce(Connection c, java.util.Collection<String> tenants) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("BEGIN TRANSACTION");
            try {
                // the callers seal lanes they have just appended to, so no lookup of earlier seals
                // (which would read the whole lake chain); sealing a head twice is harmless
                Change ch = Change.begin(c, "seal", null, false);
                Set<String> headTables = new java.util.HashSet<>(); // one catalog lookup per seal, not per tenant
                headTables.addAll(LakeCatalog.tablesStartingWith(st, LANE_HEADS_PREFIX));
                for (String t : new java.util.TreeSet<>(tenants)) {
                    LaneHead h = headTables.contains(laneHeadTable(t)) ? headRow(st, laneHeadTable(t), t) : null;
                    if (h == null) h = laneHead(c, t); // not written since the table per tenant
                    if (h == null) continue;
                    ch.sealed.addObject().put("lane", t).put("seq", h.seq()).put("chain_hash", h.chainHash());
                }
                if (ch.sealed.isEmpty()) {
                    st.execute("ROLLBACK");
                    return null;
                }
                Head head = ch.record(c);
                st.execute("CALL lake.set_commit_message('lakelog', " + LakeEngine.literal("seal lanes=" + ch.sealed.size())
                        + ", extra_info => " + LakeEngine.literal("{\"kind\":\"maintenance\",\"integrity_seq\":" + head.seq() + "}") + ")");
                st.execute("COMMIT");
                return head;
            } catch (SQLException | RuntimeException e) {
                try {
                    st.execute("ROLLBACK");
                } catch (SQLException ignored) {
                    // already ended
                }
                throw e;
            }
        }
    }

    /** The data files of logs holding rows that match {@code predicate}, as this transaction sees them. */
    static Set<String> files(Connection c, String predicate) throws SQLException {
        Set<String> out = new LinkedHashSet<>();
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT DISTINCT filename FROM " + LakeSchema.LOGS + " WHERE " + predicate + " ORDER BY 1")) {
            while (rs.next()) out.add(rs.getString(1));
        }
        return out;
    }

    /** Size and SHA-256 of each file, read from storage by DuckDB. */
    static void hashFiles(Connection c, List<String> files, Map<String, long[]> sizes, Map<String, String> shas) throws SQLException {
        for (int i = 0; i < files.size(); i += 64) {
            List<String> part = files.subList(i, Math.min(files.size(), i + 64));
            try (Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("SELECT filename, size, sha256(content) FROM read_blob(" + list(part) + ")")) {
                while (rs.next()) {
                    sizes.put(rs.getString(1), new long[] {rs.getLong(2)});
                    shas.put(rs.getString(1), rs.getString(3));
                }
            }
            for (String f : part) {
                if (!shas.containsKey(f)) throw new SQLException("integrity: data file " + f + " could not be read to hash it");
            }
        }
    }

    /** The rows of one Parquet file as written (deletes not applied), hashed, and its tenant. */
    record FileRows(String tenant, List<byte[]> hashes) {}

    static FileRows readRows(Connection c, String file) throws SQLException {
        List<String> present = new ArrayList<>();
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT name FROM parquet_schema(" + LakeEngine.literal(file) + ")")) {
            while (rs.next()) {
                String n = rs.getString(1);
                present.add(n.equals("timestamp") ? "\"timestamp\"" : n);
            }
        }
        List<byte[]> hashes = new ArrayList<>();
        String tenant = tenantOfPath(file);
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT tenant_id, " + CanonicalRow.sqlHash(present)
                + " FROM read_parquet(" + LakeEngine.literal(file) + ")")) {
            while (rs.next()) {
                hashes.add(CanonicalRow.unhex(rs.getString(2)));
                if (tenant == null) tenant = rs.getString(1);
            }
        }
        return new FileRows(tenant, hashes);
    }

    /** {@code ('a', 'b')} for SQL IN. */
    static String inList(java.util.Collection<String> items) {
        String l = list(items);
        return "(" + l.substring(1, l.length() - 1) + ")";
    }

    static String list(java.util.Collection<String> items) {
        StringBuilder sb = new StringBuilder("[");
        for (String s : items) {
            if (sb.length() > 1) sb.append(", ");
            sb.append(LakeEngine.literal(s));
        }
        return sb.append("]").toString();
    }
}
