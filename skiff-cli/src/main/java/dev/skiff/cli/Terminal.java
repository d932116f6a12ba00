package dev.skiff.cli;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Whether standard streams are terminals, how big the terminal is, and raw mode for {@code run -t}
 * (isatty, TIOCGWINSZ, tcgetattr, cfmakeraw, tcsetattr, through FFM).
 */
final class Terminal {
    private static final int STDOUT = 1;
    private static final long TIOCGWINSZ = 0x5413;
    private static final int DEFAULT_WIDTH = 80;

    private Terminal() {
    }

    static boolean isTerminal() {
        return isTerminal(STDOUT);
    }

    /**
     * Whether file descriptor {@code fd} (0, 1, 2) is a terminal. Told from what {@code /proc/self/fd/N}
     * names (a pty, a console or a tty device), which costs a read of a link; a call through FFM costs a
     * command that never uses the terminal otherwise ~30 ms of making the call's stub. {@code isatty}
     * itself answers where /proc does not.
     */
    static boolean isTerminal(int fd) {
        try {
            String device = java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc/self/fd/" + fd)).toString();
            return device.startsWith("/dev/pts/") || device.startsWith("/dev/tty") || device.equals("/dev/console");
        } catch (java.io.IOException | UnsupportedOperationException e) {
            return isatty(fd);
        }
    }

    private static boolean isatty(int fd) {
        try {
            MethodHandle isatty = Linker.nativeLinker().downcallHandle(
                    Linker.nativeLinker().defaultLookup().findOrThrow("isatty"),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
            return (int) isatty.invokeExact(fd) == 1;
        } catch (Throwable e) {
            return false;
        }
    }

    /** Columns of the terminal on standard output; 80 when that cannot be told. */
    static int width() {
        try (Arena arena = Arena.ofConfined()) {
            MethodHandle ioctl = Linker.nativeLinker().downcallHandle(
                    Linker.nativeLinker().defaultLookup().findOrThrow("ioctl"),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS),
                    Linker.Option.firstVariadicArg(2));
            MemorySegment winsize = arena.allocate(8); // struct winsize: rows, cols, xpixel, ypixel (unsigned short)
            if ((int) ioctl.invokeExact(STDOUT, TIOCGWINSZ, winsize) != 0) {
                return DEFAULT_WIDTH;
            }
            int columns = Short.toUnsignedInt(winsize.get(ValueLayout.JAVA_SHORT, 2));
            return columns > 0 ? columns : DEFAULT_WIDTH;
        } catch (Throwable e) {
            return DEFAULT_WIDTH;
        }
    }

    /** {@code [rows, columns]} of the terminal on standard output; {@code [0, 0]} when it is not one. */
    static int[] size() {
        try (Arena arena = Arena.ofConfined()) {
            MethodHandle ioctl = Linker.nativeLinker().downcallHandle(
                    Linker.nativeLinker().defaultLookup().findOrThrow("ioctl"),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS),
                    Linker.Option.firstVariadicArg(2));
            MemorySegment winsize = arena.allocate(8);
            if ((int) ioctl.invokeExact(STDOUT, TIOCGWINSZ, winsize) != 0) {
                return new int[] {0, 0};
            }
            return new int[] {Short.toUnsignedInt(winsize.get(ValueLayout.JAVA_SHORT, 0)), Short.toUnsignedInt(winsize.get(ValueLayout.JAVA_SHORT, 2))};
        } catch (Throwable e) {
            return new int[] {0, 0};
        }
    }

    /**
     * Puts terminal {@code fd} in raw mode (no echo, no line editing, no signals from keys: Ctrl-C goes to
     * the container) until the returned handle is closed, which restores what was there before.
     * Does nothing when {@code fd} is not a terminal.
     */
    static AutoCloseable raw(int fd) {
        if (!isTerminal(fd)) {
            return () -> { };
        }
        Linker linker = Linker.nativeLinker();
        try {
            MethodHandle tcgetattr = linker.downcallHandle(linker.defaultLookup().findOrThrow("tcgetattr"),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
            MethodHandle tcsetattr = linker.downcallHandle(linker.defaultLookup().findOrThrow("tcsetattr"),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
            MethodHandle cfmakeraw = linker.downcallHandle(linker.defaultLookup().findOrThrow("cfmakeraw"),
                    FunctionDescriptor.ofVoid(ValueLayout.ADDRESS));
            Arena arena = Arena.ofShared();
            MemorySegment saved = arena.allocate(TERMIOS_SIZE);
            if ((int) tcgetattr.invokeExact(fd, saved) != 0) {
                arena.close();
                return () -> { };
            }
            MemorySegment raw = arena.allocate(TERMIOS_SIZE);
            raw.copyFrom(saved);
            cfmakeraw.invokeExact(raw);
            int ignored = (int) tcsetattr.invokeExact(fd, TCSANOW, raw);
            return () -> {
                try {
                    int restored = (int) tcsetattr.invokeExact(fd, TCSANOW, saved);
                } catch (Throwable e) {
                    // the terminal is as good as we can leave it
                } finally {
                    arena.close();
                }
            };
        } catch (Throwable e) {
            return () -> { };
        }
    }

    // struct termios on Linux is 60 bytes; a little more does no harm
    private static final long TERMIOS_SIZE = 64;
    private static final int TCSANOW = 0;
}
