package dev.skiff.it.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy on 127.0.0.1 that misbehaves the way a flaky network does: the first {@code faults}
 * times an answer on a connection grows past {@code limit} bytes, the connection is reset there
 * ({@link #cutting}) or goes silent and stays open ({@link #stalling}). The same faults hit what the
 * client sends instead (request bodies, as in an upload) with {@link #cuttingRequests} and
 * {@link #stallingRequests}. Everything else passes through untouched.
 */
public final class FlakyProxy implements AutoCloseable {
    private final ServerSocket server;
    private final InetSocketAddress target;
    private final long limit;
    private final boolean stall;
    private final boolean requests;
    private final AtomicInteger faultsLeft;
    private final AtomicInteger faultsMade = new AtomicInteger();
    private final java.util.Set<Socket> open = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final java.util.concurrent.CountDownLatch firstFault = new java.util.concurrent.CountDownLatch(1);

    private FlakyProxy(String target, long limit, int faults, boolean stall, boolean requests) throws IOException {
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        int colon = target.lastIndexOf(':');
        this.target = new InetSocketAddress(target.substring(0, colon), Integer.parseInt(target.substring(colon + 1)));
        this.limit = limit;
        this.stall = stall;
        this.requests = requests;
        this.faultsLeft = new AtomicInteger(faults);
        Thread.ofVirtual().start(this::accept);
    }

    /** Resets the first {@code times} connections whose answer passes {@code limit} bytes; target is HOST:PORT. */
    public static FlakyProxy cutting(String target, long limit, int times) throws IOException {
        return new FlakyProxy(target, limit, times, false, false);
    }

    /** Stops forwarding on the first connection whose answer passes {@code limit} bytes, keeping it open. */
    public static FlakyProxy stalling(String target, long limit) throws IOException {
        return new FlakyProxy(target, limit, 1, true, false);
    }

    /** Resets the first {@code times} connections on which the client has sent more than {@code limit} bytes. */
    public static FlakyProxy cuttingRequests(String target, long limit, int times) throws IOException {
        return new FlakyProxy(target, limit, times, false, true);
    }

    /**
     * Stops forwarding what the client sends on the first connection where it passes {@code limit}
     * bytes, keeping the connection open: the server waits for the rest, the client for an answer.
     */
    public static FlakyProxy stallingRequests(String target, long limit) throws IOException {
        return new FlakyProxy(target, limit, 1, true, true);
    }

    /** Waits until the proxy has done its damage once. */
    public boolean awaitFault(java.time.Duration timeout) throws InterruptedException {
        return firstFault.await(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    /** {@code 127.0.0.1:PORT}, to put in an image reference. */
    public String address() {
        return "127.0.0.1:" + server.getLocalPort();
    }

    public int faultsMade() {
        return faultsMade.get();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                open.add(client);
                Socket upstream = new Socket(target.getAddress(), target.getPort());
                open.add(upstream);
                Thread.ofVirtual().start(() -> pump(client, upstream, false));
                Thread.ofVirtual().start(() -> pump(upstream, client, true));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void pump(Socket from, Socket to, boolean answer) {
        long sent = 0;
        byte[] buffer = new byte[16 * 1024];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            for (int n; (n = in.read(buffer)) > 0; ) {
                if (answer != requests && sent + n > limit && faultsLeft.getAndDecrement() > 0) {
                    out.write(buffer, 0, (int) (limit - sent));
                    out.flush();
                    faultsMade.incrementAndGet();
                    firstFault.countDown();
                    if (stall) {
                        while (!server.isClosed() && in.read(buffer) >= 0) {
                            // swallow the rest until the proxy closes; the reader waits forever
                        }
                    } else {
                        to.setSoLinger(true, 0); // a reset, not a clean close
                        if (requests) {
                            from.setSoLinger(true, 0); // the client, mid-send, sees its connection reset too
                        }
                    }
                    return;
                }
                sent += n;
                out.write(buffer, 0, n);
            }
        } catch (IOException e) {
            // one side went away; the other is closed below
        } finally {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        open.forEach(FlakyProxy::closeQuietly);
    }
}
