package dev.skiff.cli;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What run and create print and return for flags they refuse, before any daemon is asked: the same
 * text and exit code 125 as docker CLI 28 (checked by running it), with skiff's name.
 */
class RunFlagsTest {
    private record Outcome(int exit, String stderr) {
    }

    private static Outcome run(String... args) {
        StringWriter err = new StringWriter();
        String[] all = new String[args.length + 2];
        all[0] = "-H";
        all[1] = "unix:///nonexistent/skiff-test.sock";
        System.arraycopy(args, 0, all, 2, args.length);
        int exit = Main.run(new PrintWriter(err, true), all);
        return new Outcome(exit, err.toString());
    }

    @Test
    void badPortIs125WithDockersText() {
        Outcome o = run("run", "-p", "abc:80", "busybox", "true");
        assertThat(o.exit()).isEqualTo(125);
        assertThat(o.stderr()).isEqualTo("skiff: invalid hostPort: abc\n\nRun 'skiff run --help' for more information\n");
    }

    @Test
    void badMemoryIsAFlagErrorWithUsage() {
        Outcome o = run("run", "-m", "12x", "busybox");
        assertThat(o.exit()).isEqualTo(125);
        assertThat(o.stderr()).isEqualTo("invalid argument \"12x\" for \"-m, --memory\" flag: invalid suffix: 'x'\n\n"
                + "Usage:  skiff run [OPTIONS] IMAGE [COMMAND] [ARG...]\n\nRun 'skiff run --help' for more information\n");
    }

    @Test
    void createAndContainerRunAlsoExit125() {
        assertThat(run("create", "-p", "80/xyz", "busybox").stderr()).startsWith("skiff: invalid proto: xyz");
        Outcome o = run("container", "run", "--restart", "on-failure:x", "busybox");
        assertThat(o.exit()).isEqualTo(125);
        assertThat(o.stderr()).startsWith("skiff: invalid restart policy format: maximum retry count must be an integer\n\n"
                + "Run 'skiff container run --help'");
        assertThat(run("run", "--bogus", "busybox").exit()).isEqualTo(125);
    }

    @Test
    void noDaemonIs125ForRunAnd1ForPs() {
        Outcome r = run("run", "busybox", "true");
        assertThat(r.exit()).isEqualTo(125);
        assertThat(r.stderr()).startsWith("skiff: cannot connect to the skiff daemon");
        Outcome ps = run("ps");
        assertThat(ps.exit()).isEqualTo(1);
        assertThat(ps.stderr()).startsWith("skiff: cannot connect to the skiff daemon");
    }
}
