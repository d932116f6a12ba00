package dev.skiff.engine.build;

import dev.skiff.engine.AtomicFiles;
import dev.skiff.formats.Digest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The classic builder's step cache: a step's key (its parent image, its instruction as expanded, and
 * for COPY and ADD a checksum of what it copies) to the image the step made. One small file per key
 * under {@code <dataRoot>/builder/cache}, written atomically; an entry whose image is gone is a miss.
 */
public final class BuildCache {
    private final Path dir;
    private final Path mountCaches;
    private final java.util.concurrent.ConcurrentMap<Path, java.util.concurrent.locks.ReentrantLock> locks =
            new java.util.concurrent.ConcurrentHashMap<>();

    private BuildCache(Path dir) {
        this.dir = dir;
        this.mountCaches = dir.resolveSibling("mount-caches");
    }

    public static BuildCache open(Path dataRoot) {
        Path dir = dataRoot.resolve("builder").resolve("cache");
        try {
            Files.createDirectories(dir);
            AtomicFiles.removeTemporaries(dir);
        } catch (IOException e) {
            throw new BuildException("cannot open the build cache in " + dir + ": " + e.getMessage(), e);
        }
        return new BuildCache(dir);
    }

    /**
     * The directory of a {@code RUN --mount=type=cache} with this id, kept from build to build under
     * {@code <dataRoot>/builder/mount-caches}, named by the id's digest.
     */
    Path mountCache(String id) {
        return mountCaches.resolve(Digest.sha256(id.getBytes(StandardCharsets.UTF_8)).encoded());
    }

    /** Where a RUN's bind mounts that it may write to get their copies, for the RUN's length. */
    Path mountScratch() {
        return mountCaches.resolveSibling("mount-scratch");
    }

    /** A fresh directory for a {@code sharing=private} cache whose own is in use; its caller removes it. */
    Path privateMountCache() throws IOException {
        Files.createDirectories(mountCaches);
        return Files.createTempDirectory(mountCaches, "private-");
    }

    /** The lock of a cache directory that {@code sharing=locked} and {@code private} take. */
    java.util.concurrent.locks.ReentrantLock lock(Path cacheDir) {
        return locks.computeIfAbsent(cacheDir, d -> new java.util.concurrent.locks.ReentrantLock());
    }

    /** The key of a step: {@code parts} joined, hashed. */
    static Digest key(String... parts) {
        return Digest.sha256(String.join("\u0000", parts).getBytes(StandardCharsets.UTF_8));
    }

    Optional<Digest> get(Digest key) {
        try {
            return Optional.of(Digest.parse(Files.readString(dir.resolve(key.encoded())).strip()));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.empty(); // an unreadable entry is a miss; the step runs and rewrites it
        }
    }

    void put(Digest key, Digest imageId) {
        try {
            AtomicFiles.write(dir.resolve(key.encoded()), (imageId + "\n").getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new BuildException("cannot record a step in the build cache " + dir + ": " + e.getMessage(), e);
        }
    }
}
