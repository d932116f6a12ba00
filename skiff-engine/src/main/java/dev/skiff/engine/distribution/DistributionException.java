package dev.skiff.engine.distribution;

import dev.skiff.engine.EngineException;

/**
 * A pull failed: the registry could not be reached, refused us, lacks what was asked for, or sent
 * content that does not match its digest. {@link #notFound()} tells "no such manifest" apart, since
 * docker answers that one with a 404.
 */
public final class DistributionException extends EngineException {
    private final boolean notFound;

    DistributionException(String message) {
        this(message, false, null);
    }

    DistributionException(String message, Throwable cause) {
        this(message, false, cause);
    }

    DistributionException(String message, boolean notFound, Throwable cause) {
        super(message, cause);
        this.notFound = notFound;
    }

    public boolean notFound() {
        return notFound;
    }
}
