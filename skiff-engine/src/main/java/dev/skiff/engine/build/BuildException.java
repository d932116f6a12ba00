package dev.skiff.engine.build;

import dev.skiff.engine.EngineException;

/**
 * A build that stopped: a bad Dockerfile, a missing base image or source file, a failing RUN.
 * {@link #code()} is what the classic builder reports as the error's code (a failing RUN's exit
 * status, else 1), which the docker CLI exits with.
 */
public final class BuildException extends EngineException {
    private final int code;

    public BuildException(String message) {
        this(message, 1);
    }

    public BuildException(String message, int code) {
        super(message);
        this.code = code;
    }

    public BuildException(String message, Throwable cause) {
        super(message, cause);
        this.code = 1;
    }

    public int code() {
        return code;
    }
}
