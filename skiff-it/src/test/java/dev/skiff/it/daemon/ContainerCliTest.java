package dev.skiff.it.daemon;

import dev.skiff.it.support.CommandResult;
import dev.skiff.it.support.ExternalCommand;
import dev.skiff.it.support.RequiredTool;
import dev.skiff.it.support.ServerProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The {@code skiff} CLI's container commands end to end against a real {@code skiff daemon} (runc,
 * overlayfs, CNI): the issue's own flows, {@code run -dp}, {@code ps}, {@code stop}, {@code rm},
 * {@code run --rm}, exit codes, {@code logs} and a name conflict.
 */
class ContainerCliTest {
    @TempDir
    Path tmp;

    private final List<String> created = new ArrayList<>();
    private Path socket;

    CommandResult skiff(String... args) {
        return DaemonHarness.skiff(socket, args);
    }

    /** A unique container name, removed after the test whatever happens. */
    String name(String prefix) {
        String n = prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
        created.add(n);
        return n;
    }

    @AfterEach
    void removeContainers() {
        if (socket != null && !created.isEmpty()) {
            List<String> args = new ArrayList<>(List.of("rm", "-f"));
            args.addAll(created);
            skiff(args.toArray(String[]::new));
        }
    }

    /** busybox (static) with httpd and a page, imported as busybox:local. */
    void importBusybox() throws Exception {
        Path root = tmp.resolve("rootfs");
        Path bin = root.resolve("bin");
        Files.createDirectories(bin);
        Files.copy(RequiredTool.BUSYBOX.path(), bin.resolve("busybox"));
        for (String applet : List.of("sh", "echo", "httpd", "sleep", "cat", "true")) {
            Files.createSymbolicLink(bin.resolve(applet), Path.of("busybox"));
        }
        Files.createDirectories(root.resolve("www"));
        Files.writeString(root.resolve("www/index.html"), "hello from skiff\n");
        Files.createDirectories(root.resolve("etc"));
        Files.writeString(root.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n");
        Path tar = tmp.resolve("rootfs.tar");
        ExternalCommand.of("tar", "-C", root.toString(), "-cf", tar.toString(), ".").run().assertSuccess();
        skiff("import", "-c", "CMD [\"sh\"]", "-c", "ENV PATH=/bin", tar.toString(), "busybox:local").assertSuccess();
    }

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void runDetachedWithAPublishedPortServesAndShowsInPsThenStopsAndGoes() throws Exception {
        socket = tmp.resolve("skiff.sock");
        try (ServerProcess daemon = DaemonHarness.start(tmp, socket)) {
            importBusybox();
            int port = freePort();
            String name = name("web");
            CommandResult run = skiff("run", "-dp", port + ":80", "--name", name, "busybox:local", "httpd", "-f", "-p", "80", "-h", "/www");
            run.assertSuccess();
            String id = run.stdout().strip();
            assertThat(id).as(daemon.describe()).matches("[0-9a-f]{64}");

            HttpClient http = HttpClient.newHttpClient();
            String body = null;
            Instant deadline = Instant.now().plusSeconds(20);
            while (body == null && Instant.now().isBefore(deadline)) {
                try {
                    body = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/index.html")).timeout(Duration.ofSeconds(2)).build(),
                            HttpResponse.BodyHandlers.ofString()).body();
                } catch (java.io.IOException e) {
                    Thread.sleep(200);
                }
            }
            assertThat(body).as(daemon.describe()).isEqualTo("hello from skiff\n");

            String ps = skiff("ps").assertSuccess().stdout();
            assertThat(ps).startsWith("CONTAINER ID   IMAGE");
            assertThat(ps.lines().filter(l -> l.startsWith(id.substring(0, 12))).findFirst()).hasValueSatisfying(row -> assertThat(row)
                    .contains("busybox:local").contains("\"httpd -f -p 80 -h /…\"").contains("Up ")
                    .contains("0.0.0.0:" + port + "->80/tcp, [::]:" + port + "->80/tcp").endsWith(name));
            // as dockerd (docker-proxy) does: the port answers on IPv6 too, relayed to the container
            String v6 = http.send(HttpRequest.newBuilder(URI.create("http://[::1]:" + port + "/index.html")).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            assertThat(v6).isEqualTo("hello from skiff\n");
            assertThat(skiff("port", name).assertSuccess().stdout()).isEqualTo("80/tcp -> 0.0.0.0:" + port + "\n80/tcp -> [::]:" + port + "\n");
            assertThat(skiff("ps", "-q").assertSuccess().stdout()).contains(id.substring(0, 12) + "\n");

            assertThat(skiff("stop", "-t", "1", name).assertSuccess().stdout()).isEqualTo(name + "\n");
            assertThat(skiff("ps", "-a", "--filter", "name=" + name, "--format", "{{.Status}}").assertSuccess().stdout()).startsWith("Exited (");
            assertThat(skiff("rm", id.substring(0, 12)).assertSuccess().stdout()).isEqualTo(id.substring(0, 12) + "\n");
            assertThat(skiff("ps", "-a", "-q", "--no-trunc").assertSuccess().stdout()).doesNotContain(id);
        }
    }

    @Test
    void runRmPrintsTheOutputAndExitsWithTheContainersCode() throws Exception {
        socket = tmp.resolve("skiff.sock");
        try (ServerProcess daemon = DaemonHarness.start(tmp, socket)) {
            importBusybox();
            CommandResult hi = skiff("run", "--rm", "busybox:local", "echo", "hi");
            assertThat(hi.exitCode()).as(hi.describe() + daemon.describe()).isZero();
            assertThat(hi.stdout()).isEqualTo("hi\n");

            CommandResult three = skiff("run", "--rm", "busybox:local", "sh", "-c", "echo out; echo err >&2; exit 3");
            assertThat(three.exitCode()).as(three.describe()).isEqualTo(3);
            assertThat(three.stdout()).isEqualTo("out\n");
            assertThat(three.stderr()).isEqualTo("err\n");

            CommandResult missing = skiff("run", "--rm", "busybox:local", "no-such-command");
            assertThat(missing.exitCode()).as(missing.describe()).isEqualTo(127);

            assertThat(skiff("ps", "-a", "-q").assertSuccess().stdout()).as("--rm leaves nothing").isEmpty();
        }
    }

    @Test
    void logsShowWhatTheContainerWroteAndANameConflictIs125() throws Exception {
        socket = tmp.resolve("skiff.sock");
        try (ServerProcess daemon = DaemonHarness.start(tmp, socket)) {
            importBusybox();
            String name = name("logs");
            skiff("run", "-d", "--name", name, "busybox:local", "sh", "-c", "echo one; echo two >&2; sleep 0.2; echo three").assertSuccess(); // conmon reads stdout before stderr when both are ready: the pause keeps the order
            assertThat(skiff("wait", name).assertSuccess().stdout()).isEqualTo("0\n");
            CommandResult logs = skiff("logs", name);
            logs.assertSuccess();
            assertThat(logs.stdout()).isEqualTo("one\nthree\n");
            assertThat(logs.stderr()).isEqualTo("two\n");
            assertThat(skiff("logs", "--tail", "1", name).assertSuccess().stdout()).isEqualTo("three\n");

            CommandResult conflict = skiff("run", "-d", "--name", name, "busybox:local", "true");
            assertThat(conflict.exitCode()).as(conflict.describe()).isEqualTo(125);
            assertThat(conflict.stderr()).startsWith("skiff: Error response from daemon: Conflict. The container name \"/" + name + "\" is already in use");
        }
    }
}
