package dev.skiff.it.daemon;

import dev.skiff.it.support.CommandResult;
import dev.skiff.it.support.ExternalCommand;
import dev.skiff.it.support.RequiredTool;
import dev.skiff.it.support.ServerProcess;
import dev.skiff.it.support.SkiffCli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** A real {@code skiff daemon} on a unix socket, and the docker and skiff CLIs pointed at it. */
public final class DaemonHarness {
    private DaemonHarness() {
    }

    /** Starts {@code skiff daemon} with its data under {@code tmp}, listening on {@code socket}, with more options if given. */
    public static ServerProcess start(Path tmp, Path socket, String... moreOptions) {
        return start(tmp, socket, Map.of(), moreOptions);
    }

    /** As {@link #start(Path, Path, String...)}, with these variables in the daemon's environment. */
    public static ServerProcess start(Path tmp, Path socket, Map<String, String> env, String... moreOptions) {
        // each test's daemon its own bridge and subnet, the same again for a restart on the same roots:
        // tests never meet Docker's 172.17/16, skiff0, or each other
        long h = tmp.toAbsolutePath().toString().hashCode() & 0xffffffffL;
        String bridge = "skt" + Long.toString(h, 36);
        String subnetPrefix = subnetPrefix(tmp);
        List<String> args = new ArrayList<>(List.of("daemon", "--data-root", tmp.resolve("data").toString(),
                "--exec-root", tmp.resolve("exec").toString(), "-H", "unix://" + socket,
                "--bridge", bridge, "--bip", subnetPrefix + ".1/24"));
        args.addAll(List.of(moreOptions));
        List<String> command = new ArrayList<>(List.of("env"));
        env.forEach((name, value) -> command.add(name + "=" + value));
        command.addAll(SkiffCli.command(args.toArray(String[]::new)));
        ServerProcess daemon = ServerProcess.start("skiff-daemon", command, null);
        // the daemon leaves containers running when it stops (live restore): a test's go with it
        daemon.beforeClose(() -> {
            CommandResult ids = docker(tmp, socket, "ps", "-aq");
            if (ids.succeeded() && !ids.stdout().isBlank()) {
                List<String> rm = new ArrayList<>(List.of("rm", "-f"));
                rm.addAll(List.of(ids.stdout().strip().split("\\s+")));
                docker(tmp, socket, rm.toArray(String[]::new));
            }
        });
        daemon.afterClose(() -> dev.skiff.it.support.HostCleanup.removeLeftovers(tmp, bridge, subnetPrefix));
        Optional<String> first = daemon.nextStdoutLine(Duration.ofSeconds(30));
        assertThat(first).as(daemon.describe()).hasValueSatisfying(l -> assertThat(l).startsWith("skiff daemon listening on unix://" + socket));
        return daemon;
    }

    /** The first three bytes of the default bridge's /24 of the daemon {@link #start} starts for {@code tmp}. */
    static String subnetPrefix(Path tmp) {
        long h = tmp.toAbsolutePath().toString().hashCode() & 0xffffffffL;
        return "10." + (200 + h % 50) + "." + (h >>> 8) % 256;
    }

    /** The host's address on that bridge: what a container (a build's RUN too) reaches the host at. */
    public static String gateway(Path tmp) {
        return subnetPrefix(tmp) + ".1";
    }

    /** The real docker CLI against the daemon, with its own config folder under {@code tmp}. */
    public static CommandResult docker(Path tmp, Path socket, String... args) {
        List<String> command = new ArrayList<>(List.of(RequiredTool.DOCKER.command(), "-H", "unix://" + socket));
        command.addAll(List.of(args));
        return ExternalCommand.of(command).env("DOCKER_CONFIG", tmp.resolve("docker-config").toString())
                .timeout(Duration.ofSeconds(120)).run();
    }

    /** The skiff CLI against the daemon. */
    public static CommandResult skiff(Path socket, String... args) {
        List<String> all = new ArrayList<>(List.of("-H", "unix://" + socket));
        all.addAll(List.of(args));
        return SkiffCli.run(Duration.ofSeconds(120), all.toArray(String[]::new));
    }
}
