package dev.lakelog.lake;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lakelog.segment.LogEvent;
import dev.lakelog.segment.Segment;
import dev.lakelog.testing.TestDuckDb;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The canonical row hash, the row Merkle tree and the live-row multiset digest, defined once (docs/integrity.md). */
class CanonicalRowTest {

    static final LogEvent RICH = new LogEvent("acme", "evt-1", 1_763_626_530_123_456L, "RECORD_VIEW", "SUCCESS", "NOTICE", "CONFIDENTIAL",
            "zoë@example.com", "records-api", "production", "/patients/42", "Dossier consulté — 患者記録 🩺", "{\"n\":1}",
            List.of("hipaa", ""), "sess", "req", "2001:db8::1", 2_016_000_000_000_000L, 1_763_626_531_000_000L,
            "0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331");

    @Test
    void the_hash_from_the_event_equals_the_hash_from_its_parquet_row() throws Exception {
        try (LakeEngine lake = LakeEngine.open(new LakeStorage.Local(Files.createTempDirectory("canonical")),
                new LakeEngine.Settings(TestDuckDb.extensionDirectory(), null, null, null), () -> null, new Redactor())) {
            LogEvent sparse = new LogEvent("acme", "evt-2", 1_763_626_530_000_001L, "E", "FAILURE", "ERROR", null, null, null, null,
                    null, null, null, null, null, null, null, null, 1_763_626_531_000_000L);
            try (Connection c = lake.connect(); RollupCommit stage = RollupCommit.open(c, "acme", "r1", 1_763_626_600_000_000L, "test")) {
                stage.add("segments/k1", new Segment(1, "acme", 1L, "sha256:x", List.of(RICH, sparse)));
                stage.commit();
            }
            List<String> fromParquet = new ArrayList<>();
            try (Connection c = lake.connect(); Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("SELECT " + CanonicalRow.SELECT_LIST + " FROM lake.main.logs ORDER BY log_id")) {
                while (rs.next()) fromParquet.add(CanonicalRow.hex(CanonicalRow.hash(rs, 1)));
            }
            List<String> fromSql = new ArrayList<>();
            try (Connection c = lake.connect(); Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("SELECT " + CanonicalRow.SQL_HASH + " FROM lake.main.logs ORDER BY log_id")) {
                while (rs.next()) fromSql.add(rs.getString(1));
            }
            assertThat(fromSql).isEqualTo(fromParquet);
            assertThat(fromParquet).containsExactly(
                    CanonicalRow.hex(CanonicalRow.hash(RICH, 1_763_626_600_000_000L, "segments/k1")),
                    CanonicalRow.hex(CanonicalRow.hash(sparse, 1_763_626_600_000_000L, "segments/k1")));
        }
    }

    @Test
    void duckdb_computes_the_same_hash_for_edge_values() throws Exception {
        try (java.sql.Connection c = TestDuckDb.open(); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE t (" + LakeSchema.LOGS_COLUMNS + ")");
            st.execute("INSERT INTO t VALUES ('', 'x', make_timestamptz(-1), 'é', NULL, NULL, NULL, NULL, NULL, NULL, NULL, '🩺', NULL, "
                    + "[]::VARCHAR[], NULL, NULL, NULL, make_timestamptz(-62135596800000000), make_timestamptz(0), make_timestamptz(253402300799999999), 's', NULL, NULL)");
            st.execute("INSERT INTO t VALUES ('t', 'y', make_timestamptz(1), NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, "
                    + "['a', NULL, ''], NULL, NULL, NULL, NULL, make_timestamptz(0), make_timestamptz(0), 's', NULL, NULL)");
            try (ResultSet rs = st.executeQuery("SELECT " + CanonicalRow.SQL_HASH + ", " + CanonicalRow.SELECT_LIST + " FROM t")) {
                int n = 0;
                while (rs.next()) {
                    assertThat(rs.getString(1)).isEqualTo(CanonicalRow.hex(CanonicalRow.hash(rs, 2)));
                    n++;
                }
                assertThat(n).isEqualTo(2);
            }
        }
    }

    @Test
    void the_canonical_bytes_follow_the_documented_layout() {
        Object[] v = new Object[23];
        v[0] = "a";
        v[2] = 1L;
        v[13] = List.of("x");
        byte[] b = CanonicalRow.bytes(v);
        String expected = HexFormat.of().formatHex("lakelog.row.v1".getBytes(StandardCharsets.US_ASCII))
                + "0100000001" + "61"          // tenant_id 'a'
                + "00"                          // log_id NULL
                + "020000000000000001"          // timestamp 1 us
                + "00".repeat(10)               // event_type .. payload NULL
                + "03" + "00000001" + "0100000001" + "78" // policy_tags ['x']
                + "00".repeat(9);               // session_id .. span_id NULL
        assertThat(HexFormat.of().formatHex(b)).isEqualTo(expected);
    }

    @Test
    void the_merkle_root_does_not_depend_on_row_order_and_a_path_leads_to_it() {
        List<byte[]> rows = new ArrayList<>();
        for (int i = 0; i < 7; i++) rows.add(CanonicalRow.sha256().digest(new byte[] {(byte) i}));
        List<byte[]> reversed = new ArrayList<>(rows);
        java.util.Collections.reverse(reversed);
        byte[] root = Merkle.root(new ArrayList<>(rows));
        assertThat(Merkle.root(reversed)).isEqualTo(root);
        List<byte[]> sorted = new ArrayList<>(rows);
        sorted.sort(CanonicalRow::compare);
        for (int i = 0; i < sorted.size(); i++) {
            byte[] h = Merkle.leaf(sorted.get(i));
            for (Merkle.Step s : Merkle.path(sorted, i)) h = s.left() ? Merkle.parent(s.sibling(), h) : Merkle.parent(h, s.sibling());
            assertThat(h).as("leaf " + i).isEqualTo(root);
        }
        assertThat(Merkle.root(new ArrayList<>())).isEqualTo(CanonicalRow.sha256().digest());
    }

    @Test
    void the_live_digest_of_a_multiset_is_the_same_however_rows_were_added_and_removed() {
        byte[] a = CanonicalRow.sha256().digest("a".getBytes());
        byte[] b = CanonicalRow.sha256().digest("b".getBytes());
        byte[] c = CanonicalRow.sha256().digest("c".getBytes());
        MuHash direct = new MuHash();
        direct.add(a);
        direct.add(c);
        MuHash history = new MuHash();
        history.add(c);
        history.add(b);
        history.add(a);
        MuHash later = MuHash.ofHex(history.hex());
        later.remove(b);
        assertThat(later.hex()).isEqualTo(direct.hex()).hasSize(768);
        MuHash other = new MuHash();
        other.add(a);
        other.add(b);
        assertThat(other.hex()).isNotEqualTo(direct.hex());
    }
}
