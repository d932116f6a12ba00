package dev.skiff.engine.network;

import dev.skiff.engine.EngineException;

/** A network failure a user can act on; message in docker's words. */
public final class NetworkException extends EngineException {
    public NetworkException(String message) {
        super(message);
    }

    public NetworkException(String message, Throwable cause) {
        super(message, cause);
    }
}
