package dev.lakelog.lake;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lakelog.segment.LogEvent;
import dev.lakelog.segment.Segment;
import dev.lakelog.testing.TestDuckDb;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The exactly-once commit protocol on its own, against a real local DuckLake. */
class RollupCommitTest {
    private LakeEngine lake;

    @BeforeEach
    void open() throws Exception {
        lake = LakeEngine.open(new LakeStorage.Local(Files.createTempDirectory("rollup-commit")),
                new LakeEngine.Settings(TestDuckDb.extensionDirectory(), null, null, null), () -> null, new Redactor());
    }

    @AfterEach
    void close() {
        lake.close();
    }

    static Segment segment(String tenant, String prefix, int n) {
        List<LogEvent> events = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            events.add(new LogEvent(tenant, prefix + i, 1_763_600_000_000_000L + i, "E", "SUCCESS", "INFO", null, null, null,
                    null, null, "m", null, null, null, null, null, null, 1_763_600_000_000_000L));
        }
        return new Segment(1, tenant, 1L, "sha256:" + prefix, events);
    }

    private long count(String sql) throws Exception {
        try (Connection c = lake.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void a_commit_writes_the_rows_their_ledger_rows_and_a_commit_message_in_one_snapshot() throws Exception {
        RollupCommit.Committed done;
        try (Connection c = lake.connect(); RollupCommit stage = RollupCommit.open(c, "acme", "r1", 5L, "test")) {
            stage.add("seg/a", segment("acme", "a", 3));
            stage.add("seg/b", segment("acme", "b", 2));
            assertThat(stage.staged()).isEqualTo(2);
            done = stage.commit();
        }
        assertThat(done.rows()).isEqualTo(5);
        assertThat(done.segments()).isEqualTo(2);
        assertThat(count("SELECT count(*) FROM lake.main.logs WHERE tenant_id = 'acme'")).isEqualTo(5);
        assertThat(count("SELECT count(*) FROM lake.main.rollup_ledger WHERE rollup_id = 'r1' AND trigger = 'test'")).isEqualTo(2);
        assertThat(count("SELECT count(*) FROM lake.snapshots() WHERE snapshot_id = " + done.snapshotId()
                + " AND commit_message = 'rollup trigger=test tenant=acme segments=2 rows=5'")).isEqualTo(1);
    }

    @Test
    void a_segment_already_in_the_ledger_is_dropped_inside_the_transaction_never_inserted_twice() throws Exception {
        try (Connection c = lake.connect(); RollupCommit stage = RollupCommit.open(c, "acme", "r1", 5L, "test")) {
            stage.add("seg/a", segment("acme", "a", 3));
            stage.commit();
        }
        RollupCommit.Committed again;
        try (Connection c = lake.connect(); RollupCommit stage = RollupCommit.open(c, "acme", "r2", 6L, "test")) {
            stage.add("seg/a", segment("acme", "a", 3));
            stage.add("seg/c", segment("acme", "c", 1));
            again = stage.commit();
        }
        assertThat(again.rows()).isEqualTo(1);
        assertThat(again.segments()).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM lake.main.logs")).isEqualTo(4);
        assertThat(count("SELECT count(DISTINCT log_id) FROM lake.main.logs")).isEqualTo(4);
    }

    @Test
    void two_overlapping_commits_of_the_same_segment_end_with_it_once() throws Exception {
        // The first commit pauses inside its transaction; the second commits the same segment
        // meanwhile. The fence makes the first conflict; its retry re-checks the ledger.
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch go = new CountDownLatch(1);
        AtomicReference<RollupCommit.Committed> first = new AtomicReference<>();
        AtomicReference<Throwable> failed = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try (Connection c = lake.connect(); RollupCommit stage = RollupCommit.open(c, "acme", "slow", 5L, "test")) {
                stage.add("seg/a", segment("acme", "a", 3));
                boolean[] once = {true};
                stage.beforeCommit(() -> {
                    if (!once[0]) return;
                    once[0] = false;
                    inside.countDown();
                    try {
                        go.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
                first.set(stage.commit());
            } catch (Throwable e) {
                failed.set(e);
            }
        });
        t.start();
        assertThat(inside.await(30, TimeUnit.SECONDS)).isTrue();
        RollupCommit.Committed second;
        try (Connection c = lake.connect(); RollupCommit stage = RollupCommit.open(c, "acme", "fast", 6L, "test")) {
            stage.add("seg/a", segment("acme", "a", 3));
            second = stage.commit();
        }
        go.countDown();
        t.join(60_000);
        assertThat(failed.get()).isNull();
        assertThat(second.rows() + first.get().rows()).isEqualTo(3);
        assertThat(count("SELECT count(*) FROM lake.main.logs")).isEqualTo(3);
        assertThat(count("SELECT count(*) FROM lake.main.rollup_ledger")).isEqualTo(1);
    }

    @Test
    void closing_without_commit_leaves_nothing_behind() throws Exception {
        try (Connection c = lake.connect()) {
            try (RollupCommit stage = RollupCommit.open(c, "acme", "r1", 5L, "test")) {
                stage.add("seg/a", segment("acme", "a", 3));
            }
            try (Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE 'rollup_stage%'")) {
                rs.next();
                assertThat(rs.getLong(1)).isZero();
            }
        }
        assertThat(count("SELECT count(*) FROM lake.main.logs")).isZero();
    }
}
