package dev.skiff.engine.network;

import dev.skiff.engine.EngineException;

/** A network failure a user can act on; the message is in docker's words where docker has words for it. */
public final class NetworkException extends EngineException {
    public NetworkException(String message) {
        super(message);
    }

    public NetworkException(String message, Throwable cause) {
        super(message, cause);
    }
}
