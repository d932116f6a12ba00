package dev.skiff.engine.containers;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Where a container operation spends its time, for tuning the start and removal paths: with the
 * environment variable {@code SKIFF_TIMINGS} naming a file, each operation appends one line there,
 * e.g. {@code start 0123abcd456e total=212ms mount=9 attach=120 create=70 start=13}. Unset (the
 * default), a step costs one {@code nanoTime} and nothing is written.
 */
final class StepTimes {
    private static final Path OUT = outFile();

    private final String operation;
    private final String containerId;
    private final long begin;
    private long last;
    private final StringBuilder steps = new StringBuilder();

    private StepTimes(String operation, String containerId) {
        this.operation = operation;
        this.containerId = containerId;
        this.begin = System.nanoTime();
        this.last = begin;
    }

    static StepTimes begin(String operation, String containerId) {
        return new StepTimes(operation, containerId);
    }

    /** The time since the previous step (or the beginning) was spent on {@code name}. */
    void step(String name) {
        long now = System.nanoTime();
        if (OUT != null) {
            steps.append(' ').append(name).append('=').append((now - last) / 1_000_000);
        }
        last = now;
    }

    /** Appends the operation's line; never fails the operation. */
    void end() {
        if (OUT == null) {
            return;
        }
        String line = operation + " " + containerId.substring(0, Math.min(12, containerId.length()))
                + " total=" + (System.nanoTime() - begin) / 1_000_000 + "ms" + steps + "\n";
        synchronized (StepTimes.class) {
            try {
                Files.writeString(OUT, line, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            } catch (IOException e) {
                // timings are a diagnostic; losing one line is fine
            }
        }
    }

    private static Path outFile() {
        String v = System.getenv("SKIFF_TIMINGS");
        return v == null || v.isBlank() ? null : Path.of(v);
    }
}
