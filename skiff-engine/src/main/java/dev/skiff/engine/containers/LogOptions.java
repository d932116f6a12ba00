package dev.skiff.engine.containers;

import java.time.Instant;
import java.util.Optional;

/**
 * What {@code docker logs} asks for.
 *
 * @param tail   the last N entries; negative for all
 * @param since  entries at or after this instant
 * @param until  entries before this instant
 * @param follow keep streaming until the container stops or the reader gives up
 */
public record LogOptions(boolean stdout, boolean stderr, boolean follow, int tail, Optional<Instant> since,
                         Optional<Instant> until, boolean timestamps) {
    public static LogOptions all() {
        return new LogOptions(true, true, false, -1, Optional.empty(), Optional.empty(), false);
    }
}
