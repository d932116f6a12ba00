package dev.skiff.engine.network;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs the host tools networking relies on (CNI plugins, iptables, unshare, ip) and collects what they
 * say. Output is read on virtual threads so a chatty tool never blocks on a full pipe.
 */
final class Commands {
    record Outcome(int exitCode, String stdout, String stderr) {
        boolean ok() {
            return exitCode == 0;
        }

        /** What the tool said about its failure, for error messages. */
        String complaint() {
            String s = stderr.strip();
            return s.isEmpty() ? stdout.strip() : s;
        }
    }

    private static final long TIMEOUT_SECONDS = 60;

    static Outcome run(List<String> command) {
        return run(command, Map.of(), new byte[0]);
    }

    static Outcome run(List<String> command, Map<String, String> env, byte[] stdin) {
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().keySet().removeIf(k -> k.startsWith("CNI_"));
        pb.environment().put("PATH", withSystemDirs(pb.environment().getOrDefault("PATH", "")));
        pb.environment().putAll(env);
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new NetworkException("cannot run " + command.getFirst() + ": " + e.getMessage()
                    + " (is it installed?)", e);
        }
        CompletableFuture<String> out = drain(p.getInputStream());
        CompletableFuture<String> err = drain(p.getErrorStream());
        try (OutputStream in = p.getOutputStream()) {
            in.write(stdin);
        } catch (IOException e) {
            // The tool exited without reading its input; its exit code and stderr tell why.
        }
        try {
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new NetworkException(String.join(" ", command) + " did not finish within "
                        + TIMEOUT_SECONDS + " seconds");
            }
            return new Outcome(p.exitValue(), out.join(), err.join());
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new NetworkException("interrupted while running " + command.getFirst(), e);
        }
    }

    /** Runs a command that must succeed; its complaint becomes the exception's message. */
    static Outcome check(List<String> command) {
        Outcome o = run(command);
        if (!o.ok()) {
            throw new NetworkException(String.join(" ", command) + " failed: " + o.complaint());
        }
        return o;
    }

    /**
     * The plugins run iptables and the daemon runs ip and unshare by name; a daemon started with a
     * user's PATH (no /usr/sbin) must still find them.
     */
    static String withSystemDirs(String path) {
        StringBuilder out = new StringBuilder(path);
        for (String dir : List.of("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin")) {
            if (!List.of(path.split(":")).contains(dir)) {
                out.append(out.isEmpty() ? "" : ":").append(dir);
            }
        }
        return out.toString();
    }

    private static CompletableFuture<String> drain(InputStream stream) {
        CompletableFuture<String> f = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try (stream) {
                f.complete(new String(stream.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                f.completeExceptionally(new UncheckedIOException(e));
            }
        });
        return f;
    }

    private Commands() {
    }
}
