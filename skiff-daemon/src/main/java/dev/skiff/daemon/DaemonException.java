package dev.skiff.daemon;

/** The daemon module's base exception: a message a user can act on. */
public class DaemonException extends RuntimeException {
    public DaemonException(String message) {
        super(message);
    }

    public DaemonException(String message, Throwable cause) {
        super(message, cause);
    }
}
