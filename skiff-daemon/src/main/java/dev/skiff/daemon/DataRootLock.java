package dev.skiff.daemon;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Makes sure one daemon at a time owns a data root: an exclusive lock on {@code <data-root>/skiff.lock},
 * which holds the owner's PID so the refusal can name it. The kernel drops the lock when the process
 * dies, even by kill -9, so a crash never leaves a root locked.
 */
final class DataRootLock implements AutoCloseable {
    private final FileChannel channel;
    private final FileLock lock;

    private DataRootLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    static DataRootLock acquire(Path dataRoot) throws IOException {
        Files.createDirectories(dataRoot);
        Path file = dataRoot.resolve("skiff.lock");
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (java.nio.channels.OverlappingFileLockException e) {
            lock = null; // held by this same JVM: another daemon instance in this process
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
        if (lock == null) {
            String owner = new String(Files.readAllBytes(file), StandardCharsets.US_ASCII).strip();
            channel.close();
            throw new DaemonException("another skiff daemon" + (owner.isEmpty() ? "" : " (pid " + owner + ")")
                    + " is using the data root " + dataRoot + "; stop it first, or give this one its own --data-root");
        }
        channel.truncate(0);
        channel.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
        channel.force(true);
        return new DataRootLock(channel, lock);
    }

    @Override
    public void close() throws IOException {
        lock.release();
        channel.close();
    }
}
