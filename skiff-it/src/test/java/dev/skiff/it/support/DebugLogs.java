package dev.skiff.it.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.atomic.AtomicInteger;

/** Where the output of the processes a test starts is kept, for reading after a failure: target/it-logs. */
public final class DebugLogs {

    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    private DebugLogs() {
    }

    public static Path directory() {
        String basedir = System.getProperty("basedir", System.getProperty("user.dir"));
        Path dir = Path.of(basedir, "target", "it-logs");
        try {
            return Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A new, unique file name such as {@code 0007-193501-skiff-registry.log}. */
    public static Path newFile(String label) {
        String time = LocalTime.now().format(DateTimeFormatter.ofPattern("HHmmss"));
        String safe = label.replaceAll("[^A-Za-z0-9._-]", "_");
        return directory().resolve("%04d-%s-%s.log".formatted(SEQUENCE.incrementAndGet(), time, safe));
    }
}
