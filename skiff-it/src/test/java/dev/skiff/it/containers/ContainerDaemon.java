package dev.skiff.it.containers;

import dev.skiff.it.support.CommandResult;
import dev.skiff.it.support.ExternalCommand;
import dev.skiff.it.support.HostCleanup;
import dev.skiff.it.support.RequiredTool;
import dev.skiff.it.support.ServerProcess;
import dev.skiff.it.support.SkiffCli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real {@code skiff daemon} that runs containers, on its own bridge and subnet (so tests never
 * meet Docker's 172.17/16 or each other), with the docker and skiff CLIs pointed at it. Closing it
 * removes every container it made (the daemon itself leaves them running on purpose: live restore),
 * stops it, and removes its bridge and the iptables rules that name its subnet or bridge.
 */
final class ContainerDaemon implements AutoCloseable {
    private final Path tmp;
    private final Path socket;
    private final String bridge;
    private final String subnetPrefix;
    private ServerProcess process;

    private ContainerDaemon(Path tmp, Path socket, String bridge, String subnetPrefix) {
        this.tmp = tmp;
        this.socket = socket;
        this.bridge = bridge;
        this.subnetPrefix = subnetPrefix;
    }

    static ContainerDaemon start(Path tmp, String... moreOptions) {
        return start(tmp, tmp.resolve("skiff.sock"), moreOptions);
    }

    static ContainerDaemon start(Path tmp, Path socket, String... moreOptions) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        String bridge = "skc" + Long.toString(random.nextLong(1L << 40), 36);
        String prefix = "10." + (200 + random.nextInt(50)) + "." + random.nextInt(256);
        ContainerDaemon daemon = new ContainerDaemon(tmp, socket, bridge, prefix);
        daemon.process = daemon.launch(moreOptions);
        return daemon;
    }

    private ServerProcess launch(String... moreOptions) {
        List<String> args = new ArrayList<>(List.of("daemon", "--data-root", tmp.resolve("data").toString(),
                "--exec-root", tmp.resolve("exec").toString(), "-H", "unix://" + socket,
                "--bridge", bridge, "--bip", subnetPrefix + ".1/24", "--debug-requests")); // the log shows each request's answer
        args.addAll(List.of(moreOptions));
        ServerProcess daemon = ServerProcess.start("skiff-daemon", SkiffCli.command(args.toArray(String[]::new)), null);
        Optional<String> first = daemon.nextStdoutLine(Duration.ofSeconds(30));
        assertThat(first).as(daemon.describe()).hasValueSatisfying(l -> assertThat(l).startsWith("skiff daemon listening on unix://" + socket));
        return daemon;
    }

    /** kill -9 of the daemon, its containers left as they are. */
    void kill9() {
        ExternalCommand.of("kill", "-KILL", Long.toString(process.pid())).run();
        process.awaitExit(Duration.ofSeconds(10));
    }

    /** SIGTERM, waiting for the daemon to exit. */
    void stopDaemon() {
        process.stop(Duration.ofSeconds(20));
    }

    /** A new daemon on the same roots, bridge and socket. */
    void restart() {
        process = launch();
    }

    ServerProcess process() {
        return process;
    }

    Path socket() {
        return socket;
    }

    String subnetPrefix() {
        return subnetPrefix;
    }

    String bridge() {
        return bridge;
    }

    CommandResult skiff(String... args) {
        List<String> all = new ArrayList<>(List.of("-H", "unix://" + socket));
        all.addAll(List.of(args));
        return SkiffCli.run(Duration.ofSeconds(120), all.toArray(String[]::new));
    }

    CommandResult docker(String... args) {
        List<String> command = new ArrayList<>(List.of(RequiredTool.DOCKER.command(), "-H", "unix://" + socket));
        command.addAll(List.of(args));
        return ExternalCommand.of(command).env("DOCKER_CONFIG", tmp.resolve("docker-config").toString())
                .timeout(Duration.ofSeconds(120)).run();
    }

    @Override
    public void close() {
        try {
            if (process.isAlive()) {
                CommandResult ids = docker("ps", "-aq");
                if (ids.succeeded() && !ids.stdout().isBlank()) {
                    List<String> rm = new ArrayList<>(List.of("rm", "-f"));
                    rm.addAll(List.of(ids.stdout().strip().split("\\s+")));
                    docker(rm.toArray(String[]::new));
                }
            }
        } finally {
            process.close();
            removeLeftovers();
        }
    }

    /** What a container or the daemon may have left if a test failed half-way: mounts, bridge, rules. */
    private void removeLeftovers() {
        HostCleanup.removeLeftovers(tmp, bridge, subnetPrefix);
    }
}
