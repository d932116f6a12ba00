package dev.skiff.engine.images;

import dev.skiff.engine.EngineException;

/** The input of an import is not something that can become an image (HTTP 400 in the API). */
public final class ImportException extends EngineException {
    public ImportException(String message) {
        super(message);
    }

    public ImportException(String message, Throwable cause) {
        super(message, cause);
    }
}
