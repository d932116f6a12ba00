package dev.skiff.engine.images;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;

/**
 * gzip whose bytes depend only on the input, so the same layer always gets the same digest: a
 * fixed header (no name, mtime 0, OS "unknown" 255, as Go's compress/gzip writes) and the JDK's
 * Deflater at a fixed level. The header is written here rather than left to GZIPOutputStream so a
 * JDK change cannot move it.
 */
final class DeterministicGzipOutputStream extends FilterOutputStream {
    private static final byte[] HEADER = {0x1f, (byte) 0x8b, Deflater.DEFLATED, 0, 0, 0, 0, 0, 0, (byte) 0xff};
    static final int LEVEL = 6;

    private final Deflater deflater = new Deflater(LEVEL, true);
    private final DeflaterOutputStream deflating;
    private final CRC32 crc = new CRC32();
    private long size;
    private boolean finished;

    DeterministicGzipOutputStream(OutputStream out) throws IOException {
        super(out);
        out.write(HEADER);
        this.deflating = new DeflaterOutputStream(out, deflater, 1 << 16);
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        deflating.write(b, off, len);
        crc.update(b, off, len);
        size += len;
    }

    /** Ends the gzip stream (trailer: CRC-32 and size mod 2^32, little-endian) without closing {@code out}. */
    void finish() throws IOException {
        if (finished) {
            return;
        }
        finished = true;
        deflating.finish();
        deflater.end();
        long c = crc.getValue();
        long s = size & 0xffffffffL;
        out.write(new byte[] {(byte) c, (byte) (c >> 8), (byte) (c >> 16), (byte) (c >> 24),
                (byte) s, (byte) (s >> 8), (byte) (s >> 16), (byte) (s >> 24)});
    }

    @Override
    public void flush() throws IOException {
        out.flush();
    }

    @Override
    public void close() throws IOException {
        try {
            finish();
        } finally {
            out.close();
        }
    }
}
