package dev.skiff.engine.containers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skiff.engine.sys.Terminals;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * {@code docker exec}: more processes in a running container, each run by {@code runtime exec}
 * under its own conmon (exec mode), which holds the process's stdio or terminal, serves it on an
 * attach socket exactly like a container's, and reports the exit code. Sessions live in memory, as
 * dockerd's do, and are forgotten a while after they end; the process dies with its container,
 * whose pid namespace it joined.
 *
 * <p>conmon speaks through three FIFOs passed as fds 3-5 (see {@link Conmon} for why FIFOs): the
 * start pipe lets it go on (once before it sets up the attach socket, once more before it runs the
 * runtime), the attach pipe says the socket listens, the sync pipe carries the process's pid (or
 * the runtime's error) and, when it ends, its exit code.
 */
public final class ExecSessions {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long STEP_TIMEOUT_SECONDS = 60;
    /** How long an ended session stays inspectable; the CLI reads the exit code right after the stream ends. */
    private static final Duration KEEP_ENDED = Duration.ofMinutes(5);

    private final ContainerEngine containers;
    private final Path root;
    private final Path socketDir;
    private final Map<String, Session> sessions = new ConcurrentHashMap<>();

    ExecSessions(ContainerEngine containers, Path execRoot) {
        this.containers = containers;
        this.root = execRoot.resolve("exec");
        this.socketDir = execRoot.resolve("sockets");
    }

    /** What {@code POST /containers/{id}/exec} asks for (docker's ExecConfig). */
    public record ExecConfig(List<String> cmd, List<String> env, String user, String workingDir, boolean tty,
                             boolean attachStdin, boolean attachStdout, boolean attachStderr, boolean privileged,
                             String detachKeys, int consoleHeight, int consoleWidth) {
        public ExecConfig {
            cmd = List.copyOf(cmd);
            env = List.copyOf(env);
        }
    }

    /** One exec as {@code GET /exec/{id}/json} shows it. */
    public record Exec(String id, String containerId, ExecConfig config, boolean running, int pid,
                       OptionalInt exitCode) {
    }

    /** The mutable side of one session; guarded by its own monitor. */
    private static final class Session {
        final String id;
        final String containerId;
        final ExecConfig config;
        boolean started;
        boolean running;
        int pid;
        Integer exitCode;
        Instant endedAt;
        final CompletableFuture<Integer> exit = new CompletableFuture<>();

        Session(String id, String containerId, ExecConfig config) {
            this.id = id;
            this.containerId = containerId;
            this.config = config;
        }

        synchronized Exec view() {
            return new Exec(id, containerId, config, running, pid,
                    exitCode == null ? OptionalInt.empty() : OptionalInt.of(exitCode));
        }

        synchronized void ended(int code) {
            running = false;
            if (exitCode == null) {
                exitCode = code;
            }
            endedAt = Instant.now();
            exit.complete(exitCode);
        }
    }

    /**
     * Records a new exec in a running container; nothing runs until {@link #start}.
     *
     * @throws ContainerException.NotFound for an unknown container
     * @throws ContainerException.Conflict when it is not running or paused, in docker's words
     */
    public Exec create(String containerRef, ExecConfig config) {
        forgetOld();
        Container c = containers.get(containerRef);
        requireRunning(c);
        if (config.cmd().isEmpty()) {
            throw new ContainerException.InvalidArgument("No exec command specified");
        }
        byte[] b = new byte[32];
        new java.security.SecureRandom().nextBytes(b);
        Session s = new Session(HexFormat.of().formatHex(b), c.id(), config);
        sessions.put(s.id, s);
        return s.view();
    }

    /** @throws ContainerException.NotFound for an unknown exec (see {@link #find} for dockerd's own words) */
    public Exec get(String execId) {
        return session(execId).view();
    }

    /** The exec, if it is known (not yet forgotten). */
    public Optional<Exec> find(String execId) {
        return Optional.ofNullable(sessions.get(execId)).map(Session::view);
    }

    /** The IDs of the container's sessions that have not been forgotten yet (inspect's ExecIDs). */
    public List<String> idsOf(String containerId) {
        return sessions.values().stream().filter(s -> s.containerId.equals(containerId)).map(s -> s.id).toList();
    }

    /**
     * Starts the exec's process and returns once it runs; the future completes with its exit code
     * (recorded before it completes, so an inspect right after sees it).
     *
     * @param beforeRun called with the attach socket once conmon listens on it and before the
     *                  process runs, so the caller that connects there misses no output
     * @throws ContainerException.StartFailed when the runtime could not run the command, with
     *                                        docker's text and exit code (127 not found, 126 not runnable); the exit code is recorded too
     * @throws ContainerException.Conflict    when it was started before, or the container stopped
     */
    public CompletableFuture<Integer> start(String execId, Consumer<Path> beforeRun) {
        Session s = session(execId);
        synchronized (s) {
            if (s.started) {
                throw new ContainerException.Conflict("Error: Exec command " + s.id + " has already run");
            }
            s.started = true;
        }
        Container c = containers.get(s.containerId);
        try {
            requireRunning(c);
            launch(s, c, beforeRun);
            return s.exit;
        } catch (ContainerException.StartFailed e) {
            s.ended(e.exitCode());
            throw e;
        } catch (RuntimeException e) {
            s.ended(126);
            throw e;
        }
    }

    /**
     * The exit code once the attach stream has ended: conmon closes its attach socket just before it
     * reports the code, so it is waited for (up to {@code max}); a process that still runs after a
     * moment means the client detached, and there is no code to wait for.
     */
    public OptionalInt awaitExit(String execId, Duration max) {
        Session s = session(execId);
        long start = System.nanoTime();
        long deadline = start + max.toNanos();
        while (System.nanoTime() < deadline) {
            Exec e = s.view();
            if (e.exitCode().isPresent()) {
                return e.exitCode();
            }
            if (System.nanoTime() - start > TimeUnit.MILLISECONDS.toNanos(300) && alive(e.pid())) {
                return OptionalInt.empty();
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return s.view().exitCode();
    }

    /** Runs and is not a zombie waiting for conmon to reap it. */
    private static boolean alive(int pid) {
        if (pid <= 0) {
            return false;
        }
        try {
            String stat = Files.readString(Path.of("/proc", Integer.toString(pid), "stat"));
            int close = stat.lastIndexOf(')');
            return close > 0 && close + 2 < stat.length() && stat.charAt(close + 2) != 'Z';
        } catch (IOException e) {
            return false;
        }
    }

    /** Resizes the exec's terminal: at once on the process's own, else through its conmon's control FIFO. */
    public void resize(String execId, int height, int width) {
        Session s = session(execId);
        if (!s.config.tty()) {
            throw new ContainerException.InvalidArgument("cannot resize exec " + execId + ": it has no TTY (use -t)");
        }
        // the CLI resizes the moment its stream is upgraded, before the process runs: wait for it
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < deadline) {
            Exec e = s.view();
            if (e.running() || e.exitCode().isPresent()) {
                break;
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        Exec e = s.view();
        if (e.running()) {
            Terminals.resize(e.pid(), dir(s).resolve("ctl"), height, width); // false: the exec ended meanwhile
        }
    }

    // ---- running

    private void launch(Session s, Container c, Consumer<Path> beforeRun) {
        Path dir = dir(s);
        Path runtimeLog = dir.resolve("runtime.log");
        List<Path> fifos = List.of(dir.resolve("sync"), dir.resolve("attach.pipe"), dir.resolve("start"));
        OciRuntime runtime = containers.runtimeOf(c);
        try {
            Files.createDirectories(dir.resolve("exits")); // conmon gives up without its exit code if this is missing
            Files.createDirectories(socketDir);
            Files.write(dir.resolve("process.json"), JSON.writeValueAsBytes(processSpec(c, s.config)));
            for (Path f : fifos) {
                mkfifo(f);
            }
        } catch (IOException e) {
            deleteTree(dir);
            throw new ContainerException.HostFailure("cannot prepare exec " + s.id + ": " + e.getMessage(), e);
        }
        List<String> command = new ArrayList<>(List.of("/bin/sh", "-c",
                "exec \"$@\" 3<>\"$SKIFF_SYNC\" 4<>\"$SKIFF_ATTACH\" 5<>\"$SKIFF_START\"", "sh",
                Conmon.BINARY.toString(), "--api-version", "1", "--exec", "--exec-attach", "--sync",
                "--exec-process-spec", dir.resolve("process.json").toString(),
                "-c", c.id(), "-u", s.id, "-r", runtime.binary().toString(), "-b", dir.toString(),
                "-p", dir.resolve("pid").toString(), "-l", "k8s-file:" + dir.resolve("exec.log"),
                "--exit-dir", dir.resolve("exits").toString(), "--socket-dir-path", socketDir.toString(),
                "--log-level", "warning"));
        for (String arg : runtime.globalArgs(runtimeLog)) {
            command.add("--runtime-arg");
            command.add(arg);
        }
        if (s.config.tty()) {
            command.add("-t");
        }
        if (s.config.attachStdin()) {
            command.add("-i");
        }
        ProcessBuilder pb = new ProcessBuilder(command)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("conmon.out").toFile()))
                .redirectErrorStream(true);
        pb.environment().put("SKIFF_SYNC", fifos.get(0).toString());
        pb.environment().put("SKIFF_ATTACH", fifos.get(1).toString());
        pb.environment().put("SKIFF_START", fifos.get(2).toString());
        pb.environment().put("_OCI_SYNCPIPE", "3");
        pb.environment().put("_OCI_ATTACHPIPE", "4");
        pb.environment().put("_OCI_STARTPIPE", "5");
        FileChannel sync = null;
        FileChannel attach = null;
        FileChannel start = null;
        Process monitor = null;
        boolean running = false;
        try {
            sync = FileChannel.open(fifos.get(0), StandardOpenOption.READ, StandardOpenOption.WRITE);
            attach = FileChannel.open(fifos.get(1), StandardOpenOption.READ, StandardOpenOption.WRITE);
            start = FileChannel.open(fifos.get(2), StandardOpenOption.READ, StandardOpenOption.WRITE);
            monitor = pb.start();
            Lines syncLines = new Lines(sync);
            Lines attachLines = new Lines(attach);
            start.write(ByteBuffer.wrap(new byte[]{0}));
            if (attachLines.next(monitor).isEmpty()) {
                throw failure(s, c, runtimeLog, dir, Optional.empty());
            }
            beforeRun.accept(dir.resolve("attach"));
            start.write(ByteBuffer.wrap(new byte[]{0}));
            Optional<JsonNode> started = syncLines.next(monitor);
            int pid = started.map(n -> n.path("data").asInt(-1)).orElse(-1);
            if (pid <= 0) {
                throw failure(s, c, runtimeLog, dir, started);
            }
            synchronized (s) {
                s.running = true;
                s.pid = pid;
            }
            FileChannel[] held = {sync, attach, start};
            sync = attach = start = null; // the watcher below closes them
            Process watched = monitor;
            Thread.ofVirtual().name("exec-" + s.id.substring(0, 12)).start(() -> awaitEnd(s, watched, syncLines, held, dir));
            running = true;
        } catch (IOException e) {
            deleteTree(dir);
            throw new ContainerException.HostFailure("could not run conmon for exec " + s.id + ": " + e.getMessage(), e);
        } finally {
            closeAll(sync, attach, start);
            if (!running && monitor != null) {
                monitor.destroyForcibly(); // a conmon that failed or waits for a start that will not come; its runtime child dies with it
                deleteTree(dir);
            }
        }
    }

    /** The second sync message is the exit code; a monitor that died without one leaves conmon's exit file, or nothing (255, docker's unknown). */
    private void awaitEnd(Session s, Process monitor, Lines syncLines, FileChannel[] held, Path dir) {
        int code = 255;
        try {
            Optional<JsonNode> exit = syncLines.nextWithoutTimeout(monitor);
            if (exit.isPresent() && exit.get().has("data")) {
                code = exit.get().path("data").asInt(255);
            } else {
                Path file = dir.resolve("exits").resolve(s.containerId);
                if (Files.exists(file)) {
                    code = Integer.parseInt(Files.readString(file).trim());
                }
            }
        } catch (IOException | NumberFormatException | InterruptedException e) {
            // keep docker's "unknown"
        } finally {
            s.ended(code);
            closeAll(held);
            try {
                monitor.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            deleteTree(dir);
        }
    }

    /** The runtime's own words in docker's frame, with docker's 126/127 classification. */
    private ContainerException.StartFailed failure(Session s, Container c, Path runtimeLog, Path dir, Optional<JsonNode> said) {
        String why = "";
        try {
            if (Files.exists(runtimeLog)) {
                why = OciRuntime.errorText(Files.readString(runtimeLog));
            }
        } catch (IOException e) {
            // fall back on conmon's message
        }
        if (why.isEmpty() || why.equals("unknown error")) {
            why = said.map(n -> OciRuntime.errorText(n.path("message").asText(""))).orElse("unknown error");
        }
        deleteTree(dir);
        if (!containers.get(c.id()).state().running()) {
            return new ContainerException.StartFailed("Container " + c.id() + " is not running", 126);
        }
        ContainerException.StartFailed classified = ContainerException.StartFailed.of("OCI runtime exec failed: " + why + ": unknown");
        return new ContainerException.StartFailed(classified.getMessage(), classified.exitCode() == 128 ? 126 : classified.exitCode());
    }

    /**
     * The container's own process spec (from its bundle, so capabilities, AppArmor profile, rlimits
     * and the like are the container's) with the exec's command, environment, user, directory and
     * terminal; privileged gets every capability.
     */
    private static ObjectNode processSpec(Container c, ExecConfig cfg) throws IOException {
        JsonNode spec = JSON.readTree(c.bundle().resolve("config.json").toFile());
        ObjectNode p = spec.path("process").isObject() ? ((ObjectNode) spec.path("process")).deepCopy() : JSON.createObjectNode();
        p.put("terminal", cfg.tty());
        p.remove("consoleSize");
        if (cfg.tty() && cfg.consoleHeight() > 0 && cfg.consoleWidth() > 0) {
            ObjectNode size = p.putObject("consoleSize");
            size.put("height", cfg.consoleHeight());
            size.put("width", cfg.consoleWidth());
        }
        ArrayNode args = p.putArray("args");
        cfg.cmd().forEach(args::add);
        Map<String, String> env = new LinkedHashMap<>();
        for (JsonNode e : spec.path("process").path("env")) {
            put(env, e.asText());
        }
        if (cfg.tty() && !env.containsKey("TERM")) {
            put(env, "TERM=xterm");
        }
        cfg.env().forEach(e -> put(env, e));
        ArrayNode envOut = p.putArray("env");
        env.forEach((k, v) -> envOut.add(v == null ? k : k + "=" + v));
        if (!cfg.workingDir().isEmpty()) {
            p.put("cwd", cfg.workingDir());
        }
        if (!cfg.user().isEmpty()) {
            ProcessUser user;
            try {
                user = ProcessUser.resolve(cfg.user(), c.rootfs());
            } catch (ContainerException.StartFailed e) {
                throw new ContainerException.StartFailed("OCI runtime exec failed: " + e.getMessage() + ": unknown", 126);
            }
            ObjectNode u = p.putObject("user");
            u.put("uid", user.uid());
            u.put("gid", user.gid());
            if (!user.additionalGids().isEmpty()) {
                ArrayNode gids = u.putArray("additionalGids");
                user.additionalGids().forEach(gids::add);
            }
        }
        if (cfg.privileged()) {
            ObjectNode caps = p.putObject("capabilities");
            for (String set : List.of("bounding", "effective", "permitted")) {
                ArrayNode a = caps.putArray(set);
                Capabilities.all().forEach(a::add); // what the daemon holds, as runc refuses more
            }
        }
        return p;
    }

    /** {@code NAME=value} replaces NAME; a bare {@code NAME} keeps its name without a value, as docker passes it. */
    private static void put(Map<String, String> env, String entry) {
        int eq = entry.indexOf('=');
        if (eq < 0) {
            env.put(entry, null);
        } else {
            env.put(entry.substring(0, eq), entry.substring(eq + 1));
        }
    }

    // ---- helpers

    private static void requireRunning(Container c) {
        if (c.state().status() == ContainerState.Status.PAUSED) {
            throw new ContainerException.Conflict("Container " + c.id() + " is paused, unpause the container before exec");
        }
        if (!c.state().running()) {
            throw new ContainerException.Conflict("Container " + c.id() + " is not running");
        }
    }

    private Session session(String execId) {
        Session s = sessions.get(execId);
        if (s == null) {
            throw new ContainerException.NotFound("No such exec instance: " + execId);
        }
        return s;
    }

    private Path dir(Session s) {
        return root.resolve(s.id);
    }

    /** Forgets sessions that ended a while ago, and those whose container is gone. */
    private void forgetOld() {
        Instant cutoff = Instant.now().minus(KEEP_ENDED);
        sessions.values().removeIf(s -> {
            synchronized (s) {
                if (s.endedAt != null && s.endedAt.isBefore(cutoff)) {
                    return true;
                }
                if (!s.started) {
                    try {
                        containers.get(s.containerId);
                    } catch (ContainerException.NotFound e) {
                        return true;
                    }
                }
                return false;
            }
        });
    }

    /**
     * JSON lines from a conmon FIFO, read on a thread of their own so waits can end when conmon dies.
     * A platform thread: a FIFO read blocks in native code and would hold a virtual thread's carrier,
     * and two of them starved the daemon's two carriers.
     */
    private static final class Lines {
        private final BlockingQueue<Optional<JsonNode>> queue = new LinkedBlockingQueue<>();

        Lines(FileChannel ch) {
            Thread.ofPlatform().daemon().name("exec-conmon-pipe").start(() -> read(ch));
        }

        private void read(FileChannel ch) {
            ByteBuffer buf = ByteBuffer.allocate(64 << 10);
            try {
                while (ch.read(buf) >= 0) {
                    int start = 0;
                    for (int i = 0; i < buf.position(); i++) {
                        if (buf.get(i) == '\n') {
                            String line = new String(buf.array(), start, i - start, StandardCharsets.UTF_8);
                            start = i + 1;
                            try {
                                queue.add(Optional.of(JSON.readTree(line)));
                            } catch (IOException e) {
                                queue.add(Optional.empty());
                            }
                        }
                    }
                    buf.limit(buf.position()).position(start);
                    buf.compact();
                    if (!buf.hasRemaining()) {
                        buf.clear(); // an over-long line: drop it
                    }
                }
            } catch (IOException e) {
                // closed: the session is over
            }
        }

        /** The next message; empty when conmon died or did not answer in time. */
        Optional<JsonNode> next(Process monitor) throws IOException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(STEP_TIMEOUT_SECONDS);
            try {
                while (System.nanoTime() < deadline) {
                    Optional<JsonNode> line = queue.poll(100, TimeUnit.MILLISECONDS);
                    if (line != null) {
                        return line;
                    }
                    if (!monitor.isAlive()) {
                        line = queue.poll(200, TimeUnit.MILLISECONDS);
                        return line == null ? Optional.empty() : line;
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for conmon", e);
            }
            return Optional.empty();
        }

        Optional<JsonNode> nextWithoutTimeout(Process monitor) throws InterruptedException {
            while (true) {
                Optional<JsonNode> line = queue.poll(500, TimeUnit.MILLISECONDS);
                if (line != null) {
                    return line;
                }
                if (!monitor.isAlive()) {
                    line = queue.poll(200, TimeUnit.MILLISECONDS);
                    return line == null ? Optional.empty() : line;
                }
            }
        }
    }

    private static void closeAll(FileChannel... channels) {
        for (FileChannel ch : channels) {
            if (ch != null) {
                try {
                    ch.close();
                } catch (IOException e) {
                    // nothing left to release
                }
            }
        }
    }

    private static void mkfifo(Path fifo) throws IOException {
        Files.deleteIfExists(fifo);
        try {
            Process p = new ProcessBuilder("mkfifo", "-m", "0600", fifo.toString()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() != 0) {
                throw new IOException("mkfifo " + fifo + ": " + out.strip());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private static void deleteTree(Path dir) {
        if (!Files.isDirectory(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException | java.io.UncheckedIOException e) {
            // a leftover exec directory holds no mount or process; the next daemon start may remove it
        }
    }
}
