package dev.skiff.engine.sys;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * A unix {@code SOCK_SEQPACKET} socket, which the JDK's channels lack: conmon's attach socket is one,
 * and each message it sends is one read of the container's output with the pipe's number in front.
 * Paths longer than {@code sun_path}'s 108 bytes are reached through {@code /proc/self/fd} of their
 * folder, as conmon binds them. Calls block in native code, so use a platform thread per socket.
 */
@SuppressWarnings("restricted") // calling libc is the point; the launcher and tests enable native access
public final class SeqPacketSocket implements AutoCloseable {
    private static final int AF_UNIX = 1;
    private static final int SOCK_SEQPACKET = 5;
    private static final int SOCK_CLOEXEC = 02000000;
    private static final int SHUT_WR = 1;
    private static final int O_PATH = 010000000;
    private static final int O_CLOEXEC = 02000000;
    private static final int EINTR = 4;
    private static final int SUN_PATH = 108;
    private static final MemoryLayout SOCKADDR_UN = MemoryLayout.structLayout(JAVA_SHORT.withName("family"),
            MemoryLayout.sequenceLayout(SUN_PATH, JAVA_BYTE).withName("path"));

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle SOCKET = call("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle CONNECT = call("connect", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle BIND = call("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle LISTEN = call("listen", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle ACCEPT = call("accept4", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
    private static final MethodHandle RECV = call("recv", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle SEND = call("send", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle SHUTDOWN = call("shutdown", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle OPEN = call("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle CLOSE = call("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle STRERROR = LINKER.downcallHandle(
            LINKER.defaultLookup().findOrThrow("strerror"), FunctionDescriptor.of(ADDRESS, JAVA_INT));

    private final int fd;
    private volatile boolean closed;

    private SeqPacketSocket(int fd) {
        this.fd = fd;
    }

    /** Connects to the listening socket at {@code path}. */
    public static SeqPacketSocket connect(Path path) throws IOException {
        return withAddress(path, (fd, address, arena, state) -> check("connect", path, (int) CONNECT.invokeExact(state, fd, address, (int) address.byteSize()), state));
    }

    /** Binds and listens at {@code path} (for tests and tools that play conmon's side). */
    public static SeqPacketSocket listen(Path path) throws IOException {
        SeqPacketSocket s = withAddress(path, (fd, address, arena, state) -> check("bind", path, (int) BIND.invokeExact(state, fd, address, (int) address.byteSize()), state));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            check("listen", path, (int) LISTEN.invokeExact(state, s.fd, 16), state);
        } catch (IOException | RuntimeException | Error e) {
            s.close();
            throw e;
        } catch (Throwable t) {
            s.close();
            throw new IllegalStateException(t);
        }
        return s;
    }

    /** Waits for the next client of a socket made by {@link #listen}. */
    public SeqPacketSocket accept() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            int client;
            do {
                client = (int) ACCEPT.invokeExact(state, fd, MemorySegment.NULL, MemorySegment.NULL, SOCK_CLOEXEC);
            } while (client < 0 && errno(state) == EINTR);
            check("accept", null, client, state);
            return new SeqPacketSocket(client);
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** Reads one message into {@code buffer}; returns its length, or -1 when the peer has closed. */
    public int receive(byte[] buffer) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            MemorySegment native_ = arena.allocate(buffer.length);
            long n;
            do {
                n = (long) RECV.invokeExact(state, fd, native_, (long) buffer.length, 0);
            } while (n < 0 && errno(state) == EINTR && !closed);
            if (n < 0) {
                if (closed) {
                    return -1;
                }
                throw new IOException("recv on the attach socket: " + strerror(errno(state)));
            }
            MemorySegment.copy(native_, JAVA_BYTE, 0, buffer, 0, (int) n);
            return n == 0 ? -1 : (int) n;
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** Sends {@code length} bytes as one message. */
    public void send(byte[] bytes, int offset, int length) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            MemorySegment native_ = arena.allocate(Math.max(1, length));
            MemorySegment.copy(bytes, offset, native_, JAVA_BYTE, 0, length);
            long n;
            do {
                n = (long) SEND.invokeExact(state, fd, native_, (long) length, 0x4000 /* MSG_NOSIGNAL */);
            } while (n < 0 && errno(state) == EINTR);
            if (n < 0) {
                throw new IOException("send on the attach socket: " + strerror(errno(state)));
            }
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** Tells the peer there is nothing more to send (conmon then closes the container's stdin). */
    public void shutdownOutput() {
        try (Arena arena = Arena.ofConfined()) {
            int ignored = (int) SHUTDOWN.invokeExact(arena.allocate(CAPTURE), fd, SHUT_WR);
        } catch (Throwable t) {
            // the socket is going anyway
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            // shutdown first wakes a thread blocked in recv on this socket; close alone would not
            int ignored = (int) SHUTDOWN.invokeExact(state, fd, 2);
            int ignored2 = (int) CLOSE.invokeExact(state, fd);
        } catch (Throwable t) {
            // nothing more to do
        }
    }

    @FunctionalInterface
    private interface AddressCall {
        void run(int fd, MemorySegment address, Arena arena, MemorySegment state) throws Throwable;
    }

    private static SeqPacketSocket withAddress(Path path, AddressCall call) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            int fd = (int) SOCKET.invokeExact(state, AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
            check("socket", path, fd, state);
            int dirFd = -1;
            try {
                String target = path.toString();
                if (target.getBytes(StandardCharsets.UTF_8).length >= SUN_PATH) {
                    MemorySegment dir = arena.allocateFrom(path.toAbsolutePath().getParent().toString());
                    dirFd = (int) OPEN.invokeExact(state, dir, O_PATH | O_CLOEXEC);
                    check("open", path.getParent(), dirFd, state);
                    target = "/proc/self/fd/" + dirFd + "/" + path.getFileName();
                }
                byte[] name = target.getBytes(StandardCharsets.UTF_8);
                if (name.length >= SUN_PATH) {
                    throw new IOException("socket name too long even through /proc/self/fd: " + path);
                }
                MemorySegment address = arena.allocate(SOCKADDR_UN);
                address.set(JAVA_SHORT, 0, (short) AF_UNIX);
                MemorySegment.copy(name, 0, address, JAVA_BYTE, 2, name.length);
                call.run(fd, address, arena, state);
                return new SeqPacketSocket(fd);
            } catch (Throwable t) {
                int ignored = (int) CLOSE.invokeExact(state, fd);
                throw t;
            } finally {
                if (dirFd >= 0) {
                    int ignored = (int) CLOSE.invokeExact(state, dirFd);
                }
            }
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private static void check(String call, Path path, int result, MemorySegment state) throws IOException {
        if (result < 0) {
            throw new IOException(call + (path == null ? "" : " " + path) + ": " + strerror(errno(state)));
        }
    }

    private static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    private static String strerror(int errno) {
        try {
            return ((MemorySegment) STRERROR.invokeExact(errno)).reinterpret(256).getString(0);
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }

    private static MethodHandle call(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(LINKER.defaultLookup().findOrThrow(name), descriptor,
                Linker.Option.captureCallState("errno"));
    }
}
