package dev.skiff.registry.auth;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.UUID;

/** Secret files are either whole or absent: staged next to the target, fsynced, then renamed or linked. */
final class AtomicFiles {
    static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private AtomicFiles() {
    }

    /**
     * Writes {@code content} to {@code target}, replacing it. The replacement keeps the old file's owner
     * when it can: root running {@code skiff registry user add} must not leave the server's own user
     * unable to read a 0600 file.
     */
    static void replace(Path target, byte[] content, Set<PosixFilePermission> permissions) throws IOException {
        Path temp = stage(target, content, permissions);
        try {
            keepOwner(target, temp);
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(temp);
            throw e;
        }
        fsyncDirectory(target.toAbsolutePath().getParent());
    }

    /**
     * Writes {@code content} to {@code target} only if nothing is there yet, and returns false if something
     * was. A hard link never replaces, so two processes creating the same file cannot clobber each other.
     */
    static boolean createNew(Path target, byte[] content, Set<PosixFilePermission> permissions) throws IOException {
        Path temp = stage(target, content, permissions);
        try {
            Files.createLink(target, temp);
        } catch (FileAlreadyExistsException e) {
            return false;
        } finally {
            Files.deleteIfExists(temp);
        }
        fsyncDirectory(target.toAbsolutePath().getParent());
        return true;
    }

    private static Path stage(Path target, byte[] content, Set<PosixFilePermission> permissions) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path temp = dir.resolve("." + target.getFileName() + "." + UUID.randomUUID() + ".tmp");
        // The mode is set at creation, so the secret is never readable by others, not even for a moment.
        try (FileChannel ch = FileChannel.open(temp, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                PosixFilePermissions.asFileAttribute(permissions))) {
            ByteBuffer buffer = ByteBuffer.wrap(content);
            while (buffer.hasRemaining()) {
                ch.write(buffer);
            }
            ch.force(true);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(temp);
            throw e;
        }
        // The umask may have narrowed the creation mode; the caller's mode is what it asked for.
        Files.setPosixFilePermissions(temp, permissions);
        return temp;
    }

    private static void keepOwner(Path original, Path replacement) {
        try {
            PosixFileAttributes old = Files.readAttributes(original, PosixFileAttributes.class);
            PosixFileAttributeView view = Files.getFileAttributeView(replacement, PosixFileAttributeView.class);
            if (!old.owner().equals(view.getOwner())) {
                view.setOwner(old.owner());
            }
            view.setGroup(old.group());
        } catch (IOException | UnsupportedOperationException e) {
            // No old file, or not ours to give away: the replacement stays the writer's.
        }
    }

    private static void fsyncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // Some filesystems refuse fsync on directories; the rename itself is still atomic.
        }
    }
}
