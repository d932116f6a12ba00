package dev.skiff.engine.containers;

import dev.skiff.engine.EngineException;

/**
 * What can go wrong with a container, one subclass per answer the Engine API gives (404, 409, 400,
 * 500), so the daemon maps a kind, not a message. Messages are docker's own words.
 */
public sealed class ContainerException extends EngineException {
    ContainerException(String message) {
        super(message);
    }

    ContainerException(String message, Throwable cause) {
        super(message, cause);
    }

    /** No container answers to a name or ID: {@code No such container: x}. */
    public static final class NotFound extends ContainerException {
        public NotFound(String ref) {
            super("No such container: " + ref);
        }
    }

    /** The request clashes with a container's state or name (HTTP 409). */
    public static final class Conflict extends ContainerException {
        public Conflict(String message) {
            super(message);
        }
    }

    /** The request itself is wrong (HTTP 400). */
    public static final class InvalidArgument extends ContainerException {
        public InvalidArgument(String message) {
            super(message);
        }
    }

    /**
     * The OCI runtime refused to start the process. {@link #exitCode} is what docker records for the
     * container: 127 when the command does not exist, 126 when it cannot be run, else 128. The first
     * two are the user's mistake (HTTP 400), the last the host's (HTTP 500).
     */
    public static final class StartFailed extends ContainerException {
        private final int exitCode;

        public StartFailed(String message, int exitCode) {
            super(message);
            this.exitCode = exitCode;
        }

        public int exitCode() {
            return exitCode;
        }

        public boolean userError() {
            return exitCode == 126 || exitCode == 127;
        }

        /** Docker's classification of a runtime's error text (moby's translateContainerdStartErr). */
        static StartFailed of(String message) {
            String m = message.toLowerCase(java.util.Locale.ROOT);
            int code = 128;
            if (m.contains("executable file not found") || m.contains("no such file or directory")) {
                code = 127;
            } else if (m.contains("permission denied") || m.contains("is a directory")) {
                code = 126;
            }
            return new StartFailed(message, code);
        }
    }

    /** The host failed us: a tool missing, a mount refused, a file unwritable (HTTP 500). */
    public static final class HostFailure extends ContainerException {
        public HostFailure(String message) {
            super(message);
        }

        public HostFailure(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
