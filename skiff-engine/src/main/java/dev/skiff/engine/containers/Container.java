package dev.skiff.engine.containers;

import dev.skiff.engine.network.Attachment;
import dev.skiff.formats.Digest;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * One container as the engine records it.
 *
 * @param name        docker's form, with the leading slash ({@code /quirky_turing})
 * @param imageId     the image it was created from
 * @param config      the run's config merged with the image's (what {@code inspect} shows as Config)
 * @param network     where the running container is attached; empty when it is not running
 * @param dir         {@code <data-root>/containers/<id>}: bundle, log, hosts files
 */
public record Container(String id, String name, Instant created, Digest imageId, ContainerConfig config,
                        HostConfig hostConfig, ContainerState state, int restartCount, Optional<Attachment> network,
                        Path dir) {

    public String shortId() {
        return id.substring(0, 12);
    }

    public Path bundle() {
        return dir.resolve("bundle");
    }

    public Path rootfs() {
        return bundle().resolve("rootfs");
    }

    /** conmon's k8s-file log: {@code <RFC3339Nano> stdout|stderr F|P <text>} lines. */
    public Path logPath() {
        return dir.resolve("container.log");
    }

    /**
     * conmon's attach socket (SOCK_SEQPACKET): reading gives stdout/stderr frames, writing feeds stdin
     * (when created with OpenStdin). The integrator's attach route connects here.
     */
    public Path attachSocket() {
        return bundle().resolve("attach");
    }

    /** conmon's control FIFO: {@code 1 <height> <width>\n} resizes the terminal. */
    public Path controlFifo() {
        return bundle().resolve("ctl");
    }

    public Path hostsPath() {
        return dir.resolve("hosts");
    }

    public Path resolvConfPath() {
        return dir.resolve("resolv.conf");
    }

    public Path hostnamePath() {
        return dir.resolve("hostname");
    }

    /** Path and Args as docker's inspect splits the command line. */
    public String path() {
        List<String> args = config.args();
        return args.isEmpty() ? "" : args.getFirst();
    }

    public List<String> args() {
        List<String> args = config.args();
        return args.isEmpty() ? List.of() : args.subList(1, args.size());
    }

    Container withState(ContainerState s) {
        return new Container(id, name, created, imageId, config, hostConfig, s, restartCount, network, dir);
    }

    Container withName(String n) {
        return new Container(id, n, created, imageId, config, hostConfig, state, restartCount, network, dir);
    }

    Container withNetwork(Optional<Attachment> a) {
        return new Container(id, name, created, imageId, config, hostConfig, state, restartCount, a, dir);
    }

    Container withRestartCount(int n) {
        return new Container(id, name, created, imageId, config, hostConfig, state, n, network, dir);
    }
}
