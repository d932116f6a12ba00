package dev.skiff.engine.snapshots;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;
import java.util.Optional;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The few Linux calls the JDK lacks for unpacking layers: device nodes, ownership without following
 * links, full modes (setuid, setgid, sticky), nanosecond times on links, extended attributes and
 * syncfs. Straight to libc through FFM; a failing call throws {@link Errno} with the path, the
 * call and the system's own words, never a bare number.
 */
@SuppressWarnings("restricted") // calling libc is the point; the launcher and tests enable native access
final class LinuxCalls {
    static final int ENOENT = 2;
    static final int EPERM = 1;
    static final int ENODATA = 61;
    static final int EOPNOTSUPP = 95;

    static final int S_IFCHR = 0020000;
    static final int S_IFBLK = 0060000;
    static final int S_IFIFO = 0010000;

    private static final int AT_FDCWD = -100;
    private static final int AT_SYMLINK_NOFOLLOW = 0x100;
    private static final int O_RDONLY = 0;
    private static final int O_DIRECTORY = 0200000;
    private static final int O_CLOEXEC = 02000000;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MemoryLayout TIMESPEC_PAIR = MemoryLayout.sequenceLayout(4, JAVA_LONG);

    private static final MethodHandle MKNODAT = call("mknodat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG));
    private static final MethodHandle SYMLINK = call("symlink", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle LCHOWN = call("lchown", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    private static final MethodHandle FCHMODAT = call("fchmodat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    private static final MethodHandle UTIMENSAT = call("utimensat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
    private static final MethodHandle LSETXATTR = call("lsetxattr", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle LGETXATTR = call("lgetxattr", FunctionDescriptor.of(JAVA_LONG, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG));
    private static final MethodHandle OPEN = call("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SYNCFS = call("syncfs", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle CLOSE = call("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle GETEUID = LINKER.downcallHandle(
            LINKER.defaultLookup().findOrThrow("geteuid"), FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle STRERROR = LINKER.downcallHandle(
            LINKER.defaultLookup().findOrThrow("strerror"), FunctionDescriptor.of(ADDRESS, JAVA_INT));

    /** A failed call: {@code errno} for callers that handle some errors, and a readable message. */
    static final class Errno extends IOException {
        private final int errno;

        Errno(String call, Path path, int errno) {
            super(call + " " + path + ": " + strerror(errno));
            this.errno = errno;
        }

        int errno() {
            return errno;
        }
    }

    /** {@code mknod(2)}: {@code type} is {@link #S_IFCHR}, {@link #S_IFBLK} or {@link #S_IFIFO}. */
    static void mknod(Path path, int type, int permissions, long major, long minor) throws Errno {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            int rc = (int) MKNODAT.invokeExact(state, AT_FDCWD, cString(arena, path), type | (permissions & 07777),
                    makedev(major, minor));
            check(rc, state, "mknod", path);
        } catch (Errno e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** {@code symlink(2)}: {@code target} byte for byte (a {@link Path} would drop a trailing or doubled slash). */
    static void symlink(String target, Path link) throws Errno {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            int rc = (int) SYMLINK.invokeExact(state, arena.allocateFrom(target), cString(arena, link));
            check(rc, state, "symlink", link);
        } catch (Errno e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** {@code lchown(2)}: the link itself when {@code path} is a symbolic link. */
    static void lchown(Path path, int uid, int gid) throws Errno {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            int rc = (int) LCHOWN.invokeExact(state, cString(arena, path), uid, gid);
            check(rc, state, "lchown", path);
        } catch (Errno e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** {@code chmod(2)} with all twelve bits; follows a link, so call it on what is not one. */
    static void chmod(Path path, int mode) throws Errno {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            int rc = (int) FCHMODAT.invokeExact(state, AT_FDCWD, cString(arena, path), mode & 07777, 0);
            check(rc, state, "chmod", path);
        } catch (Errno e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** {@code utimensat(2)} with {@code AT_SYMLINK_NOFOLLOW}: a link's own times, not its target's. */
    static void lutimes(Path path, long atimeSeconds, int atimeNanos, long mtimeSeconds, int mtimeNanos) throws Errno {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            MemorySegment times = arena.allocate(TIMESPEC_PAIR);
            times.setAtIndex(JAVA_LONG, 0, atimeSeconds);
            times.setAtIndex(JAVA_LONG, 1, atimeNanos);
            times.setAtIndex(JAVA_LONG, 2, mtimeSeconds);
            times.setAtIndex(JAVA_LONG, 3, mtimeNanos);
            int rc = (int) UTIMENSAT.invokeExact(state, AT_FDCWD, cString(arena, path), times, AT_SYMLINK_NOFOLLOW);
            check(rc, state, "utimensat", path);
        } catch (Errno e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** {@code lsetxattr(2)}. */
    static void lsetxattr(Path path, String name, byte[] value) throws Errno {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            MemorySegment v = arena.allocate(Math.max(1, value.length));
            MemorySegment.copy(value, 0, v, ValueLayout.JAVA_BYTE, 0, value.length);
            int rc = (int) LSETXATTR.invokeExact(state, cString(arena, path), arena.allocateFrom(name), v,
                    (long) value.length, 0);
            check(rc, state, "lsetxattr " + name, path);
        } catch (Errno e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** {@code lgetxattr(2)}; empty when the file has no such attribute. */
    static Optional<byte[]> lgetxattr(Path path, String name) throws Errno {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            MemorySegment buf = arena.allocate(65536);
            long n = (long) LGETXATTR.invokeExact(state, cString(arena, path), arena.allocateFrom(name), buf, 65536L);
            if (n < 0) {
                int errno = (int) ERRNO.get(state, 0L);
                if (errno == ENODATA) {
                    return Optional.empty();
                }
                throw new Errno("lgetxattr " + name, path, errno);
            }
            return Optional.of(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE));
        } catch (Errno e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** {@code syncfs(2)} on the file system holding {@code dir}: everything written there is durable. */
    static void syncfs(Path dir) throws Errno {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            int fd = (int) OPEN.invokeExact(state, cString(arena, dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
            check(fd, state, "open", dir);
            try {
                int rc = (int) SYNCFS.invokeExact(state, fd);
                check(rc, state, "syncfs", dir);
            } finally {
                int ignored = (int) CLOSE.invokeExact(state, fd);
            }
        } catch (Errno e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    static boolean isRoot() {
        try {
            return (int) GETEUID.invokeExact() == 0;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** glibc's {@code gnu_dev_makedev}. */
    static long makedev(long major, long minor) {
        return ((major & 0xfffff000L) << 32) | ((major & 0xfffL) << 8)
                | ((minor & 0xffffff00L) << 12) | (minor & 0xffL);
    }

    private static MethodHandle call(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(LINKER.defaultLookup().findOrThrow(name), descriptor,
                Linker.Option.captureCallState("errno"));
    }

    private static MemorySegment cString(Arena arena, Path path) {
        return arena.allocateFrom(path.toString());
    }

    private static void check(int rc, MemorySegment state, String call, Path path) throws Errno {
        if (rc < 0) {
            throw new Errno(call, path, (int) ERRNO.get(state, 0L));
        }
    }

    private static String strerror(int errno) {
        try {
            MemorySegment s = (MemorySegment) STRERROR.invokeExact(errno);
            return s.reinterpret(256).getString(0) + " (errno " + errno + ")";
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }

    private LinuxCalls() {
    }
}
