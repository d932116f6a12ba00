package dev.skiff.engine.containers;

import java.io.IOException;

/** Where a container's log messages go: one call per message, with its trailing newline. */
@FunctionalInterface
public interface LogSink {
    void write(LogEntry.Stream stream, byte[] bytes) throws IOException;
}
