package dev.skiff.engine.sys;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * Sizes a container process's terminal from the host, at once. conmon holds the pty's master and
 * resizes it when told through its control FIFO, but that is a message its main loop reads later:
 * a shell fed typed input meanwhile runs {@code stty size} on a 0x0 terminal. The slave side takes
 * {@code TIOCSWINSZ} as well (the kernel keeps one size per pty and signals SIGWINCH either way), and
 * the process holds it on its standard streams, so it is reached through {@code /proc/<pid>/fd}.
 * conmon's FIFO remains for a process that let go of its terminal; it is opened without blocking,
 * since a FIFO whose conmon has ended would hold the caller forever.
 */
@SuppressWarnings("restricted") // calling libc is the point; the launcher and tests enable native access
public final class Terminals {
    private static final int O_WRONLY = 1;
    private static final int O_RDWR = 2;
    private static final int O_NOCTTY = 0400;
    private static final int O_NONBLOCK = 04000;
    private static final int O_CLOEXEC = 02000000;
    private static final long TIOCSWINSZ = 0x5414;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle OPEN = call("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle IOCTL = LINKER.downcallHandle(LINKER.defaultLookup().findOrThrow("ioctl"),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle WRITE = call("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle CLOSE = call("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));

    private Terminals() {
    }

    /**
     * Sets the size of the terminal on {@code pid}'s stdin, stdout or stderr (the first that is a
     * pty), or else tells conmon through its control FIFO {@code ctl} ({@code 1 <height> <width>}).
     * False when neither could be done: the process and its conmon have ended.
     */
    public static boolean resize(int pid, Path ctl, int height, int width) {
        return onProcessTerminal(pid, height, width) || tellConmon(ctl, height, width);
    }

    private static boolean onProcessTerminal(int pid, int height, int width) {
        if (pid <= 0 || !inOtherMountNamespace(pid)) {
            return false; // a pid reused by a host process: its terminal is someone's own
        }
        for (int fd = 0; fd <= 2; fd++) {
            Path link = Path.of("/proc", Integer.toString(pid), "fd", Integer.toString(fd));
            try {
                if (!Files.readSymbolicLink(link).toString().startsWith("/dev/pts/")) {
                    continue; // never open what is not a terminal: a FIFO or device could block or act
                }
            } catch (IOException | UnsupportedOperationException e) {
                continue;
            }
            if (setSize(link, height, width)) {
                return true;
            }
        }
        return false;
    }

    private static boolean inOtherMountNamespace(int pid) {
        try {
            return !Files.readSymbolicLink(Path.of("/proc", Integer.toString(pid), "ns", "mnt"))
                    .equals(Files.readSymbolicLink(Path.of("/proc/self/ns/mnt")));
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /** Without blocking: a FIFO nobody reads (conmon has gone) refuses the open with ENXIO. */
    private static boolean tellConmon(Path ctl, int height, int width) {
        byte[] message = ("1 " + height + " " + width + "\n").getBytes(StandardCharsets.US_ASCII);
        try (Arena arena = Arena.ofConfined()) {
            int fd = (int) OPEN.invokeExact(arena.allocateFrom(ctl.toString()), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
            if (fd < 0) {
                return false;
            }
            try {
                return (long) WRITE.invokeExact(fd, arena.allocateFrom(JAVA_BYTE, message), (long) message.length) == message.length;
            } finally {
                int ignored = (int) CLOSE.invokeExact(fd);
            }
        } catch (Throwable t) {
            return false;
        }
    }

    private static boolean setSize(Path terminal, int height, int width) {
        try (Arena arena = Arena.ofConfined()) {
            int fd = (int) OPEN.invokeExact(arena.allocateFrom(terminal.toString()), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
            if (fd < 0) {
                return false;
            }
            try {
                MemorySegment winsize = arena.allocate(JAVA_SHORT, 4); // rows, cols, xpixel, ypixel
                winsize.setAtIndex(JAVA_SHORT, 0, (short) height);
                winsize.setAtIndex(JAVA_SHORT, 1, (short) width);
                return (int) IOCTL.invokeExact(fd, TIOCSWINSZ, winsize) == 0;
            } finally {
                int ignored = (int) CLOSE.invokeExact(fd);
            }
        } catch (Throwable t) {
            return false;
        }
    }

    private static MethodHandle call(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(LINKER.defaultLookup().findOrThrow(name), descriptor);
    }
}
