package dev.skiff.cli;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** The figures docker prints (go-units), checked against docker's own output. */
class HumanizeTest {
    @Test
    void sizesHaveThreeSignificantDigitsAndDecimalUnits() {
        assertThat(Humanize.size(1982563)).isEqualTo("1.98MB");
        assertThat(Humanize.size(1982333)).isEqualTo("1.98MB");
        assertThat(Humanize.size(999)).isEqualTo("999B");
        assertThat(Humanize.size(5_000_000)).isEqualTo("5MB");
        assertThat(Humanize.size(77_800_000_000L)).isEqualTo("77.8GB");
        assertThat(Humanize.size(0)).isEqualTo("0B");
    }

    @Test
    void agesReadLikeDockers() {
        assertThat(Humanize.ago(Duration.ofMillis(300))).isEqualTo("Less than a second ago");
        assertThat(Humanize.ago(Duration.ofSeconds(1))).isEqualTo("1 second ago");
        assertThat(Humanize.ago(Duration.ofSeconds(40))).isEqualTo("40 seconds ago");
        assertThat(Humanize.ago(Duration.ofSeconds(90))).isEqualTo("About a minute ago");
        assertThat(Humanize.ago(Duration.ofMinutes(5))).isEqualTo("5 minutes ago");
        assertThat(Humanize.ago(Duration.ofMinutes(61))).isEqualTo("About an hour ago");
        assertThat(Humanize.ago(Duration.ofHours(30))).isEqualTo("30 hours ago");
        assertThat(Humanize.ago(Duration.ofDays(3))).isEqualTo("3 days ago");
        assertThat(Humanize.ago(Duration.ofDays(20))).isEqualTo("2 weeks ago");
        assertThat(Humanize.ago(Duration.ofDays(90))).isEqualTo("3 months ago");
        assertThat(Humanize.ago(Duration.ofDays(800))).isEqualTo("2 years ago");
    }
}
