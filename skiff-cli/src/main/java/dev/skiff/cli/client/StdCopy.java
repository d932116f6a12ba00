package dev.skiff.cli.client;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Splits the Engine API's multiplexed stream (attach, exec, logs of a container without a TTY) back into
 * stdout and stderr. Each frame is an 8-byte header {@code [stream, 0, 0, 0, size as big-endian uint32]}
 * then {@code size} bytes; stream 0 is stdin echoed, 1 stdout, 2 stderr, 3 an error from the daemon.
 * Reads block until a whole header or payload is there, so frames split across reads are joined.
 */
public final class StdCopy {
    /** An error the daemon put in the stream itself (stream 3), for example when a log can't be read. */
    public static final class StreamError extends ClientException {
        StreamError(String message) {
            super(message);
        }
    }

    private StdCopy() {
    }

    /**
     * Copies frames until the stream ends, flushing after each, and returns the payload bytes written.
     *
     * @throws EOFException when the stream ends inside a frame
     * @throws StreamError for a stream-3 frame or an unknown stream number
     */
    public static long demultiplex(InputStream in, OutputStream stdout, OutputStream stderr) throws IOException {
        byte[] header = new byte[8];
        byte[] buffer = new byte[32 * 1024];
        long total = 0;
        while (true) {
            int got = readFully(in, header);
            if (got == 0) {
                return total;
            }
            if (got < 8) {
                throw new EOFException("the stream ended inside a frame header (" + got + " of 8 bytes)");
            }
            long size = ((header[4] & 0xffL) << 24) | ((header[5] & 0xff) << 16) | ((header[6] & 0xff) << 8) | (header[7] & 0xff);
            OutputStream target = switch (header[0]) {
                case 0, 1 -> stdout;
                case 2 -> stderr;
                case 3 -> null;
                default -> throw new StreamError("unrecognized stream " + header[0] + " in the multiplexed output: is this a TTY container?");
            };
            if (target == null) {
                byte[] message = new byte[(int) Math.min(size, 1 << 20)];
                message = java.util.Arrays.copyOf(message, readFully(in, message));
                throw new StreamError(new String(message, StandardCharsets.UTF_8).strip());
            }
            long remaining = size;
            while (remaining > 0) {
                int n = in.read(buffer, 0, (int) Math.min(buffer.length, remaining));
                if (n < 0) {
                    throw new EOFException("the stream ended inside a frame (" + remaining + " of " + size + " bytes missing)");
                }
                target.write(buffer, 0, n);
                remaining -= n;
            }
            target.flush();
            total += size;
        }
    }

    /** Reads until {@code buffer} is full or the stream ends; returns how many bytes came. */
    private static int readFully(InputStream in, byte[] buffer) throws IOException {
        int got = 0;
        while (got < buffer.length) {
            int n = in.read(buffer, got, buffer.length - got);
            if (n < 0) {
                break;
            }
            got += n;
        }
        return got;
    }
}
