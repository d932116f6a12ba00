package dev.skiff.engine.images;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/** Copies every byte read to {@code sink}; skipping reads too, so nothing escapes the copy. */
final class TeeInputStream extends FilterInputStream {
    private final OutputStream sink;

    TeeInputStream(InputStream in, OutputStream sink) {
        super(in);
        this.sink = sink;
    }

    /** A failure of the sink, told apart from a failure to read or parse the input. */
    static final class SinkException extends IOException {
        SinkException(IOException cause) {
            super(cause.getMessage(), cause);
        }
    }

    @Override
    public int read() throws IOException {
        int b = in.read();
        if (b >= 0) {
            try {
                sink.write(b);
            } catch (IOException e) {
                throw new SinkException(e);
            }
        }
        return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = in.read(b, off, len);
        if (n > 0) {
            try {
                sink.write(b, off, n);
            } catch (IOException e) {
                throw new SinkException(e);
            }
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        byte[] buf = new byte[(int) Math.min(n, 1 << 16)];
        long skipped = 0;
        while (skipped < n) {
            int r = read(buf, 0, (int) Math.min(buf.length, n - skipped));
            if (r < 0) {
                break;
            }
            skipped += r;
        }
        return skipped;
    }

    @Override
    public boolean markSupported() {
        return false;
    }

    /** Reads to the end, so the sink has seen the whole stream. */
    void drain() throws IOException {
        byte[] buf = new byte[1 << 16];
        while (read(buf, 0, buf.length) >= 0) {
            // the sink takes it
        }
    }
}
