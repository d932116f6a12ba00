package dev.skiff.registry.store;

import dev.skiff.formats.Digest;
import dev.skiff.formats.RepositoryName;
import dev.skiff.registry.api.ErrorCode;
import dev.skiff.registry.storage.RegistryLayout;
import dev.skiff.registry.storage.StorageDriver;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.concurrent.locks.ReentrantLock;

/**
 * An upload in progress: bytes are appended to {@code _uploads/<id>/data} and hashed as they arrive,
 * so completing a multi-gigabyte upload needs no second pass. The hash state lives in memory; after a
 * restart it is rebuilt from the data file.
 *
 * <p>One request at a time works on an upload: {@link RegistryStore#openUpload} hands it out locked,
 * and {@link #close()} unlocks it.
 */
public final class Upload implements AutoCloseable {
    final RepositoryName repository;
    final String id;
    final Instant startedAt;
    private final StorageDriver driver;
    private final ReentrantLock lock = new ReentrantLock();
    private MessageDigest sha256;
    private long hashed;
    private long offset;
    private FileChannel channel;
    volatile long lastUsedNanos = System.nanoTime();

    Upload(StorageDriver driver, RepositoryName repository, String id, Instant startedAt, long offset) {
        this.driver = driver;
        this.repository = repository;
        this.id = id;
        this.startedAt = startedAt;
        this.offset = offset;
    }

    public String id() {
        return id;
    }

    public RepositoryName repository() {
        return repository;
    }

    /** Bytes received so far. */
    public long offset() {
        return offset;
    }

    boolean tryLock() {
        return lock.tryLock();
    }

    /** Waits a little for another request on this upload to finish: clients send the next one at once. */
    boolean lock(java.time.Duration wait) {
        try {
            return lock.tryLock(wait.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Appends bytes at the current end. */
    public void write(ByteBuffer bytes) {
        try {
            if (channel == null) {
                channel = driver.openAppend(RegistryLayout.uploadData(repository, id));
                if (channel.size() != offset) {
                    offset = channel.size();
                }
            }
            ensureHashed();
            ByteBuffer forHash = bytes.duplicate();
            while (bytes.hasRemaining()) {
                offset += channel.write(bytes);
            }
            sha256.update(forHash);
            hashed = offset;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write upload " + id, e);
        }
    }

    /** The digest of everything received, with the algorithm asked for. */
    Digest digest(Digest.Algorithm algorithm) throws IOException {
        flush();
        if (algorithm == Digest.Algorithm.SHA256) {
            ensureHashed();
            return Digest.of(algorithm, ((MessageDigest) cloneDigest()).digest());
        }
        return hashFile(algorithm);
    }

    void flush() throws IOException {
        if (channel != null) {
            channel.close();
            channel = null;
        }
    }

    private Object cloneDigest() {
        try {
            return sha256.clone();
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException(e);
        }
    }

    // After a restart (or a crash in the middle of a chunk) the in-memory hash lags the file: rehash it.
    private void ensureHashed() throws IOException {
        if (sha256 != null && hashed == offset) {
            return;
        }
        MessageDigest md = Digest.Algorithm.SHA256.newMessageDigest();
        long size = hashInto(md);
        sha256 = md;
        hashed = size;
        offset = size;
    }

    private Digest hashFile(Digest.Algorithm algorithm) throws IOException {
        MessageDigest md = algorithm.newMessageDigest();
        hashInto(md);
        return Digest.of(algorithm, md.digest());
    }

    private long hashInto(MessageDigest md) throws IOException {
        String path = RegistryLayout.uploadData(repository, id);
        if (driver.stat(path).isEmpty()) {
            return 0;
        }
        try (FileChannel in = driver.openRead(path)) {
            ByteBuffer buffer = ByteBuffer.allocate(1 << 16);
            long total = 0;
            while (in.read(buffer) > 0) {
                buffer.flip();
                total += buffer.remaining();
                md.update(buffer);
                buffer.clear();
            }
            return total;
        }
    }

    /** Takes back everything after {@code size} bytes (a chunk that broke off or had the wrong length). */
    public void truncate(long size) {
        try {
            flush();
            try (FileChannel ch = driver.openAppend(RegistryLayout.uploadData(repository, id))) {
                ch.truncate(size);
            }
            offset = size;
            sha256 = null;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot truncate upload " + id, e);
        }
    }

    /** Checks that a chunk starting at {@code start} continues the upload (chunks must come in order). */
    public void expectOffset(long start) {
        if (start != offset) {
            throw ErrorCode.BLOB_UPLOAD_INVALID.error("chunk starts at " + start + " but the upload has "
                    + offset + " bytes; resume from " + offset).withStatus(416);
        }
    }

    @Override
    public void close() {
        try {
            flush();
        } catch (IOException e) {
            // nothing was lost: the next request reopens the file and rehashes it
        } finally {
            lastUsedNanos = System.nanoTime();
            if (lock.isHeldByCurrentThread()) {
                lock.unlock();
            }
        }
    }
}
