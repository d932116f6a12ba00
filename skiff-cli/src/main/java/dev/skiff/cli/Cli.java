package dev.skiff.cli;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Small parsing helpers shared by the commands, and the error type for mistakes a user can fix. */
final class Cli {
    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h|d)");

    private Cli() {
    }

    /** A mistake in what the user typed or set up: printed as one line, exit code 1 (docker uses 125 for its own). */
    static final class UserError extends RuntimeException {
        UserError(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * A value a flag refused, in pflag's words ({@code invalid argument "12x" for "-m, --memory" flag: ...});
     * printed with the command's usage line, as docker does.
     */
    static final class FlagError extends RuntimeException {
        FlagError(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * Ends the command with {@code status} after printing {@code text} (nothing when empty) on standard
     * error as it is: for exit codes that carry meaning, as run's 125, 126 and 127 do.
     */
    static final class StatusError extends RuntimeException {
        private final int status;

        StatusError(int status, String text) {
            super(text, null, false, false);
            this.status = status;
        }

        int status() {
            return status;
        }
    }

    /**
     * Runs {@code action} on SIGTERM or SIGINT instead of letting the JVM die, so a server can stop
     * cleanly and exit 0 as a service manager expects.
     */
    @SuppressWarnings("restriction")
    static void onTerminationSignal(Runnable action) {
        for (String name : new String[] {"TERM", "INT"}) {
            sun.misc.Signal.handle(new sun.misc.Signal(name), signal -> action.run());
        }
    }

    static InetSocketAddress parseAddress(String text) {
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw new UserError("invalid address " + text + ": use HOST:PORT, for example 127.0.0.1:5000");
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < 0 || port > 65535) {
            throw new UserError("invalid port in " + text + ": use a number from 0 to 65535");
        }
        return new InetSocketAddress(host, port);
    }

    static Duration parseDuration(String text) {
        Matcher m = DURATION.matcher(text.strip());
        if (!m.matches()) {
            throw new UserError("invalid duration " + text + ": use a number and a unit, for example 30m, 1h or 45s");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
    }
}
