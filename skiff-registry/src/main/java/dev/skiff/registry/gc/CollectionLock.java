package dev.skiff.registry.gc;

import dev.skiff.registry.storage.RegistryLayout;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The one lock between the garbage collector and everything that makes a blob reachable, for a
 * registry root that may be served by several threads and several processes at once.
 *
 * <p>{@link #shared()} is taken by writers that make a blob reachable (a manifest PUT, linking a
 * finished upload, a cross-repository mount): many of them may hold it together. {@link #exclusive()}
 * is taken by the sweep for one short batch of deletions at a time. The lock alone does not make
 * collection safe; it makes the writers' "touch then link" step and the collector's "re-check then
 * delete" step happen one after the other, never interleaved. See {@link GarbageCollector} for the
 * whole argument.
 *
 * <p>Across processes it is a POSIX record lock on {@code <root>/skiff/gc.lock}. Those locks belong
 * to a process, not to a thread, and the JDK refuses overlapping locks on one file in one JVM, so
 * each JVM keeps one channel per lock file (hence {@link #forFileSystem} returns the same instance
 * for the same root) and holds the file lock shared while at least one of its threads holds
 * {@code shared()}. In-JVM exclusion is a fair {@link ReentrantReadWriteLock}, so a waiting sweep
 * is not starved by a stream of pushes. Never open {@code gc.lock} otherwise in a process that uses
 * this class: closing any descriptor of a file drops every lock the process holds on it.
 *
 * <p>A hold must be closed by the thread that took it (try-with-resources does that). Taking
 * {@code exclusive()} while holding {@code shared()}, or the reverse, is refused rather than left to
 * deadlock.
 */
public final class CollectionLock {

    /** A held lock; closing it releases it. Closing twice is harmless. */
    public interface Hold extends AutoCloseable {
        @Override
        void close();
    }

    private static final ConcurrentHashMap<Path, CollectionLock> BY_FILE = new ConcurrentHashMap<>();
    private static final String LOCK_FILE = RegistryLayout.SKIFF.substring(1) + "/gc.lock";

    private final ReentrantReadWriteLock inJvm = new ReentrantReadWriteLock(true);
    private final Optional<FileChannel> file;
    private final ReentrantLock sharedFileGuard = new ReentrantLock();
    private int sharedHolders; // guarded by sharedFileGuard
    private Optional<FileLock> sharedFileLock = Optional.empty(); // guarded by sharedFileGuard

    private CollectionLock(Optional<FileChannel> file) {
        this.file = file;
    }

    /**
     * The lock for a filesystem registry root, shared with every other process that uses the same
     * root. Returns the same instance for the same root within a JVM.
     */
    public static CollectionLock forFileSystem(Path root) throws IOException {
        Path lockFile = root.toAbsolutePath().normalize().resolve(LOCK_FILE);
        try {
            return BY_FILE.computeIfAbsent(lockFile, f -> {
                try {
                    Files.createDirectories(f.getParent());
                    return new CollectionLock(Optional.of(FileChannel.open(f,
                            StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE)));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (UncheckedIOException e) {
            throw new IOException("cannot open the garbage collection lock " + lockFile
                    + ": check that the registry root is writable", e.getCause());
        }
    }

    /** A lock for collectors and writers that all live in this JVM, or for storage with no local files. */
    public static CollectionLock inProcess() {
        return new CollectionLock(Optional.empty());
    }

    /** Taken by anything that makes a blob reachable; blocks only while a sweep batch runs. */
    public Hold shared() throws IOException {
        if (inJvm.isWriteLockedByCurrentThread()) {
            throw new IllegalStateException("shared() while this thread holds exclusive()");
        }
        Lock read = inJvm.readLock();
        lockInterruptibly(read);
        try {
            lockInterruptibly(sharedFileGuard);
            try {
                if (sharedHolders == 0) {
                    sharedFileLock = acquireFileLock(true);
                }
                sharedHolders++;
            } finally {
                sharedFileGuard.unlock();
            }
        } catch (IOException | RuntimeException e) {
            read.unlock();
            throw e;
        }
        return once(() -> {
            sharedFileGuard.lock();
            try {
                if (--sharedHolders == 0) {
                    release(sharedFileLock);
                    sharedFileLock = Optional.empty();
                }
            } finally {
                sharedFileGuard.unlock();
                read.unlock();
            }
        });
    }

    /** Taken by the sweep around one batch of deletions; waits for every shared holder to leave. */
    public Hold exclusive() throws IOException {
        if (inJvm.getReadHoldCount() > 0) {
            throw new IllegalStateException("exclusive() while this thread holds shared(): that would deadlock");
        }
        if (inJvm.isWriteLockedByCurrentThread()) {
            throw new IllegalStateException("exclusive() is not reentrant");
        }
        Lock write = inJvm.writeLock();
        lockInterruptibly(write);
        Optional<FileLock> fileLock;
        try {
            fileLock = acquireFileLock(false);
        } catch (IOException | RuntimeException e) {
            write.unlock();
            throw e;
        }
        return once(() -> {
            try {
                release(fileLock);
            } finally {
                write.unlock();
            }
        });
    }

    /**
     * Polls with tryLock because a blocking FileChannel.lock() that is interrupted closes the
     * channel, which would drop the locks of every other thread of this JVM; polling also leaves
     * virtual threads free to unmount while they wait.
     */
    private Optional<FileLock> acquireFileLock(boolean shared) throws IOException {
        if (file.isEmpty()) {
            return Optional.empty();
        }
        long sleepMillis = 1;
        while (true) {
            FileLock lock = file.get().tryLock(0, Long.MAX_VALUE, shared);
            if (lock != null) {
                return Optional.of(lock);
            }
            try {
                Thread.sleep(sleepMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while waiting for the garbage collection lock");
            }
            sleepMillis = Math.min(sleepMillis * 2, 50);
        }
    }

    private static void release(Optional<FileLock> lock) {
        if (lock.isPresent()) {
            try {
                lock.get().release();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot release the garbage collection lock", e);
            }
        }
    }

    private static void lockInterruptibly(Lock lock) throws InterruptedIOException {
        try {
            lock.lockInterruptibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for the garbage collection lock");
        }
    }

    private static Hold once(Runnable release) {
        AtomicBoolean open = new AtomicBoolean(true);
        return () -> {
            if (open.compareAndSet(true, false)) {
                release.run();
            }
        };
    }
}
