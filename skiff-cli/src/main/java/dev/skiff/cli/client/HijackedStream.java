package dev.skiff.cli.client;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.SocketChannel;

/**
 * A connection the daemon took over with {@code 101 UPGRADED} ({@code Upgrade: tcp}): no more HTTP, raw
 * bytes both ways. {@link #closeWrite()} half-closes so the container sees EOF on its stdin while its
 * output still comes back, as docker's CLI does.
 */
public final class HijackedStream implements AutoCloseable {
    private final SocketChannel channel;
    private final InputStream in;
    private final OutputStream out;

    HijackedStream(SocketChannel channel, InputStream in, OutputStream out) {
        this.channel = channel;
        this.in = in;
        this.out = out;
    }

    /** What the daemon sends: the container's output (multiplexed unless it has a TTY). */
    public InputStream input() {
        return in;
    }

    /** What goes to the container's stdin. */
    public OutputStream output() {
        return out;
    }

    /** Half-closes the write side: the container reads EOF, its output keeps coming. */
    public void closeWrite() throws IOException {
        out.flush();
        if (channel.isOpen()) {
            channel.shutdownOutput();
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
