package dev.skiff.engine.snapshots;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The last megabyte of a tar stream, with positions, so the PAX extended header right before an
 * entry can be read back as bytes. The tar reader (commons-compress) decodes PAX values as UTF-8,
 * which loses binary ones such as {@code security.capability}; Docker keeps them. Sits directly
 * below the tar reader, which reads a header's 512 bytes and nothing more before it returns the
 * entry, so {@link #position()} then is where that header ends.
 */
final class RecentTarBytes extends FilterInputStream {
    private static final int BLOCK = 512;
    private static final int CAPACITY = 1 << 20;
    private static final String XATTR_PREFIX = "SCHILY.xattr.";

    private final byte[] ring = new byte[CAPACITY];
    private long position;

    RecentTarBytes(InputStream in) {
        super(in);
    }

    /** How many bytes the tar reader has read. */
    long position() {
        return position;
    }

    @Override
    public int read() throws IOException {
        int b = in.read();
        if (b >= 0) {
            ring[(int) (position % CAPACITY)] = (byte) b;
            position++;
        }
        return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = in.read(b, off, len);
        for (int i = 0; i < n; ) {
            int at = (int) (position % CAPACITY);
            int run = Math.min(n - i, CAPACITY - at);
            System.arraycopy(b, off + i, ring, at, run);
            i += run;
            position += run;
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        byte[] buffer = new byte[8192];
        long skipped = 0;
        while (skipped < n) {
            int r = read(buffer, 0, (int) Math.min(buffer.length, n - skipped));
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

    /**
     * The raw {@code SCHILY.xattr.*} values of the PAX header ({@code x}) that directly precedes the
     * header ending at {@code headerEnd}: keyed by attribute name. Empty when there is none, it is no
     * longer held, or the bytes there are not a well-formed header and records.
     */
    Map<String, byte[]> xattrsBefore(long headerEnd) {
        long header = headerEnd - BLOCK;
        long oldest = Math.max(0, position - CAPACITY);
        if (header < oldest || headerEnd > position || !isHeader(bytes(header, BLOCK))) {
            return Map.of();
        }
        for (long h = header - BLOCK; h >= oldest && header - h <= CAPACITY / 2; h -= BLOCK) {
            byte[] candidate = bytes(h, BLOCK);
            if (candidate[156] == 'x' && isHeader(candidate)) {
                long size = octal(candidate, 124, 12);
                if (size < 0 || h + BLOCK + roundUp(size) != header) {
                    return Map.of();
                }
                return records(bytes(h + BLOCK, (int) size));
            }
        }
        return Map.of();
    }

    private static long roundUp(long size) {
        return (size + BLOCK - 1) / BLOCK * BLOCK;
    }

    private byte[] bytes(long from, int length) {
        byte[] out = new byte[length];
        for (int i = 0; i < length; ) {
            int at = (int) ((from + i) % CAPACITY);
            int run = Math.min(length - i, CAPACITY - at);
            System.arraycopy(ring, at, out, i, run);
            i += run;
        }
        return out;
    }

    /** A ustar header block: its checksum (bytes 148..155, counted as spaces) adds up. */
    static boolean isHeader(byte[] block) {
        long stored = octal(block, 148, 8);
        if (stored < 0) {
            return false;
        }
        long sum = 0;
        for (int i = 0; i < BLOCK; i++) {
            sum += (i >= 148 && i < 156) ? ' ' : (block[i] & 0xff);
        }
        return sum == stored;
    }

    /** An octal number field (NUL or space padded); -1 when it is not one. */
    static long octal(byte[] block, int offset, int length) {
        long value = 0;
        boolean digits = false;
        for (int i = offset; i < offset + length; i++) {
            byte c = block[i];
            if (c == 0 || c == ' ') {
                if (digits) {
                    break;
                }
                continue;
            }
            if (c < '0' || c > '7') {
                return -1;
            }
            value = value * 8 + (c - '0');
            digits = true;
        }
        return digits ? value : -1;
    }

    /** PAX records, {@code "<length> <key>=<value>\n"}, values kept as bytes. */
    static Map<String, byte[]> records(byte[] data) {
        Map<String, byte[]> xattrs = new HashMap<>();
        int i = 0;
        while (i < data.length) {
            int space = i;
            while (space < data.length && data[space] != ' ') {
                space++;
            }
            long length;
            try {
                length = Long.parseLong(new String(data, i, space - i, StandardCharsets.US_ASCII));
            } catch (NumberFormatException e) {
                return Map.of();
            }
            int end = (int) (i + length);
            if (length <= 0 || end > data.length || end <= space || data[end - 1] != '\n') {
                return Map.of();
            }
            int equals = space + 1;
            while (equals < end && data[equals] != '=') {
                equals++;
            }
            if (equals >= end) {
                return Map.of();
            }
            String key = new String(data, space + 1, equals - space - 1, StandardCharsets.UTF_8);
            if (key.startsWith(XATTR_PREFIX)) {
                xattrs.put(key.substring(XATTR_PREFIX.length()), Arrays.copyOfRange(data, equals + 1, end - 1));
            }
            i = end;
        }
        return xattrs;
    }
}
