package dev.lakelog.lake;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lakelog.auth.Tier;
import dev.lakelog.rollup.RollupReport;
import dev.lakelog.rollup.RollupRequest;
import dev.lakelog.testing.LakelogFixture;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The integrity chain on a real local lake: every commit that changes logs is an entry, verify
 * answers ok on a clean lake after rollups, compaction, retention and expiry, and names the first
 * broken link after each kind of tampering behind lakelog's back (docs/integrity.md).
 */
class IntegrityChainTest {
    static final ObjectMapper JSON = new ObjectMapper();
    LakelogFixture fx;
    LakelogFixture.TenantCredentials acme;
    LakelogFixture.TenantCredentials globex;

    @BeforeEach
    void start() {
        fx = LakelogFixture.local();
        acme = fx.createTenant("acme", Tier.PAID);
        globex = fx.createTenant("globex", Tier.PAID);
    }

    @AfterEach
    void stop() {
        fx.close();
    }

    static String event(String id, String day, String retention) {
        return "{\"log_id\":\"" + id + "\",\"timestamp\":\"" + day + "T08:15:30.123456Z\",\"event_type\":\"RECORD_VIEW\","
                + "\"outcome\":\"SUCCESS\",\"severity\":\"NOTICE\",\"actor_id\":\"zoë@example.com\",\"message\":\"患者記録 🩺\","
                + "\"payload\":{\"n\":1},\"policy_tags\":[\"hipaa\",\"gdpr\"]"
                + (retention == null ? "" : ",\"retention_until\":\"" + retention + "\"") + "}";
    }

    void ingest(LakelogFixture.TenantCredentials t, String json) {
        var r = fx.call(LakelogFixture.signedJson(t, "/v1/log", json));
        assertThat(r.status()).as(r.bodyText()).isEqualTo(200);
    }

    RollupReport rollup() {
        RollupReport r = fx.app().rollup().rollup(new RollupRequest("test", Optional.empty(), Duration.ZERO, true));
        assertThat(r.errors()).isEmpty();
        return r;
    }

    /** Two tenants, three rollups on two days, some rows past their retention. */
    void fillLake() {
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < 4; i++) {
                ingest(acme, event("a-" + round + "-" + i, round % 2 == 0 ? "2026-11-20" : "2026-11-21", i == 0 ? "2020-01-01T00:00:00Z" : null));
                ingest(globex, event("g-" + round + "-" + i, "2026-11-20", null));
            }
            rollup();
        }
    }

    IntegrityVerifier.Report verify() {
        return IntegrityVerifier.verify(fx.app().lake(), new IntegrityVerifier.Options(Optional.empty(), Optional.empty()), p -> {});
    }

    List<JsonNode> entries() throws Exception {
        List<JsonNode> out = new ArrayList<>();
        try (Connection c = fx.app().lake().connect(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT entry FROM " + IntegrityChain.CHAIN + " ORDER BY seq")) {
            while (rs.next()) out.add(JSON.readTree(rs.getString(1)));
        }
        return out;
    }

    /** The entries of one tenant's lane, oldest first. */
    List<JsonNode> lane(String tenant) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        try (Connection c = fx.app().lake().connect(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT entry FROM " + IntegrityChain.LANES + " WHERE lane = '" + tenant + "' ORDER BY seq")) {
            while (rs.next()) out.add(JSON.readTree(rs.getString(1)));
        }
        return out;
    }

    void sql(String s) throws Exception {
        try (Connection c = fx.app().lake().connect(); Statement st = c.createStatement()) {
            st.execute(s);
        }
    }

    List<String> dataFiles(String tenant) throws Exception {
        List<String> out = new ArrayList<>();
        try (Connection c = fx.app().lake().connect(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT data_file FROM ducklake_list_files('lake', 'logs') WHERE data_file LIKE '%tenant_id="
                        + tenant + "/%' ORDER BY 1")) {
            while (rs.next()) out.add(rs.getString(1));
        }
        return out;
    }

    Path dataDir() {
        return Path.of(fx.env().get("LAKELOG_DATA_DIR"));
    }

    @Test
    void every_rollup_is_one_entry_of_its_tenants_lane_with_its_segments_files_and_rows_sealed_into_the_lake_chain() throws Exception {
        ingest(acme, event("a1", "2026-11-20", null));
        ingest(acme, event("a2", "2026-11-21", null));
        rollup();
        List<JsonNode> e = entries();
        assertThat(e).extracting(n -> n.path("kind").asText()).containsExactly("genesis", "seal");
        List<JsonNode> lane = lane("acme");
        assertThat(lane).extracting(n -> n.path("kind").asText()).containsExactly("rollup");
        JsonNode r = lane.get(0);
        assertThat(r.path("lane").asText()).isEqualTo("acme");
        assertThat(r.path("seq").asLong()).isZero();
        JsonNode sealed = e.get(1).path("lanes").get(0);
        assertThat(sealed.path("lane").asText()).isEqualTo("acme");
        assertThat(sealed.path("seq").asLong()).isZero();
        try (Connection c = fx.app().lake().connect()) {
            assertThat(sealed.path("chain_hash").asText()).isEqualTo(IntegrityChain.laneHead(c, "acme").chainHash());
        }
        assertThat(r.path("segments")).hasSize(2);
        assertThat(r.path("segments").get(0).path("digest").asText()).startsWith("sha256:");
        assertThat(r.path("files_added")).hasSize(2).allSatisfy(f -> {
            assertThat(f.path("path").asText()).startsWith("main/logs/tenant_id=acme/");
            assertThat(f.path("sha256").asText()).hasSize(64);
            assertThat(f.path("rows").asLong()).isEqualTo(1);
        });
        JsonNode t = r.path("tenants").get(0);
        assertThat(t.path("tenant_id").asText()).isEqualTo("acme");
        assertThat(t.path("rows_added").asLong()).isEqualTo(2);
        assertThat(t.path("live_rows").asLong()).isEqualTo(2);
        for (JsonNode f : r.path("files_added")) {
            Path p = dataDir().resolve("lake").resolve(f.path("path").asText());
            assertThat(CanonicalRow.hex(CanonicalRow.sha256().digest(Files.readAllBytes(p)))).isEqualTo(f.path("sha256").asText());
        }
        assertThat(verify().ok()).isTrue();
    }

    /**
     * The rollup hashes its staged rows while appending and multiplies their product into the
     * tenant's live digest; rows the duplicate filter drops are taken out again. The digest it
     * records is the one of the rows that landed, computed from the lake's rows now.
     */
    @Test
    void a_batch_that_drops_a_repeated_log_id_records_the_live_digest_of_the_rows_that_landed() throws Exception {
        ingest(acme, event("d1", "2026-11-20", null));
        ingest(acme, event("d2", "2026-11-20", null));
        rollup();
        ingest(acme, event("d3", "2026-11-20", null));
        ingest(acme, event("d1", "2026-11-20", null)); // a producer's retry: dropped against the lake
        ingest(acme, event("d4", "2026-11-20", null));
        ingest(acme, event("d4", "2026-11-20", null)); // and within the batch
        RollupReport r = rollup();
        assertThat(r.logsInserted()).isEqualTo(2);
        JsonNode t = lane("acme").get(1).path("tenants").get(0);
        assertThat(t.path("rows_added").asLong()).isEqualTo(2);
        assertThat(t.path("live_rows").asLong()).isEqualTo(4);
        MuHash direct = new MuHash();
        try (Connection c = fx.app().lake().connect(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT " + CanonicalRow.SQL_HASH + " FROM " + LakeSchema.LOGS + " WHERE tenant_id = 'acme'")) {
            int n = 0;
            while (rs.next()) {
                direct.add(CanonicalRow.unhex(rs.getString(1)));
                n++;
            }
            assertThat(n).isEqualTo(4);
        }
        assertThat(t.path("live_digest").asText()).isEqualTo(direct.hex());
        assertThat(verify().ok()).isTrue();
    }

    @Test
    void a_clean_lake_verifies_ok_after_rollups_compaction_retention_and_expiry() throws Exception {
        fillLake();
        assertThat(verify().firstBroken()).isNull();
        var compacted = fx.app().maintenance().compact("test");
        assertThat(compacted.filesMerged()).isPositive();
        var retained = fx.app().maintenance().retention("test", Optional.empty());
        assertThat(retained.rowsRemoved()).isEqualTo(3);
        fx.app().maintenance().expireSnapshots("test", 0);
        fx.app().maintenance().cleanup("test", 0, false);
        ingest(acme, event("late", "2026-11-22", null));
        rollup();
        IntegrityVerifier.Report r = verify();
        assertThat(r.problems()).isEmpty();
        assertThat(r.ok()).isTrue();
        assertThat(entries()).extracting(n -> n.path("kind").asText())
                .containsSubsequence("genesis", "seal", "seal", "seal", "compaction", "retention", "rewrite", "expiry", "seal");
        assertThat(lane("acme")).extracting(n -> n.path("kind").asText()).containsExactly("rollup", "rollup", "rollup", "rollup");
        JsonNode retention = entries().stream().filter(n -> n.path("kind").asText().equals("retention")).findFirst().orElseThrow();
        assertThat(retention.path("tenants").get(0).path("rows_removed").asLong()).isEqualTo(3);
        assertThat(r.rowsHashed()).isPositive();
        assertThat(r.bytesHashed()).isPositive();
        assertThat(r.headSeq()).isEqualTo(entries().size() - 1);
    }

    @Test
    void one_changed_byte_of_a_parquet_file_is_named_by_file_and_tenant() throws Exception {
        fillLake();
        String file = dataFiles("acme").get(0);
        try (RandomAccessFile f = new RandomAccessFile(file, "rw")) {
            f.seek(f.length() / 3);
            int b = f.read();
            f.seek(f.length() / 3);
            f.write(b ^ 0x01);
        }
        IntegrityVerifier.Report r = verify();
        assertThat(r.ok()).isFalse();
        assertThat(r.firstBroken()).contains(IntegrityChain.relative(file)).contains("tenant acme").contains("was altered");
    }

    @Test
    void a_deleted_data_file_is_named() throws Exception {
        fillLake();
        String file = dataFiles("globex").get(0);
        Files.delete(Path.of(file));
        IntegrityVerifier.Report r = verify();
        assertThat(r.ok()).isFalse();
        assertThat(r.firstBroken()).contains(IntegrityChain.relative(file)).contains("tenant globex").contains("cannot be read");
    }

    @Test
    void a_row_deleted_and_a_row_inserted_through_ducklake_sql_are_found() throws Exception {
        fillLake();
        sql("DELETE FROM lake.main.logs WHERE log_id = 'a-1-2'");
        IntegrityVerifier.Report deleted = verify();
        assertThat(deleted.ok()).isFalse();
        assertThat(deleted.firstBroken()).contains("tenant acme").contains("deleted behind lakelog's back");

        sql("INSERT INTO lake.main.logs (tenant_id, log_id, \"timestamp\", ingested_at, archived_at, segment_key) "
                + "VALUES ('globex', 'forged', TIMESTAMPTZ '2026-11-20 09:00:00Z', now(), now(), 'segments/forged')");
        IntegrityVerifier.Report inserted = verify();
        assertThat(inserted.problems()).anySatisfy(p -> assertThat(p).contains("tenant globex").contains("no chain entry added it"));
        assertThat(inserted.problems()).anySatisfy(p -> assertThat(p).contains("tenant globex").contains("inserted behind lakelog's back"));
    }

    @Test
    void an_altered_ledger_row_is_named_by_segment() throws Exception {
        fillLake();
        sql("UPDATE lake.main.rollup_ledger SET digest = 'sha256:" + "0".repeat(64) + "' WHERE segment_key = "
                + "(SELECT min(segment_key) FROM lake.main.rollup_ledger WHERE tenant_id = 'globex')");
        IntegrityVerifier.Report r = verify();
        assertThat(r.ok()).isFalse();
        assertThat(r.firstBroken()).startsWith("ledger row for segment segments/tenant=globex/").contains("was altered");
    }

    @Test
    void an_altered_entry_breaks_the_chain_at_that_entry() throws Exception {
        fillLake();
        sql("UPDATE " + IntegrityChain.LANES + " SET entry = replace(entry, '\"trigger\":\"test\"', '\"trigger\":\"xxxx\"') "
                + "WHERE lane = 'acme' AND seq = 1");
        IntegrityVerifier.Report r = verify();
        assertThat(r.firstBroken()).startsWith("entry 1 of tenant acme's lane (rollup, snapshot ").contains("was altered");
    }

    @Test
    void an_altered_entry_of_the_lake_chain_breaks_it_at_that_entry() throws Exception {
        fillLake();
        sql("UPDATE " + IntegrityChain.CHAIN + " SET entry = replace(entry, '\"kind\":\"seal\"', '\"kind\":\"seal\" ') WHERE seq = 2");
        IntegrityVerifier.Report r = verify();
        assertThat(r.firstBroken()).startsWith("entry 2 (seal, snapshot ").contains("was altered");
    }

    /** A lane rewritten consistently in itself (hashes recomputed) no longer matches the head the lake chain sealed. */
    @Test
    void a_lane_rewritten_after_it_was_sealed_is_caught_by_the_seal() throws Exception {
        fillLake();
        sql("DELETE FROM lake.main.logs WHERE log_id = 'g-2-3'");
        rewriteLaneToMatchTheLake("globex");
        IntegrityVerifier.Report r = verify();
        assertThat(r.problems()).noneMatch(p -> p.contains("behind lakelog's back"));
        assertThat(r.ok()).isFalse();
        assertThat(r.firstBroken()).contains("of tenant globex's lane differs from the head entry").contains("rewritten after it was sealed");
    }

    /**
     * The attacker deletes a row, then rewrites the integrity table so that it agrees with the
     * tampered lake (recomputing the tenant digest and every chain hash): only the anchor tells.
     */
    @Test
    void an_integrity_table_rewritten_consistently_is_caught_by_the_anchor() throws Exception {
        fillLake();
        sql("DELETE FROM lake.main.logs WHERE log_id = 'g-2-3'");
        rewriteChainToMatchTheLake("globex");
        IntegrityVerifier.Report r = verify();
        assertThat(r.problems()).noneMatch(p -> p.contains("behind lakelog's back"));
        assertThat(r.ok()).isFalse();
        assertThat(r.firstBroken()).contains("differs from the head the anchor signed").contains("rewritten");
    }

    @Test
    void a_forged_anchor_signature_is_caught() throws Exception {
        fillLake();
        Path anchor = dataDir().resolve("integrity").resolve(Ed25519FileAnchor.FILE);
        List<String> lines = Files.readAllLines(anchor);
        ObjectNode last = (ObjectNode) JSON.readTree(lines.get(lines.size() - 1));
        last.put("signature", java.util.Base64.getEncoder().encodeToString(new byte[64]));
        lines.set(lines.size() - 1, last.toString());
        Files.write(anchor, lines);
        IntegrityVerifier.Report r = verify();
        assertThat(r.ok()).isFalse();
        assertThat(r.firstBroken()).contains("signature of anchor line " + lines.size()).contains("does not verify");
    }

    @Test
    void the_anchor_key_is_private_to_its_owner_and_every_head_is_signed() throws Exception {
        fillLake();
        Path dir = dataDir().resolve("integrity");
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(Ed25519FileAnchor.PRIVATE_KEY))))
                .isEqualTo("rw-------");
        List<ChainAnchor.Anchored> heads = fx.app().lake().anchor().read();
        assertThat(heads).extracting(ChainAnchor.Anchored::problem).containsOnlyNulls();
        assertThat(heads.get(heads.size() - 1).seq()).isEqualTo(entries().size() - 1);
    }

    /** The tables of lake.main whose names start with {@code prefix}. */
    List<String> tables(String prefix) throws Exception {
        List<String> out = new ArrayList<>();
        try (Connection c = fx.app().lake().connect(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT table_name FROM duckdb_tables() WHERE database_name = 'lake' AND schema_name = 'main' "
                        + "AND starts_with(table_name, '" + prefix + "') ORDER BY 1")) {
            while (rs.next()) out.add("lake.main." + rs.getString(1));
        }
        return out;
    }

    /**
     * The catalog does not grow with the tenants: every tenant's lane head is a row of one of 256
     * head tables picked by its hash, a table is created only by the first commit that needs it,
     * and no table per tenant is made (docs/integrity.md#lanes).
     */
    @Test
    void lane_heads_live_in_at_most_256_tables_however_many_tenants_roll_up() throws Exception {
        java.util.Set<String> all = new java.util.HashSet<>(IntegrityChain.laneHeadTables());
        assertThat(all).hasSize(IntegrityChain.LANE_HEAD_BUCKETS);
        for (int i = 0; i < 100_000; i++) assertThat(all).contains(IntegrityChain.laneHeadTable("tenant-" + i));
        java.util.Set<String> expected = new java.util.TreeSet<>();
        for (int i = 0; i < 24; i++) {
            String id = "many-" + i;
            ingest(fx.createTenant(id, Tier.PAID), event(id + "-1", "2026-11-20", null));
            expected.add(IntegrityChain.laneHeadTable(id));
        }
        expected.add(IntegrityChain.laneHeadTable("acme"));
        ingest(acme, event("a1", "2026-11-20", null));
        rollup();
        assertThat(tables(IntegrityChain.LANE_HEADS_PREFIX)).as("one head table per hash bucket in use").containsExactlyElementsOf(expected);
        assertThat(tables(IntegrityChain.LEGACY_LANE_HEAD_PREFIX)).as("no table per tenant").isEmpty();
        try (Connection c = fx.app().lake().connect(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT count(*), count(DISTINCT lane) FROM " + IntegrityChain.laneHeadTable("acme") + " WHERE lane = 'acme'")) {
            rs.next();
            assertThat(rs.getLong(1)).as("acme's head is one row of its head table").isEqualTo(1);
        }
        assertThat(verify().problems()).isEmpty();
    }

    /**
     * A lake written before the head tables were shared (one table {@code integrity_lane_head_<16
     * hex>} per tenant, its head table of buckets absent) verifies as it is; each tenant's next
     * rollup moves its head into its bucket and drops the old table in the same transaction, and
     * the lake keeps verifying. The old layout is rebuilt here by SQL from a current lake: the same
     * table name, columns and row the earlier release wrote.
     */
    @Test
    void a_lake_with_a_head_table_per_tenant_verifies_and_each_tenants_next_rollup_moves_its_head_into_its_bucket() throws Exception {
        assertThat(IntegrityChain.laneHeadTable("acme")).isNotEqualTo(IntegrityChain.laneHeadTable("globex"));
        fillLake();
        for (String t : List.of("acme", "globex")) {
            String bucket = IntegrityChain.laneHeadTable(t);
            String legacy = IntegrityChain.legacyLaneHeadTable(t);
            try (Connection c = fx.app().lake().connect(); Statement st = c.createStatement()) {
                st.execute("BEGIN TRANSACTION");
                st.execute("CREATE TABLE " + legacy + " (lane VARCHAR NOT NULL, seq BIGINT NOT NULL, chain_hash VARCHAR NOT NULL)");
                st.execute("INSERT INTO " + legacy + " SELECT lane, seq, chain_hash FROM " + bucket + " WHERE lane = '" + t + "'");
                st.execute("DROP TABLE " + bucket); // the old release had no shared head tables (each holds one tenant here)
                st.execute("COMMIT");
            }
        }
        assertThat(tables(IntegrityChain.LANE_HEADS_PREFIX)).isEmpty();
        assertThat(tables(IntegrityChain.LEGACY_LANE_HEAD_PREFIX)).hasSize(2);
        IntegrityVerifier.Report before = verify();
        assertThat(before.problems()).as("the old layout verifies").isEmpty();

        ingest(acme, event("a-after", "2026-11-21", null));
        rollup();
        assertThat(tables(IntegrityChain.LEGACY_LANE_HEAD_PREFIX)).containsExactly(IntegrityChain.legacyLaneHeadTable("globex"));
        assertThat(tables(IntegrityChain.LANE_HEADS_PREFIX)).containsExactly(IntegrityChain.laneHeadTable("acme"));
        try (Connection c = fx.app().lake().connect()) {
            assertThat(IntegrityChain.laneHead(c, "acme").seq()).as("acme's lane continues from its old head").isEqualTo(lane("acme").size() - 1);
            assertThat(IntegrityChain.laneHead(c, "globex").seq()).as("globex's head is read from its old table").isEqualTo(lane("globex").size() - 1);
        }
        assertThat(verify().problems()).isEmpty();

        // the old table of a tenant is not a place to hide a rewrite: a changed head there is named
        sql("UPDATE " + IntegrityChain.legacyLaneHeadTable("globex") + " SET seq = 0");
        assertThat(verify().problems()).anyMatch(p -> p.contains("tenant globex's lane head record (entry 0) does not match its last entry"));
    }

    /** A head row removed from its table (its tenant's fence and the lane's last link) is named. */
    @Test
    void a_removed_lane_head_row_or_fence_row_is_named() throws Exception {
        fillLake();
        sql("DELETE FROM " + IntegrityChain.laneHeadTable("acme") + " WHERE lane = 'acme'");
        assertThat(verify().problems()).anyMatch(p -> p.contains("tenant acme's lane head record (missing) does not match its last entry"));
        sql("DELETE FROM " + IntegrityChain.laneHeadTable("globex") + " WHERE lane = ''");
        assertThat(verify().problems()).anyMatch(p -> p.contains(IntegrityChain.laneHeadTable("globex") + " has 0 fence rows instead of 1"));
    }

    private List<String> rewriteLaneToMatchTheLake(String tenant) throws Exception {
        return ChainTampering.rewriteLaneToMatchTheLake(fx.app().lake(), tenant);
    }

    private void rewriteChainToMatchTheLake(String tenant) throws Exception {
        ChainTampering.rewriteChainToMatchTheLake(fx.app().lake(), tenant);
    }
}
