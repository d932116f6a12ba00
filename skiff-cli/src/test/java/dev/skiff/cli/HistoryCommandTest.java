package dev.skiff.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class HistoryCommandTest {
    @Test
    void ellipsisCutsToTheWidthWithATrailingEllipsis() {
        assertThat(HistoryCommand.ellipsis("short", 45)).isEqualTo("short");
        String fortyFive = "x".repeat(45);
        assertThat(HistoryCommand.ellipsis(fortyFive, 45)).isEqualTo(fortyFive);
        assertThat(HistoryCommand.ellipsis(fortyFive + "y", 45)).isEqualTo("x".repeat(44) + "…");
    }

    @Test
    void eventsPrintAsDockersPrettyLine() throws Exception {
        var event = new ObjectMapper().readTree("{\"status\":\"tag\",\"id\":\"sha256:ab\",\"Type\":\"image\",\"Action\":\"tag\","
                + "\"Actor\":{\"ID\":\"sha256:ab\",\"Attributes\":{\"name\":\"busybox:latest\",\"a\":\"b\"}},\"scope\":\"local\","
                + "\"time\":1795814236,\"timeNano\":1795814236000000005}");
        assertThat(SystemCommands.Events.pretty(event))
                .isEqualTo("2026-11-27T21:17:16.000000005Z image tag sha256:ab (a=b, name=busybox:latest)");
        assertThat(dev.skiff.cli.template.GoTemplate.parse("{{.Status}} {{.ID}} {{.id}} {{.TimeNano}}")
                .execute(SystemCommands.Events.withGoNames(event))).isEqualTo("tag sha256:ab sha256:ab 1795814236000000005");
    }
}
