package dev.skiff.it.daemon;

import dev.skiff.it.support.CommandResult;
import dev.skiff.it.support.SkiffCli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** A client command with no daemon to talk to says so in one line, with how to start one. */
class NoDaemonTest {
    @TempDir
    Path tmp;

    @Test
    void aCommandAgainstNoDaemonSaysHowToStartOne() {
        Path socket = tmp.resolve("none.sock");
        CommandResult r = SkiffCli.run(Duration.ofSeconds(60), "-H", "unix://" + socket, "images");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.stdout()).isEmpty();
        assertThat(r.stderr().strip()).isEqualTo("skiff: cannot connect to the skiff daemon at unix://" + socket
                + ": is it running? Start it with 'sudo skiff daemon -H unix://" + socket + "', or point -H / SKIFF_HOST at a running one");
    }
}
