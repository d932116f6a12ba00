package dev.skiff.it.registry;

import dev.skiff.it.support.CommandResult;
import dev.skiff.it.support.ServerProcess;
import dev.skiff.it.support.SkiffCli;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code skiff registry serve} as a real separate process on a free loopback port. The contract it
 * relies on: the first stdout line is {@code skiff registry listening on http://HOST:PORT}, and
 * SIGTERM stops the server with exit code 0.
 */
public final class SkiffRegistryProcess implements AutoCloseable {

    static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(30);
    private static final Pattern LISTENING = Pattern.compile("skiff registry listening on http://([^:/\\s]+):(\\d+)\\s*");

    private final ServerProcess process;
    private final Path root;
    private final String host;
    private final int port;

    private SkiffRegistryProcess(ServerProcess process, Path root, String host, int port) {
        this.process = process;
        this.root = root;
        this.host = host;
        this.port = port;
    }

    public static Builder serving(Path root) {
        return new Builder(root);
    }

    public static final class Builder {
        private final Path root;
        private Optional<Path> htpasswd = Optional.empty();
        private final List<String> admins = new ArrayList<>();
        private boolean noAnonymousPull;
        private final List<String> jvmOptions = new ArrayList<>();

        private Builder(Path root) {
            this.root = root;
        }

        public Builder htpasswd(Path file) {
            this.htpasswd = Optional.of(file);
            return this;
        }

        Builder admin(String name) {
            admins.add(name);
            return this;
        }

        /** JVM options for the server process, e.g. {@code -Xmx256m}. */
        Builder jvmOptions(String... options) {
            jvmOptions.addAll(List.of(options));
            return this;
        }

        public Builder noAnonymousPull() {
            this.noAnonymousPull = true;
            return this;
        }

        public SkiffRegistryProcess start() {
            List<String> args = new ArrayList<>(List.of("registry", "serve", "--addr", "127.0.0.1:0", "--root", root.toString()));
            htpasswd.ifPresent(file -> args.addAll(List.of("--htpasswd", file.toString())));
            admins.forEach(name -> args.addAll(List.of("--admin", name)));
            if (noAnonymousPull) {
                args.add("--no-anonymous-pull");
            }
            ServerProcess process = ServerProcess.start("skiff-registry", SkiffCli.command(jvmOptions, args.toArray(String[]::new)), null);
            try {
                Optional<String> first = process.nextStdoutLine(STARTUP_TIMEOUT);
                if (first.isEmpty()) {
                    process.awaitExit(Duration.ofSeconds(5));
                    throw new AssertionError("skiff registry serve exited before printing its address\n" + process.describe());
                }
                Matcher m = LISTENING.matcher(first.get());
                if (!m.matches()) {
                    throw new AssertionError("the first stdout line of skiff registry serve should be"
                            + " 'skiff registry listening on http://HOST:PORT' but was '" + first.get() + "'\n"
                            + process.describe());
                }
                int port = Integer.parseInt(m.group(2));
                if (port == 0) {
                    throw new AssertionError("skiff registry serve printed port 0, not the port it bound\n" + process.describe());
                }
                return new SkiffRegistryProcess(process, root, m.group(1), port);
            } catch (RuntimeException | Error e) {
                process.close();
                throw e;
            }
        }
    }

    /** {@code skiff registry user add NAME --htpasswd FILE --password-stdin}, asserting success. */
    public static CommandResult addUser(Path htpasswd, String name, String password) {
        return SkiffCli.runWithStdin(password + "\n", "registry", "user", "add", name,
                "--htpasswd", htpasswd.toString(), "--password-stdin").assertSuccess();
    }

    /** {@code skiff registry gc --root DIR [--dry-run]}. */
    static CommandResult gc(Path root, boolean dryRun) {
        return dryRun
                ? SkiffCli.run(Duration.ofMinutes(2), "registry", "gc", "--root", root.toString(), "--dry-run")
                : SkiffCli.run(Duration.ofMinutes(2), "registry", "gc", "--root", root.toString());
    }

    /** host:port, as in an image reference. */
    public String address() {
        return host + ":" + port;
    }

    int port() {
        return port;
    }

    Path root() {
        return root;
    }

    /** {@code docker://HOST:PORT/repository:tag} for skopeo. */
    public String ref(String repositoryAndTag) {
        return "docker://" + address() + "/" + repositoryAndTag;
    }

    ServerProcess process() {
        return process;
    }

    /** Everything the registry printed so far, for failure messages. */
    public String describe() {
        return process.describe();
    }

    /** SIGTERM, wait, SIGKILL if needed; returns the exit code. */
    int stop() {
        return process.stop(Duration.ofSeconds(15));
    }

    @Override
    public void close() {
        stop();
    }
}
