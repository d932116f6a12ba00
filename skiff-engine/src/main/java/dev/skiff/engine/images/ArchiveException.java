package dev.skiff.engine.images;

import dev.skiff.engine.EngineException;

/** An image archive cannot be loaded (malformed, unsafe or inconsistent) or written (HTTP 400 or 500 in the API). */
public final class ArchiveException extends EngineException {
    public ArchiveException(String message) {
        super(message);
    }

    public ArchiveException(String message, Throwable cause) {
        super(message, cause);
    }
}
