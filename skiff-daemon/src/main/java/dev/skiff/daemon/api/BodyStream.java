package dev.skiff.daemon.api;

import dev.skiff.http.Exchange;

import java.io.IOException;
import java.io.InputStream;

/** The request body as an InputStream, read chunk by chunk from the connection. */
final class BodyStream extends InputStream {
    private final Exchange ex;
    private io.netty.buffer.ByteBuf current;
    private boolean done;

    BodyStream(Exchange ex) {
        this.ex = ex;
    }

    private boolean fill() throws IOException {
        while (!done && (current == null || !current.isReadable())) {
            if (current != null) {
                current.release();
                current = null;
            }
            try {
                current = ex.nextChunk();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException();
            }
            if (current == null) {
                done = true;
            }
        }
        return !done;
    }

    @Override
    public int read() throws IOException {
        return fill() ? current.readByte() & 0xff : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (!fill()) {
            return -1;
        }
        int n = Math.min(len, current.readableBytes());
        current.readBytes(b, off, n);
        return n;
    }

    /**
     * Reads and drops whatever the client is still sending, so an error answer reaches it whole: a
     * client still writing its body when the connection closes sees only a broken pipe.
     */
    void drain() {
        byte[] sink = new byte[1 << 16];
        try {
            while (read(sink, 0, sink.length) >= 0) {
                // dropped
            }
        } catch (IOException | RuntimeException e) {
            // the client went away; nothing more to read
        }
    }

    @Override
    public void close() {
        if (current != null) {
            current.release();
            current = null;
        }
    }
}
