package dev.skiff.registry.http;

import java.io.PrintStream;
import java.time.Instant;

/** One line per request on standard output, in a common-log-like form. */
final class RequestLog {
    private static volatile PrintStream out = System.out;
    private static volatile boolean enabled = true;

    private RequestLog() {
    }

    static void configure(PrintStream stream, boolean on) {
        out = stream;
        enabled = on;
    }

    static void log(Exchange e) {
        if (!enabled) {
            return;
        }
        out.println(Instant.now() + " " + e.clientAddress() + " " + e.userForLog() + " \"" + e.method() + " "
                + abbreviate(e.rawUri()) + "\" " + e.status() + " " + e.responseBytes() + " "
                + String.format("%.1fms", e.elapsedMicros() / 1000.0) + " \"" + abbreviate(e.userAgent()) + "\"");
    }

    private static String abbreviate(String s) {
        String clean = s.replaceAll("[\\p{Cntrl}\"]", "?");
        return clean.length() > 300 ? clean.substring(0, 300) + "..." : clean;
    }
}
