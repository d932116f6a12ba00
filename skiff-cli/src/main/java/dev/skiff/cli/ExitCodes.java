package dev.skiff.cli;

/**
 * The exit code {@code run} gives when the daemon refuses to start a container, from the error's text as
 * docker's CLI reads it: 127 when the command was not found, 126 when it could not be invoked, 125 for
 * everything else the daemon refused.
 */
final class ExitCodes {
    static final int DAEMON_REFUSED = 125;
    static final int CANNOT_INVOKE = 126;
    static final int NOT_FOUND = 127;

    private ExitCodes() {
    }

    static int forStartError(String message) {
        String m = message.startsWith("Error response from daemon: ") ? message.substring("Error response from daemon: ".length()) : message;
        if (m.contains("executable file not found") || m.contains("no such file or directory")
                || m.contains("system cannot find the file specified")) {
            return NOT_FOUND;
        }
        if (m.contains("permission denied") || m.contains("is a directory") || m.contains("cannot be invoked")) {
            return CANNOT_INVOKE;
        }
        return DAEMON_REFUSED;
    }
}
