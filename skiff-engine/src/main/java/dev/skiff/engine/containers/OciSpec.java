package dev.skiff.engine.containers;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Describes a container as an OCI runtime spec ({@code config.json}) with Docker's defaults: the
 * namespaces, capabilities, masked and read-only paths, mounts, seccomp profile and cgroup limits
 * dockerd would give it. Pure: it writes nothing and mounts nothing, so it is testable without root.
 */
final class OciSpec {
    static final String DEFAULT_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    static final List<String> MASKED_PATHS = List.of("/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys",
            "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi",
            "/sys/firmware", "/sys/devices/virtual/powercap");
    static final List<String> READONLY_PATHS = List.of("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
            "/proc/sysrq-trigger");
    private static final long CPU_PERIOD = 100_000;

    private OciSpec() {
    }

    /**
     * @param netns the network namespace to join; empty shares the host's
     * @param binds {@code -v /host:/container[:ro]} mounts, already validated
     */
    static ObjectNode build(Container c, Optional<Path> netns, ProcessUser user, List<Bind> binds, ObjectMapper json) {
        ContainerConfig cfg = c.config();
        HostConfig host = c.hostConfig();
        ObjectNode spec = json.createObjectNode();
        spec.put("ociVersion", "1.0.2");

        ObjectNode process = spec.putObject("process");
        process.put("terminal", cfg.tty());
        ObjectNode u = process.putObject("user");
        u.put("uid", user.uid());
        u.put("gid", user.gid());
        if (!user.additionalGids().isEmpty()) {
            ArrayNode gids = u.putArray("additionalGids");
            user.additionalGids().forEach(gids::add);
        }
        ArrayNode args = process.putArray("args");
        cfg.args().forEach(args::add);
        ArrayNode env = process.putArray("env");
        environment(cfg).forEach(env::add);
        process.put("cwd", cfg.workingDir().isEmpty() ? "/" : cfg.workingDir());
        List<String> caps = Capabilities.effective(host.capAdd(), host.capDrop(), host.privileged());
        ObjectNode capabilities = process.putObject("capabilities");
        for (String set : List.of("bounding", "effective", "permitted")) {
            ArrayNode a = capabilities.putArray(set);
            caps.forEach(a::add);
        }
        process.put("noNewPrivileges", false);
        process.put("oomScoreAdj", 0);

        ObjectNode root = spec.putObject("root");
        root.put("path", "rootfs");
        root.put("readonly", host.readonlyRootfs());
        spec.put("hostname", cfg.hostname());

        ArrayNode mounts = spec.putArray("mounts");
        mount(mounts, "/proc", "proc", "proc", "nosuid", "noexec", "nodev");
        mount(mounts, "/dev", "tmpfs", "tmpfs", "nosuid", "strictatime", "mode=755", "size=65536k");
        mount(mounts, "/dev/pts", "devpts", "devpts", "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5");
        mount(mounts, "/sys", "sysfs", "sysfs", "nosuid", "noexec", "nodev", host.privileged() ? "rw" : "ro");
        mount(mounts, "/sys/fs/cgroup", "cgroup", "cgroup", "nosuid", "noexec", "nodev", "relatime", host.privileged() ? "rw" : "ro");
        mount(mounts, "/dev/mqueue", "mqueue", "mqueue", "nosuid", "noexec", "nodev");
        mount(mounts, "/dev/shm", "tmpfs", "shm", "nosuid", "noexec", "nodev", "mode=1777", "size=" + host.shmSize());
        bind(mounts, "/etc/resolv.conf", c.resolvConfPath(), false);
        bind(mounts, "/etc/hostname", c.hostnamePath(), false);
        bind(mounts, "/etc/hosts", c.hostsPath(), false);
        for (Bind b : binds) {
            bind(mounts, b.target(), b.source(), b.readOnly());
        }

        ObjectNode linux = spec.putObject("linux");
        ArrayNode namespaces = linux.putArray("namespaces");
        for (String ns : List.of("pid", "ipc", "uts", "mount")) {
            namespaces.addObject().put("type", ns);
        }
        netns.ifPresent(p -> namespaces.addObject().put("type", "network").put("path", p.toString()));
        linux.put("cgroupsPath", "/skiff/" + c.id());
        linux.set("resources", resources(host, json));
        if (!host.privileged()) {
            ArrayNode masked = linux.putArray("maskedPaths");
            MASKED_PATHS.forEach(masked::add);
            ArrayNode ro = linux.putArray("readonlyPaths");
            READONLY_PATHS.forEach(ro::add);
            linux.set("seccomp", SeccompProfile.forCapabilities(caps, json));
        }
        return spec;
    }

    /** Docker's order: PATH, HOSTNAME, TERM with a tty, then the config's Env replacing any of those. */
    static List<String> environment(ContainerConfig cfg) {
        Map<String, String> env = new LinkedHashMap<>();
        put(env, DEFAULT_PATH);
        put(env, "HOSTNAME=" + cfg.hostname());
        if (cfg.tty()) {
            put(env, "TERM=xterm");
        }
        cfg.env().forEach(e -> put(env, e));
        List<String> out = new ArrayList<>();
        env.forEach((k, v) -> out.add(v));
        return out;
    }

    private static void put(Map<String, String> env, String entry) {
        int eq = entry.indexOf('=');
        env.put(eq < 0 ? entry : entry.substring(0, eq), entry);
    }

    private static ObjectNode resources(HostConfig host, ObjectMapper json) {
        ObjectNode r = json.createObjectNode();
        ArrayNode devices = r.putArray("devices");
        // deny all, then runc adds its default allow list (null, zero, full, random, urandom, tty, ptmx)
        devices.addObject().put("allow", host.privileged()).put("access", "rwm");
        if (host.memory() > 0) {
            r.putObject("memory").put("limit", host.memory());
        }
        if (host.nanoCpus() > 0 || host.cpuShares() > 0) {
            ObjectNode cpu = r.putObject("cpu");
            if (host.cpuShares() > 0) {
                cpu.put("shares", host.cpuShares());
            }
            if (host.nanoCpus() > 0) {
                cpu.put("period", CPU_PERIOD);
                cpu.put("quota", host.nanoCpus() * CPU_PERIOD / 1_000_000_000L);
            }
        }
        if (host.pidsLimit() != null && host.pidsLimit() > 0) {
            r.putObject("pids").put("limit", host.pidsLimit());
        }
        return r;
    }

    private static void mount(ArrayNode mounts, String destination, String type, String source, String... options) {
        ObjectNode m = mounts.addObject();
        m.put("destination", destination);
        m.put("type", type);
        m.put("source", source);
        ArrayNode o = m.putArray("options");
        for (String option : options) {
            o.add(option);
        }
    }

    private static void bind(ArrayNode mounts, String destination, Path source, boolean readOnly) {
        if (readOnly) {
            mount(mounts, destination, "bind", source.toString(), "rbind", "rprivate", "ro");
        } else {
            mount(mounts, destination, "bind", source.toString(), "rbind", "rprivate");
        }
    }

    /** A {@code -v /host/path:/container/path[:ro]} bind mount. */
    record Bind(Path source, String target, boolean readOnly) {
        /** Parses one {@code Binds} entry; named volumes are not supported yet and say so. */
        static Bind parse(String spec) {
            String[] parts = spec.split(":");
            if (parts.length < 2 || parts.length > 3 || parts[1].isEmpty() || !parts[1].startsWith("/")) {
                throw new ContainerException.InvalidArgument("invalid volume specification: '" + spec + "'");
            }
            if (!parts[0].startsWith("/")) {
                throw new ContainerException.InvalidArgument("named volumes are not supported yet ('" + spec
                        + "'); bind-mount a host directory with an absolute path instead");
            }
            boolean ro = false;
            if (parts.length == 3) {
                for (String opt : parts[2].split(",")) {
                    switch (opt) {
                        case "ro" -> ro = true;
                        case "rw", "z", "Z", "rprivate", "private" -> {
                        }
                        default -> throw new ContainerException.InvalidArgument("invalid mode: " + opt);
                    }
                }
            }
            return new Bind(Path.of(parts[0]), parts[1], ro);
        }
    }
}
