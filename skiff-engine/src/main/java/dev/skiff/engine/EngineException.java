package dev.skiff.engine;

/**
 * Base of every error the engine reports. Messages are meant for the person at the CLI: they say
 * what went wrong and, where there is something to do, what to do.
 */
public class EngineException extends RuntimeException {
    public EngineException(String message) {
        super(message);
    }

    public EngineException(String message, Throwable cause) {
        super(message, cause);
    }
}
