package dev.skiff.formats;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.security.MessageDigest;

/** Passes bytes through while hashing and counting them. */
public final class DigestingOutputStream extends FilterOutputStream {
    private final Digest.Algorithm algorithm;
    private final MessageDigest messageDigest;
    private long count;

    public DigestingOutputStream(OutputStream out, Digest.Algorithm algorithm) {
        super(out);
        this.algorithm = algorithm;
        this.messageDigest = algorithm.newMessageDigest();
    }

    @Override
    public void write(int b) throws IOException {
        out.write(b);
        messageDigest.update((byte) b);
        count++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
        messageDigest.update(b, off, len);
        count += len;
    }

    public long count() {
        return count;
    }

    /** The digest of everything written so far; call once, after the last write. */
    public Digest digest() {
        return Digest.of(algorithm, messageDigest.digest());
    }
}
