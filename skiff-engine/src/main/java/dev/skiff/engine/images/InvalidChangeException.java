package dev.skiff.engine.images;

import dev.skiff.engine.EngineException;

/** A {@code --change} instruction that cannot be applied (HTTP 400 in the API). */
public final class InvalidChangeException extends EngineException {
    public InvalidChangeException(String message) {
        super(message);
    }
}
