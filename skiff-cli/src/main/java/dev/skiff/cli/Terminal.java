package dev.skiff.cli;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/** Whether standard output is a terminal, and how wide it is (isatty and TIOCGWINSZ, through FFM). */
final class Terminal {
    private static final int STDOUT = 1;
    private static final long TIOCGWINSZ = 0x5413;
    private static final int DEFAULT_WIDTH = 80;

    private Terminal() {
    }

    static boolean isTerminal() {
        try {
            MethodHandle isatty = Linker.nativeLinker().downcallHandle(
                    Linker.nativeLinker().defaultLookup().findOrThrow("isatty"),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
            return (int) isatty.invokeExact(STDOUT) == 1;
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
}
