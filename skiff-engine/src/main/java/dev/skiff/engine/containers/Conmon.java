package dev.skiff.engine.containers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Launches conmon, the monitor that creates a container through the OCI runtime, holds its stdio,
 * writes its log (k8s-file), records its exit code in the exit directory and outlives the daemon.
 *
 * <p>conmon reports the created process (or the runtime's error) as one JSON line on the fd named by
 * {@code _OCI_SYNCPIPE}. ProcessBuilder passes no extra fds, so the line travels through a FIFO that
 * {@code sh} opens as fd 3 before it execs conmon; this side opens the FIFO read-write, so neither
 * open blocks whatever order they happen in.
 */
final class Conmon {
    static final Path BINARY = Path.of("/usr/bin/conmon");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long SYNC_TIMEOUT_SECONDS = 60;

    private final Path exitDir;
    private final Path socketDir;

    Conmon(Path exitDir, Path socketDir) {
        this.exitDir = exitDir;
        this.socketDir = socketDir;
    }

    Path exitFile(String id) {
        return exitDir.resolve(id);
    }

    Path exitDir() {
        return exitDir;
    }

    /** conmon's own pid, which it writes after it detached. */
    static Path pidFile(Container c) {
        return c.dir().resolve("conmon.pid");
    }

    /**
     * Runs {@code runtime create} under a new conmon and waits for the container's process to exist.
     *
     * @return the container process's pid on the host
     * @throws ContainerException.StartFailed with the runtime's words when create failed
     */
    int create(Container c, OciRuntime runtime) {
        Path fifo = c.dir().resolve("conmon.sync");
        Path runtimeLog = c.bundle().resolve("runtime.log");
        try {
            Files.deleteIfExists(fifo);
            Files.deleteIfExists(runtimeLog);
            Files.deleteIfExists(pidFile(c));
            Files.deleteIfExists(c.bundle().resolve("pidfile"));
            Files.createDirectories(exitDir);
            Files.createDirectories(socketDir);
            mkfifo(fifo);
        } catch (IOException e) {
            throw new ContainerException.HostFailure("cannot prepare conmon for " + c.id() + ": " + e.getMessage(), e);
        }
        List<String> command = new ArrayList<>(List.of("/bin/sh", "-c", "exec \"$@\" 3<>\"$SKIFF_SYNC_FIFO\"", "sh",
                BINARY.toString(), "--api-version", "1",
                "-c", c.id(), "-u", c.id(), "-n", c.name().substring(1),
                "-r", runtime.binary().toString(), "-b", c.bundle().toString(),
                "-p", c.bundle().resolve("pidfile").toString(),
                "-P", pidFile(c).toString(),
                "-l", "k8s-file:" + c.logPath(),
                "--exit-dir", exitDir.toString(), "--socket-dir-path", socketDir.toString(),
                "--log-level", "warning"));
        for (String arg : runtime.globalArgs(runtimeLog)) {
            command.add("--runtime-arg");
            command.add(arg);
        }
        if (c.config().tty()) {
            command.add("-t");
        }
        if (c.config().openStdin()) {
            command.add("-i");
            if (!c.config().stdinOnce()) {
                command.add("--leave-stdin-open");
            }
        }
        ProcessBuilder pb = new ProcessBuilder(command)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.appendTo(c.dir().resolve("conmon.out").toFile()))
                .redirectErrorStream(true);
        pb.environment().put("SKIFF_SYNC_FIFO", fifo.toString());
        pb.environment().put("_OCI_SYNCPIPE", "3");
        try (FileChannel sync = FileChannel.open(fifo, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            Process launcher = pb.start();
            // a platform thread: a read blocked on a FIFO may hold its carrier, and 50 starts at once would starve the rest
            CompletableFuture<String> line = CompletableFuture.supplyAsync(() -> readLine(sync), r -> Thread.ofPlatform().daemon().start(r));
            String reply;
            try {
                reply = line.get(SYNC_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                line.cancel(true);
                throw new ContainerException.HostFailure("conmon did not report on container " + c.id() + " within "
                        + SYNC_TIMEOUT_SECONDS + "s; see " + c.dir().resolve("conmon.out"));
            }
            launcher.waitFor(10, TimeUnit.SECONDS);
            JsonNode n = JSON.readTree(reply);
            int pid = n.has("data") ? n.path("data").asInt(-1) : n.path("pid").asInt(-1);
            if (pid <= 0) {
                String runtimeSaid = Files.exists(runtimeLog) ? OciRuntime.errorText(Files.readString(runtimeLog)) : "";
                String why = !runtimeSaid.isEmpty() && !runtimeSaid.equals("unknown error") ? runtimeSaid
                        : OciRuntime.errorText(n.path("message").asText("unknown error"));
                throw ContainerException.StartFailed.of("OCI runtime create failed: " + why + ": unknown");
            }
            return pid;
        } catch (IOException | ExecutionException e) {
            throw new ContainerException.HostFailure("could not run conmon for " + c.id() + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ContainerException.HostFailure("interrupted while starting " + c.id(), e);
        } finally {
            try {
                Files.deleteIfExists(fifo);
            } catch (IOException ignored) {
                // a stale FIFO is replaced at the next start
            }
        }
    }

    /** conmon writes a JSON object then a newline. */
    private static String readLine(FileChannel ch) {
        ByteBuffer buf = ByteBuffer.allocate(64 << 10);
        try {
            while (true) {
                if (ch.read(buf) < 0) {
                    break;
                }
                for (int i = 0; i < buf.position(); i++) {
                    if (buf.get(i) == '\n') {
                        return new String(buf.array(), 0, i, StandardCharsets.UTF_8);
                    }
                }
                if (!buf.hasRemaining()) {
                    break;
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8);
    }

    private static void mkfifo(Path fifo) throws IOException {
        MountCalls.mkfifo(fifo, 0600);
    }
}
