package dev.skiff.registry.web;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

class PageFiltersTest {
    @Test
    void sizesInDecimalUnitsAsDockerShowsThem() {
        assertThat(PageFilters.bytes(0)).isEqualTo("0 B");
        assertThat(PageFilters.bytes(999)).isEqualTo("999 B");
        assertThat(PageFilters.bytes(1000)).isEqualTo("1.0 kB");
        assertThat(PageFilters.bytes(1_440_000)).isEqualTo("1.4 MB");
        assertThat(PageFilters.bytes(734_000_000)).isEqualTo("734 MB");
        assertThat(PageFilters.bytes(2_000_000_000_000L)).isEqualTo("2.0 TB");
    }

    @Test
    void relativeDates() {
        Instant now = Instant.parse("2026-06-01T12:00:00Z");
        assertThat(PageFilters.ago(now.minusSeconds(5), now)).isEqualTo("just now");
        assertThat(PageFilters.ago(now.minus(Duration.ofMinutes(1)), now)).isEqualTo("1 minute ago");
        assertThat(PageFilters.ago(now.minus(Duration.ofHours(3)), now)).isEqualTo("3 hours ago");
        assertThat(PageFilters.ago(now.minus(Duration.ofDays(2)), now)).isEqualTo("2 days ago");
        assertThat(PageFilters.ago(now.minus(Duration.ofDays(65)), now)).isEqualTo("2 months ago");
        assertThat(PageFilters.ago(now.minus(Duration.ofDays(800)), now)).isEqualTo("2 years ago");
        assertThat(PageFilters.ago(now.plusSeconds(600), now)).isEqualTo("in the future");
    }

    @Test
    void shortDigestKeepsTheAlgorithmAndTwelveHexDigits() {
        assertThat(PageFilters.shortDigest("sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"))
                .isEqualTo("sha256:9f86d081884c");
        assertThat(PageFilters.shortDigest("short")).isEqualTo("short");
    }
}
