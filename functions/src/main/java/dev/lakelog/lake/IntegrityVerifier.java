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

    private record LiveFile(String tenant, long size, String sha256, long rows, String rowsRoot, long seq) {}

    private record Segment(String tenant, String digest, long rows, long seq) {}

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
                // (1) the chain
                progress.accept("checking the chain");
                String prev = IntegrityChain.ZERO;
                long expectSeq = 0;
                try (ResultSet rs = st.executeQuery("SELECT seq, kind, entry, prev_hash, chain_hash FROM " + IntegrityChain.CHAIN + " ORDER BY seq")) {
                    while (rs.next()) {
                        entries++;
                        long seq = rs.getLong(1);
                        String kind = rs.getString(2);
                        String text = rs.getString(3);
                        String where = "entry " + seq + " (" + kind + snapshotWords(snapshotOfSeq, seq) + ")";
                        if (seq != expectSeq) {
                            run.problem("the chain skips from entry " + (expectSeq - 1) + " to entry " + seq + ": entries were removed");
                        }
                        if (!prev.equals(rs.getString(4))) {
                            run.problem(where + " does not link to the entry before it: its previous hash differs from that entry's chain hash");
                        }
                        if (!IntegrityChain.link(rs.getString(4), text).equals(rs.getString(5))) {
                            run.problem(where + " was altered: its chain hash does not match its content");
                        }
                        prev = rs.getString(5);
                        hashAt.put(seq, prev);
                        headSeq = seq;
                        expectSeq = seq + 1;
                        JsonNode e = IntegrityChain.JSON.readTree(text);
                        if (e.path("seq").asLong(-1) != seq || !kind.equals(e.path("kind").asText())) {
                            run.problem(where + " was altered: its sequence number or kind differs from its content");
                        }
                        for (JsonNode f : e.path("files_removed")) {
                            String path = f.path("path").asText();
                            LiveFile was = live.remove(path);
                            if (was == null) {
                                run.problem(where + " removed data file " + path + ", which no earlier entry added");
                            } else if (!was.sha256().equals(f.path("sha256").asText()) && mine(tenant, was.tenant())) {
                                run.problem(where + " removed data file " + path + " of tenant " + was.tenant()
                                        + " whose SHA-256 then differed from the one recorded when entry " + was.seq()
                                        + " added it: the file was altered before that commit");
                            }
                        }
                        for (JsonNode f : e.path("files_added")) {
                            live.put(f.path("path").asText(), new LiveFile(f.path("tenant_id").asText(null), f.path("size").asLong(),
                                    f.path("sha256").asText(), f.path("rows").asLong(), f.path("rows_root").asText(), seq));
                        }
                        for (JsonNode t : e.path("tenants")) {
                            tenantState.put(t.path("tenant_id").asText(), new String[] {t.path("live_rows").asText(),
                                t.path("live_digest").asText(), Long.toString(seq)});
                        }
                        for (JsonNode s : e.path("segments")) {
                            String key = s.path("segment_key").asText();
                            Segment before = segments.put(key, new Segment(s.path("tenant_id").asText(), s.path("digest").asText(),
                                    s.path("rows").asLong(), seq));
                            if (before != null && mine(tenant, before.tenant())) {
                                run.problem(where + " consumed segment " + key + " again (entry " + before.seq() + " consumed it already)");
                            }
                        }
                    }
                }
                if (entries == 0) run.problem("the integrity chain is empty: the integrity table was emptied or replaced");
                IntegrityChain.Head head = IntegrityChain.head(c);
                if (head == null || head.seq() != headSeq || !head.chainHash().equals(prev)) {
                    run.problem("the chain's head record (" + (head == null ? "missing" : "entry " + head.seq())
                            + ") does not match its last entry (" + headSeq + ")");
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
                                + " bytes in the catalog, entry " + rec.seq() + " recorded " + rec.size());
                    }
                }
                for (Map.Entry<String, LiveFile> f : live.entrySet()) {
                    if (!mine(tenant, f.getValue().tenant())) continue;
                    if (!absolute.containsKey(f.getKey())) {
                        run.problem("data file " + f.getKey() + " (tenant " + f.getValue().tenant() + "), added by entry "
                                + f.getValue().seq() + ", is no longer referenced by the catalog");
                    }
                }
                // (4) re-hash the files and their rows
                List<String> toHash = new ArrayList<>();
                for (Map.Entry<String, LiveFile> f : live.entrySet()) {
                    if (!mine(tenant, f.getValue().tenant()) || !absolute.containsKey(f.getKey())) continue;
                    if (opt.sinceSnapshot().isPresent()) {
                        Long snap = snapshotOfSeq.get(f.getValue().seq());
                        if (snap != null && snap < opt.sinceSnapshot().get()) continue;
                    }
                    toHash.add(f.getKey());
                }
                int done = 0;
                for (String rel : toHash) {
                    LiveFile rec = live.get(rel);
                    String abs = absolute.get(rel);
                    String label = "data file " + rel + " (tenant " + rec.tenant() + ", added by entry " + rec.seq()
                            + snapshotWords(snapshotOfSeq, rec.seq()) + ")";
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
                        run.problem("tenant " + t + " has " + n + " live rows; the chain (entry " + s[2] + ") says " + s[0]
                                + ": rows were " + (n < Long.parseLong(s[0]) ? "deleted" : "inserted") + " behind lakelog's back");
                    } else if (!s[1].equals(d)) {
                        run.problem("tenant " + t + ": the digest of its " + n + " live rows differs from the chain's (entry " + s[2]
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
                                    + rs.getString(3) + ", " + rs.getLong(4) + " rows; entry " + s.seq() + " recorded tenant " + s.tenant()
                                    + ", digest " + s.digest() + ", " + s.rows() + " rows");
                        }
                    }
                }
                for (Map.Entry<String, Segment> s : segments.entrySet()) {
                    if (mine(tenant, s.getValue().tenant()) && !seen.contains(s.getKey())) {
                        run.problem("segment " + s.getKey() + " consumed by entry " + s.getValue().seq() + " is missing from the rollup ledger");
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
                + "TRY_CAST(json_extract_string(commit_extra_info, '$.integrity_seq') AS BIGINT) FROM lake.snapshots() "
                + "WHERE commit_extra_info LIKE '%integrity_seq%'")) {
            while (rs.next()) {
                long seq = rs.getLong(2);
                if (!rs.wasNull()) out.put(seq, rs.getLong(1));
            }
        }
        return out;
    }

    private static String snapshotWords(Map<Long, Long> snapshotOfSeq, long seq) {
        Long s = snapshotOfSeq.get(seq);
        return s == null ? "" : ", snapshot " + s;
    }

    private static String firstLine(String s) {
        if (s == null) return "";
        int i = s.indexOf('\n');
        return i < 0 ? s : s.substring(0, i);
    }
}
