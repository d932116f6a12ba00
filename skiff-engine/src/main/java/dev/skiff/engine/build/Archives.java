package dev.skiff.engine.build;

import org.apache.commons.compress.compressors.bzip2.BZip2CompressorInputStream;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.zip.GZIPInputStream;

/**
 * The local archives ADD unpacks, told by their bytes as dockerd does (not by name): a tar, plain
 * or compressed with gzip or bzip2. An xz-compressed file is refused with a clear message rather
 * than copied as it is, which would silently differ from docker.
 */
final class Archives {
    private static final byte[] GZIP = {0x1f, (byte) 0x8b};
    private static final byte[] BZIP2 = {'B', 'Z', 'h'};
    private static final byte[] XZ = {(byte) 0xfd, '7', 'z', 'X', 'Z', 0};

    private Archives() {
    }

    /** The file's tar stream (decompressed) when it is a tar archive; empty for any other file. */
    static Optional<InputStream> open(Path file) throws IOException {
        byte[] head;
        try (InputStream in = Files.newInputStream(file)) {
            head = in.readNBytes(6);
        }
        InputStream raw = new BufferedInputStream(Files.newInputStream(file));
        try {
            InputStream tar;
            if (startsWith(head, GZIP)) {
                tar = new BufferedInputStream(new GZIPInputStream(raw));
            } else if (startsWith(head, BZIP2)) {
                tar = new BufferedInputStream(new BZip2CompressorInputStream(raw));
            } else if (startsWith(head, XZ)) {
                raw.close();
                throw new BuildException("ADD cannot unpack the xz archive " + file.getFileName() + " yet; "
                        + "use a .tar, .tar.gz or .tar.bz2, or COPY it and unpack it in a RUN step");
            } else {
                tar = raw;
            }
            tar.mark(512);
            byte[] block = tar.readNBytes(512);
            tar.reset();
            if (block.length == 512 && new String(Arrays.copyOfRange(block, 257, 262), StandardCharsets.US_ASCII).equals("ustar")) {
                return Optional.of(tar);
            }
            tar.close();
            return Optional.empty();
        } catch (IOException e) {
            raw.close();
            return Optional.empty(); // compressed, but not something we can read: an ordinary file to copy
        }
    }

    private static boolean startsWith(byte[] head, byte[] magic) {
        return head.length >= magic.length && Arrays.equals(Arrays.copyOf(head, magic.length), magic);
    }
}
