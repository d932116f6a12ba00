package dev.skiff.engine.build;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;

/** Directories a step needs for its length only (a download, a clone, here-documents, a mount's copy). */
final class ScratchDirs {
    /** What a step does in its scratch directory. */
    @FunctionalInterface
    interface Work {
        void in(Path dir) throws IOException;
    }

    private ScratchDirs() {
    }

    /** Runs {@code work} in a new directory under {@code parent} named {@code prefix...}, removed after, however it ends. */
    static void with(Path parent, String prefix, Work work) throws IOException {
        Path dir = Files.createTempDirectory(Files.createDirectories(parent), prefix);
        try {
            work.in(dir);
        } finally {
            delete(dir);
        }
    }

    /** Removes {@code dir} and everything below it; nothing there is no error. */
    static void delete(Path dir) throws IOException {
        if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (var all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
