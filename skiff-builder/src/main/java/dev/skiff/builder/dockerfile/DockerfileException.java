package dev.skiff.builder.dockerfile;

/**
 * Base of every error about a Dockerfile's text: its syntax, its parser directives, or a
 * variable expansion in one of its words. Messages say what is wrong and what to write instead.
 */
public class DockerfileException extends IllegalArgumentException {
    public DockerfileException(String message) {
        super(message);
    }
}
