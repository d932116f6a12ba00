package dev.skiff.it.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.zip.GZIPOutputStream;

/**
 * One image layer: the uncompressed tar (whose digest is the config's diff_id) and its gzip form
 * (whose digest and size the manifest names).
 */
public record Layer(byte[] tar, byte[] compressed) {

    public static Layer of(Tar tar) {
        byte[] bytes = tar.toBytes();
        return new Layer(bytes, gzip(bytes));
    }

    public String diffId() {
        return Digests.sha256(tar);
    }

    public String digest() {
        return Digests.sha256(compressed);
    }

    public long size() {
        return compressed.length;
    }

    private static byte[] gzip(byte[] bytes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
            gzip.write(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
