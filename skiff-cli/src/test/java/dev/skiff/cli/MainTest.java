package dev.skiff.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.assertj.core.api.Assertions.assertThat;

/** Only the command a command line names is built; help and unknown commands still see them all. */
class MainTest {
    @Test
    void theNamedCommandIsFoundPastSkiffsOwnOptions() {
        assertThat(Main.commandName("-H", "unix:///x.sock", "run", "--rm", "busybox")).isEqualTo("run");
        assertThat(Main.commandName("--host=unix:///x.sock", "ps")).isEqualTo("ps");
        assertThat(Main.commandName("--host", "ps", "images")).isEqualTo("images");
        assertThat(Main.commandName("container", "ls")).isEqualTo("container");
        assertThat(Main.commandName("--help")).isNull();
        assertThat(Main.commandName("help", "run")).isNull();
        assertThat(Main.commandName("rnu")).isNull();
    }

    @Test
    void onlyTheNamedCommandIsBuilt() {
        assertThat(Main.commandLine("-H", "unix:///x.sock", "ps", "-a").getSubcommands().keySet()).containsExactly("ps");
        CommandLine all = Main.commandLine("--help");
        assertThat(new java.util.HashSet<>(all.getSubcommands().values())).hasSize(Main.COMMANDS.size());
    }

    @Test
    void aTypoIsRejectedWithTheListOfAllCommands() {
        StringWriter err = new StringWriter();
        int exit = Main.run(new PrintWriter(err, true), "rnu", "busybox");
        assertThat(exit).isEqualTo(2);
        assertThat(err.toString()).contains("Unmatched arguments from index 0: 'rnu'").contains("  run ").contains("  network ");
    }

    @Test
    void helpOfOneCommandStillWorks() {
        StringWriter err = new StringWriter();
        assertThat(Main.run(new PrintWriter(err, true), "help", "ps")).isZero();
    }
}
