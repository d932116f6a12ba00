package dev.skiff.cli;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Memory sizes (go-units RAMInBytes), Go durations and --cpus, with docker's messages. */
class UnitsTest {
    @Test
    void memoryTakesDockersBinaryUnits() {
        assertThat(Units.ramInBytes("512")).isEqualTo(512);
        assertThat(Units.ramInBytes("10b")).isEqualTo(10);
        assertThat(Units.ramInBytes("64k")).isEqualTo(64 * 1024);
        assertThat(Units.ramInBytes("512m")).isEqualTo(512L * 1024 * 1024);
        assertThat(Units.ramInBytes("512M")).isEqualTo(512L * 1024 * 1024);
        assertThat(Units.ramInBytes("1g")).isEqualTo(1L << 30);
        assertThat(Units.ramInBytes("1GB")).isEqualTo(1L << 30);
        assertThat(Units.ramInBytes("1GiB")).isEqualTo(1L << 30);
        assertThat(Units.ramInBytes("1.5g")).isEqualTo(3L << 29);
        assertThat(Units.ramInBytes("2 m")).isEqualTo(2L << 20);
    }

    @Test
    void badMemoryValuesAreRefusedInDockersWords() {
        assertThatThrownBy(() -> Units.ramInBytes("12x")).hasMessage("invalid suffix: 'x'");
        assertThatThrownBy(() -> Units.ramInBytes("-1")).hasMessage("invalid size: '-1'");
        assertThatThrownBy(() -> Units.ramInBytes("m")).hasMessage("invalid size: 'm'");
        assertThatThrownBy(() -> Units.ramInBytes("1bb")).hasMessage("invalid suffix: 'bb'");
        assertThatThrownBy(() -> Units.ramInBytes("1mx")).hasMessage("invalid suffix: 'mx'");
        assertThatThrownBy(() -> Units.ramInBytes("1kibb")).hasMessage("invalid suffix: 'kibb'");
    }

    @Test
    void goDurations() {
        assertThat(Units.goDurationNanos("30s")).isEqualTo(30_000_000_000L);
        assertThat(Units.goDurationNanos("1m30s")).isEqualTo(90_000_000_000L);
        assertThat(Units.goDurationNanos("500ms")).isEqualTo(500_000_000L);
        assertThat(Units.goDurationNanos("1.5h")).isEqualTo(5_400_000_000_000L);
        assertThat(Units.goDurationNanos("0")).isZero();
        assertThatThrownBy(() -> Units.goDurationNanos("10")).hasMessage("time: invalid duration \"10\"");
        assertThatThrownBy(() -> Units.goDurationNanos("5x")).hasMessage("time: invalid duration \"5x\"");
    }

    @Test
    void cpusAreNanoCpus() {
        assertThat(Units.nanoCpus("1.5")).isEqualTo(1_500_000_000L);
        assertThat(Units.nanoCpus("2")).isEqualTo(2_000_000_000L);
        assertThatThrownBy(() -> Units.nanoCpus("abc")).hasMessage("failed to parse abc as a rational number");
    }
}
