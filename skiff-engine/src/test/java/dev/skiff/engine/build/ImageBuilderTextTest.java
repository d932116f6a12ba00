package dev.skiff.engine.build;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The texts the classic builder writes into history (Go's formats) and EXPOSE's port specs. */
class ImageBuilderTextTest {
    @Test
    void durationsAreWrittenAsGoWritesThem() {
        assertThat(ImageBuilder.goDuration(Duration.ZERO)).isEqualTo("0s");
        assertThat(ImageBuilder.goDuration(Duration.ofSeconds(5))).isEqualTo("5s");
        assertThat(ImageBuilder.goDuration(Duration.ofMillis(1500))).isEqualTo("1.5s");
        assertThat(ImageBuilder.goDuration(Duration.ofMillis(500))).isEqualTo("500ms");
        assertThat(ImageBuilder.goDuration(Duration.ofSeconds(90))).isEqualTo("1m30s");
        assertThat(ImageBuilder.goDuration(Duration.ofHours(1))).isEqualTo("1h0m0s");
    }

    @Test
    void commandsAreQuotedAsGosPercentQ() {
        assertThat(ImageBuilder.goQuoted(List.of("httpd", "-f", "say \"hi\"\n"))).isEqualTo("[\"httpd\" \"-f\" \"say \\\"hi\\\"\\n\"]");
        assertThat(ImageBuilder.goQuoted(List.of())).isEqualTo("[]");
    }

    @Test
    void exposeTakesPortsRangesAndProtocolsAndRefusesNonsense() {
        assertThat(ImageBuilder.ports("80")).containsExactly("80/tcp");
        assertThat(ImageBuilder.ports("53/UDP")).containsExactly("53/udp");
        assertThat(ImageBuilder.ports("8000-8002/tcp")).containsExactly("8000/tcp", "8001/tcp", "8002/tcp");
        assertThatThrownBy(() -> ImageBuilder.ports("80/xyz")).hasMessageContaining("invalid proto: xyz");
        assertThatThrownBy(() -> ImageBuilder.ports("http")).hasMessageContaining("invalid containerPort: http");
    }

    @Test
    void sourcesAreCleanedToContextPaths() {
        assertThat(CopySources.clean("/a/./b/")).isEqualTo("a/b");
        assertThat(CopySources.clean(".")).isEqualTo(".");
        assertThat(CopySources.clean("a/../../x")).isEqualTo("../x");
        assertThat(ImageBuilder.normalize("/app/../x/.")).isEqualTo("/x");
    }
}
