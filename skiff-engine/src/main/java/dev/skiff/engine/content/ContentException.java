package dev.skiff.engine.content;

import dev.skiff.engine.EngineException;

/** A blob could not be stored or read: a digest or size mismatch, a missing blob, a failed disk. */
public class ContentException extends EngineException {
    public ContentException(String message) {
        super(message);
    }

    public ContentException(String message, Throwable cause) {
        super(message, cause);
    }
}
