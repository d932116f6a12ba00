package dev.skiff.builder.context;

import dev.skiff.builder.dockerfile.DockerfileException;

/** A {@code .dockerignore} pattern that cannot be used; the message names the file (when known) and line. */
public final class DockerIgnoreException extends DockerfileException {
    private final int line;
    private final String problem;

    DockerIgnoreException(String file, int line, String problem) {
        super((file.isEmpty() ? "" : file + " ") + "line " + line + ": " + problem);
        this.line = line;
        this.problem = problem;
    }

    /** The line of the pattern at fault, from 1. */
    public int line() {
        return line;
    }

    /** The message without file and line. */
    public String problem() {
        return problem;
    }

    DockerIgnoreException in(String file) {
        return new DockerIgnoreException(file, line, problem);
    }
}
