package dev.lakelog.lake;

import com.fasterxml.jackson.databind.JsonNode;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Verifies the lake against its integrity chain and the anchor (docs/integrity.md), in this order:
 * (1) the chain: every entry's hash recomputed from its text and its predecessor, sequence numbers
 * contiguous, the head table equal to the last entry; (2) the anchor: each published head's
 * signature, and its chain hash equal to the chain's at that entry; (3) the catalog's data files of
 * {@code logs} equal to the files the chain says are live (added and not removed since); (4) each
 * such file re-read from storage: size, SHA-256, and the Merkle root of its rows recomputed from the
 * Parquet rows; (5) each tenant's live rows as DuckLake returns them now: count and MuHash digest
 * equal to the chain's last state for that tenant; (6) the rollup ledger equal to the segments the
 * chain says were consumed. The answer is {@code ok} or the first broken link in words, with every
 * problem found (up to {@link #MAX_PROBLEMS}).
 *
 * <p>With a tenant, only that tenant's files, rows and segments are checked (the chain and the
 * anchor always whole; problems name no other tenant). {@code sinceSnapshot} limits step (4) to
 * files added by commits at or after that snapshot; the other steps always run in full.
 */
public final class IntegrityVerifier {
    private IntegrityVerifier() {}

    public static final int MAX_PROBLEMS = 100;

    public record Options(Optional<String> tenant, Optional<Long> sinceSnapshot) {}

    /** The outcome; {@code firstBroken} is null when {@code ok}. */
    public record Report(boolean ok, String firstBroken, List<String> problems, List<String> notes, long entries, long headSeq,
                         long filesChecked, long bytesHashed, long rowsHashed, long millis, String anchor) {
        public double mbPerSecond() {
            return millis == 0 ? 0 : bytesHashed / 1e6 / (millis / 1000.0);
        }

        public double rowsPerSecond() {
            return millis == 0 ? 0 : rowsHashed / (millis / 1000.0);
        }
    }

    private record LiveFile(String tenant, long size, String sha256, long rows, String rowsRoot, String by, Long snapshot) {}

    private record Segment(String tenant, String digest, long rows, String by) {}

    private static final class Run {
        final List<String> problems = new ArrayList<>();
        final List<String> notes = new ArrayList<>();
        long bytes;
        long rows;
        long files;

        void problem(String p) {
            if (problems.size() < MAX_PROBLEMS) problems.add(p);
        }
    }

    public static Report verify(LakeEngine engine, Options opt, Consumer<String> progress) {
        long t0 = System.nanoTime();
        Run run = new Run();
        Optional<String> tenant = opt.tenant();
        long entries = 0;
        long headSeq = -1;
        try (Connection c = engine.connect(); Statement st = c.createStatement()) {
            // a consistent view: everything below reads one snapshot
            st.execute("BEGIN TRANSACTION");
            try {
                Map<Long, Long> snapshotOfSeq = snapshotsOfEntries(c);
                Map<String, LiveFile> live = new LinkedHashMap<>();
                Map<String, String[]> tenantState = new TreeMap<>();
                Map<String, Segment> segments = new HashMap<>();
                Map<Long, String> hashAt = new HashMap<>();
                // (1) the chain: the lake chain, then each tenant's lane, then every entry replayed
                // in the order the changes happened (IntegrityChain.ordered)
                progress.accept("checking the chain");
                Map<String, Long> laneSnapshot = laneSnapshots(c);
                List<IntegrityChain.Stored> all = IntegrityChain.ordered(c);
                String prev = IntegrityChain.ZERO;
                long expectSeq = 0;
                Map<String, String[]> laneLast = new TreeMap<>(); // lane -> {seq, chain_hash}
                Map<String, String> laneHashAt = new HashMap<>();
                List<IntegrityChain.Stored> byChain = new ArrayList<>(all);
                byChain.sort(java.util.Comparator.comparing((IntegrityChain.Stored x) -> x.lane() == null ? "" : "\u0001" + x.lane())
                        .thenComparingLong(IntegrityChain.Stored::seq));
                for (IntegrityChain.Stored x : byChain) {
                    long seq = x.seq();
                    String where = x.name() + " (" + x.kind() + snapshotWords(x.lane() == null ? snapshotOfSeq.get(seq)
                            : laneSnapshot.get(x.lane() + "#" + seq)) + ")";
                    long expected;
                    String prevHere;
                    if (x.lane() == null) {
                        entries++;
                        expected = expectSeq;
                        prevHere = prev;
                    } else {
                        entries++;
                        String[] l = laneLast.get(x.lane());
                        expected = l == null ? 0 : Long.parseLong(l[0]) + 1;
                        prevHere = l == null ? IntegrityChain.ZERO : l[1];
                    }
                    if (seq != expected) {
                        run.problem((x.lane() == null ? "the chain" : "tenant " + x.lane() + "'s lane") + " skips from entry " + (expected - 1)
                                + " to entry " + seq + ": entries were removed");
                    }
                    if (!prevHere.equals(x.prevHash())) {
                        run.problem(where + " does not link to the entry before it: its previous hash differs from that entry's chain hash");
                    }
                    if (!IntegrityChain.link(x.prevHash(), x.entry()).equals(x.chainHash())) {
                        run.problem(where + " was altered: its chain hash does not match its content");
                    }
                    JsonNode e = IntegrityChain.JSON.readTree(x.entry());
                    if (e.path("seq").asLong(-1) != seq || !x.kind().equals(e.path("kind").asText())
                            || (x.lane() != null && !x.lane().equals(e.path("lane").asText(null)))
                            || (x.lane() == null && e.has("lane"))) {
                        run.problem(where + " was altered: its sequence number, kind or lane differs from its content");
                    }
                    if (x.lane() == null) {
                        prev = x.chainHash();
                        hashAt.put(seq, prev);
                        headSeq = seq;
                        expectSeq = seq + 1;
                    } else {
                        laneLast.put(x.lane(), new String[] {Long.toString(seq), x.chainHash()});
                        laneHashAt.put(x.lane() + "#" + seq, x.chainHash());
                    }
                }
                // the seals: every lane head the lake chain sealed is still that lane's entry
                Map<String, Long> sealed = new HashMap<>();
                for (IntegrityChain.Stored x : byChain) {
                    if (x.lane() != null || !"seal".equals(x.kind())) continue;
                    for (JsonNode l : IntegrityChain.JSON.readTree(x.entry()).path("lanes")) {
                        String lane = l.path("lane").asText();
                        long lseq = l.path("seq").asLong();
                        String h = laneHashAt.get(lane + "#" + lseq);
                        if (h == null) {
                            run.problem("entry " + x.seq() + " (seal) sealed entry " + lseq + " of tenant " + lane
                                    + "'s lane, which no longer exists: lane entries were removed");
                        } else if (!h.equals(l.path("chain_hash").asText())) {
                            run.problem("entry " + lseq + " of tenant " + lane + "'s lane differs from the head entry " + x.seq()
                                    + " sealed: the lane was rewritten after it was sealed");
                        }
                        sealed.merge(lane, lseq, Math::max);
                    }
                }
                // the lanes' heads: a row of the tenant's head table (its bucket), or, for a
                // tenant not written since the buckets, its old per-tenant table
                Map<String, IntegrityChain.LaneHead> heads = new HashMap<>();
                java.util.Set<String> tables = new java.util.HashSet<>();
                tables.addAll(LakeCatalog.tablesStartingWith(st, IntegrityChain.LANE_HEADS_PREFIX));
                tables.addAll(LakeCatalog.tablesStartingWith(st, IntegrityChain.LEGACY_LANE_HEAD_PREFIX));
                List<String> present = new ArrayList<>();
                for (String t : IntegrityChain.laneHeadTables()) {
                    if (tables.remove(t)) present.add(t); // created by the first lane commit that needs it
                }
                Map<String, Integer> fenceRows = new HashMap<>();
                for (String t : present) fenceRows.put(t, 0);
                for (int i = 0; i < present.size(); i += 64) { // one query per 64 tables, not one per table
                    StringBuilder q = new StringBuilder();
                    for (String t : present.subList(i, Math.min(present.size(), i + 64))) {
                        if (q.length() > 0) q.append(" UNION ALL ");
                        q.append("SELECT ").append(LakeEngine.literal(t)).append(" AS head_table, lane, seq, chain_hash FROM ").append(t);
                    }
                    try (ResultSet rs = st.executeQuery(q + " ORDER BY 1, 2, 3")) {
                        while (rs.next()) {
                            String t = rs.getString(1);
                            String lane = rs.getString(2);
                            if (IntegrityChain.FENCE_ROW_LANE.equals(lane)) {
                                fenceRows.merge(t, 1, Integer::sum);
                            } else if (!IntegrityChain.laneHeadTable(lane).equals(t)) {
                                run.problem("lane head table " + t + " holds the head of tenant " + lane + ", whose head belongs in "
                                        + IntegrityChain.laneHeadTable(lane));
                            } else if (heads.put(lane, new IntegrityChain.LaneHead(lane, rs.getLong(3), rs.getString(4))) != null) {
                                run.problem("lane head table " + t + " holds two heads of tenant " + lane);
                            }
                        }
                    }
                }
                for (String t : present) {
                    if (fenceRows.get(t) != 1) run.problem("lane head table " + t + " has " + fenceRows.get(t) + " fence rows instead of 1");
                }
                java.util.Set<String> legacyTables = new java.util.HashSet<>(tables);
                for (Map.Entry<String, String[]> l : laneLast.entrySet()) {
                    IntegrityChain.LaneHead h = heads.remove(l.getKey());
                    String legacy = IntegrityChain.legacyLaneHeadTable(l.getKey());
                    if (legacyTables.remove(legacy)) {
                        if (h != null) {
                            run.problem("tenant " + l.getKey() + "'s lane has a head in " + IntegrityChain.laneHeadTable(l.getKey())
                                    + " and still its old head table " + legacy);
                        } else {
                            h = IntegrityChain.laneHead(c, l.getKey());
                        }
                    }
                    if (h == null || h.seq() != Long.parseLong(l.getValue()[0]) || !h.chainHash().equals(l.getValue()[1])) {
                        run.problem("tenant " + l.getKey() + "'s lane head record (" + (h == null ? "missing" : "entry " + h.seq())
                                + ") does not match its last entry (" + l.getValue()[0] + ")");
                    }
                    Long s = sealed.get(l.getKey());
                    long last = Long.parseLong(l.getValue()[0]);
                    if (s == null || s < last) {
                        run.notes.add("tenant " + l.getKey() + "'s lane: entries " + (s == null ? 0 : s + 1) + ".." + last
                                + " are not sealed into the lake chain yet (the tenant's next rollup seals them)");
                    }
                }
                for (String lane : new java.util.TreeSet<>(heads.keySet())) {
                    run.problem("the lane head of tenant " + lane + " in " + IntegrityChain.laneHeadTable(lane)
                            + " has no lane entries: its lane was removed from the integrity table");
                }
                for (String t : new java.util.TreeSet<>(legacyTables)) {
                    run.problem("lane head table " + t + " has no lane entries: its lane was removed from the integrity table");
                }
                // replay every entry in the order the changes happened
                for (IntegrityChain.Stored x : all) {
                    long seq = x.seq();
                    String where = x.name() + " (" + x.kind() + snapshotWords(x.lane() == null ? snapshotOfSeq.get(seq)
                            : laneSnapshot.get(x.lane() + "#" + seq)) + ")";
                    String at = x.name();
                    Long snap = x.lane() == null ? snapshotOfSeq.get(seq) : laneSnapshot.get(x.lane() + "#" + seq);
                    JsonNode e = IntegrityChain.JSON.readTree(x.entry());
                    for (JsonNode f : e.path("files_removed")) {
                        String path = f.path("path").asText();
                        LiveFile was = live.remove(path);
                        if (was == null) {
                            run.problem(where + " removed data file " + path + ", which no earlier entry added");
                        } else if (!was.sha256().equals(f.path("sha256").asText()) && mine(tenant, was.tenant())) {
                            run.problem(where + " removed data file " + path + " of tenant " + was.tenant()
                                    + " whose SHA-256 then differed from the one recorded when " + was.by() + " added it: the file was altered before that commit");
                        }
                    }
                    for (JsonNode f : e.path("files_added")) {
                        live.put(f.path("path").asText(), new LiveFile(f.path("tenant_id").asText(null), f.path("size").asLong(),
                                f.path("sha256").asText(), f.path("rows").asLong(), f.path("rows_root").asText(), at, snap));
                    }
                    for (JsonNode t : e.path("tenants")) {
                        tenantState.put(t.path("tenant_id").asText(), new String[] {t.path("live_rows").asText(),
                            t.path("live_digest").asText(), at});
                    }
                    for (JsonNode sg : e.path("segments")) {
                        String key = sg.path("segment_key").asText();
                        Segment before = segments.put(key, new Segment(sg.path("tenant_id").asText(), sg.path("digest").asText(),
                                sg.path("rows").asLong(), at));
                        if (before != null && mine(tenant, before.tenant())) {
                            run.problem(where + " consumed segment " + key + " again (" + before.by() + " consumed it already)");
                        }
                    }
                }
                // (2) the anchor
                progress.accept("checking the anchor");
                checkAnchor(engine.anchor(), hashAt, headSeq, run);
                // (3) catalog files against the chain
                progress.accept("comparing the catalog's data files with the chain (" + live.size() + " live files)");
                Map<String, String> absolute = new LinkedHashMap<>();
                Map<String, Long> catalogSize = new HashMap<>();
                try (ResultSet rs = st.executeQuery("SELECT data_file, data_file_size_bytes FROM ducklake_list_files('lake', 'logs')")) {
                    while (rs.next()) {
                        String rel = IntegrityChain.relative(rs.getString(1));
                        absolute.put(rel, rs.getString(1));
                        catalogSize.put(rel, rs.getLong(2));
                    }
                }
                for (Map.Entry<String, String> f : absolute.entrySet()) {
                    LiveFile rec = live.get(f.getKey());
                    String t = rec != null ? rec.tenant() : IntegrityChain.tenantOfPath(f.getKey());
                    if (!mine(tenant, t)) continue;
                    if (rec == null) {
                        run.problem("data file " + f.getKey() + " (tenant " + t + ") is in the catalog but no chain entry added it: "
                                + "rows were written behind lakelog's back");
                    } else if (catalogSize.get(f.getKey()) != rec.size()) {
                        run.problem("data file " + f.getKey() + " (tenant " + t + ") has " + catalogSize.get(f.getKey())
                                + " bytes in the catalog, " + rec.by() + " recorded " + rec.size());
                    }
                }
                for (Map.Entry<String, LiveFile> f : live.entrySet()) {
                    if (!mine(tenant, f.getValue().tenant())) continue;
                    if (!absolute.containsKey(f.getKey())) {
                        run.problem("data file " + f.getKey() + " (tenant " + f.getValue().tenant() + "), added by "
                                + f.getValue().by() + ", is no longer referenced by the catalog");
                    }
                }
                // (4) re-hash the files and their rows
                List<String> toHash = new ArrayList<>();
                for (Map.Entry<String, LiveFile> f : live.entrySet()) {
                    if (!mine(tenant, f.getValue().tenant()) || !absolute.containsKey(f.getKey())) continue;
                    if (opt.sinceSnapshot().isPresent()) {
                        Long snap = f.getValue().snapshot();
                        if (snap != null && snap < opt.sinceSnapshot().get()) continue;
                    }
                    toHash.add(f.getKey());
                }
                int done = 0;
                for (String rel : toHash) {
                    LiveFile rec = live.get(rel);
                    String abs = absolute.get(rel);
                    String label = "data file " + rel + " (tenant " + rec.tenant() + ", added by " + rec.by()
                            + snapshotWords(rec.snapshot()) + ")";
                    Map<String, long[]> size = new HashMap<>();
                    Map<String, String> sha = new HashMap<>();
                    try {
                        IntegrityChain.hashFiles(c, List.of(abs), size, sha);
                    } catch (SQLException e) {
                        run.problem(label + " cannot be read from storage: it was deleted or moved ("
                                + engine.redactor().redact(firstLine(e.getMessage())) + ")");
                        st.execute("ROLLBACK");
                        st.execute("BEGIN TRANSACTION");
                        continue;
                    }
                    run.files++;
                    run.bytes += size.get(abs)[0];
                    if (size.get(abs)[0] != rec.size() || !sha.get(abs).equals(rec.sha256())) {
                        run.problem(label + " was altered: its SHA-256 is " + sha.get(abs) + ", the chain recorded " + rec.sha256());
                    }
                    try {
                        IntegrityChain.FileRows rows = IntegrityChain.readRows(c, abs);
                        run.rows += rows.hashes().size();
                        String root = CanonicalRow.hex(Merkle.root(rows.hashes()));
                        if (rows.hashes().size() != rec.rows() || !root.equals(rec.rowsRoot())) {
                            run.problem(label + ": the Merkle root of its " + rows.hashes().size() + " Parquet rows differs from the one "
                                    + "recorded for its " + rec.rows() + " rows");
                        }
                    } catch (SQLException e) {
                        run.problem(label + " cannot be read as Parquet: " + engine.redactor().redact(firstLine(e.getMessage())));
                        st.execute("ROLLBACK");
                        st.execute("BEGIN TRANSACTION");
                    }
                    if (++done % 100 == 0) progress.accept("re-hashed " + done + " of " + toHash.size() + " files, " + run.bytes + " bytes");
                }
                // (5) live rows per tenant
                progress.accept("re-hashing the live rows" + tenant.map(t -> " of tenant " + t).orElse(""));
                Map<String, MuHash> digests = new TreeMap<>();
                Map<String, long[]> counts = new TreeMap<>();
                try (ResultSet rs = st.executeQuery("SELECT tenant_id, " + CanonicalRow.SQL_HASH + " FROM " + LakeSchema.LOGS
                        + tenant.map(t -> " WHERE tenant_id = " + LakeEngine.literal(t)).orElse(""))) {
                    while (rs.next()) {
                        byte[] h = CanonicalRow.unhex(rs.getString(2));
                        String t = rs.getString(1);
                        digests.computeIfAbsent(t, x -> new MuHash()).add(h);
                        counts.computeIfAbsent(t, x -> new long[1])[0]++;
                        if (++run.rows % 1_000_000 == 0) progress.accept("re-hashed " + run.rows + " rows");
                    }
                }
                java.util.Set<String> tenants = new java.util.TreeSet<>(digests.keySet());
                for (String t : tenantState.keySet()) if (mine(tenant, t)) tenants.add(t);
                for (String t : tenants) {
                    String[] s = tenantState.get(t);
                    long n = counts.containsKey(t) ? counts.get(t)[0] : 0;
                    String d = digests.containsKey(t) ? digests.get(t).hex() : new MuHash().hex();
                    if (s == null) {
                        run.problem("tenant " + t + " has " + n + " rows in the lake but the chain records none: rows were inserted behind lakelog's back");
                    } else if (Long.parseLong(s[0]) != n) {
                        run.problem("tenant " + t + " has " + n + " live rows; the chain (" + s[2] + ") says " + s[0]
                                + ": rows were " + (n < Long.parseLong(s[0]) ? "deleted" : "inserted") + " behind lakelog's back");
                    } else if (!s[1].equals(d)) {
                        run.problem("tenant " + t + ": the digest of its " + n + " live rows differs from the chain's (" + s[2]
                                + "): rows were changed behind lakelog's back");
                    }
                }
                // (6) the ledger
                progress.accept("comparing the rollup ledger with the chain");
                java.util.Set<String> seen = new java.util.HashSet<>();
                try (ResultSet rs = st.executeQuery("SELECT segment_key, tenant_id, digest, row_count FROM " + LakeSchema.LEDGER
                        + tenant.map(t -> " WHERE tenant_id = " + LakeEngine.literal(t)).orElse("") + " ORDER BY segment_key")) {
                    while (rs.next()) {
                        String key = rs.getString(1);
                        Segment s = segments.get(key);
                        seen.add(key);
                        if (s == null) {
                            run.problem("ledger row for segment " + key + " (tenant " + rs.getString(2) + ") was never recorded by the chain");
                        } else if (!s.tenant().equals(rs.getString(2)) || !s.digest().equals(rs.getString(3)) || s.rows() != rs.getLong(4)) {
                            run.problem("ledger row for segment " + key + " was altered: it says tenant " + rs.getString(2) + ", digest "
                                    + rs.getString(3) + ", " + rs.getLong(4) + " rows; " + s.by() + " recorded tenant " + s.tenant()
                                    + ", digest " + s.digest() + ", " + s.rows() + " rows");
                        }
                    }
                }
                for (Map.Entry<String, Segment> s : segments.entrySet()) {
                    if (mine(tenant, s.getValue().tenant()) && !seen.contains(s.getKey())) {
                        run.problem("segment " + s.getKey() + " consumed by " + s.getValue().by() + " is missing from the rollup ledger");
                    }
                }
                // (7) the access trail (AccessLog): each tenant's record chain against the chain's access entries
                progress.accept("checking the access trail");
                long accessRecords = AccessLog.verify(c, tenant, run::problem);
                run.notes.add(accessRecords + " access records checked");
            } finally {
                try {
                    st.execute("ROLLBACK");
                } catch (SQLException ignored) {
                    // read-only
                }
            }
        } catch (SQLException | com.fasterxml.jackson.core.JsonProcessingException e) {
            run.problem("verification could not read the lake: " + engine.redactor().redact(firstLine(e.getMessage())));
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        boolean ok = run.problems.isEmpty();
        return new Report(ok, ok ? null : run.problems.get(0), List.copyOf(run.problems), List.copyOf(run.notes), entries, headSeq,
                run.files, run.bytes, run.rows, ms, engine.anchor().describe());
    }

    private static void checkAnchor(ChainAnchor anchor, Map<Long, String> hashAt, long headSeq, Run run) {
        if (!anchor.present()) {
            run.notes.add("no anchor outside the catalog: " + anchor.describe() + "; the chain was checked against itself only");
            return;
        }
        List<ChainAnchor.Anchored> heads = anchor.read();
        if (heads.isEmpty()) {
            run.problem("the anchor " + anchor.describe() + " holds no signed head: it was emptied or replaced");
            return;
        }
        long last = -1;
        for (ChainAnchor.Anchored a : heads) {
            if (a.problem() != null) {
                run.problem(a.problem());
                continue;
            }
            if (a.seq() > headSeq) {
                run.problem("the anchor (line " + a.line() + ") signed entry " + a.seq() + " but the chain ends at entry " + headSeq
                        + ": entries were removed from the integrity table");
            } else if (!a.chainHash().equals(hashAt.get(a.seq()))) {
                run.problem("entry " + a.seq() + " differs from the head the anchor signed at " + a.at()
                        + ": the integrity table was rewritten after it was anchored");
            }
            if (a.seq() < last) run.problem("the anchor's line " + a.line() + " goes back from entry " + last + " to " + a.seq());
            last = Math.max(last, a.seq());
        }
        if (last >= 0 && last < headSeq) {
            run.notes.add((headSeq - last) + " newest entries are not anchored yet (the anchor's last head is entry " + last + ")");
        }
    }

    private static boolean mine(Optional<String> tenant, String t) {
        return tenant.isEmpty() || tenant.get().equals(t);
    }

    /** The snapshot each chain entry was committed as (from the commits' extra_info). */
    private static Map<Long, Long> snapshotsOfEntries(Connection c) throws SQLException {
        Map<Long, Long> out = new HashMap<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT snapshot_id, "
                + "TRY_CAST(json_extract_string(commit_extra_info, '$.integrity_seq') AS BIGINT), "
                + "json_extract_string(commit_extra_info, '$.integrity_lane') FROM lake.snapshots() "
                + "WHERE commit_extra_info LIKE '%integrity_seq%'")) {
            while (rs.next()) {
                long seq = rs.getLong(2);
                if (!rs.wasNull() && rs.getString(3) == null) out.put(seq, rs.getLong(1));
            }
        }
        return out;
    }

    private static String snapshotWords(Long s) {
        return s == null ? "" : ", snapshot " + s;
    }

    /** The snapshot each lane entry was committed as, by {@code lane#seq} (from the commits' extra_info). */
    private static Map<String, Long> laneSnapshots(Connection c) throws SQLException {
        Map<String, Long> out = new HashMap<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT snapshot_id, "
                + "json_extract_string(commit_extra_info, '$.integrity_lane'), "
                + "TRY_CAST(json_extract_string(commit_extra_info, '$.integrity_seq') AS BIGINT) FROM lake.snapshots() "
                + "WHERE commit_extra_info LIKE '%integrity_lane%'")) {
            while (rs.next()) {
                String lane = rs.getString(2);
                long seq = rs.getLong(3);
                if (lane != null && !rs.wasNull()) out.put(lane + "#" + seq, rs.getLong(1));
            }
        }
        return out;
    }

    private static String firstLine(String s) {
        if (s == null) return "";
        int i = s.indexOf('\n');
        return i < 0 ? s : s.substring(0, i);
    }
}
