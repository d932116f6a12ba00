package dev.skiff.engine.snapshots;

import dev.skiff.engine.EngineException;

/**
 * A layer could not be unpacked into a snapshot (an unsafe or damaged layer, a full disk), or the
 * snapshots on disk cannot be read; the message names the layer or the file and what to do.
 */
public final class SnapshotException extends EngineException {
    public SnapshotException(String message) {
        super(message);
    }

    public SnapshotException(String message, Throwable cause) {
        super(message, cause);
    }
}
