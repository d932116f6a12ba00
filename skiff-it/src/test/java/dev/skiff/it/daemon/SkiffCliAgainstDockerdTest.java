package dev.skiff.it.daemon;

import dev.skiff.it.support.CommandResult;
import dev.skiff.it.support.ExternalCommand;
import dev.skiff.it.support.PrivateDockerd;
import dev.skiff.it.support.RequiredTool;
import dev.skiff.it.support.SkiffCli;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The {@code skiff} CLI's container commands against a real, private dockerd (no bridge, no iptables:
 * containers run with {@code --network none}), side by side with the docker CLI: proof that the client
 * speaks the Engine API as docker's does (create body, hijacked attach with 8-byte frames, wait before
 * start, exec start and inspect), with the same output and exit codes.
 */
class SkiffCliAgainstDockerdTest {
    @TempDir
    Path tmp;

    private PrivateDockerd dockerd;
    private Path dockerSocket;

    @BeforeEach
    void startDockerd() throws Exception {
        dockerd = PrivateDockerd.start(tmp.resolve("dockerd"), "skiff-it-cli");
        dockerSocket = dockerd.socket();
        Path root = tmp.resolve("rootfs");
        Path bin = root.resolve("bin");
        Files.createDirectories(bin);
        Files.copy(RequiredTool.BUSYBOX.path(), bin.resolve("busybox"));
        for (String applet : List.of("sh", "echo", "sleep", "cat", "true")) {
            Files.createSymbolicLink(bin.resolve(applet), Path.of("busybox"));
        }
        Path tar = tmp.resolve("rootfs.tar");
        ExternalCommand.of("tar", "-C", root.toString(), "-cf", tar.toString(), ".").run().assertSuccess();
        docker("import", "-c", "ENV PATH=/bin", tar.toString(), "box:1").assertSuccess();
    }

    @AfterEach
    void stopDockerd() {
        if (dockerd != null) {
            dockerd.close();
        }
    }

    CommandResult docker(String... args) {
        List<String> command = new ArrayList<>(List.of(RequiredTool.DOCKER.command(), "-H", "unix://" + dockerSocket));
        command.addAll(List.of(args));
        return ExternalCommand.of(command).env("DOCKER_CONFIG", tmp.resolve("docker-config").toString()).timeout(Duration.ofSeconds(60)).run();
    }

    CommandResult skiff(String... args) {
        List<String> all = new ArrayList<>(List.of("-H", "unix://" + dockerSocket));
        all.addAll(List.of(args));
        return SkiffCli.run(Duration.ofSeconds(60), all.toArray(String[]::new));
    }

    CommandResult skiffWithStdin(String stdin, String... args) {
        List<String> all = new ArrayList<>(List.of("-H", "unix://" + dockerSocket));
        all.addAll(List.of(args));
        return SkiffCli.runWithStdin(stdin, all.toArray(String[]::new));
    }

    @Test
    void attachedRunsPrintAndExitAsDockersDo() {
        CommandResult hi = skiff("run", "--rm", "--network", "none", "box:1", "echo", "hi");
        assertThat(hi.exitCode()).as(hi.describe() + dockerd.describe()).isZero();
        assertThat(hi.stdout()).isEqualTo("hi\n");

        CommandResult three = skiff("run", "--rm", "--network", "none", "box:1", "sh", "-c", "echo out; echo err >&2; exit 3");
        assertThat(three.exitCode()).as(three.describe()).isEqualTo(3);
        assertThat(three.stdout()).isEqualTo("out\n");
        assertThat(three.stderr()).isEqualTo("err\n");

        CommandResult stdin = skiffWithStdin("echo from-stdin\nexit 5\n", "run", "-i", "--rm", "--network", "none", "box:1", "sh");
        assertThat(stdin.exitCode()).as(stdin.describe()).isEqualTo(5);
        assertThat(stdin.stdout()).isEqualTo("from-stdin\n");

        CommandResult missing = skiff("run", "--network", "none", "box:1", "no-such-command");
        CommandResult missingByDocker = docker("run", "--network", "none", "box:1", "no-such-command");
        assertThat(missing.exitCode()).as(missing.describe()).isEqualTo(127).isEqualTo(missingByDocker.exitCode());
        assertThat(missing.stderr()).isEqualTo(missingByDocker.stderr().replace("docker", "skiff"));

        assertThat(docker("ps", "-aq", "--filter", "status=exited").stdout()).as("--rm removed its containers").isEmpty();
    }

    @Test
    void detachedLifecycleMatchesTheDockerCli() {
        CommandResult run = skiff("run", "-d", "--network", "none", "--name", "sk-life", "-e", "GREETING=hej", "box:1",
                "sh", "-c", "echo $GREETING; echo warn >&2; exec sleep 300");
        run.assertSuccess();
        String id = run.stdout().strip();
        assertThat(id).matches("[0-9a-f]{64}");
        assertThat(docker("inspect", "-f", "{{.State.Running}} {{.Config.Env}}", "sk-life").assertSuccess().stdout())
                .isEqualTo("true [GREETING=hej PATH=/bin]\n");

        String format = "{{.ID}}|{{.Image}}|{{.Command}}|{{.Names}}|{{.Ports}}|{{.State}}";
        assertThat(skiff("ps", "--format", format).assertSuccess().stdout()).isEqualTo(docker("ps", "--format", format).assertSuccess().stdout());
        assertThat(skiff("ps", "-a", "--no-trunc", "--format", format).assertSuccess().stdout())
                .isEqualTo(docker("ps", "-a", "--no-trunc", "--format", format).assertSuccess().stdout());

        Instant deadline = Instant.now().plusSeconds(10);
        CommandResult logs;
        do {
            logs = skiff("logs", "sk-life");
        } while (!logs.stdout().contains("hej") && Instant.now().isBefore(deadline));
        assertThat(logs.stdout()).isEqualTo("hej\n");
        assertThat(logs.stderr()).isEqualTo("warn\n");

        CommandResult exec = skiff("exec", "-e", "X=1", "-w", "/bin", "sk-life", "sh", "-c", "echo $X $(pwd); exit 4");
        assertThat(exec.exitCode()).as(exec.describe()).isEqualTo(4);
        assertThat(exec.stdout()).isEqualTo("1 /bin\n");

        assertThat(skiff("inspect", "-f", "{{.Name}} {{.State.Status}}", id.substring(0, 12)).assertSuccess().stdout()).isEqualTo("/sk-life running\n");
        assertThat(skiff("inspect", "sk-life").assertSuccess().stdout()).isEqualTo(docker("inspect", "sk-life").assertSuccess().stdout());
        assertThat(skiff("inspect", "box:1").assertSuccess().stdout()).isEqualTo(docker("inspect", "box:1").assertSuccess().stdout());
        CommandResult noSuch = skiff("container", "inspect", "no-such-container");
        assertThat(noSuch.exitCode()).isEqualTo(1);
        assertThat(noSuch.stdout() + noSuch.stderr()).isEqualTo("[]\nError response from daemon: No such container: no-such-container\n");

        CommandResult conflict = skiff("run", "-d", "--network", "none", "--name", "sk-life", "box:1", "true");
        assertThat(conflict.exitCode()).isEqualTo(125);
        assertThat(conflict.stderr()).startsWith("skiff: Error response from daemon: Conflict. The container name \"/sk-life\" is already in use")
                .endsWith("\n\nRun 'skiff run --help' for more information\n");

        CommandResult stop = skiff("stop", "-t", "1", "sk-life", "no-such-container");
        assertThat(stop.exitCode()).isEqualTo(1);
        assertThat(stop.stdout()).isEqualTo("sk-life\n");
        assertThat(stop.stderr()).isEqualTo("Error response from daemon: No such container: no-such-container\n");
        assertThat(skiff("wait", "sk-life").assertSuccess().stdout()).isEqualTo("137\n");
        assertThat(skiff("ps", "-a", "--format", "{{.Status}}").assertSuccess().stdout()).startsWith("Exited (137)");
        assertThat(skiff("rm", "sk-life").assertSuccess().stdout()).isEqualTo("sk-life\n");
        assertThat(docker("ps", "-aq").assertSuccess().stdout()).isEmpty();
    }

    @Test
    void createWithManyFlagsStoresWhatDockersCreateStores() throws Exception {
        Path bind = Files.createDirectories(tmp.resolve("bind"));
        Path envFile = tmp.resolve("env");
        Files.writeString(envFile, "# comment\nFROM_FILE=1\n");
        List<String> flags = List.of("-e", "A=1", "-e", "PATH", "--env-file", envFile.toString(), "-w", "/tmp", "-u", "0:0",
                "--entrypoint", "/bin/sh", "-v", bind + ":/b:ro", "-v", "/anon", "--restart", "on-failure:3", "-m", "64m",
                "--memory-swap", "128m", "--cpus", "0.5", "--pids-limit", "50", "--network", "none", "-h", "hostx", "--read-only",
                "--cap-add", "net_admin", "--cap-drop", "chown", "--init", "-l", "b=2", "-l", "a", "--stop-signal", "SIGINT",
                "--stop-timeout", "7", "--dns", "9.9.9.9", "--dns-search", "example.com", "--dns-option", "ndots:2",
                "--add-host", "db:10.231.0.5", "-P", "--expose", "8080", "--expose", "9000-9001/udp", "-p", "127.0.0.1:5000:5000",
                "-p", "6000-6001:6000-6001", "--health-cmd", "true", "--health-interval", "5s", "--health-timeout", "2s",
                "--health-retries", "3", "--health-start-period", "1s", "--mount", "type=volume,source=sk-mv,target=/mv",
                "--tmpfs", "/run:size=1m", "--shm-size", "32m", "-c", "512", "-i", "-t");
        List<String> bySkiff = new ArrayList<>(List.of("create", "--name", "sk-flags"));
        bySkiff.addAll(flags);
        bySkiff.addAll(List.of("box:1", "-c", "echo x"));
        List<String> byDocker = new ArrayList<>(List.of("create", "--name", "dk-flags"));
        byDocker.addAll(flags);
        byDocker.addAll(List.of("box:1", "-c", "echo x"));
        skiff(bySkiff.toArray(String[]::new)).assertSuccess();
        docker(byDocker.toArray(String[]::new)).assertSuccess();
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        // both read back through the docker CLI, so its own decoding shows both the same way
        for (String part : List.of("{{json .Config}}", "{{json .HostConfig}}", "{{json .NetworkSettings.Networks}}")) {
            assertThat(envSorted(json.readTree(docker("inspect", "-f", part, "sk-flags").assertSuccess().stdout())))
                    .as(part).isEqualTo(envSorted(json.readTree(docker("inspect", "-f", part, "dk-flags").assertSuccess().stdout())));
        }
        docker("rm", "-v", "sk-flags", "dk-flags").assertSuccess();
        docker("volume", "rm", "sk-mv").assertSuccess();
    }

    /**
     * Env with its entries sorted: the same flags gave docker's stored Env in two orders in two CI runs
     * ([FROM_FILE, A, PATH] and [FROM_FILE, PATH, A]) while skiff's is fixed, so the order is not compared.
     */
    private static com.fasterxml.jackson.databind.JsonNode envSorted(com.fasterxml.jackson.databind.JsonNode config) {
        if (config.path("Env").isArray()) {
            List<String> env = new ArrayList<>();
            config.path("Env").forEach(e -> env.add(e.asText()));
            env.sort(null);
            var array = ((com.fasterxml.jackson.databind.node.ObjectNode) config).putArray("Env");
            env.forEach(array::add);
        }
        return config;
    }
}
