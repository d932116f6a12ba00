package dev.skiff.engine;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Atomic or absent: a file is written under a temporary name next to its target, fsynced, renamed
 * over the target and the directory fsynced, so a reader (or the next start after a crash) sees the
 * old content or the new, never a part of either.
 */
public final class AtomicFiles {
    /** Temporary files start with this; {@link #removeTemporaries} deletes what a crash left. */
    public static final String TEMP_PREFIX = ".tmp-";

    public static void write(Path target, byte[] content) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Path temp = dir.resolve(TEMP_PREFIX + target.getFileName() + "-"
                + Long.toHexString(ThreadLocalRandom.current().nextLong()));
        try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer buf = ByteBuffer.wrap(content);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            ch.force(true);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(temp);
            throw e;
        }
        moveIntoPlace(temp, target);
    }

    /** Renames {@code source} over {@code target} atomically and makes the rename durable. */
    public static void moveIntoPlace(Path source, Path target) throws IOException {
        try {
            Files.move(source, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.deleteIfExists(source);
            throw new IOException(source + " and " + target + " must be on one file system", e);
        } catch (IOException e) {
            Files.deleteIfExists(source);
            throw e;
        }
        syncDirectory(target.toAbsolutePath().getParent());
    }

    /** Makes creations, renames and deletions in {@code dir} durable. */
    public static void syncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    /** Deletes the temporary files a crash mid-{@link #write} left in {@code dir}. */
    public static void removeTemporaries(Path dir) {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, TEMP_PREFIX + "*")) {
            for (Path f : files) {
                Files.deleteIfExists(f);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not clean temporary files in " + dir, e);
        }
    }

    private AtomicFiles() {
    }
}
