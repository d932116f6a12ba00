package dev.skiff.it.containers;

import dev.skiff.it.support.CommandResult;
import dev.skiff.it.support.ExternalCommand;
import dev.skiff.it.support.Layer;
import dev.skiff.it.support.OnTerminal;
import dev.skiff.it.support.RequiredTool;
import dev.skiff.it.support.Tar;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code docker exec} with the real docker CLI against a real skiff daemon: output, exit codes,
 * {@code -e}/{@code -u}/{@code -w}, stdin, a real terminal under a pty, {@code -d}, privileged, and
 * docker's errors for a stopped container and a command that does not exist.
 */
class ExecTest {
    private static final String IMAGE = "skiff-it/exec-busybox:1";

    @TempDir
    static Path tmp;

    private static ContainerDaemon daemon;
    private static String container;

    @BeforeAll
    static void startDaemonAndContainer() throws IOException {
        daemon = ContainerDaemon.start(tmp);
        Path tar = tmp.resolve("busybox.tar");
        Tar rootfs = new Tar().directory("bin").directory("etc").directory("tmp")
                .file("bin/busybox", Files.readAllBytes(RequiredTool.BUSYBOX.path().toRealPath()), 0755)
                .file("etc/passwd", "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n".getBytes(), 0644)
                .file("etc/group", "root:x:0:\nnogroup:x:65534:\n".getBytes(), 0644);
        for (String applet : List.of("sh", "sleep", "echo", "cat", "id", "true", "grep", "tty", "pwd", "env", "stty", "mv")) {
            rootfs.symlink("bin/" + applet, "busybox");
        }
        Files.write(tar, Layer.of(rootfs).tar());
        daemon.docker("import", "-c", "ENV FROM_IMAGE=yes", tar.toString(), IMAGE).assertSuccess();
        container = daemon.docker("run", "-d", IMAGE, "sleep", "600").assertSuccess().stdout().strip();
    }

    @AfterAll
    static void stop() {
        if (daemon != null) {
            daemon.close();
        }
        // no exec monitor may outlive the test
        CommandResult ps = ExternalCommand.of("ps", "-eo", "pid,args").run();
        assertThat(ps.stdout().lines().filter(l -> l.contains("conmon") && l.contains(tmp.toString())).toList()).isEmpty();
    }

    @Test
    void outputAndExitCodesReachTheCli() {
        CommandResult hi = daemon.docker("exec", container, "echo", "hi").assertSuccess();
        assertThat(hi.stdout()).isEqualTo("hi\n");

        CommandResult seven = daemon.docker("exec", container, "sh", "-c", "echo out; echo err >&2; exit 7");
        assertThat(seven.exitCode()).isEqualTo(7);
        assertThat(seven.stdout()).isEqualTo("out\n");
        assertThat(seven.stderr()).isEqualTo("err\n");

        // the exit code is there for the CLI's inspect the moment the stream closes, every time
        for (int i = 0; i < 5; i++) {
            assertThat(daemon.docker("exec", container, "sh", "-c", "exit " + (i + 1)).exitCode()).isEqualTo(i + 1);
        }
    }

    @Test
    void envUserAndWorkdirApplyOnTopOfTheContainers() {
        assertThat(daemon.docker("exec", "-e", "A=b", container, "sh", "-c", "echo $A $FROM_IMAGE").assertSuccess().stdout())
                .isEqualTo("b yes\n");
        assertThat(daemon.docker("exec", "-u", "1000", container, "id", "-u").assertSuccess().stdout()).isEqualTo("1000\n");
        assertThat(daemon.docker("exec", "-u", "nobody", container, "id").assertSuccess().stdout())
                .startsWith("uid=65534(nobody) gid=65534(nogroup)");
        assertThat(daemon.docker("exec", container, "id", "-u").assertSuccess().stdout()).isEqualTo("0\n");
        assertThat(daemon.docker("exec", "-w", "/tmp", container, "pwd").assertSuccess().stdout()).isEqualTo("/tmp\n");
        assertThat(daemon.docker("exec", container, "pwd").assertSuccess().stdout()).isEqualTo("/\n");
    }

    @Test
    void stdinReachesTheProcessAndItsEndEndsIt() {
        CommandResult cat = docker("data\nmore\n", "exec", "-i", container, "cat");
        assertThat(cat.exitCode()).as(cat.output()).isZero();
        assertThat(cat.stdout()).isEqualTo("data\nmore\n");
    }

    @Test
    void ttyExecGetsARealTerminal() {
        String cli = RequiredTool.DOCKER.command() + " -H unix://" + daemon.socket() + " exec -it " + container
                + " sh -c 'tty; echo TERM=$TERM; exit 3'";
        CommandResult run = OnTerminal.of(cli)
                .env("DOCKER_CONFIG", tmp.resolve("docker-config").toString())
                .timeout(Duration.ofSeconds(60)).run();
        assertThat(run.stdout()).as(run.output()).containsPattern("/dev/pts/\\d+\r\n").contains("TERM=xterm\r\n");
        assertThat(run.exitCode()).as(run.output()).isEqualTo(3);
    }

    @Test
    void ttyExecTakesTheTerminalsSizeAndWhatIsTyped() {
        String cli = "stty rows 33 cols 101; " + RequiredTool.DOCKER.command() + " -H unix://" + daemon.socket()
                + " exec -it " + container + " sh";
        CommandResult run = OnTerminal.of(cli)
                .env("DOCKER_CONFIG", tmp.resolve("docker-config").toString())
                // The CLI (API 1.41) sends its size in a resize call beside the typed input, so input can
                // reach the shell first; real dockerd loses that race too under load (1 of 40 runs with
                // two busy CPUs). The shell waits for the size as a person would, up to 10 s.
                // (busybox's stty prints nothing on stdout, and still exits 0, on a terminal without a size)
                .stdin("i=0; until [ -n \"$(stty size 2>/dev/null)\" ] || [ $i -ge 100 ]; do i=$((i+1)); sleep 0.1; done; stty size; echo typed-$((40+2))\nexit 5\n")
                .timeout(Duration.ofSeconds(60)).run();
        assertThat(run.stdout()).as(run.output()).contains("33 101\r\n").contains("typed-42\r\n");
        assertThat(run.exitCode()).as(run.output()).isEqualTo(5);
    }

    /**
     * A client on API 1.42+ gives the size with the exec (docker-java, a newer CLI): it goes into the
     * process spec, and runc sizes the terminal before the process runs, so the first line typed
     * already sees it. Raw HTTP, as a client library speaks it: create, start with the upgrade, the line.
     */
    @Test
    void aConsoleSizeGivenAtCreateIsSetBeforeAnyInputArrives() throws IOException {
        String create = request("POST", "/v1.41/containers/" + container + "/exec",
                "{\"Cmd\":[\"sh\"],\"Tty\":true,\"AttachStdin\":true,\"AttachStdout\":true,\"ConsoleSize\":[33,101]}");
        assertThat(create).startsWith("HTTP/1.1 201");
        String id = create.replaceAll("(?s).*\"Id\":\"([0-9a-f]{64})\".*", "$1");
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(daemon.socket()));
            String body = "{\"Tty\":true}";
            write(ch, "POST /v1.41/exec/" + id + "/start HTTP/1.1\r\nHost: docker\r\nContent-Type: application/json\r\n"
                    + "Connection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: " + body.length() + "\r\n\r\n" + body);
            InputStream in = Channels.newInputStream(ch);
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                int b = in.read();
                assertThat(b).as("the start's answer ended early: %s", head).isNotNegative();
                head.append((char) b);
            }
            assertThat(head.toString()).startsWith("HTTP/1.1 101");
            write(ch, "stty size; exit 0\n");
            String output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            assertThat(output).contains("33 101\r\n");
        }
    }

    private static String request(String method, String path, String body) throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(daemon.socket()));
            write(ch, method + " " + path + " HTTP/1.1\r\nHost: docker\r\nContent-Type: application/json\r\nConnection: close\r\n"
                    + "Content-Length: " + body.length() + "\r\n\r\n" + body);
            return new String(Channels.newInputStream(ch).readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static void write(SocketChannel ch, String text) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }

    @Test
    void ctrlPCtrlQDetachesAndTheProcessGoesOn() throws InterruptedException {
        String cli = RequiredTool.DOCKER.command() + " -H unix://" + daemon.socket() + " exec -it " + container
                + " sh -c 'i=0; while true; do i=$((i+1)); echo $i > /tmp/alive.new; mv /tmp/alive.new /tmp/alive; sleep 0.1; done'";
        // the keys only once the CLI has put the terminal in raw mode, else the pty's flow control eats Ctrl-Q
        CommandResult run = ExternalCommand.of("sh", "-c", "(sleep 1.5; printf '\\020\\021'; sleep 3) | script -qec \"$0\" /dev/null", cli)
                .env("DOCKER_CONFIG", tmp.resolve("docker-config").toString())
                .timeout(Duration.ofSeconds(60)).run();
        // the CLI itself spots the keys and ends with its EscapeError, as against dockerd (hijack.go)
        assertThat(run.output()).contains("read escape sequence");
        int first = Integer.parseInt(daemon.docker("exec", container, "cat", "/tmp/alive").assertSuccess().stdout().strip());
        Thread.sleep(600);
        int second = Integer.parseInt(daemon.docker("exec", container, "cat", "/tmp/alive").assertSuccess().stdout().strip());
        assertThat(second).as("the detached exec still counts").isGreaterThan(first);
    }

    @Test
    void otherDetachKeysDetachTooAndBadOnesAreRefused() throws InterruptedException {
        String cli = RequiredTool.DOCKER.command() + " -H unix://" + daemon.socket() + " exec -it --detach-keys=ctrl-a,x " + container
                + " sh -c 'i=0; while true; do i=$((i+1)); echo $i > /tmp/alive2.new; mv /tmp/alive2.new /tmp/alive2; sleep 0.1; done'";
        CommandResult run = ExternalCommand.of("sh", "-c", "(sleep 1.5; printf '\\001x'; sleep 3) | script -qec \"$0\" /dev/null", cli)
                .env("DOCKER_CONFIG", tmp.resolve("docker-config").toString())
                .timeout(Duration.ofSeconds(60)).run();
        assertThat(run.output()).contains("read escape sequence");
        int first = Integer.parseInt(daemon.docker("exec", container, "cat", "/tmp/alive2").assertSuccess().stdout().strip());
        Thread.sleep(600);
        int second = Integer.parseInt(daemon.docker("exec", container, "cat", "/tmp/alive2").assertSuccess().stdout().strip());
        assertThat(second).as("the detached exec still counts").isGreaterThan(first);

        CommandResult bad = daemon.docker("exec", "--detach-keys=ctrl-1", container, "true");
        assertThat(bad.exitCode()).as(bad.output()).isNotZero();
        assertThat(bad.stderr()).contains("Invalid detach keys (ctrl-1) provided");
    }

    @Test
    void aDaemonKilledWithSigkillComesBackAndExecsIntoTheContainersItFinds() {
        daemon.kill9();
        daemon.restart();
        assertThat(daemon.docker("exec", container, "sh", "-c", "echo back; exit 4").stdout()).isEqualTo("back\n");
        assertThat(daemon.docker("exec", container, "sh", "-c", "exit 4").exitCode()).isEqualTo(4);
    }

    @Test
    void aCommandThatDoesNotExistIsDockers127() {
        CommandResult nope = daemon.docker("exec", container, "nope");
        assertThat(nope.exitCode()).as(nope.output()).isEqualTo(127);
        assertThat(nope.output()).contains("OCI runtime exec failed: exec failed: unable to start container process: "
                + "exec: \"nope\": executable file not found in $PATH: unknown");
    }

    @Test
    void detachedExecRunsInTheBackground() throws InterruptedException {
        CommandResult d = daemon.docker("exec", "-d", container, "sh", "-c", "sleep 0.2; echo done > /tmp/marker");
        assertThat(d.exitCode()).as(d.output()).isZero();
        assertThat(d.stdout()).isEmpty();
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        String seen = "";
        while (System.nanoTime() < deadline && !seen.equals("done\n")) {
            seen = daemon.docker("exec", container, "sh", "-c", "cat /tmp/marker 2>/dev/null || true").stdout();
            Thread.sleep(100);
        }
        assertThat(seen).isEqualTo("done\n");
    }

    @Test
    void privilegedExecHasEveryCapabilityAndPlainExecTheContainers() {
        String plain = daemon.docker("exec", container, "grep", "CapEff", "/proc/self/status").assertSuccess().stdout();
        String privileged = daemon.docker("exec", "--privileged", container, "grep", "CapEff", "/proc/self/status").assertSuccess().stdout();
        assertThat(plain).isEqualTo("CapEff:\t00000000a80425fb\n"); // docker's default set
        assertThat(privileged).isNotEqualTo(plain).startsWith("CapEff:\t000001ff");
        // run --privileged shares the list: every capability the daemon holds, not cap_last_cap misread
        assertThat(daemon.docker("run", "--rm", "--privileged", IMAGE, "grep", "CapEff", "/proc/self/status").assertSuccess().stdout())
                .isEqualTo(privileged);
    }

    @Test
    void execIntoAStoppedContainerIsRefusedAndAnExecDiesWithItsContainer() throws InterruptedException {
        String other = daemon.docker("run", "-d", IMAGE, "sleep", "600").assertSuccess().stdout().strip();
        daemon.docker("exec", "-d", other, "sleep", "500").assertSuccess();
        daemon.docker("kill", other).assertSuccess();
        daemon.docker("wait", other).assertSuccess();
        CommandResult refused = daemon.docker("exec", other, "echo", "hi");
        assertThat(refused.exitCode()).isNotZero();
        assertThat(refused.stderr()).contains("Container " + other + " is not running");
        // the detached exec's monitor is gone too
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        List<String> left = List.of("x");
        while (System.nanoTime() < deadline && !left.isEmpty()) {
            left = ExternalCommand.of("ps", "-eo", "pid,args").run().stdout().lines()
                    .filter(l -> l.contains("conmon") && l.contains("--exec") && l.contains(other)).toList();
            Thread.sleep(100);
        }
        assertThat(left).isEmpty();
        daemon.docker("rm", other).assertSuccess();
    }

    private static CommandResult docker(String stdin, String... args) {
        List<String> command = new ArrayList<>(List.of(RequiredTool.DOCKER.command(), "-H", "unix://" + daemon.socket()));
        command.addAll(List.of(args));
        return ExternalCommand.of(command).env("DOCKER_CONFIG", tmp.resolve("docker-config").toString())
                .stdin(stdin).timeout(Duration.ofSeconds(60)).run();
    }
}
