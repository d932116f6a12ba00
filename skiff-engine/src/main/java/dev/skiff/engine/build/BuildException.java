package dev.skiff.engine.build;

import dev.skiff.engine.EngineException;

/**
 * A build that stopped: a bad Dockerfile, a missing base image or source file, a failing RUN.
 * {@link #code()} is what the classic builder reports as the error's code (a failing RUN's exit
 * status, else 1), which the docker CLI exits with.
 */
public final class BuildException extends EngineException {
    private final int code;
    private final boolean commandFailed;

    public BuildException(String message) {
        super(message);
        this.code = 1;
        this.commandFailed = false;
    }

    /** A command (RUN) that exited with {@code code}. */
    public BuildException(String message, int code) {
        super(message);
        this.code = code;
        this.commandFailed = true;
    }

    public BuildException(String message, Throwable cause) {
        super(message, cause);
        this.code = 1;
        this.commandFailed = false;
    }

    public int code() {
        return code;
    }

    /** Whether a command failed, whose exit code the classic builder reports as the error's {@code code}. */
    public boolean commandFailed() {
        return commandFailed;
    }
}
