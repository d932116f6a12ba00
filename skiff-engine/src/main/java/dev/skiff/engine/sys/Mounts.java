package dev.skiff.engine.sys;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Mounts by system call, and what is mounted where. Chiefly a private tmpfs over a directory, for files that live only as long as one request: a build
 * context of hundreds of small files is unpacked in memory in milliseconds, where creating each on
 * some disks costs a millisecond of journal (0.33 s for the 575 files of bench/build's context on
 * this project's CI machine, 0.01 s on tmpfs). The size bounds what one mount may take of memory.
 */
@SuppressWarnings("restricted") // calling libc is the point; the launcher and tests enable native access
public final class Mounts {
    private static final long MS_NOSUID = 2;
    private static final long MS_NODEV = 4;
    private static final int MNT_DETACH = 2;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle MOUNT = LINKER.downcallHandle(LINKER.defaultLookup().findOrThrow("mount"),
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
    private static final MethodHandle UMOUNT2 = LINKER.downcallHandle(LINKER.defaultLookup().findOrThrow("umount2"),
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));

    private Mounts() {
    }

    /**
     * Mounts a tmpfs of at most {@code sizeBytes} over {@code dir} (an existing, empty directory),
     * readable by root alone, with no devices or set-uid files (a build may run a script of its context
     * through a bind mount, so execution stays allowed). False when it can't
     * be done (not root, no tmpfs): the caller goes on with the directory as it is.
     */
    public static boolean tmpfs(Path dir, long sizeBytes) {
        try (Arena arena = Arena.ofConfined()) {
            int rc = (int) MOUNT.invokeExact(arena.allocateFrom("tmpfs"), arena.allocateFrom(dir.toString()),
                    arena.allocateFrom("tmpfs"), MS_NOSUID | MS_NODEV,
                    arena.allocateFrom("size=" + sizeBytes + ",mode=0700"));
            return rc == 0;
        } catch (Throwable t) {
            return false;
        }
    }

    /** Detaches what is mounted at {@code dir}; its files go when the last of them is closed. False when nothing was. */
    public static boolean detach(Path dir) {
        try (Arena arena = Arena.ofConfined()) {
            return (int) UMOUNT2.invokeExact(arena.allocateFrom(dir.toString()), MNT_DETACH) == 0;
        } catch (Throwable t) {
            return false;
        }
    }

    /** The mount points at or below {@code dir}, deepest first (from /proc/self/mountinfo). */
    public static List<Path> below(Path dir) throws IOException {
        dir = dir.toAbsolutePath().normalize();
        List<Path> points = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String[] fields = line.split(" ");
            if (fields.length > 4) {
                Path point = Path.of(fields[4].replace("\\040", " "));
                if (point.startsWith(dir)) {
                    points.add(point);
                }
            }
        }
        return points.reversed();
    }

    /** A size for such mounts: an eighth of the machine's memory, at most 1 GiB. */
    public static long tmpfsSize() {
        long total = 8L << 30;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    total = Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                    break;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // keep the guess
        }
        return Math.min(1L << 30, total / 8);
    }
}
