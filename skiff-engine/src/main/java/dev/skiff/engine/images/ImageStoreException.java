package dev.skiff.engine.images;

import dev.skiff.engine.EngineException;

/** The image store's files cannot be read or written; the message names the file and what to do. */
public final class ImageStoreException extends EngineException {
    public ImageStoreException(String message) {
        super(message);
    }

    public ImageStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
