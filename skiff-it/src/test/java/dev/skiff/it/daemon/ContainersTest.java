package dev.skiff.it.daemon;

import dev.skiff.it.support.CommandResult;
import dev.skiff.it.support.ExternalCommand;
import dev.skiff.it.support.Layer;
import dev.skiff.it.support.RequiredTool;
import dev.skiff.it.support.ServerProcess;
import dev.skiff.it.support.Tar;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Containers through the Engine API, driven by the real docker CLI against a real {@code skiff daemon}:
 * runc under conmon, overlayfs, as root. Attached runs wait for the integrator's attach route, so
 * runs here are detached and read back with {@code wait} and {@code logs}.
 */
class ContainersTest {
    private static final String IMAGE = "skiff-it-busybox:latest";

    /** One daemon for the class (each test removes its containers): a daemon start and import cost seconds each. */
    @TempDir
    static Path tmp;

    private static Path socket;
    private static ServerProcess daemon;
    private final String suffix = Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffL);

    @BeforeAll
    static void startDaemon() throws Exception {
        socket = tmp.resolve("skiff.sock");
        daemon = DaemonHarness.start(tmp, socket);
        Path tar = tmp.resolve("busybox.tar");
        Tar rootfs = new Tar().directory("bin").directory("etc").directory("tmp").directory("mnt")
                .file("bin/busybox", Files.readAllBytes(RequiredTool.BUSYBOX.path().toRealPath()), 0755)
                .file("etc/passwd", "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n".getBytes(), 0644);
        for (String applet : List.of("sh", "sleep", "echo", "cat", "ls", "id", "true", "hostname", "grep", "wc")) {
            rootfs.symlink("bin/" + applet, "busybox");
        }
        Files.write(tar, Layer.of(rootfs).tar());
        DaemonHarness.docker(tmp, socket, "import", tar.toString(), IMAGE).assertSuccess();
    }

    @AfterEach
    void removeContainers() {
        if (!daemon.isAlive()) {
            daemon.close();
            daemon = DaemonHarness.start(tmp, socket);
        }
        for (String id : docker("ps", "-aq", "--no-trunc").stdout().lines().filter(l -> !l.isBlank()).toList()) {
            docker("rm", "-f", id);
        }
    }

    @AfterAll
    static void stopDaemon() {
        try {
            daemon.close();
        } finally {
            // whatever a failed test left: runc's containers, then mounts under tmp
            Path runcRoot = tmp.resolve("exec/runc");
            if (Files.isDirectory(runcRoot)) {
                for (String line : ExternalCommand.of("runc", "--root", runcRoot.toString(), "list", "-q").run().stdout().lines().toList()) {
                    ExternalCommand.of("runc", "--root", runcRoot.toString(), "delete", "-f", line.strip()).run();
                }
            }
            ExternalCommand.of("sh", "-c", "grep -o ' " + tmp + "[^ ]*' /proc/self/mountinfo | sort -r | xargs -r -n1 umount -l").run();
        }
    }

    private CommandResult docker(String... args) {
        return DaemonHarness.docker(tmp, socket, args);
    }

    @Test
    void createStartPsLogsStopRm() {
        String name = "sleeper-" + suffix;
        String id = docker("create", "--name", name, IMAGE, "sh", "-c", "echo started; exec sleep 600").assertSuccess().stdout().strip();
        assertThat(id).matches("[0-9a-f]{64}");
        assertThat(docker("ps", "-a", "--format", "{{.Names}} {{.Status}}").assertSuccess().stdout()).isEqualTo(name + " Created\n");
        docker("start", name).assertSuccess();

        String ps = docker("ps", "--format", "{{.ID}} {{.Image}} {{.Command}} {{.Status}} {{.Names}}").assertSuccess().stdout();
        assertThat(ps).matches(id.substring(0, 12) + " " + IMAGE + " \"sh -c echo started;…\" Up (Less than a second|\\d+ seconds?) " + name + "\n");
        assertThat(docker("inspect", "-f", "{{.State.Status}} {{.State.Running}} {{.Name}} {{.Config.Hostname}}", id.substring(0, 6))
                .assertSuccess().stdout()).isEqualTo("running true /" + name + " " + id.substring(0, 12) + "\n");
        awaitOutput(() -> docker("logs", name).stdout(), "started\n");
        // fields dockerd shows though this engine does not use them, with dockerd's values
        assertThat(docker("inspect", "-f", "{{json .HostConfig.MaskedPaths}} {{.HostConfig.IpcMode}} {{json .HostConfig.Ulimits}} "
                + "{{.HostConfig.CgroupnsMode}}", name).assertSuccess().stdout())
                .startsWith("[\"/proc/asound\",").contains("\"/proc/kcore\"").endsWith("] private [] host\n");

        CommandResult refused = docker("rm", name);
        assertThat(refused.exitCode()).isNotZero();
        assertThat(refused.stderr()).contains("You cannot remove a running container " + id
                + ". Stop the container before attempting removal or force remove");

        long t0 = System.nanoTime();
        docker("stop", "-t", "1", name).assertSuccess();
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(8));
        assertThat(docker("ps", "-q").assertSuccess().stdout()).isEmpty();
        assertThat(docker("ps", "-a", "--format", "{{.Status}}").assertSuccess().stdout()).startsWith("Exited (137)");
        assertThat(docker("ps", "-a", "-q", "--filter", "exited=137").assertSuccess().stdout()).isEqualTo(id.substring(0, 12) + "\n");

        docker("rm", name).assertSuccess();
        assertThat(docker("ps", "-aq").assertSuccess().stdout()).isEmpty();
        assertThat(Files.exists(tmp.resolve("data/containers/" + id))).isFalse();
        assertThat(docker("info", "--format", "{{.Containers}}").assertSuccess().stdout()).isEqualTo("0\n");
    }

    @Test
    void psFiltersByVolumeNetworkPortHealthAndCreationOrder() {
        String first = "first-" + suffix;
        String second = "second-" + suffix;
        String third = "third-" + suffix;
        docker("run", "-d", "--name", first, "-v", "vol-" + suffix + ":/data", "--network", "none", IMAGE, "sleep", "600").assertSuccess();
        docker("run", "-d", "--name", second, "-p", "127.0.0.1::80", "--expose", "9000", IMAGE, "sleep", "600").assertSuccess();
        docker("create", "--name", third, IMAGE, "true").assertSuccess();
        String hostPort = docker("port", second, "80").assertSuccess().stdout().strip().replaceAll(".*:", "");

        assertThat(ps("volume=vol-" + suffix)).isEqualTo(first + "\n");
        assertThat(ps("volume=/data")).isEqualTo(first + "\n");
        assertThat(ps("network=none")).isEqualTo(first + "\n");
        assertThat(ps("publish=" + hostPort)).isEqualTo(second + "\n");
        assertThat(ps("expose=9000/tcp")).isEqualTo(second + "\n");
        assertThat(ps("expose=80-90")).isEqualTo(second + "\n");
        assertThat(ps("health=none", "-a")).isEqualTo(third + "\n" + second + "\n" + first + "\n");
        assertThat(ps("before=" + third, "-a")).isEqualTo(second + "\n" + first + "\n");
        assertThat(ps("since=" + first, "-a")).isEqualTo(third + "\n" + second + "\n");
        assertThat(ps("since=" + first)).isEqualTo(second + "\n");

        CommandResult badStatus = docker("ps", "--filter", "status=sleeping");
        assertThat(badStatus.exitCode()).isEqualTo(1);
        assertThat(badStatus.stderr()).contains("invalid filter 'status=sleeping': invalid value for state (sleeping)");
        CommandResult ghost = docker("ps", "--filter", "before=ghost-" + suffix);
        assertThat(ghost.exitCode()).isEqualTo(1);
        assertThat(ghost.stderr()).contains("No such container: ghost-" + suffix);
    }

    @Test
    void aliasesAndFurtherNetworksAlsoOfAContainerThatDoesNotRunKeepAcrossRestarts() {
        String front = "front-" + suffix;
        String back = "back-" + suffix;
        String app = "app-" + suffix;
        docker("network", "create", front).assertSuccess();
        docker("network", "create", back).assertSuccess();
        try {
            docker("create", "--name", app, "--network", front, "--network-alias", "db-" + suffix, IMAGE, "sleep", "600").assertSuccess();
            docker("network", "connect", back, app).assertSuccess();
            assertThat(docker("inspect", "-f", "{{range $k, $v := .NetworkSettings.Networks}}{{$k}}:{{$v.IPAddress}} {{end}}", app)
                    .assertSuccess().stdout()).isEqualTo(back + ": " + front + ": \n"); // a template ranges over keys in order
            CommandResult twice = docker("network", "connect", back, app);
            assertThat(twice.exitCode()).isEqualTo(1);
            assertThat(twice.stderr()).contains("endpoint with name " + app + " already exists in network " + back);
            CommandResult unknown = docker("network", "connect", "nosuch-" + suffix, app);
            assertThat(unknown.exitCode()).isEqualTo(1);
            assertThat(unknown.stderr()).contains("network nosuch-" + suffix + " not found");
            docker("start", app).assertSuccess();

            String ips = docker("inspect", "-f", "{{range $k, $v := .NetworkSettings.Networks}}{{$k}}={{$v.IPAddress}} {{$v.Aliases}};{{end}}", app)
                    .assertSuccess().stdout().strip();
            assertThat(ips).matches("(" + front + "=10\\.[0-9.]+ \\[db-" + suffix + "\\];" + back + "=10\\.[0-9.]+ \\[\\];)"
                    + "|(" + back + "=10\\.[0-9.]+ \\[\\];" + front + "=10\\.[0-9.]+ \\[db-" + suffix + "\\];)");
            String frontIp = docker("inspect", "-f", "{{(index .NetworkSettings.Networks \"" + front + "\").IPAddress}}", app).assertSuccess().stdout().strip();
            String backIp = docker("inspect", "-f", "{{(index .NetworkSettings.Networks \"" + back + "\").IPAddress}}", app).assertSuccess().stdout().strip();
            assertThat(lookup(front, "db-" + suffix)).contains(frontIp);
            assertThat(lookup(back, app)).contains(backIp);
            assertThat(ps("network=" + back)).isEqualTo(app + "\n");

            // disconnected while it runs: gone at once and after a restart
            docker("network", "disconnect", back, app).assertSuccess();
            docker("restart", "-t", "0", app).assertSuccess();
            assertThat(docker("inspect", "-f", "{{len .NetworkSettings.Networks}}", app).assertSuccess().stdout().strip()).isEqualTo("1");
            // connected while stopped: there at the next start
            docker("stop", "-t", "0", app).assertSuccess();
            docker("network", "connect", "--alias", "cache-" + suffix, back, app).assertSuccess();
            docker("start", app).assertSuccess();
            String backIpAgain = docker("inspect", "-f", "{{(index .NetworkSettings.Networks \"" + back + "\").IPAddress}}", app).assertSuccess().stdout().strip();
            assertThat(lookup(back, "cache-" + suffix)).contains(backIpAgain);
            assertThat(lookup(back, app)).contains(backIpAgain);
            // renamed: the new name resolves, the old one no more
            docker("rename", app, app + "-new").assertSuccess();
            assertThat(lookup(front, app + "-new")).contains(docker("inspect", "-f",
                    "{{(index .NetworkSettings.Networks \"" + front + "\").IPAddress}}", app + "-new").assertSuccess().stdout().strip());
            assertThat(lookup(front, app)).contains("NXDOMAIN");
        } finally {
            docker("rm", "-f", app);
            docker("rm", "-f", app + "-new");
            docker("network", "rm", front, back);
        }
    }

    private String lookup(String network, String name) {
        CommandResult r = docker("run", "--rm", "--network", network, IMAGE, "busybox", "nslookup", name);
        return r.stdout() + r.stderr();
    }

    private String ps(String filter, String... more) {
        List<String> args = new java.util.ArrayList<>(List.of("ps", "--format", "{{.Names}}", "--filter", filter));
        args.addAll(List.of(more));
        return docker(args.toArray(String[]::new)).assertSuccess().stdout();
    }

    @Test
    void detachedRunWaitAndLogsGiveTheExitCodeAndBothStreams() {
        String id = docker("run", "-d", IMAGE, "sh", "-c", "echo out; echo err >&2; exit 3").assertSuccess().stdout().strip();
        assertThat(docker("wait", id).assertSuccess().stdout()).isEqualTo("3\n");
        CommandResult logs = docker("logs", id).assertSuccess();
        assertThat(logs.stdout()).isEqualTo("out\n");
        assertThat(logs.stderr()).isEqualTo("err\n");
        assertThat(docker("logs", "--tail", "1", "-t", id).assertSuccess().output())
                .matches("\\d{4}-\\d\\d-\\d\\dT[0-9:.]+Z err\n");
        assertThat(docker("inspect", "-f", "{{.State.Status}} {{.State.ExitCode}} {{.State.Pid}}", id).assertSuccess().stdout())
                .isEqualTo("exited 3 0\n");
    }

    @Test
    void runRmRemovesTheContainerWhenItExits() throws Exception {
        String id = docker("run", "--rm", "-d", IMAGE, "true").assertSuccess().stdout().strip();
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!docker("ps", "-aq").stdout().isBlank() && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertThat(docker("ps", "-aq").assertSuccess().stdout()).isEmpty();
        assertThat(Files.exists(tmp.resolve("data/containers/" + id))).isFalse();
    }

    @Test
    void mistakesGetDockersErrorsAndExitCodesAndLeaveNothingBehind() {
        CommandResult unknown = docker("run", "--pull", "never", "-d", "no-such-image-" + suffix);
        assertThat(unknown.exitCode()).as(unknown.describe()).isEqualTo(125);
        assertThat(unknown.stderr()).contains("No such image: no-such-image-" + suffix);

        String name = "taken-" + suffix;
        String first = docker("create", "--name", name, IMAGE, "true").assertSuccess().stdout().strip();
        CommandResult conflict = docker("run", "-d", "--name", name, IMAGE, "true");
        assertThat(conflict.exitCode()).as(conflict.describe()).isEqualTo(125);
        assertThat(conflict.stderr()).contains("Conflict. The container name \"/" + name + "\" is already in use by container \""
                + first + "\". You have to remove (or rename) that container to be able to reuse that name.");

        CommandResult notFound = docker("run", "-d", "--name", "nope-" + suffix, IMAGE, "nope");
        assertThat(notFound.exitCode()).isEqualTo(127);
        assertThat(notFound.stderr()).contains("exec: \"nope\": executable file not found in $PATH");
        assertThat(docker("inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", "nope-" + suffix).assertSuccess().stdout())
                .isEqualTo("created 127\n");
        assertThat(ExternalCommand.of("sh", "-c", "grep -c ' " + tmp + "' /proc/self/mountinfo || true").run().stdout().strip()).isEqualTo("0");
        assertThat(ExternalCommand.of("ip", "netns").run().stdout()).doesNotContain("skiff-" + first.substring(0, 12));

        CommandResult missing = docker("stop", "no-such-container-" + suffix);
        assertThat(missing.exitCode()).isNotZero();
        assertThat(missing.stderr()).contains("No such container: no-such-container-" + suffix);
    }

    @Test
    void containersSurviveADaemonKilledWithSigkillAndTheNextDaemonFindsThem() throws Exception {
        String sleeper = docker("run", "-d", "--name", "survivor-" + suffix, IMAGE, "sleep", "600").assertSuccess().stdout().strip();
        String quitter = docker("run", "-d", IMAGE, "sh", "-c", "sleep 2; echo bye; exit 5").assertSuccess().stdout().strip();
        ProcessHandle.of(daemon.pid()).ifPresent(ProcessHandle::destroyForcibly);
        assertThat(daemon.awaitExit(Duration.ofSeconds(20))).isTrue();
        daemon.close();
        Thread.sleep(3000); // the quitter exits while no daemon runs

        daemon = DaemonHarness.start(tmp, socket);
        assertThat(docker("ps", "--format", "{{.ID}} {{.Names}}").assertSuccess().stdout())
                .isEqualTo(sleeper.substring(0, 12) + " survivor-" + suffix + "\n");
        assertThat(docker("inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", quitter).assertSuccess().stdout()).isEqualTo("exited 5\n");
        assertThat(docker("logs", quitter).assertSuccess().stdout()).isEqualTo("bye\n");
        docker("stop", "-t", "1", sleeper).assertSuccess();
        docker("rm", sleeper).assertSuccess();
        assertThat(docker("ps", "-aq").assertSuccess().stdout().lines().toList()).containsExactly(quitter.substring(0, 12));
    }

    @Test
    void topPruneImageConflictsEventsAndASigtermedDaemonLeaveContainersAlone() throws Exception {
        String since = Long.toString(System.currentTimeMillis() / 1000 - 1);
        String sleeper = docker("run", "-d", IMAGE, "sleep", "600").assertSuccess().stdout().strip();
        String top = docker("top", sleeper).assertSuccess().stdout();
        assertThat(top.lines().findFirst().orElseThrow()).contains("PID", "CMD");
        assertThat(top).contains("sleep 600");

        String stats = docker("stats", "--no-stream", "--format", "{{.Name}} {{.CPUPerc}} {{.MemUsage}} {{.PIDs}}", sleeper)
                .assertSuccess().stdout();
        // no limit of its own: the host's memory, as dockerd says (not the cgroup's 8EiB)
        assertThat(stats).matches("\\S+ \\d+\\.\\d\\d% \\d+(\\.\\d+)?[KMG]?i?B / \\d+(\\.\\d+)?[MG]iB 1\n");

        CommandResult rmi = docker("rmi", IMAGE);
        assertThat(rmi.exitCode()).isNotZero();
        assertThat(rmi.stderr()).contains("image is being used by running container " + sleeper.substring(0, 12));

        // a daemon stopped with SIGTERM leaves the container running for the next one
        assertThat(daemon.stop(Duration.ofSeconds(20))).isNotEqualTo(137);
        daemon = DaemonHarness.start(tmp, socket);
        assertThat(docker("ps", "-q").assertSuccess().stdout()).isEqualTo(sleeper.substring(0, 12) + "\n");

        String done = docker("run", "-d", IMAGE, "true").assertSuccess().stdout().strip();
        docker("wait", done).assertSuccess();
        assertThat(docker("container", "prune", "-f").assertSuccess().stdout()).contains(done);
        assertThat(docker("ps", "-aq", "--no-trunc").assertSuccess().stdout()).isEqualTo(sleeper + "\n");

        docker("rm", "-f", sleeper).assertSuccess();
        String until = Long.toString(System.currentTimeMillis() / 1000 + 1);
        String actions = docker("events", "--since", since, "--until", until, "--filter", "container=" + done,
                "--format", "{{.Action}}").assertSuccess().stdout();
        assertThat(actions.lines().toList()).containsSubsequence("create", "start", "die", "destroy");
    }

    @Test
    void killRestartRenamePauseAndHostNetwork() {
        String name = "worker-" + suffix;
        String id = docker("run", "-d", "--name", name, "--network", "host", IMAGE, "sh", "-c",
                "trap 'echo got-hup' HUP; echo up; while true; do sleep 0.2; done").assertSuccess().stdout().strip();
        awaitOutput(() -> docker("logs", name).stdout(), "up\n");
        assertThat(docker("inspect", "-f", "{{.Config.Hostname}} {{.HostConfig.NetworkMode}}", name).assertSuccess().stdout())
                .isEqualTo(ExternalCommand.of("hostname").run().stdout().strip() + " host\n");
        docker("kill", "-s", "HUP", name).assertSuccess();
        awaitOutput(() -> docker("logs", name).stdout(), "up\ngot-hup\n");

        docker("pause", name).assertSuccess();
        assertThat(docker("ps", "--format", "{{.Status}}").assertSuccess().stdout()).endsWith("(Paused)\n");
        docker("unpause", name).assertSuccess();

        docker("rename", name, name + "-renamed").assertSuccess();
        assertThat(docker("ps", "--format", "{{.Names}}").assertSuccess().stdout()).isEqualTo(name + "-renamed\n");

        docker("restart", "-t", "0", name + "-renamed").assertSuccess();
        awaitOutput(() -> docker("logs", name + "-renamed").stdout(), "up\ngot-hup\nup\n");
        assertThat(docker("inspect", "-f", "{{.State.Status}}", id).assertSuccess().stdout()).isEqualTo("running\n");

        docker("kill", id).assertSuccess();
        assertThat(docker("wait", id).assertSuccess().stdout()).isEqualTo("137\n");
        CommandResult notRunning = docker("kill", id);
        assertThat(notRunning.exitCode()).isNotZero();
        assertThat(notRunning.stderr()).contains("is not running");
    }

    private static void awaitOutput(java.util.function.Supplier<String> probe, String expected) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        String last = probe.get();
        while (!last.equals(expected) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            last = probe.get();
        }
        assertThat(last).isEqualTo(expected);
    }
}
