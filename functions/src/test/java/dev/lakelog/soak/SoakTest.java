package dev.lakelog.soak;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The soak's short version: about a minute under load with two SIGKILLs (docs/benchmarks.md has a 10-minute run). */
class SoakTest {
    @Test
    void a_minute_under_load_with_two_kills_loses_nothing_and_doubles_nothing() throws Exception {
        Soak.Result r = new Soak(Duration.ofSeconds(Long.getLong("soak.test.seconds", 60)), 2).run();
        System.out.println(r.table());
        assertThat(r.kills()).isEqualTo(2);
        assertThat(r.acknowledged()).isPositive();
        assertThat(r.lost()).as("acknowledged events missing from the lake").isZero();
        assertThat(r.inLake()).isEqualTo(r.acknowledged());
        assertThat(r.doubled()).as("log_ids in the lake twice").isZero();
        assertThat(r.otlpInLake()).isEqualTo(r.otlpAcknowledged());
        assertThat(r.serverErrorsWhileUp()).as("5xx while the server was up").isZero();
        assertThat(r.unreferencedFiles()).as("files the lake does not reference after cleanup").isZero();
        assertThat(r.memoryWithinBounds()).as("heap %d MB, RSS %d MB", r.maxHeapBytes() >> 20, r.maxRssBytes() >> 20).isTrue();
    }
}
