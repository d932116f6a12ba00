package dev.skiff.engine.images;

import dev.skiff.engine.EngineException;

/** An image operation refused because of other names or users of the image (HTTP 409 in the API). */
public final class ImageConflictException extends EngineException {
    public ImageConflictException(String message) {
        super(message);
    }
}
