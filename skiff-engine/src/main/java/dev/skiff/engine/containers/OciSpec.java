package dev.skiff.engine.containers;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
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

    /** Where Docker puts its init in the container, and what the process runs under {@code --init}. */
    static final String INIT_PATH = "/sbin/docker-init";

    /** tmpfs options Docker gives every {@code --tmpfs} and {@code --mount type=tmpfs} before the user's own. */
    static final List<String> TMPFS_DEFAULTS = List.of("noexec", "nosuid", "nodev", MountPoint.DEFAULT_PROPAGATION);

    /**
     * @param netns  the network namespace to join; empty shares the host's
     * @param mounts the container's binds, volumes and {@code --mount} tmpfs, as planned at create
     * @param init   the host's init binary, bind-mounted at {@value #INIT_PATH} to run as PID 1 when the
     *               container asks for {@code --init}
     */
    static ObjectNode build(Container c, Optional<Path> netns, ProcessUser user, List<MountPoint> mounts, Path init,
                            ObjectMapper json) {
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
        if (host.runsInit()) {
            args.add(INIT_PATH).add("--");
        }
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

        ArrayNode defaults = json.createArrayNode();
        mount(defaults, "/proc", "proc", "proc", "nosuid", "noexec", "nodev");
        mount(defaults, "/dev", "tmpfs", "tmpfs", "nosuid", "strictatime", "mode=755", "size=65536k");
        mount(defaults, "/dev/pts", "devpts", "devpts", "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5");
        mount(defaults, "/sys", "sysfs", "sysfs", "nosuid", "noexec", "nodev", host.privileged() ? "rw" : "ro");
        mount(defaults, "/sys/fs/cgroup", "cgroup", "cgroup", "nosuid", "noexec", "nodev", "relatime", host.privileged() ? "rw" : "ro");
        mount(defaults, "/dev/mqueue", "mqueue", "mqueue", "nosuid", "noexec", "nodev");
        mount(defaults, "/dev/shm", "tmpfs", "shm", "nosuid", "noexec", "nodev", "mode=1777", "size=" + host.shmSize());
        bind(defaults, "/etc/resolv.conf", c.resolvConfPath(), false, MountPoint.DEFAULT_PROPAGATION, true);
        bind(defaults, "/etc/hostname", c.hostnamePath(), false, MountPoint.DEFAULT_PROPAGATION, true);
        bind(defaults, "/etc/hosts", c.hostsPath(), false, MountPoint.DEFAULT_PROPAGATION, true);

        ArrayNode own = json.createArrayNode();
        List<MountPoint> ordered = new ArrayList<>(mounts);
        host.tmpfs().forEach((dest, data) -> ordered.add(new MountPoint("tmpfs", "", Path.of(""), dest, true, "", "", data)));
        // dockerd's order: parents before what is mounted inside them
        ordered.sort(Comparator.comparingInt(m -> depth(m.destination())));
        String rootPropagation = "";
        for (MountPoint m : ordered) {
            if (m.isTmpfs()) {
                List<String> options = new ArrayList<>(TMPFS_DEFAULTS);
                if (!m.tmpfsData().isEmpty()) {
                    options.addAll(List.of(m.tmpfsData().split(",")));
                }
                mount(own, m.destination(), "tmpfs", "tmpfs", mergeTmpfsOptions(options).toArray(String[]::new));
            } else {
                boolean recursive = ContainerMounts.specOf(host, m).map(b -> b.bindOptions() == null || !b.bindOptions().nonRecursive())
                        .orElse(true);
                bind(own, m.destination(), m.source(), !m.rw(), m.propagation(), recursive);
                // as dockerd: a shared or slave mount needs a root that propagates too
                if (m.propagation().endsWith("shared")) {
                    rootPropagation = "shared";
                } else if (m.propagation().endsWith("slave") && rootPropagation.isEmpty()) {
                    rootPropagation = "rslave";
                }
            }
        }
        ArrayNode all = spec.putArray("mounts");
        java.util.Set<String> covered = new java.util.HashSet<>();
        own.forEach(m -> covered.add(clean(m.path("destination").asText())));
        for (var m : defaults) {
            String dest = m.path("destination").asText();
            // a user's mount replaces the default at its path; one on /dev replaces all of /dev
            if (!covered.contains(dest) && !(covered.contains("/dev") && dest.startsWith("/dev/"))) {
                all.add(m);
            }
        }
        all.addAll(own);
        if (host.runsInit()) {
            mount(all, INIT_PATH, "bind", init.toString(), "bind", "ro");
        }

        ObjectNode linux = spec.putObject("linux");
        ArrayNode namespaces = linux.putArray("namespaces");
        for (String ns : List.of("pid", "ipc", "uts", "mount")) {
            namespaces.addObject().put("type", ns);
        }
        netns.ifPresent(p -> namespaces.addObject().put("type", "network").put("path", p.toString()));
        linux.put("cgroupsPath", "/skiff/" + c.id());
        if (!rootPropagation.isEmpty()) {
            linux.put("rootfsPropagation", rootPropagation);
        }
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

    private static void bind(ArrayNode mounts, String destination, Path source, boolean readOnly, String propagation,
                             boolean recursive) {
        String kind = recursive ? "rbind" : "bind";
        if (readOnly) {
            mount(mounts, destination, "bind", source.toString(), kind, propagation, "ro");
        } else {
            mount(mounts, destination, "bind", source.toString(), kind, propagation);
        }
    }

    private static int depth(String destination) {
        String d = clean(destination);
        return d.equals("/") ? 0 : (int) d.chars().filter(ch -> ch == '/').count();
    }

    private static String clean(String destination) {
        String d = Path.of(destination).normalize().toString();
        return d.isEmpty() ? "/" : d;
    }

    /** Flags that undo one another: the later of a pair wins, as in moby's MergeTmpfsOptions. */
    private static final Map<String, String> OPPOSITES = Map.ofEntries(
            Map.entry("ro", "rw"), Map.entry("suid", "nosuid"), Map.entry("dev", "nodev"), Map.entry("exec", "noexec"),
            Map.entry("sync", "async"), Map.entry("atime", "noatime"), Map.entry("diratime", "nodiratime"),
            Map.entry("relatime", "norelatime"), Map.entry("strictatime", "nostrictatime"), Map.entry("mand", "nomand"),
            Map.entry("iversion", "noiversion"), Map.entry("dirsync", "nodirsync"));

    /**
     * Docker's defaults followed by the user's tmpfs options, each option once: for {@code key=value}
     * the last value of a key, for flags the last of a pair ({@code exec} after {@code noexec} wins),
     * in the order they were last given.
     *
     * @throws ContainerException.InvalidArgument for an option tmpfs does not take, in dockerd's words
     */
    static List<String> mergeTmpfsOptions(List<String> options) {
        Map<String, String> byGroup = new LinkedHashMap<>();
        for (String o : options) {
            if (o.isEmpty() || o.equals("defaults")) {
                continue;
            }
            int eq = o.indexOf('=');
            if (eq >= 0 ? !TMPFS_DATA.contains(o.substring(0, eq)) : group(o) == null) {
                String[] parts = o.split("=", 2);
                throw new ContainerException.InvalidArgument("invalid tmpfs option [" + String.join(" ", java.util.Arrays.stream(parts)
                        .map(x -> "\"" + x + "\"").toList()) + "]");
            }
            String group = eq >= 0 ? o.substring(0, eq) : group(o);
            byGroup.remove(group); // the later one takes the later place
            byGroup.put(group, o);
        }
        return List.copyOf(byGroup.values());
    }

    private static String group(String flag) {
        for (var e : OPPOSITES.entrySet()) {
            if (flag.equals(e.getKey()) || flag.equals(e.getValue())) {
                return e.getKey();
            }
        }
        if (ContainerMounts.PROPAGATIONS.contains(flag)) {
            return "propagation";
        }
        return FLAGS.contains(flag) ? flag : null;
    }

    /** Other mount flags moby knows; {@code key=value} data tmpfs takes. */
    private static final java.util.Set<String> FLAGS = java.util.Set.of("remount", "bind", "rbind", "unbindable", "runbindable",
            "nosymfollow", "symfollow");
    private static final java.util.Set<String> TMPFS_DATA = java.util.Set.of("size", "mode", "uid", "gid", "nr_inodes", "nr_blocks",
            "mpol");
}
