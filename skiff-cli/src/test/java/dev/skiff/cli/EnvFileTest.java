package dev.skiff.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** --env-file lines as docker reads them (kvfile): values verbatim, bare names from the host, comments skipped. */
class EnvFileTest {
    private static final Function<String, Optional<String>> HOST = name -> Optional.ofNullable(Map.of("HOME", "/root", "EMPTY", "").get(name));

    @Test
    void readsLinesAsDockerDoes(@TempDir Path tmp) throws Exception {
        Path file = tmp.resolve("env");
        Files.writeString(file, "\uFEFF# a comment\nA=1\n  B=two words  \n\nC=\"quoted\"\nHOME\nUNSET\nEMPTY\nD=x=y\r\n   # indented comment\nE=\n");
        assertThat(EnvFile.read(file, HOST)).containsExactly("A=1", "B=two words  ", "C=\"quoted\"", "HOME=/root", "EMPTY=", "D=x=y", "E=");
    }

    @Test
    void refusesBadNamesAndBytes(@TempDir Path tmp) throws Exception {
        assertThatThrownBy(() -> EnvFile.parse("f", "MY VAR=1\n".getBytes(StandardCharsets.UTF_8), HOST))
                .hasMessage("poorly formatted environment: variable 'MY VAR' contains whitespaces");
        assertThatThrownBy(() -> EnvFile.parse("f", "=1\n".getBytes(StandardCharsets.UTF_8), HOST))
                .hasMessage("poorly formatted environment: no variable name on line '=1'");
        assertThatThrownBy(() -> EnvFile.parse("f", new byte[] {'A', '=', (byte) 0xff, '\n'}, HOST))
                .hasMessage("env file f contains invalid utf8 bytes at line 1");
        assertThatThrownBy(() -> EnvFile.read(tmp.resolve("missing"), HOST)).hasMessageContaining("no such file or directory");
    }

    @Test
    void dashEBareNameTakesTheHostValueOrGoesAsIs() {
        RunOptions o = new RunOptions();
        o.env = java.util.List.of("HOME", "UNSET", "X=1");
        assertThat(o.environment(HOST)).containsExactly("HOME=/root", "UNSET", "X=1");
    }
}
