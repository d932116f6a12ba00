package dev.skiff.engine.containers;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Skiff's default seccomp profile, written for skiff: everything is allowed except the calls Docker's
 * documentation lists as blocked by default, which fail with EPERM. A call that a capability exists
 * for stays blocked unless the container holds that capability (as in Docker, {@code --cap-add
 * SYS_ADMIN} gives back {@code mount}). A deny list is the reverse of Docker's allow list, so a new
 * syscall the kernel gains is allowed until listed here; the capability set still guards the dangerous ones.
 */
final class SeccompProfile {
    private static final int EPERM = 1;
    private static final int ENOSYS = 38;

    /** Blocked calls, and the capability that unblocks each (empty: always blocked). */
    private static final Map<String, String> BLOCKED = new LinkedHashMap<>();

    /** clone(2) flags that make new namespaces: refused without CAP_SYS_ADMIN, one rule each. */
    private static final List<Long> NAMESPACE_FLAGS = List.of(0x00020000L, 0x02000000L, 0x04000000L, 0x08000000L,
            0x10000000L, 0x20000000L, 0x40000000L);

    static {
        for (String s : List.of("mount", "umount", "umount2", "pivot_root", "setns", "unshare", "fsopen", "fsconfig",
                "fsmount", "fspick", "move_mount", "open_tree", "mount_setattr", "quotactl", "lookup_dcookie",
                "name_to_handle_at", "fanotify_init")) {
            BLOCKED.put(s, "CAP_SYS_ADMIN");
        }
        for (String s : List.of("init_module", "finit_module", "delete_module", "create_module", "query_module",
                "get_kernel_syms")) {
            BLOCKED.put(s, "CAP_SYS_MODULE");
        }
        BLOCKED.put("kexec_load", "CAP_SYS_BOOT");
        BLOCKED.put("kexec_file_load", "CAP_SYS_BOOT");
        BLOCKED.put("reboot", "CAP_SYS_BOOT");
        BLOCKED.put("swapon", "CAP_SYS_ADMIN");
        BLOCKED.put("swapoff", "CAP_SYS_ADMIN");
        BLOCKED.put("bpf", "CAP_SYS_ADMIN");
        BLOCKED.put("perf_event_open", "CAP_SYS_ADMIN");
        BLOCKED.put("acct", "CAP_SYS_PACCT");
        BLOCKED.put("settimeofday", "CAP_SYS_TIME");
        BLOCKED.put("clock_settime", "CAP_SYS_TIME");
        BLOCKED.put("clock_adjtime", "CAP_SYS_TIME");
        BLOCKED.put("adjtimex", "CAP_SYS_TIME");
        BLOCKED.put("stime", "CAP_SYS_TIME");
        BLOCKED.put("iopl", "CAP_SYS_RAWIO");
        BLOCKED.put("ioperm", "CAP_SYS_RAWIO");
        BLOCKED.put("syslog", "CAP_SYSLOG");
        BLOCKED.put("open_by_handle_at", "CAP_DAC_READ_SEARCH");
        BLOCKED.put("keyctl", "");
        BLOCKED.put("add_key", "");
        BLOCKED.put("request_key", "");
        BLOCKED.put("userfaultfd", "");
        BLOCKED.put("uselib", "");
        BLOCKED.put("ustat", "");
        BLOCKED.put("sysfs", "");
        BLOCKED.put("_sysctl", "");
        BLOCKED.put("nfsservctl", "");
        BLOCKED.put("vm86", "");
        BLOCKED.put("vm86old", "");
    }

    private SeccompProfile() {
    }

    /** The OCI {@code linux.seccomp} object for a container holding {@code capabilities}. */
    static ObjectNode forCapabilities(List<String> capabilities, ObjectMapper json) {
        ObjectNode seccomp = json.createObjectNode();
        seccomp.put("defaultAction", "SCMP_ACT_ALLOW");
        seccomp.putArray("architectures").add("SCMP_ARCH_X86_64").add("SCMP_ARCH_X86").add("SCMP_ARCH_X32");
        ArrayNode syscalls = seccomp.putArray("syscalls");
        ObjectNode denied = syscalls.addObject();
        ArrayNode names = denied.putArray("names");
        BLOCKED.forEach((call, cap) -> {
            if (cap.isEmpty() || !capabilities.contains(cap)) {
                names.add(call);
            }
        });
        denied.put("action", "SCMP_ACT_ERRNO");
        denied.put("errnoRet", EPERM);
        if (!capabilities.contains("CAP_SYS_ADMIN")) {
            for (long flag : NAMESPACE_FLAGS) {
                ObjectNode rule = syscalls.addObject();
                rule.putArray("names").add("clone");
                rule.put("action", "SCMP_ACT_ERRNO");
                rule.put("errnoRet", EPERM);
                rule.putArray("args").addObject().put("index", 0).put("value", flag).put("valueTwo", flag)
                        .put("op", "SCMP_CMP_MASKED_EQ");
            }
            // clone3 passes its flags in memory seccomp cannot read: ENOSYS makes libc fall back to clone
            ObjectNode clone3 = syscalls.addObject();
            clone3.putArray("names").add("clone3");
            clone3.put("action", "SCMP_ACT_ERRNO");
            clone3.put("errnoRet", ENOSYS);
        }
        return seccomp;
    }
}
