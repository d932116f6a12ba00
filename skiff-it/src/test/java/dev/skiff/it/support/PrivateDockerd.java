package dev.skiff.it.support;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A dockerd of Debian's docker.io of the test's own, to compare with or to drive: its own data and exec
 * roots and unix socket under {@code dir}, its own containerd namespace, no bridge and no iptables
 * (containers run with {@code --network none}). Closing it removes its containers and stops it.
 */
public final class PrivateDockerd implements AutoCloseable {
    private final ServerProcess process;
    private final Path socket;
    private final Path config;

    private PrivateDockerd(ServerProcess process, Path socket, Path config) {
        this.process = process;
        this.socket = socket;
        this.config = config;
    }

    /** Starts it under {@code dir}, its containerd namespace named {@code namespace-<pid>}; waits until it answers. */
    public static PrivateDockerd start(Path dir, String namespace) throws Exception {
        Files.createDirectories(dir);
        Path socket = dir.resolve("docker.sock");
        String ns = namespace + "-" + ProcessHandle.current().pid();
        ServerProcess process = ServerProcess.start("dockerd", List.of(RequiredTool.DOCKERD.command(),
                "--data-root", dir.resolve("data").toString(), "--exec-root", dir.resolve("exec").toString(),
                "-H", "unix://" + socket, "--pidfile", dir.resolve("dockerd.pid").toString(),
                "--bridge=none", "--iptables=false", "--ip-masq=false",
                "--containerd-namespace", ns, "--containerd-plugins-namespace", ns + "-plugins"), null);
        PrivateDockerd dockerd = new PrivateDockerd(process, socket, dir.resolve("docker-config"));
        Instant deadline = Instant.now().plusSeconds(60);
        while (!dockerd.docker("version").succeeded()) {
            if (Instant.now().isAfter(deadline) || !process.isAlive()) {
                process.close();
                throw new AssertionError("dockerd did not start\n" + process.describe());
            }
            Thread.sleep(250);
        }
        return dockerd;
    }

    public Path socket() {
        return socket;
    }

    /** Its command line and log, for a failing assertion. */
    public String describe() {
        return process.describe();
    }

    /** The docker CLI against it, with a config folder of its own. */
    public CommandResult docker(String... args) {
        List<String> command = new ArrayList<>(List.of(RequiredTool.DOCKER.command(), "-H", "unix://" + socket));
        command.addAll(List.of(args));
        return ExternalCommand.of(command).env("DOCKER_CONFIG", config.toString()).timeout(Duration.ofSeconds(60)).run();
    }

    @Override
    public void close() {
        List<String> ids = docker("ps", "-aq").stdout().lines().toList();
        if (!ids.isEmpty()) {
            List<String> rm = new ArrayList<>(List.of("rm", "-f"));
            rm.addAll(ids);
            docker(rm.toArray(String[]::new));
        }
        process.close();
    }
}
