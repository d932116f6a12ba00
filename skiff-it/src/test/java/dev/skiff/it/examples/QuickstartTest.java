package dev.skiff.it.examples;

import dev.skiff.it.support.CommandResult;
import dev.skiff.it.support.ExternalCommand;
import dev.skiff.it.support.SkiffCli;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code skiff quickstart}, end to end, as root and offline: a base image made from the host's own
 * node and busybox, its own folder, socket, bridge, subnet and ports, so it meets neither the
 * defaults a user's quickstart takes nor other tests.
 */
class QuickstartTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

    @TempDir
    Path tmp;

    private Quickstart qs;
    private Path dir;
    private Path socket;
    private String bridge;
    private String subnetPrefix;
    private int appPort;
    private int registryPort;

    @BeforeEach
    void names() {
        qs = new Quickstart(tmp);
        dir = qs.dir;
        socket = qs.socket;
        bridge = qs.bridge;
        subnetPrefix = qs.subnetPrefix;
        appPort = qs.appPort;
        registryPort = qs.registryPort;
    }

    @AfterEach
    void cleanUp() {
        qs.close();
    }

    @Test
    void walksTheTutorialThenDownLeavesNothingBehind() throws Exception {
        Path base = qs.baseImageTar();
        CommandResult up = qs.run(Duration.ofMinutes(10), "--base-image-tar", base.toString(), "--password", "alice-secret-1");
        assertThat(up.exitCode()).as(up.describe()).isZero();
        for (String step : List.of("==> Check the host", "==> Start the daemon", "==> Start the registry", "==> Make the base image",
                "$ skiff build -t getting-started", "$ skiff run -dp " + appPort + ":3000 -v todo-db:/etc/todos", "==> Wait until the app answers",
                "$ skiff ps", "$ skiff login -u alice localhost:" + registryPort, "$ skiff push localhost:" + registryPort + "/alice/getting-started",
                "$ skiff rmi", "$ skiff pull")) {
            assertThat(up.stdout()).as(up.describe()).contains(step);
        }
        assertThat(up.stdout()).containsPattern("pulled localhost:" + registryPort + "/alice/getting-started \\[\\d+\\.\\d s\\]");
        long daemonPid = qs.daemonPid().orElseThrow();
        long registryPid = qs.registryPid().orElseThrow();

        // the todo page, and an item that survives stop/start because /etc/todos is a volume
        HttpResponse<String> page = get("http://127.0.0.1:" + appPort + "/");
        assertThat(page.statusCode()).as(this::networkState).isEqualTo(200);
        assertThat(page.body()).contains("<title>Todo App</title>");
        HttpResponse<String> added = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + appPort + "/items"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"name\": \"Walk the skiff\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(added.statusCode()).as(added.body()).isEqualTo(201);
        qs.skiff("stop", "getting-started").assertSuccess();
        qs.skiff("start", "getting-started").assertSuccess();
        assertThat(waitFor("http://127.0.0.1:" + appPort + "/items").body()).as(this::networkState).contains("Walk the skiff");
        List<String> veths = ExternalCommand.of("ip", "-o", "link", "show", "master", bridge).run().stdout().lines()
                .map(l -> l.split(": ")[1].split("@")[0]).toList();
        assertThat(veths).as("the app's veth on " + bridge).isNotEmpty();

        // the pushed manifest is in the registry, for alice
        String basic = "Basic " + Base64.getEncoder().encodeToString("alice:alice-secret-1".getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> manifest = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + registryPort
                        + "/v2/alice/getting-started/manifests/latest")).header("Authorization", basic)
                .header("Accept", "application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json").build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(manifest.statusCode()).as(manifest.body()).isEqualTo(200);
        assertThat(manifest.body()).contains("\"layers\"");

        // the image pulled back runs
        CommandResult pulled = qs.skiff("run", "--rm", "localhost:" + registryPort + "/alice/getting-started", "node", "-e", "console.log('pulled ' + 6 * 7)");
        assertThat(pulled.exitCode()).as(pulled.describe()).isZero();
        assertThat(pulled.stdout()).contains("pulled 42");

        // a second run reuses what exists and replaces the container
        CommandResult again = qs.run(Duration.ofMinutes(5), "--base-image-tar", base.toString(), "--password", "alice-secret-1");
        assertThat(again.exitCode()).as(again.describe()).isZero();
        assertThat(again.stdout()).contains("already running (PID " + daemonPid + "), reused", "already running (PID " + registryPid + "), reused",
                "already present, reused", "replaced the old container");
        assertThat(waitFor("http://127.0.0.1:" + appPort + "/items").body()).contains("Walk the skiff");

        CommandResult down = qs.run(Duration.ofMinutes(3), "--down");
        assertThat(down.exitCode()).as(down.describe()).isZero();
        assertThat(ProcessHandle.of(daemonPid).filter(ProcessHandle::isAlive)).as("the daemon").isEmpty();
        assertThat(ProcessHandle.of(registryPid).filter(ProcessHandle::isAlive)).as("the registry").isEmpty();
        assertThat(ProcessHandle.allProcesses().filter(p -> p.info().commandLine().orElse("").contains(tmp.toString())).toList())
                .as("processes naming " + tmp).isEmpty();
        assertThat(Files.readAllLines(Path.of("/proc/self/mounts"))).as("mounts").noneMatch(l -> l.contains(tmp.toString()));
        assertThat(ExternalCommand.of("ip", "link", "show", bridge).run().succeeded()).as("bridge " + bridge).isFalse();
        for (String veth : veths) {
            assertThat(ExternalCommand.of("ip", "link", "show", veth).run().succeeded()).as("veth " + veth).isFalse();
        }
        String rules = ExternalCommand.of("iptables-save").run().assertSuccess().stdout();
        assertThat(rules).as("iptables").doesNotContain(subnetPrefix + ".").doesNotContain(bridge);
        assertThat(get("http://127.0.0.1:" + registryPort + "/v2/").statusCode()).isEqualTo(-1);
    }

    @Test
    void aTakenRegistryPortStopsWithOneSentenceAndUndoesTheDaemon() throws Exception {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), registryPort));
            CommandResult r = qs.run(Duration.ofMinutes(3), "--base-image-tar", tmp.resolve("none.tar").toString());
            assertThat(r.exitCode()).as(r.describe()).isEqualTo(1);
            assertThat(r.stderr()).contains("skiff quickstart: port " + registryPort + " is taken, so the registry cannot listen there: stop what uses it")
                    .contains("--registry-port").doesNotContain("Exception");
        }
        assertThat(dir.resolve("daemon.pid")).doesNotExist();
        assertThat(ExternalCommand.of("ip", "link", "show", bridge).run().succeeded()).as("bridge " + bridge).isFalse();
        assertThat(Files.exists(socket) && qs.skiff("ps").succeeded()).as("a daemon still answers on " + socket).isFalse();
    }

    @Test
    void aTakenAppPortStopsAtTheRunStepAndUndoesWhatThisRunStarted() throws Exception {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), appPort));
            CommandResult r = qs.run(Duration.ofMinutes(10), "--base-image-tar", qs.baseImageTar().toString(), "--password", "alice-secret-2");
            assertThat(r.exitCode()).as(r.describe()).isEqualTo(1);
            assertThat(r.stdout()).contains("==> Build the app's image", "==> Run it, detached").doesNotContain("==> Wait until the app answers");
            assertThat(r.stderr()).contains("skiff quickstart: port " + appPort + " is taken, so the app cannot listen there: stop what uses it")
                    .contains("--app-port").contains("undoing what this run started").doesNotContain("Exception");
        }
        assertThat(dir.resolve("daemon.pid")).doesNotExist();
        assertThat(dir.resolve("registry.pid")).doesNotExist();
        assertThat(get("http://127.0.0.1:" + registryPort + "/v2/").statusCode()).as("the registry").isEqualTo(-1);
        assertThat(Files.exists(socket) && qs.skiff("ps").succeeded()).as("a daemon still answers on " + socket).isFalse();
    }

    @Test
    void aMissingBaseImageTarStopsAndUndoesDaemonAndRegistry() throws Exception {
        CommandResult r = qs.run(Duration.ofMinutes(3), "--base-image-tar", tmp.resolve("none.tar").toString());
        assertThat(r.exitCode()).as(r.describe()).isEqualTo(1);
        assertThat(r.stderr()).contains("--base-image-tar " + tmp.resolve("none.tar") + " is not a file").doesNotContain("Exception");
        assertThat(dir.resolve("daemon.pid")).doesNotExist();
        assertThat(dir.resolve("registry.pid")).doesNotExist();
        assertThat(get("http://127.0.0.1:" + registryPort + "/v2/").statusCode()).isEqualTo(-1);
    }

    @Test
    void aTcpHostIsRefused() {
        CommandResult r = SkiffCli.run(Duration.ofMinutes(1), "quickstart", "--dir", dir.toString(), "-H", "tcp://127.0.0.1:2375");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.stderr()).contains("give -H unix:///PATH, not tcp://127.0.0.1:2375").doesNotContain("Exception");
        assertThat(dir).doesNotExist();
    }

    /** What a failed request to the app should be read with: the port's NAT rules, who listens, the bridge. */
    private String networkState() {
        String nat = ExternalCommand.of("iptables-save", "-t", "nat").run().stdout().lines()
                .filter(l -> l.contains(Integer.toString(appPort)) || l.contains("CNI-HOSTPORT") || l.contains(subnetPrefix + "."))
                .reduce("", (a, b) -> a + b + "\n");
        return "nat rules:\n" + nat + "listening:\n" + ExternalCommand.of("ss", "-ltnp", "sport = :" + appPort).run().stdout()
                + "bridge:\n" + ExternalCommand.of("ip", "-br", "link", "show", "master", bridge).run().stdout()
                + "container:\n" + qs.skiff("ps", "-a").stdout() + qs.skiff("logs", "getting-started").output();
    }

    /** The response, or status -1 when nothing answers. */
    private static HttpResponse<String> get(String url) throws InterruptedException {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            return new NoAnswer(url);
        }
    }

    private static HttpResponse<String> waitFor(String url) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        HttpResponse<String> r = get(url);
        while (r.statusCode() != 200 && System.nanoTime() < deadline) {
            Thread.sleep(200);
            r = get(url);
        }
        assertThat(r.statusCode()).as(url).isEqualTo(200);
        return r;
    }

    private record NoAnswer(String url) implements HttpResponse<String> {
        @Override
        public int statusCode() {
            return -1;
        }

        @Override
        public HttpRequest request() {
            return HttpRequest.newBuilder(URI.create(url)).build();
        }

        @Override
        public Optional<HttpResponse<String>> previousResponse() {
            return Optional.empty();
        }

        @Override
        public java.net.http.HttpHeaders headers() {
            return java.net.http.HttpHeaders.of(java.util.Map.of(), (a, b) -> true);
        }

        @Override
        public String body() {
            return "";
        }

        @Override
        public Optional<javax.net.ssl.SSLSession> sslSession() {
            return Optional.empty();
        }

        @Override
        public URI uri() {
            return URI.create(url);
        }

        @Override
        public HttpClient.Version version() {
            return HttpClient.Version.HTTP_1_1;
        }
    }
}
