package dev.skiff.engine.distribution;

import java.io.IOException;
import java.io.InputStream;

/**
 * A download that survives a dropped connection: when reading fails, or the body ends before the
 * blob's known size, it asks for the rest from where it stopped (an HTTP ranged GET) and goes on,
 * so the bytes its reader sees are the blob's, whole and in order. It gives up after a few attempts
 * in a row that bring no new bytes.
 */
final class ResumingInputStream extends InputStream {
    /** Opens the blob again, positioned at {@code offset}. */
    @FunctionalInterface
    interface Reopen {
        InputStream from(long offset) throws IOException;
    }

    static final int MAX_ATTEMPTS = 5;

    /** The body ended before the blob did: the network's fault, not the blob's (so not an EOFException). */
    static final class CutOff extends IOException {
        CutOff(String message) {
            super(message);
        }
    }

    private final Reopen reopen;
    private final long size;
    private InputStream in;
    private long position;
    private int failures;
    private int resumes;

    /** @param size the blob's size from its descriptor; a body that ends sooner was cut off */
    ResumingInputStream(InputStream first, long size, Reopen reopen) {
        this.in = first;
        this.size = size;
        this.reopen = reopen;
    }

    /** How many times the download was picked up again. */
    int resumes() {
        return resumes;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        while (true) {
            try {
                int n = in.read(b, off, len);
                if (n < 0 && position < size) {
                    throw new CutOff("the connection closed after " + position + " of " + size + " bytes");
                }
                if (n > 0) {
                    position += n;
                    failures = 0;
                }
                return n;
            } catch (IOException e) {
                if (++failures >= MAX_ATTEMPTS) {
                    throw e;
                }
                closeQuietly();
                sleepBeforeRetry();
                in = reopen.from(position);
                resumes++;
            }
        }
    }

    private void sleepBeforeRetry() throws IOException {
        try {
            Thread.sleep(50L << Math.min(failures, 4));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while waiting to resume the download");
        }
    }

    private void closeQuietly() {
        try {
            in.close();
        } catch (IOException ignored) {
            // the connection is broken already; a new one replaces it
        }
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
