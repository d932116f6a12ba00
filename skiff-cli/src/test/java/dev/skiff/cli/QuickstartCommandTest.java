package dev.skiff.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** quickstart's bad input, refused before it touches the host; its end-to-end test is skiff-it's QuickstartTest. */
class QuickstartCommandTest {
    @TempDir
    Path tmp;

    private String refused(String... args) {
        StringWriter err = new StringWriter();
        int exit = Main.run(new PrintWriter(err, true), args);
        assertThat(exit).isEqualTo(1);
        assertThat(err.toString()).startsWith("skiff: ").doesNotContain("\tat ", "Exception");
        assertThat(err.toString().strip().lines()).hasSize(1);
        return err.toString();
    }

    @Test
    void aTcpHostIsRefused() {
        assertThat(refused("quickstart", "--dir", tmp.resolve("qs").toString(), "-H", "tcp://127.0.0.1:2375"))
                .contains("give -H unix:///PATH, not tcp://127.0.0.1:2375");
        assertThat(tmp.resolve("qs")).doesNotExist();
    }

    @Test
    void aPortOutOfRangeIsRefused() {
        assertThat(refused("quickstart", "--dir", tmp.resolve("qs").toString(), "--app-port", "70000"))
                .contains("--app-port and --registry-port must be from 1 to 65535");
        assertThat(refused("quickstart", "--dir", tmp.resolve("qs").toString(), "--registry-port", "0"))
                .contains("--app-port and --registry-port must be from 1 to 65535");
    }

    @Test
    void notRootStopsAtTheFirstStepWithOneSentenceAndStartsNothing() {
        java.io.ByteArrayOutputStream stderr = new java.io.ByteArrayOutputStream();
        java.io.PrintStream saved = System.err;
        java.util.function.BooleanSupplier root = QuickstartCommand.runsAsRoot;
        QuickstartCommand.runsAsRoot = () -> false;
        System.setErr(new java.io.PrintStream(stderr, true, java.nio.charset.StandardCharsets.UTF_8));
        int exit;
        try {
            exit = Main.run(new PrintWriter(new StringWriter(), true), "quickstart", "--dir", tmp.resolve("qs").toString(),
                    "-H", "unix://" + tmp.resolve("skiff.sock"), "--base-image-tar", tmp.resolve("base.tar").toString());
        } finally {
            System.setErr(saved);
            QuickstartCommand.runsAsRoot = root;
        }
        assertThat(exit).isEqualTo(1);
        assertThat(stderr.toString(java.nio.charset.StandardCharsets.UTF_8).strip()).isEqualTo("skiff quickstart: quickstart must run as root"
                + " (it starts a daemon that mounts file systems and makes network interfaces): run `sudo ./skiff quickstart`");
        assertThat(tmp.resolve("qs")).as("nothing made").doesNotExist();
        assertThat(tmp.resolve("skiff.sock")).as("no daemon").doesNotExist();
    }

    @Test
    void theSubnetPrefixNamesTheSubnetInFirewallRules() {
        assertThat(QuickstartCommand.subnetPrefix("10.86.0.1/16")).isEqualTo("10.86.");
        assertThat(QuickstartCommand.subnetPrefix("10.207.0.1/24")).isEqualTo("10.207.0.");
    }
}
