package dev.skiff.engine.content;

import dev.skiff.formats.Digest;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.Optional;

/**
 * Ingests one blob: bytes go to a private file under {@code content/ingest/} and are hashed as they
 * are written; {@link #commit} verifies, fsyncs and renames the file into {@code content/blobs/}, so
 * the blob appears whole or not at all. Closing a writer that was not committed aborts it.
 * One thread writes to a writer; any number of writers may ingest the same content at once.
 */
public final class ContentWriter extends OutputStream {
    private enum State { OPEN, COMMITTED, ABORTED }

    private final ContentStore store;
    private final Path temp;
    private final FileChannel channel;
    private final OutputStream out;
    private final Digest.Algorithm algorithm;
    private final MessageDigest hash;
    private long count;
    private State state = State.OPEN;

    ContentWriter(ContentStore store, Path temp, Digest.Algorithm algorithm) throws IOException {
        this.store = store;
        this.temp = temp;
        this.channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        this.out = new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16);
        this.algorithm = algorithm;
        this.hash = algorithm.newMessageDigest();
    }

    @Override
    public void write(int b) throws IOException {
        ensureOpen();
        out.write(b);
        hash.update((byte) b);
        count++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        ensureOpen();
        out.write(b, off, len);
        hash.update(b, off, len);
        count += len;
    }

    /** Bytes written so far. */
    public long size() {
        return count;
    }

    /**
     * Verifies what was written against what the caller expects, then makes it a blob.
     *
     * @return the blob's digest (the expected one's algorithm when one is given, else this writer's)
     * @throws ContentException naming the expected and the actual digest or size on a mismatch; the
     *                          bytes are then discarded and nothing is stored
     */
    public Digest commit(Optional<Digest> expected, Optional<Long> expectedSize) {
        ensureOpenUnchecked();
        try {
            out.flush();
            channel.force(true);
            out.close();
        } catch (IOException e) {
            abort();
            throw new ContentException("could not write blob to " + temp + ": " + e.getMessage(), e);
        }
        state = State.ABORTED; // until it is in place: a failure below must not leave the temp file
        try {
            if (expectedSize.isPresent() && expectedSize.get() != count) {
                throw new ContentException("size mismatch: expected " + expectedSize.get() + " bytes"
                        + expected.map(d -> " for " + d).orElse("") + ", got " + count
                        + "; the content was not stored, fetch it again");
            }
            Digest actual = expected.isPresent() && expected.get().algorithm() != algorithm
                    ? rehash(expected.get().algorithm())
                    : Digest.of(algorithm, hash.digest());
            if (expected.isPresent() && !expected.get().equals(actual)) {
                throw new ContentException("digest mismatch: expected " + expected.get() + ", got " + actual
                        + " (" + count + " bytes); the content was not stored, fetch it again");
            }
            Path target = store.blobPath(actual);
            if (Files.exists(target)) {
                // Another writer stored the same bytes first; a blob never changes, so keep that one.
                Files.deleteIfExists(temp);
            } else {
                dev.skiff.engine.AtomicFiles.moveIntoPlace(temp, target);
            }
            state = State.COMMITTED;
            return actual;
        } catch (IOException e) {
            throw new ContentException("could not store blob: " + e.getMessage(), e);
        } finally {
            if (state != State.COMMITTED) {
                deleteTemp();
            }
        }
    }

    /** Discards what was written. Safe to call more than once, and after a failed commit. */
    public void abort() {
        if (state == State.COMMITTED) {
            return;
        }
        state = State.ABORTED;
        try {
            out.close();
        } catch (IOException ignored) {
            // the file is deleted next; a failed close changes nothing
        }
        deleteTemp();
    }

    /** Aborts unless committed. */
    @Override
    public void close() {
        if (state == State.OPEN) {
            abort();
        }
    }

    private Digest rehash(Digest.Algorithm other) throws IOException {
        MessageDigest md = other.newMessageDigest();
        try (InputStream in = Files.newInputStream(temp)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
        }
        return Digest.of(other, md.digest());
    }

    private void deleteTemp() {
        try {
            Files.deleteIfExists(temp);
        } catch (IOException e) {
            throw new UncheckedIOException("could not delete " + temp, e);
        }
    }

    private void ensureOpen() throws IOException {
        if (state != State.OPEN) {
            throw new IOException("this content writer was already " + state.name().toLowerCase(java.util.Locale.ROOT));
        }
    }

    private void ensureOpenUnchecked() {
        if (state != State.OPEN) {
            throw new IllegalStateException("this content writer was already "
                    + state.name().toLowerCase(java.util.Locale.ROOT));
        }
    }
}
