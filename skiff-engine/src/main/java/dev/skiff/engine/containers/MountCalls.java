package dev.skiff.engine.containers;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * {@code mount(2)}, {@code umount2(2)}, {@code kill(2)} and {@code mkfifo(3)} through FFM, for a
 * container's rootfs, its processes and conmon's sync FIFO (a call, not a process per start). Kept beside the containers rather than in the snapshots' LinuxCalls, which stays
 * private to unpacking: snapshotters describe mounts, the runtime performs them.
 */
@SuppressWarnings("restricted")
final class MountCalls {
    static final int ENOENT = 2;
    static final int EINVAL = 22;
    static final int ESRCH = 3;
    private static final int MNT_DETACH = 2;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle MOUNT = call("mount", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
    private static final MethodHandle UMOUNT2 = call("umount2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle KILL = call("kill", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle MKFIFO = call("mkfifo", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle STRERROR = LINKER.downcallHandle(
            LINKER.defaultLookup().findOrThrow("strerror"), FunctionDescriptor.of(ADDRESS, JAVA_INT));

    /** A failed call, with the system's words. */
    static final class Errno extends java.io.IOException {
        final int errno;

        Errno(String what, int errno) {
            super(what + ": " + strerror(errno));
            this.errno = errno;
        }
    }

    /** {@code mount -t overlay overlay -o <options> <target>}. */
    static void mountOverlay(String options, Path target) throws Errno {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            int rc = (int) MOUNT.invokeExact(state, arena.allocateFrom("overlay"), arena.allocateFrom(target.toString()),
                    arena.allocateFrom("overlay"), 0L, arena.allocateFrom(options));
            if (rc < 0) {
                throw new Errno("mount overlay on " + target, (int) ERRNO.get(state, 0L));
            }
        } catch (Errno e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** Lazy unmount ({@code MNT_DETACH}); false when nothing was mounted there. */
    static boolean unmount(Path target) throws Errno {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            int rc = (int) UMOUNT2.invokeExact(state, arena.allocateFrom(target.toString()), MNT_DETACH);
            if (rc < 0) {
                int errno = (int) ERRNO.get(state, 0L);
                if (errno == EINVAL || errno == ENOENT) {
                    return false;
                }
                throw new Errno("umount " + target, errno);
            }
            return true;
        } catch (Errno e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** {@code mkfifo(path, mode)}. */
    static void mkfifo(Path path, int mode) throws Errno {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            int rc = (int) MKFIFO.invokeExact(state, arena.allocateFrom(path.toString()), mode);
            if (rc < 0) {
                throw new Errno("mkfifo " + path, (int) ERRNO.get(state, 0L));
            }
        } catch (Errno e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** {@code kill(pid, 0)}: whether a process with this ID exists. */
    static boolean alive(int pid) {
        if (pid <= 0) {
            return false;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            int rc = (int) KILL.invokeExact(state, pid, 0);
            return rc == 0 || (int) ERRNO.get(state, 0L) != ESRCH;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    private static MethodHandle call(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(LINKER.defaultLookup().findOrThrow(name), descriptor,
                Linker.Option.captureCallState("errno"));
    }

    private static String strerror(int errno) {
        try {
            MemorySegment s = (MemorySegment) STRERROR.invokeExact(errno);
            return s.reinterpret(256).getString(0);
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }

    private MountCalls() {
    }
}
