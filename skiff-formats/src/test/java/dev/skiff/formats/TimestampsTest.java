package dev.skiff.formats;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TimestampsTest {
    private static final Instant NOW = Instant.parse("2026-11-27T21:00:00Z");

    @Test
    void goDurationsCountBackFromNow() {
        assertThat(Timestamps.parse("10m", NOW)).isEqualTo(NOW.minus(Duration.ofMinutes(10)));
        assertThat(Timestamps.parse("1h30m", NOW)).isEqualTo(NOW.minus(Duration.ofMinutes(90)));
        assertThat(Timestamps.parse("1.5s", NOW)).isEqualTo(NOW.minus(Duration.ofMillis(1500)));
        assertThat(Timestamps.parse("250ms", NOW)).isEqualTo(NOW.minus(Duration.ofMillis(250)));
    }

    @Test
    void unixSecondsWithFractionAreTakenAsTheyAre() {
        assertThat(Timestamps.parse("1795814236", NOW)).isEqualTo(Instant.ofEpochSecond(1795814236));
        assertThat(Timestamps.parse("1795814236.578261550", NOW)).isEqualTo(Instant.ofEpochSecond(1795814236, 578261550));
        assertThat(Timestamps.parse("1795814236.5", NOW)).isEqualTo(Instant.ofEpochSecond(1795814236, 500000000));
        assertThat(Timestamps.parse("0", NOW)).isEqualTo(Instant.EPOCH);
        assertThat(Timestamps.unix(Instant.ofEpochSecond(12, 5))).isEqualTo("12.000000005");
    }

    @Test
    void rfc3339DatesAndDateTimes() {
        assertThat(Timestamps.parse("2026-11-27T20:00:00Z", NOW)).isEqualTo(Instant.parse("2026-11-27T20:00:00Z"));
        assertThat(Timestamps.parse("2026-11-27T20:00:00+01:00", NOW)).isEqualTo(Instant.parse("2026-11-27T19:00:00Z"));
        assertThat(Timestamps.parse("2026-11-27T20:00:00.5Z", NOW)).isEqualTo(Instant.parse("2026-11-27T20:00:00.5Z"));
        assertThat(Timestamps.parse("2026-11-27", NOW)).isEqualTo(Instant.parse("2026-11-27T00:00:00Z"));
        assertThat(Timestamps.parse("2026-11-27T20:30", NOW)).isEqualTo(Instant.parse("2026-11-27T20:30:00Z"));
    }

    @Test
    void anythingElseIsRefusedWithDockersMessage() {
        for (String bad : new String[] {"bad", "", "10x", "2026-13-45", "1.2.3", "m"}) {
            assertThatThrownBy(() -> Timestamps.parse(bad, NOW)).as(bad).isInstanceOf(FormatException.class)
                    .hasMessage("failed to parse value as time or duration: \"" + bad + "\"");
        }
    }
}
