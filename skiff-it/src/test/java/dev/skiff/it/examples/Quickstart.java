package dev.skiff.it.examples;

import dev.skiff.it.support.CommandResult;
import dev.skiff.it.support.ExternalCommand;
import dev.skiff.it.support.FreePort;
import dev.skiff.it.support.HostCleanup;
import dev.skiff.it.support.SkiffCli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One {@code skiff quickstart} of a test, as root and offline: its own folder, socket, bridge, subnet
 * and ports under the test's temp folder, so it meets neither the defaults a user's quickstart takes
 * nor other tests; the base image is made from the host's own node and busybox. {@link #close}
 * takes down whatever it started, even after a failed test.
 */
final class Quickstart implements AutoCloseable {
    static final Path APP = Path.of("..", "examples", "getting-started").toAbsolutePath().normalize();

    final Path tmp;
    final Path dir;
    final Path socket;
    final Path config;
    final String bridge;
    final String subnetPrefix;
    final int appPort;
    final int registryPort;

    Quickstart(Path tmp) {
        this.tmp = tmp;
        dir = tmp.resolve("qs");
        socket = tmp.resolve("skiff.sock");
        config = tmp.resolve("config");
        long h = tmp.toString().hashCode() & 0xffffffffL;
        bridge = "skq" + Long.toString(h, 36);
        subnetPrefix = "10." + (200 + h % 50) + "." + (h >>> 8) % 256;
        appPort = FreePort.pick();
        int registry = FreePort.pick();
        while (registry == appPort) {
            registry = FreePort.pick();
        }
        registryPort = registry;
    }

    /** {@code skiff quickstart} with this run's folder, socket, bridge, subnet, ports and app, then {@code more}. */
    CommandResult run(Duration timeout, String... more) {
        List<String> args = new ArrayList<>(List.of("quickstart", "--dir", dir.toString(), "-H", "unix://" + socket, "--bridge", bridge,
                "--bip", subnetPrefix + ".1/24", "--app-port", Integer.toString(appPort), "--registry-port", Integer.toString(registryPort),
                "--app-dir", APP.toString()));
        args.addAll(List.of(more));
        return ExternalCommand.of(SkiffCli.command(args.toArray(String[]::new))).env("SKIFF_CONFIG", config.toString())
                .timeout(timeout).run();
    }

    /** The whole tutorial, offline, with alice's {@code password}: fails the test unless it succeeds. */
    CommandResult up(String password) {
        CommandResult up = run(Duration.ofMinutes(10), "--base-image-tar", baseImageTar().toString(), "--password", password);
        return up.assertSuccess();
    }

    /** A client command against this run's daemon. */
    CommandResult skiff(String... args) {
        List<String> all = new ArrayList<>(List.of("-H", "unix://" + socket));
        all.addAll(List.of(args));
        return ExternalCommand.of(SkiffCli.command(all.toArray(String[]::new))).env("SKIFF_CONFIG", config.toString())
                .timeout(Duration.ofMinutes(2)).run();
    }

    Optional<Long> daemonPid() {
        return pidFrom(dir.resolve("daemon.pid"));
    }

    Optional<Long> registryPid() {
        return pidFrom(dir.resolve("registry.pid"));
    }

    /** A root file system with the host's node, the libraries ldd names for it, and busybox as /bin/sh. */
    Path baseImageTar() {
        Path tar = tmp.resolve("node-base.tar");
        if (Files.exists(tar)) {
            return tar;
        }
        Path rootfs = tmp.resolve("rootfs");
        String node = ExternalCommand.of("readlink", "-f", "/usr/bin/node").run().assertSuccess().stdout().strip();
        List<String> files = new ArrayList<>(List.of(node));
        for (String line : ExternalCommand.of("ldd", node).run().assertSuccess().stdout().lines().toList()) {
            for (String word : line.strip().split("\\s+")) {
                if (word.startsWith("/")) {
                    files.add(word);
                }
            }
        }
        for (String file : files) {
            String target = file.equals(node) ? "/usr/bin/node" : file;
            ExternalCommand.of("install", "-D", "-m", "0755", file, rootfs + target).run().assertSuccess();
        }
        ExternalCommand.of("install", "-D", "-m", "0755", "/bin/busybox", rootfs + "/bin/busybox").run().assertSuccess();
        for (String applet : List.of("sh", "mkdir", "ls", "cat")) {
            ExternalCommand.of("ln", "-s", "busybox", rootfs + "/bin/" + applet).run().assertSuccess();
        }
        ExternalCommand.of("mkdir", "-p", rootfs + "/tmp", rootfs + "/etc").run().assertSuccess();
        ExternalCommand.of("tar", "-C", rootfs.toString(), "-cf", tar.toString(), ".").run().assertSuccess();
        return tar;
    }

    /** {@code --down}, then stops what a PID file still names, then removes what a failed run left on the host. */
    @Override
    public void close() {
        run(Duration.ofMinutes(2), "--down");
        for (Optional<Long> pid : List.of(daemonPid(), registryPid())) {
            pid.flatMap(ProcessHandle::of).ifPresent(ProcessHandle::destroyForcibly);
        }
        HostCleanup.removeLeftovers(tmp, bridge, subnetPrefix);
    }

    static Optional<Long> pidFrom(Path file) {
        try {
            return Files.exists(file) ? Optional.of(Long.parseLong(Files.readString(file).strip())) : Optional.empty();
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }
}
