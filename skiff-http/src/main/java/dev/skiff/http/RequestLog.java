package dev.skiff.http;

import java.io.PrintStream;
import java.time.Instant;

/** Where a server writes one line per request. */
@FunctionalInterface
public interface RequestLog {

    void log(Exchange exchange);

    /** A common-log-like line on {@code out}: time, client, user, request, status, bytes, duration, agent. */
    static RequestLog lines(PrintStream out) {
        return e -> out.println(Instant.now() + " " + e.clientAddress() + " " + e.userForLog() + " \"" + e.method() + " "
                + abbreviate(e.rawUri()) + "\" " + e.status() + " " + e.responseBytes() + " "
                + String.format("%.1fms", e.elapsedMicros() / 1000.0) + " \"" + abbreviate(e.userAgent()) + "\"");
    }

    private static String abbreviate(String s) {
        String clean = s.replaceAll("[\\p{Cntrl}\"]", "?");
        return clean.length() > 300 ? clean.substring(0, 300) + "..." : clean;
    }
}
