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
                            Map<String, Long> memoryStat, long pids) {
    private static final Path CGROUP = Path.of("/sys/fs/cgroup");
    /** USER_HZ: /proc/stat counts in these. */
    private static final long TICKS_PER_SECOND = 100;

    public ResourceUsage {
        perCpuNanos = List.copyOf(perCpuNanos);
        memoryStat = Map.copyOf(memoryStat);
    }

    static ResourceUsage sample(String containerId) {
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
        return new ResourceUsage(Instant.now(), parse(text(cpuacct.resolve("cpuacct.usage"))), perCpu, user, kernel,
                hostCpuNanos(), Runtime.getRuntime().availableProcessors(), parse(text(memory.resolve("memory.usage_in_bytes"))),
                parse(text(memory.resolve("memory.max_usage_in_bytes"))), parse(text(memory.resolve("memory.limit_in_bytes"))),
                memStat, parse(text(CGROUP.resolve("pids").resolve(group).resolve("pids.current"))));
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
