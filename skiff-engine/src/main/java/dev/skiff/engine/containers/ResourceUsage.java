package dev.skiff.engine.containers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One sample of a container's cgroup counters ({@code docker stats}): CPU time in nanoseconds (the
 * container's and the whole host's, which the client divides), memory and pids. Read from the
 * cgroup v1 hierarchies runc made under {@code /skiff/<id>}; a counter that cannot be read is 0.
 */
public record ResourceUsage(Instant read, long cpuTotalNanos, List<Long> perCpuNanos, long cpuUserNanos, long cpuKernelNanos,
                            long systemCpuNanos, int onlineCpus, long memoryUsage, long memoryMaxUsage, long memoryLimit,
                            Map<String, Long> memoryStat, long pids, Map<String, Interface> networks, List<BlockIo> blockIo) {
    private static final Path CGROUP = Path.of("/sys/fs/cgroup");
    /** USER_HZ: /proc/stat counts in these. */
    private static final long TICKS_PER_SECOND = 100;

    /** One network interface's counters in the container's namespace, as /proc/net/dev has them. */
    public record Interface(long rxBytes, long rxPackets, long rxErrors, long rxDropped,
                            long txBytes, long txPackets, long txErrors, long txDropped) {
    }

    /** One line of blkio's io_service_bytes: the device, the operation ({@code Read}, {@code Write}, ...), the bytes. */
    public record BlockIo(int major, int minor, String op, long value) {
    }

    public ResourceUsage {
        perCpuNanos = List.copyOf(perCpuNanos);
        memoryStat = Map.copyOf(memoryStat);
        networks = Map.copyOf(networks);
        blockIo = List.copyOf(blockIo);
    }

    /**
     * @param pid the container's first process on the host: its {@code /proc/<pid>/net/dev} gives the
     *            counters of the container's network namespace
     */
    static ResourceUsage sample(String containerId, int pid) {
        String group = "skiff/" + containerId;
        Path cpuacct = CGROUP.resolve("cpuacct").resolve(group);
        Path memory = CGROUP.resolve("memory").resolve(group);
        List<Long> perCpu = new ArrayList<>();
        for (String v : text(cpuacct.resolve("cpuacct.usage_percpu")).trim().split("\\s+")) {
            if (!v.isEmpty()) {
                perCpu.add(parse(v));
            }
        }
        Map<String, Long> memStat = new LinkedHashMap<>();
        for (String line : text(memory.resolve("memory.stat")).split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length == 2) {
                memStat.put(f[0], parse(f[1]));
            }
        }
        long user = 0;
        long kernel = 0;
        for (String line : text(cpuacct.resolve("cpuacct.stat")).split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length == 2) {
                long nanos = parse(f[1]) * (1_000_000_000L / TICKS_PER_SECOND);
                if (f[0].equals("user")) {
                    user = nanos;
                } else if (f[0].equals("system")) {
                    kernel = nanos;
                }
            }
        }
        // without a limit of its own the cgroup says 2^63 rounded to pages; dockerd shows the host's memory then
        long limit = parse(text(memory.resolve("memory.limit_in_bytes")));
        long hostMemory = hostMemory();
        if (hostMemory > 0 && limit > hostMemory) {
            limit = hostMemory;
        }
        return new ResourceUsage(Instant.now(), parse(text(cpuacct.resolve("cpuacct.usage"))), perCpu, user, kernel,
                hostCpuNanos(), Runtime.getRuntime().availableProcessors(), parse(text(memory.resolve("memory.usage_in_bytes"))),
                parse(text(memory.resolve("memory.max_usage_in_bytes"))), limit,
                memStat, parse(text(CGROUP.resolve("pids").resolve(group).resolve("pids.current"))),
                pid > 0 ? interfaces(text(Path.of("/proc", Integer.toString(pid), "net", "dev"))) : Map.of(),
                blockIo(text(CGROUP.resolve("blkio").resolve(group).resolve("blkio.throttle.io_service_bytes_recursive"))));
    }

    /** Every interface but lo, from /proc/net/dev's text. */
    static Map<String, Interface> interfaces(String netDev) {
        Map<String, Interface> out = new LinkedHashMap<>();
        for (String line : netDev.split("\n")) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String name = line.substring(0, colon).trim();
            String[] f = line.substring(colon + 1).trim().split("\\s+");
            if (name.equals("lo") || name.contains("|") || f.length < 12) {
                continue;
            }
            out.put(name, new Interface(parse(f[0]), parse(f[1]), parse(f[2]), parse(f[3]),
                    parse(f[8]), parse(f[9]), parse(f[10]), parse(f[11])));
        }
        return out;
    }

    /** {@code 8:0 Read 4096} lines; the closing {@code Total} line is left out, as dockerd leaves it out. */
    static List<BlockIo> blockIo(String serviceBytes) {
        List<BlockIo> out = new ArrayList<>();
        for (String line : serviceBytes.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length != 3) {
                continue;
            }
            String[] device = f[0].split(":");
            if (device.length == 2) {
                out.add(new BlockIo((int) parse(device[0]), (int) parse(device[1]), f[1], parse(f[2])));
            }
        }
        return out;
    }

    /** MemTotal of /proc/meminfo in bytes; 0 when unknown. */
    private static long hostMemory() {
        for (String line : text(Path.of("/proc/meminfo")).split("\n")) {
            if (line.startsWith("MemTotal:")) {
                return parse(line.substring("MemTotal:".length()).replace("kB", "")) * 1024;
            }
        }
        return 0;
    }

    /** The host's total CPU time, as docker's system_cpu_usage: the first line of /proc/stat, in nanoseconds. */
    private static long hostCpuNanos() {
        String first = text(Path.of("/proc/stat")).lines().findFirst().orElse("");
        long ticks = 0;
        String[] f = first.trim().split("\\s+");
        for (int i = 1; i < f.length && i <= 8; i++) {
            ticks += parse(f[i]);
        }
        return ticks * (1_000_000_000L / TICKS_PER_SECOND);
    }

    private static String text(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return "";
        }
    }

    private static long parse(String s) {
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
