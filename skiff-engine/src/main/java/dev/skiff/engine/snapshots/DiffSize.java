package dev.skiff.engine.snapshots;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashSet;
import java.util.Set;

/**
 * A layer's size as dockerd's overlay2 driver reports it (its DiffSize, moby's {@code
 * pkg/directory.Size} over the layer's diff directory), so {@code docker images}, {@code history}
 * and {@code system df} show the same numbers for the same image on both daemons.
 * <p>
 * The rule: the {@code lstat} sizes of everything in the tree that is not a directory, each inode
 * counted once. So a regular file counts its bytes (once however many hard links it has), a
 * symbolic link the length of its target, and empty files, whiteouts (0/0 character devices),
 * other devices, fifos and directories nothing. Extended attributes (opaque directories) count
 * nothing either. It is measured on the unpacked directory, not read off the tar, because a tar
 * may replace or white out its own earlier entries.
 */
final class DiffSize {
    private DiffSize() {
    }

    /** @throws IOException when some part of the tree cannot be read */
    static long of(Path dir) throws IOException {
        Set<Object> seen = new HashSet<>();
        long[] total = {0};
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                // walkFileTree does not follow links, so attrs are lstat's; fileKey is (device, inode)
                if (!attrs.isDirectory() && attrs.size() > 0 && seen.add(attrs.fileKey())) {
                    total[0] += attrs.size();
                }
                return FileVisitResult.CONTINUE;
            }
        });
        return total[0];
    }
}
