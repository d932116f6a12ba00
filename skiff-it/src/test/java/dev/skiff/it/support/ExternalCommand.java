package dev.skiff.it.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Runs one external program (skopeo, htpasswd, a {@code skiff} CLI command) to completion with a
 * time limit. Output goes to temporary files rather than pipes, so a chatty program can never block
 * on a full pipe while we wait for it.
 */
public final class ExternalCommand {

    private final List<String> command;
    private final Map<String, String> environment = new LinkedHashMap<>();
    private final List<String> removedEnvironmentPrefixes = new ArrayList<>();
    private Duration timeout = Duration.ofMinutes(2);
    private Optional<String> stdin = Optional.empty();
    private Optional<Path> workingDirectory = Optional.empty();

    private ExternalCommand(List<String> command) {
        this.command = List.copyOf(command);
    }

    public static ExternalCommand of(String... command) {
        return new ExternalCommand(List.of(command));
    }

    public static ExternalCommand of(List<String> command) {
        return new ExternalCommand(command);
    }

    public ExternalCommand timeout(Duration value) {
        this.timeout = value;
        return this;
    }

    public ExternalCommand env(String name, String value) {
        environment.put(name, value);
        return this;
    }

    /** Drops inherited variables whose names start with the prefix (e.g. REGISTRY_ for distribution). */
    public ExternalCommand withoutEnvPrefix(String prefix) {
        removedEnvironmentPrefixes.add(prefix);
        return this;
    }

    public ExternalCommand stdin(String text) {
        this.stdin = Optional.of(text);
        return this;
    }

    public ExternalCommand directory(Path dir) {
        this.workingDirectory = Optional.of(dir);
        return this;
    }

    public CommandResult run() {
        Path out = null;
        Path err = null;
        Path in = null;
        try {
            out = Files.createTempFile("skiff-it-cmd", ".out");
            err = Files.createTempFile("skiff-it-cmd", ".err");
            ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile());
            configure(builder);
            if (stdin.isPresent()) {
                in = Files.createTempFile("skiff-it-cmd", ".in");
                Files.writeString(in, stdin.get(), StandardCharsets.UTF_8);
                builder.redirectInput(in.toFile());
            } else {
                builder.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
            }
            Process process;
            try {
                process = builder.start();
            } catch (IOException e) {
                throw new AssertionError("could not start " + CommandResult.printable(command) + ": " + e.getMessage(), e);
            }
            boolean finished = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!finished) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError("timed out after " + timeout + "\n"
                        + new CommandResult(command, -1, read(out), read(err)).describe());
            }
            return new CommandResult(command, process.exitValue(), read(out), read(err));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while running " + String.join(" ", command), e);
        } finally {
            deleteQuietly(out);
            deleteQuietly(err);
            deleteQuietly(in);
        }
    }

    /** Applies the environment and directory to a builder, for callers that start long-running processes. */
    void configure(ProcessBuilder builder) {
        builder.environment().keySet().removeIf(name -> removedEnvironmentPrefixes.stream().anyMatch(name::startsWith));
        builder.environment().putAll(environment);
        workingDirectory.ifPresent(dir -> builder.directory(dir.toFile()));
    }

    private static String read(Path file) throws IOException {
        return Files.readString(file, StandardCharsets.UTF_8);
    }

    private static void deleteQuietly(Path file) {
        if (file == null) {
            return;
        }
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // a temp file left behind is harmless
        }
    }
}
