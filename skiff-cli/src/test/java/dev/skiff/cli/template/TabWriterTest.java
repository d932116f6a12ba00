package dev.skiff.cli.template;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Go's text/tabwriter semantics: elastic columns of tab-terminated cells. */
class TabWriterTest {
    @Test
    void columnsEndWhereALineHasNoCellForThem() {
        // The elastic-tabstops example from Go's text/tabwriter documentation.
        String aligned = new TabWriter(5, 0, 1, ' ').align("a\tb\tc\naa\tbb\tcc\naaa\t\naaaa\tdddd\teeee\n");

        assertThat(aligned).isEqualTo("a    b    c\naa   bb   cc\naaa  \naaaa dddd eeee\n");
    }

    @Test
    void dockersWriterPadsByThreeWithAMinimumOfTen() {
        assertThat(TabWriter.docker().align("A\tLONGER-THAN-TEN\tz\nb\tc\tlast")).isEqualTo(
                "A         LONGER-THAN-TEN   z\nb         c                 last");
    }

    @Test
    void wideCharactersTakeTwoCells() {
        assertThat(TabWriter.docker().align("名前\tx\nab\ty\n")).isEqualTo("名前      x\nab        y\n");
    }

    @Test
    void padsWithTabsWhenAskedTo() {
        assertThat(new TabWriter(0, 8, 1, '\t').align("a\tb\nabcdefghi\tc\n")).isEqualTo("a\t\tb\nabcdefghi\tc\n");
    }
}
