package dev.skiff.registry.storage;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * A {@link StorageDriver} on a local folder, laid out exactly as CNCF distribution's filesystem
 * driver lays it out, so either can serve the other's folder.
 */
public final class FileSystemDriver implements StorageDriver {
    private final Path root;

    public FileSystemDriver(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    public Path root() {
        return root;
    }

    /** The local file behind a storage path. Refuses anything that would leave the root. */
    Path resolve(String path) {
        if (path == null || !path.startsWith("/") || path.contains("/../") || path.endsWith("/..")
                || path.contains("/./") || path.contains("//") || path.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("invalid storage path: " + path);
        }
        Path resolved = root.resolve(path.substring(1)).normalize();
        if (!resolved.startsWith(root)) {
            throw new IllegalArgumentException("storage path leaves the root: " + path);
        }
        return resolved;
    }

    @Override
    public byte[] getContent(String path) throws IOException {
        return Files.readAllBytes(resolve(path));
    }

    @Override
    public void putContent(String path, byte[] content) throws IOException {
        Path target = resolve(path);
        Files.createDirectories(target.getParent());
        Path temp = target.resolveSibling("." + target.getFileName() + "." + UUID.randomUUID() + ".tmp");
        try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            var buffer = java.nio.ByteBuffer.wrap(content);
            while (buffer.hasRemaining()) {
                ch.write(buffer);
            }
            ch.force(true);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(temp);
            throw e;
        }
        atomicMove(temp, target);
    }

    @Override
    public void putScratch(String path, byte[] content) throws IOException {
        Path target = resolve(path);
        Files.createDirectories(target.getParent());
        Files.write(target, content);
    }

    @Override
    public FileChannel openRead(String path) throws IOException {
        return FileChannel.open(resolve(path), StandardOpenOption.READ);
    }

    @Override
    public FileChannel openAppend(String path) throws IOException {
        Path target = resolve(path);
        Files.createDirectories(target.getParent());
        return FileChannel.open(target, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
    }

    @Override
    public Optional<FileInfo> stat(String path) throws IOException {
        try {
            BasicFileAttributes a = Files.readAttributes(resolve(path), BasicFileAttributes.class);
            return Optional.of(new FileInfo(a.size(), a.lastModifiedTime(), a.isDirectory()));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    @Override
    public List<String> list(String path) throws IOException {
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> children = Files.newDirectoryStream(resolve(path))) {
            for (Path child : children) {
                String name = child.getFileName().toString();
                if (!(name.startsWith(".") && name.endsWith(".tmp"))) {
                    names.add(name);
                }
            }
        } catch (NoSuchFileException | java.nio.file.NotDirectoryException e) {
            return List.of();
        }
        return names;
    }

    @Override
    public void move(String from, String to) throws IOException {
        Path source = resolve(from);
        Path target = resolve(to);
        try (FileChannel ch = FileChannel.open(source, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        Files.createDirectories(target.getParent());
        atomicMove(source, target);
    }

    @Override
    public void delete(String path) throws IOException {
        Path target = resolve(path);
        if (target.equals(root)) {
            throw new IllegalArgumentException("refusing to delete the storage root");
        }
        if (!Files.isDirectory(target, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            Files.deleteIfExists(target);
            return;
        }
        try {
            Files.walkFileTree(target, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException exc) throws IOException {
                    if (exc instanceof NoSuchFileException) {
                        return FileVisitResult.CONTINUE;
                    }
                    throw exc;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                    Files.deleteIfExists(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (NoSuchFileException e) {
            // already gone
        }
    }

    @Override
    public void touch(String path, FileTime time) throws IOException {
        Files.setLastModifiedTime(resolve(path), time);
    }

    private static void atomicMove(Path source, Path target) throws IOException {
        try {
            Files.move(source, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException | FileAlreadyExistsException e) {
            throw new IOException("cannot move " + source + " to " + target + " atomically", e);
        }
        fsyncDirectory(target.getParent());
    }

    private static void fsyncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // Some filesystems refuse fsync on directories; the rename is still atomic.
        }
    }
}
