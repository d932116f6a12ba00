package dev.skiff.cli;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How {@code skiff build} shows the builder's output. {@code plain}: the classic builder's text as it
 * comes, as the docker CLI prints it. {@code tty}: a live display, one line per step with its time
 * (or {@code CACHED}) printed as it ends, and under them the running step with its last lines of
 * output, redrawn in place; a failing step's full output stays on screen. The text is the same either way: this only reads it.
 */
final class BuildDisplay {
    /** {@code --progress}: plain, tty, or auto (tty on a terminal). */
    enum Mode {
        PLAIN, TTY;

        static Mode of(String progress, boolean terminal) {
            return switch (progress.toLowerCase(Locale.ROOT)) {
                case "plain" -> PLAIN;
                case "tty" -> TTY;
                case "auto" -> terminal ? TTY : PLAIN;
                default -> throw new Cli.FlagError("invalid --progress " + progress + ": use auto, plain or tty");
            };
        }
    }

    private static final Pattern STEP = Pattern.compile("^Step (\\d+)/(\\d+) : (.*)$");
    private static final int TAIL = 6;

    private final PrintStream out;
    private final Mode mode;
    private final int width;
    private final Supplier<Instant> clock;
    private final StringBuilder partial = new StringBuilder();
    private final Deque<String> tail = new ArrayDeque<>();
    private final List<String> stepOutput = new ArrayList<>();
    private final List<String> trailer = new ArrayList<>();
    private String current;
    private Instant started;
    private boolean cached;
    private int drawn;

    BuildDisplay(PrintStream out, Mode mode, int width, Supplier<Instant> clock) {
        this.out = out;
        this.mode = mode;
        this.width = Math.max(width, 40);
        this.clock = clock;
    }

    /** Some of the builder's text: printed as it is, or folded into the live display. */
    void text(String chunk) {
        if (mode == Mode.PLAIN) {
            out.print(chunk);
            out.flush();
            return;
        }
        partial.append(chunk);
        for (int nl; (nl = partial.indexOf("\n")) >= 0; ) {
            line(partial.substring(0, nl));
            partial.delete(0, nl + 1);
        }
        redraw();
    }

    private void line(String line) {
        Matcher step = STEP.matcher(line);
        if (step.matches()) {
            finishStep();
            current = "[" + pad(step.group(1), step.group(2).length()) + "/" + step.group(2) + "] " + step.group(3);
            started = clock.get();
            cached = false;
            tail.clear();
            stepOutput.clear();
            return;
        }
        if (line.equals(" ---> Using cache")) {
            cached = true;
        } else if (line.startsWith("Successfully built ") || line.startsWith("Successfully tagged ") || line.startsWith("[Warning]")) {
            finishStep();
            trailer.add(line);
        } else if (!line.startsWith(" ---> ") && !line.startsWith("Removing intermediate container ")
                && !line.startsWith("# Executing ")) {
            stepOutput.add(line);
            tail.addLast(line);
            if (tail.size() > TAIL) {
                tail.removeFirst();
            }
        }
    }

    /** A step that ended: its line is printed for good, above the live part. */
    private void finishStep() {
        if (current != null) {
            erase();
            out.println(stepLine(current, cached ? "CACHED" : seconds(Duration.between(started, clock.get()))));
            current = null;
            tail.clear();
        }
    }

    /** The build ended well: the last step's line, then "Successfully built/tagged". */
    void finish() {
        if (mode == Mode.PLAIN) {
            return;
        }
        if (!partial.isEmpty()) {
            line(partial.toString());
            partial.setLength(0);
        }
        finishStep();
        redraw();
        trailer.forEach(out::println);
        trailer.clear();
        out.flush();
    }

    /** The build failed: the failing step's line and all its output stay, for the error that follows. */
    void failed() {
        if (mode == Mode.PLAIN) {
            return;
        }
        if (!partial.isEmpty()) {
            line(partial.toString());
            partial.setLength(0);
        }
        erase();
        if (current != null) {
            out.println(stepLine(current, "ERROR after " + seconds(Duration.between(started, clock.get()))));
            stepOutput.forEach(l -> out.println("   " + l));
        }
        current = null;
        out.flush();
    }

    /** The live part: the running step with its time so far, and its last lines of output. */
    private void redraw() {
        erase();
        List<String> lines = new ArrayList<>();
        if (current != null) {
            lines.add(stepLine(current, seconds(Duration.between(started, clock.get()))));
            tail.forEach(l -> lines.add(clip("   " + l)));
        }
        lines.forEach(out::println);
        drawn = lines.size();
        out.flush();
    }

    /** Clears what the last redraw printed: up as many lines, then to the end of the screen. */
    private void erase() {
        if (drawn > 0) {
            out.print("\033[" + drawn + "A\033[J");
        }
        drawn = 0;
    }

    private String stepLine(String step, String right) {
        int room = width - right.length() - 1;
        String left = step.length() > room ? step.substring(0, Math.max(room - 3, 0)) + "..." : step;
        return left + " ".repeat(Math.max(room - left.length(), 1)) + right;
    }

    private String clip(String line) {
        return line.length() > width ? line.substring(0, width - 3) + "..." : line;
    }

    private static String pad(String n, int to) {
        return " ".repeat(Math.max(to - n.length(), 0)) + n;
    }

    private static String seconds(Duration d) {
        return String.format(Locale.ROOT, "%.1fs", d.toMillis() / 1000.0);
    }
}
