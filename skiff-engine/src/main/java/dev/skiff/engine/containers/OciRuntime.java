package dev.skiff.engine.containers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * An OCI runtime's command line ({@code runc}, or {@code crun}, which takes the same commands), with
 * its state under {@code <exec-root>/<name>} so it never mixes with another engine's containers.
 */
final class OciRuntime {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long TIMEOUT_SECONDS = 60;

    private final String name;
    private final Path binary;
    private final Path root;

    private OciRuntime(String name, Path binary, Path root) {
        this.name = name;
        this.binary = binary;
        this.root = root;
    }

    /** {@code runc} or {@code crun}, found on the PATH; anything else is docker's "Unknown runtime". */
    static OciRuntime named(String name, Path execRoot) {
        if (!name.equals("runc") && !name.equals("crun")) {
            throw new ContainerException.InvalidArgument("Unknown runtime specified " + name);
        }
        if (name.equals("crun") && hybridCgroups()) {
            throw new ContainerException.InvalidArgument("the crun runtime needs cgroup v2 alone (unified), and this host "
                    + "mounts cgroup v1 and v2 side by side (hybrid); use runc, the default runtime");
        }
        Path binary = findOnPath(name).orElseThrow(() -> new ContainerException.HostFailure(
                "the OCI runtime " + name + " is not installed (not found on PATH); install it (Debian: apt-get install " + name + ")"));
        return new OciRuntime(name, binary, execRoot.resolve(name));
    }

    /** cgroup v1 controllers with a v2 hierarchy beside them, which crun refuses. */
    static boolean hybridCgroups() {
        return !Files.exists(Path.of("/sys/fs/cgroup/cgroup.controllers")) && Files.isDirectory(Path.of("/sys/fs/cgroup/unified"));
    }

    static Optional<Path> findOnPath(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin").split(":")) {
            Path p = Path.of(dir, program);
            if (Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    String name() {
        return name;
    }

    Path binary() {
        return binary;
    }

    Path root() {
        return root;
    }

    /** The global options conmon must pass before {@code create}. */
    List<String> globalArgs(Path logFile) {
        return List.of("--root", root.toString(), "--log", logFile.toString(), "--log-format", "json");
    }

    void start(String id) {
        Result r = run("start", id);
        if (r.code != 0) {
            throw ContainerException.StartFailed.of("OCI runtime start failed: " + r.message() + ": unknown");
        }
    }

    /** Sends a signal; false when the container no longer runs. */
    boolean kill(String id, String signal) {
        Result r = run("kill", id, signal);
        if (r.code != 0) {
            String m = r.message();
            if (m.contains("not running") || m.contains("does not exist") || m.contains("process already finished")) {
                return false;
            }
            throw new ContainerException.HostFailure("could not signal container " + id + ": " + m);
        }
        return true;
    }

    void pause(String id) {
        check(run("pause", id), "pause");
    }

    void resume(String id) {
        check(run("resume", id), "unpause");
    }

    /** Removes the runtime's record (killing what is left); quiet when there is none. */
    void delete(String id) {
        run("delete", "--force", id);
    }

    /**
     * {@link #delete}, skipped when the runtime keeps no state for the container (runc and crun both
     * keep it in {@code <root>/<id>}): a fresh container's start and a removal after the exit was
     * handled then spawn no runtime process for nothing.
     */
    void deleteIfKnown(String id) {
        if (java.nio.file.Files.exists(root.resolve(id))) {
            delete(id);
        }
    }

    /** {@code runc ps --format json}: the container's processes, as host pids. */
    List<Integer> processes(String id) {
        Result r = run("ps", "--format", "json", id);
        if (r.code != 0) {
            throw new ContainerException.Conflict("Container " + id + " is not running");
        }
        try {
            List<Integer> pids = new ArrayList<>();
            JSON.readTree(r.stdout).forEach(n -> pids.add(n.asInt()));
            return pids;
        } catch (IOException e) {
            throw new ContainerException.HostFailure("cannot read the processes of " + id + ": " + e.getMessage(), e);
        }
    }

    /** {@code runc state}: status ({@code created}, {@code running}, {@code paused}, {@code stopped}) and pid; empty when unknown. */
    Optional<State> state(String id) {
        Result r = run("state", id);
        if (r.code != 0) {
            return Optional.empty();
        }
        try {
            JsonNode n = JSON.readTree(r.stdout);
            return Optional.of(new State(n.path("status").asText(), n.path("pid").asInt()));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    record State(String status, int pid) {
    }

    private void check(Result r, String what) {
        if (r.code != 0) {
            throw new ContainerException.Conflict("Cannot " + what + " container: " + r.message());
        }
    }

    private Result run(String... args) {
        List<String> command = new ArrayList<>(List.of(binary.toString(), "--root", root.toString()));
        command.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            // both are small; stderr is read on its own thread so neither pipe fills up
            byte[] stdout;
            byte[] stderr;
            try (var errStream = p.getErrorStream()) {
                var errReader = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                    try {
                        return errStream.readAllBytes();
                    } catch (IOException e) {
                        return new byte[0];
                    }
                }, r -> Thread.ofVirtual().start(r));
                stdout = p.getInputStream().readAllBytes();
                stderr = errReader.join();
            }
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new ContainerException.HostFailure(name + " " + String.join(" ", args) + " did not finish in " + TIMEOUT_SECONDS + "s");
            }
            return new Result(p.exitValue(), new String(stdout, StandardCharsets.UTF_8), new String(stderr, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new ContainerException.HostFailure("could not run " + binary + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ContainerException.HostFailure(name + " was interrupted", e);
        }
    }

    private record Result(int code, String stdout, String stderr) {
        /** The runtime's own words: the {@code msg="..."} of its log line, else its whole stderr. */
        String message() {
            return errorText(stderr);
        }
    }

    /** Pulls the message out of runc's logrus text ({@code level=error msg="..."}) or JSON log lines. */
    static String errorText(String log) {
        String found = null;
        for (String line : log.split("\n")) {
            line = line.strip();
            if (line.isEmpty()) {
                continue;
            }
            if (line.startsWith("{")) {
                try {
                    JsonNode n = JSON.readTree(line);
                    if (n.path("level").asText().equals("error")) {
                        found = n.path("msg").asText();
                    }
                } catch (IOException e) {
                    found = line;
                }
                continue;
            }
            int msg = line.indexOf("msg=\"");
            if (msg >= 0) {
                String rest = line.substring(msg + 5);
                int end = rest.lastIndexOf('"');
                found = (end > 0 ? rest.substring(0, end) : rest).replace("\\\"", "\"");
            } else {
                found = line;
            }
        }
        return found == null ? "unknown error" : found;
    }
}
