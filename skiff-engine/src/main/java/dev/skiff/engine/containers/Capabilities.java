package dev.skiff.engine.containers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** The capabilities a container's process keeps: docker's default set, then {@code --cap-add}/{@code --cap-drop}. */
final class Capabilities {
    /** Docker's default set (moby {@code caps.DefaultCapabilities}). */
    static final List<String> DEFAULTS = List.of("CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER",
            "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP",
            "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE");

    /** Every capability by number (linux/capability.h). */
    private static final List<String> ALL = List.of("CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH",
            "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP",
            "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW",
            "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE",
            "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME",
            "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP",
            "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND",
            "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE");

    private Capabilities() {
    }

    /** What this kernel knows: {@code /proc/sys/kernel/cap_last_cap} bounds the list. */
    static List<String> all() {
        int last = ALL.size() - 1;
        try {
            // a stream, not Files.readString: on this sysctl file that returned only the first byte ("4" of "40")
            try (var in = Files.newInputStream(Path.of("/proc/sys/kernel/cap_last_cap"))) {
                last = Math.min(last, Integer.parseInt(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII).trim()));
            }
        } catch (IOException | NumberFormatException e) {
            // keep the full list; runc ignores what the kernel lacks
        }
        return held(ALL.subList(0, last + 1));
    }

    /**
     * Those of {@code known} this process may pass on (its bounding set), as moby's list of all
     * capabilities is: runc refuses one the daemon cannot hold ("unable to apply caps"), as when the
     * daemon itself runs in a container without CAP_SYS_MODULE.
     */
    private static List<String> held(List<String> known) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("CapBnd:")) {
                    java.math.BigInteger mask = new java.math.BigInteger(line.substring(7).trim(), 16);
                    List<String> held = new ArrayList<>();
                    for (int i = 0; i < known.size(); i++) {
                        if (mask.testBit(i)) {
                            held.add(known.get(i));
                        }
                    }
                    return held;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // keep the kernel's list
        }
        return known;
    }

    /** Docker's rules: drop ALL empties the base, add ALL adds everything; names with or without {@code CAP_}. */
    static List<String> effective(List<String> add, List<String> drop, boolean privileged) {
        if (privileged) {
            return all();
        }
        List<String> adds = normalize(add);
        List<String> drops = normalize(drop);
        Set<String> caps = new LinkedHashSet<>();
        if (!drops.contains("ALL")) {
            caps.addAll(DEFAULTS);
        }
        if (adds.contains("ALL")) {
            caps.addAll(all());
        }
        for (String a : adds) {
            if (!a.equals("ALL")) {
                caps.add(a);
            }
        }
        for (String d : drops) {
            if (!adds.contains(d)) {
                caps.remove(d);
            }
        }
        return new ArrayList<>(caps);
    }

    private static List<String> normalize(List<String> names) {
        List<String> out = new ArrayList<>();
        for (String n : names) {
            String upper = n.trim().toUpperCase(Locale.ROOT);
            if (upper.equals("ALL")) {
                out.add("ALL");
                continue;
            }
            String full = upper.startsWith("CAP_") ? upper : "CAP_" + upper;
            if (!ALL.contains(full)) {
                throw new ContainerException.InvalidArgument("invalid capability: " + n);
            }
            out.add(full);
        }
        return out;
    }
}
