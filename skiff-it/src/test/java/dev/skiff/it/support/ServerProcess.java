package dev.skiff.it.support;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A long-running server started as a real operating-system process. Its stdout and stderr are
 * drained continuously into a log file under target/it-logs (so it never blocks on a full pipe and
 * a failed test can be read afterwards), and its stdout lines are also offered to the test, which
 * is how a server that prints its address is found. {@link #close()} stops it by PID: SIGTERM first,
 * then SIGKILL if it has not exited in time.
 */
public final class ServerProcess implements AutoCloseable {

    /** Marks the end of stdout in {@link #stdoutLines}. */
    private static final String END_OF_STREAM = "\u0000end of stream";

    private final String label;
    private final List<String> command;
    private final Process process;
    private final Path logFile;
    private final Writer log;
    private final StringBuffer transcript = new StringBuffer();
    private final BlockingQueue<String> stdoutLines = new LinkedBlockingQueue<>();
    private final Thread stdoutDrainer;
    private final Thread stderrDrainer;
    private Optional<Integer> exitCode = Optional.empty();
    private final java.util.List<Runnable> beforeClose = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final java.util.List<Runnable> afterClose = new java.util.concurrent.CopyOnWriteArrayList<>();

    private ServerProcess(String label, List<String> command, Process process, Path logFile, Writer log) {
        this.label = label;
        this.command = command;
        this.process = process;
        this.logFile = logFile;
        this.log = log;
        this.stdoutDrainer = Thread.ofPlatform().daemon().name(label + "-stdout")
                .start(() -> drain(process.getInputStream(), "", true));
        this.stderrDrainer = Thread.ofPlatform().daemon().name(label + "-stderr")
                .start(() -> drain(process.getErrorStream(), "[stderr] ", false));
    }

    /** Starts {@code command}; {@code setup} (may be null) supplies its environment and directory. */
    public static ServerProcess start(String label, List<String> command, ExternalCommand setup) {
        Path logFile = DebugLogs.newFile(label);
        try {
            Writer log = Files.newBufferedWriter(logFile, StandardCharsets.UTF_8);
            log.write("$ " + String.join(" ", command) + "\n");
            log.flush();
            ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
            if (setup != null) {
                setup.configure(builder);
            }
            Process process;
            try {
                process = builder.start();
            } catch (IOException e) {
                log.close();
                throw new AssertionError("could not start " + label + " (" + String.join(" ", command) + "): "
                        + e.getMessage(), e);
            }
            return new ServerProcess(label, List.copyOf(command), process, logFile, log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void drain(InputStream stream, String prefix, boolean offerLines) {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                transcript.append(prefix).append(line).append('\n');
                synchronized (log) {
                    log.write(prefix + line + "\n");
                    log.flush();
                }
                if (offerLines) {
                    stdoutLines.add(line);
                }
            }
        } catch (IOException e) {
            // When the process exits, the JDK closes its pipes under a blocked reader ("Stream closed"):
            // that is the end of the output, not a failure of the process.
            if (!exitsWithin(Duration.ofSeconds(2))) {
                transcript.append("[reading ").append(prefix.isEmpty() ? "stdout" : "stderr").append(" failed: ")
                        .append(e).append("]\n");
            }
        } finally {
            if (offerLines) {
                stdoutLines.add(END_OF_STREAM);
            }
        }
    }

    private boolean exitsWithin(Duration timeout) {
        try {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * The next stdout line, waiting at most {@code timeout}; empty if the process closed stdout
     * (usually: it exited). Fails with the process's output so far if the time runs out.
     */
    public Optional<String> nextStdoutLine(Duration timeout) {
        try {
            String line = stdoutLines.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (line == null) {
                throw new AssertionError(label + " printed no line on stdout within " + timeout + "\n" + describe());
            }
            return line.equals(END_OF_STREAM) ? Optional.empty() : Optional.of(line);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for " + label, e);
        }
    }

    /** Waits up to {@code timeout} for the process to exit by itself and its output to be drained. */
    public boolean awaitExit(Duration timeout) {
        try {
            boolean exited = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (exited) {
                stdoutDrainer.join(2_000);
                stderrDrainer.join(2_000);
            }
            return exited;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public Path logFile() {
        return logFile;
    }

    /** Everything the process printed so far, stdout and stderr interleaved as read. */
    public String output() {
        return transcript.toString();
    }

    public String describe() {
        String state = process.isAlive() ? "still running" : "exited with code " + process.exitValue();
        return label + " (pid " + process.pid() + ", " + state + ")\ncommand: " + CommandResult.printable(command)
                + "\nlog: " + logFile + "\n--- output ---\n" + output();
    }

    /**
     * Stops the process: SIGTERM, then SIGKILL by PID after {@code grace}. Returns its exit code
     * (143/137 style codes when a signal ended it). Idempotent.
     */
    public synchronized int stop(Duration grace) {
        if (exitCode.isPresent()) {
            return exitCode.get();
        }
        try {
            process.destroy();
            if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                transcript.append("[did not stop within ").append(grace).append(" of SIGTERM; sending SIGKILL]\n");
                ProcessHandle.of(process.pid()).ifPresent(ProcessHandle::destroyForcibly);
                process.waitFor(30, TimeUnit.SECONDS);
            }
            stdoutDrainer.join(5_000);
            stderrDrainer.join(5_000);
            exitCode = Optional.of(process.exitValue());
            synchronized (log) {
                log.write("[exit code " + exitCode.get() + "]\n");
                log.close();
            }
            return exitCode.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            ProcessHandle.of(process.pid()).ifPresent(ProcessHandle::destroyForcibly);
            throw new AssertionError("interrupted while stopping " + label, e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs {@code action} at {@link #close}, while the process still runs (e.g. to remove what it made). */
    public ServerProcess beforeClose(Runnable action) {
        beforeClose.add(action);
        return this;
    }

    /** Runs {@code action} at {@link #close}, after the process has stopped (e.g. to remove what it left). */
    public ServerProcess afterClose(Runnable action) {
        afterClose.add(action);
        return this;
    }

    @Override
    public void close() {
        try {
            if (process.isAlive()) {
                beforeClose.forEach(ServerProcess::quietly);
            }
        } finally {
            stop(Duration.ofSeconds(15));
            afterClose.forEach(ServerProcess::quietly);
        }
    }

    private static void quietly(Runnable action) {
        try {
            action.run();
        } catch (RuntimeException | AssertionError e) {
            System.err.println("cleanup step failed: " + e);
        }
    }
}
