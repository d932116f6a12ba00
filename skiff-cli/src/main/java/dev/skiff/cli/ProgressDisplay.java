package dev.skiff.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Renders the daemon's stream of JSON progress messages (pull, push, load, import) the way the docker
 * CLI does. On a terminal every layer keeps one line that is redrawn in place with a live bar; without
 * one, a line is printed per status change and byte progress is left out, so logs stay readable.
 */
final class ProgressDisplay {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final PrintStream out;
    private final boolean terminal;
    private final int width;
    private final Supplier<Instant> clock;
    /** Lines of the current block of layer progress, by ID, in the order they appeared. */
    private final Map<String, Integer> lines = new LinkedHashMap<>();

    ProgressDisplay(PrintStream out, boolean terminal, int width, Supplier<Instant> clock) {
        this.out = out;
        this.terminal = terminal;
        this.width = width;
        this.clock = clock;
    }

    /** A display on standard output, live when it is a terminal. */
    static ProgressDisplay onStandardOutput() {
        boolean terminal = Terminal.isTerminal();
        return new ProgressDisplay(System.out, terminal, terminal ? Terminal.width() : 0, Instant::now);
    }

    /**
     * Shows every message in {@code body} until it ends; {@code aux} receives docker's {@code aux}
     * messages (such as push's tag, digest and size) instead of them being shown.
     *
     * @throws Cli.UserError when the stream carries an error
     */
    void show(InputStream body, Consumer<JsonNode> aux) throws IOException {
        BufferedReader reader = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8));
        for (String line; (line = reader.readLine()) != null; ) {
            if (!line.isBlank()) {
                show(JSON.readTree(line), aux);
            }
        }
        out.flush();
    }

    /** Reads a stream without showing it (quiet mode), still failing on an error in it. */
    static void drain(InputStream body) throws IOException {
        new ProgressDisplay(new PrintStream(java.io.OutputStream.nullOutputStream()), false, 0, Instant::now).show(body, aux -> { });
    }

    void show(JsonNode m, Consumer<JsonNode> aux) {
        if (m.has("aux")) {
            aux.accept(m.get("aux"));
            return;
        }
        if (m.hasNonNull("errorDetail") || m.hasNonNull("error")) {
            out.flush();
            JsonNode detail = m.path("errorDetail");
            if (detail.path("code").asInt() == 401) {
                throw new Cli.UserError("authentication is required");
            }
            throw new Cli.UserError(detail.path("message").asText(m.path("error").asText()));
        }
        String id = m.path("id").asText("");
        boolean hasProgress = m.has("progressDetail");
        int up = 0;
        if (!id.isEmpty() && hasProgress) {
            Integer line = lines.get(id);
            if (line == null) {
                line = lines.size();
                lines.put(id, line);
                if (terminal) {
                    out.print('\n');
                }
            }
            up = lines.size() - line;
            if (terminal) {
                cursorUp(up);
            }
        } else {
            lines.clear(); // a line that is not a layer's ends the block, as docker's does
        }
        display(m, id, hasProgress);
        if (!id.isEmpty() && terminal) {
            cursorDown(up);
        }
    }

    private void display(JsonNode m, String id, boolean hasProgress) {
        String bar = hasProgress ? bar(m.get("progressDetail")) : "";
        String end = "";
        if (terminal && m.path("stream").asText("").isEmpty() && hasProgress) {
            out.print("\u001b[2K\r");
            end = "\r";
        } else if (!bar.isEmpty()) {
            return; // byte progress is only for terminals
        }
        StringBuilder line = new StringBuilder();
        if (!id.isEmpty()) {
            line.append(id).append(": ");
        }
        String status = m.path("status").asText("");
        if (hasProgress && terminal) {
            line.append(status).append(' ').append(bar).append(end);
        } else if (m.hasNonNull("stream")) {
            line.append(m.get("stream").asText()).append(end);
        } else {
            line.append(status).append(end).append('\n');
        }
        out.print(line);
    }

    /** docker's JSONProgress.String(): a 50-column bar on wide terminals, sizes, and time left. */
    String bar(JsonNode detail) {
        long current = detail.path("current").asLong(0);
        long total = detail.path("total").asLong(0);
        if (current <= 0 && total <= 0) {
            return "";
        }
        if (total <= 0) {
            return String.format("%8s", humanSize(current));
        }
        int half = (int) Math.min(50, (int) ((double) current / total * 100) / 2);
        String box = width > 110 ? "[" + "=".repeat(half) + ">" + " ".repeat(50 - half) + "] " : "";
        String numbers = current > total ? String.format("%8s", humanSize(current))
                : String.format("%8s/%s", humanSize(current), humanSize(total));
        String left = "";
        long start = detail.path("start").asLong(0);
        if (current < total && width > 50 && start > 0) {
            Duration elapsed = Duration.between(Instant.ofEpochSecond(start), clock.get());
            long remaining = elapsed.toNanos() / current * (total - current);
            left = " " + goDuration(Duration.ofSeconds(remaining / 1_000_000_000L));
        }
        return box + numbers + left;
    }

    /** go-units HumanSize, as docker's progress shows sizes: four significant digits ({@code 1.234MB}). */
    static String humanSize(long bytes) {
        return Humanize.size(bytes, 4);
    }

    /** Go's Duration.String() for whole seconds: {@code 0s}, {@code 45s}, {@code 2m5s}, {@code 1h0m3s}. */
    static String goDuration(Duration d) {
        long s = d.toSeconds();
        if (s == 0) {
            return "0s";
        }
        StringBuilder b = new StringBuilder();
        if (s >= 3600) {
            b.append(s / 3600).append('h');
        }
        if (s >= 60) {
            b.append(s / 60 % 60).append('m');
        }
        return b.append(s % 60).append('s').toString();
    }

    private void cursorUp(int n) {
        if (n > 0) {
            out.print("\u001b[" + n + "A");
        }
    }

    private void cursorDown(int n) {
        if (n > 0) {
            out.print("\u001b[" + n + "B");
        }
    }
}
