package dev.skiff.cli;

import dev.skiff.registry.Registry;
import dev.skiff.registry.RegistryOptions;
import dev.skiff.registry.auth.AuthException;
import dev.skiff.registry.auth.Htpasswd;
import dev.skiff.registry.gc.CollectionLock;
import dev.skiff.registry.gc.GarbageCollector;
import dev.skiff.registry.gc.GcOptions;
import dev.skiff.registry.gc.GcReport;
import dev.skiff.registry.http.RegistryServer;
import dev.skiff.registry.storage.FileSystemDriver;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code skiff registry ...}: run and manage an OCI registry with accounts. */
@Command(name = "registry", description = "Run and manage an OCI/Docker registry with accounts.",
        subcommands = {RegistryCommand.Serve.class, RegistryCommand.User.class, RegistryCommand.Gc.class},
        mixinStandardHelpOptions = true)
final class RegistryCommand extends CommandGroup {

    @Command(name = "serve", description = "Serve the registry in the foreground (stop with Ctrl-C or SIGTERM): the registry API under /v2/, web pages at / and their JSON API under /api/.",
            mixinStandardHelpOptions = true)
    static final class Serve implements Callable<Integer> {
        @Option(names = "--addr", defaultValue = "127.0.0.1:5000", description = "HOST:PORT to listen on (port 0 picks a free one). Default: ${DEFAULT-VALUE}")
        String addr;

        @Option(names = "--root", required = true, description = "Storage folder (CNCF distribution's layout).")
        Path root;

        @Option(names = "--htpasswd", description = "Accounts file (bcrypt, as htpasswd -B writes). Without it anyone may push.")
        Path htpasswd;

        @Option(names = "--admin", description = "A user who may push and delete everywhere (repeatable).")
        List<String> admins = new ArrayList<>();

        @Option(names = "--no-anonymous-pull", description = "Require a login to pull.")
        boolean noAnonymousPull;

        @Option(names = "--tls-cert", description = "PEM certificate for HTTPS.")
        Path tlsCert;

        @Option(names = "--tls-key", description = "PEM private key for HTTPS.")
        Path tlsKey;

        @Option(names = "--token-realm", description = "Absolute URL of the token endpoint to put in challenges (default: this server's /token, as the client addressed it).")
        String tokenRealm;

        @Option(names = "--gc-interval", description = "Collect garbage online this often, e.g. 1h or 30m (default: never).")
        String gcInterval;

        @Option(names = "--quiet", description = "Don't log each request.")
        boolean quiet;

        @Override
        public Integer call() throws Exception {
            InetSocketAddress address = Cli.parseAddress(addr);
            if ((tlsCert == null) != (tlsKey == null)) {
                throw new Cli.UserError("--tls-cert and --tls-key go together: give both to serve HTTPS, or neither");
            }
            if (htpasswd != null && !Files.isReadable(htpasswd)) {
                throw new Cli.UserError("cannot read the accounts file " + htpasswd
                        + ": create it with 'skiff registry user add NAME --htpasswd " + htpasswd + " --password-stdin'");
            }
            Optional<Duration> gc = Optional.ofNullable(gcInterval).map(Cli::parseDuration);
            RegistryOptions options = new RegistryOptions(address, root.toAbsolutePath(), Optional.ofNullable(htpasswd),
                    new HashSet<>(admins), !noAnonymousPull,
                    tlsCert == null ? Optional.empty() : Optional.of(new RegistryServer.Tls(tlsCert, tlsKey)),
                    Optional.ofNullable(tokenRealm), gc, quiet ? Optional.empty() : Optional.of(System.out));
            // Before anything is printed: whoever reads the "listening" line may signal at once.
            CountDownLatch stop = new CountDownLatch(1);
            Cli.onTerminationSignal(stop::countDown);
            Registry registry;
            try {
                registry = Registry.start(options);
            } catch (java.io.IOException e) {
                // epoll reports EADDRINUSE as its own IOException, NIO as a BindException
                if (e instanceof BindException || String.valueOf(e.getMessage()).contains("Address already in use")) {
                    throw new Cli.UserError("cannot listen on " + addr + ": the address is already in use"
                            + " (is another registry running there? pick another port with --addr)");
                }
                throw e;
            }
            InetSocketAddress bound = registry.address();
            String host = bound.getAddress().isAnyLocalAddress() ? address.getHostString() : bound.getAddress().getHostAddress();
            if (host.contains(":")) {
                host = "[" + host + "]";
            }
            System.out.println("skiff registry listening on " + (tlsCert == null ? "http" : "https") + "://" + host + ":" + bound.getPort());
            System.out.flush();
            stop.await();
            registry.close();
            System.out.println("skiff registry stopped");
            System.out.flush();
            return 0;
        }
    }

    @Command(name = "user", description = "Manage registry accounts.", subcommands = {UserAdd.class},
            mixinStandardHelpOptions = true)
    static final class User extends CommandGroup {
    }

    @Command(name = "add", description = "Create a user, or change their password (bcrypt; compatible with htpasswd -B).",
            mixinStandardHelpOptions = true)
    static final class UserAdd implements Callable<Integer> {
        @Parameters(index = "0", description = "User name: it is also the user's namespace (NAME/...).")
        String name;

        @Option(names = "--htpasswd", required = true, description = "The accounts file (created if missing).")
        Path file;

        @Option(names = "--password-stdin", description = "Read the password from standard input.")
        boolean passwordStdin;

        @Override
        public Integer call() throws Exception {
            char[] password;
            if (passwordStdin) {
                String line = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
                password = line == null ? new char[0] : line.toCharArray();
            } else if (System.console() != null) {
                password = System.console().readPassword("Password for %s: ", name);
            } else {
                throw new Cli.UserError("no password given: pipe it in with --password-stdin");
            }
            if (password == null || password.length == 0) {
                throw new Cli.UserError("the password is empty: give a non-empty password");
            }
            try {
                boolean existed = Files.exists(file) && Htpasswd.load(file).users().contains(name);
                Htpasswd.putUser(file, name, password);
                System.out.println((existed ? "Changed password of " : "Added user ") + name + " in " + file);
            } catch (AuthException e) {
                throw new Cli.UserError(e.getMessage());
            } finally {
                java.util.Arrays.fill(password, '\0');
            }
            return 0;
        }
    }

    @Command(name = "gc", description = "Delete blobs no manifest needs. Safe while the registry serves.",
            mixinStandardHelpOptions = true)
    static final class Gc implements Callable<Integer> {
        @Option(names = "--root", required = true, description = "Storage folder of the registry.")
        Path root;

        @Option(names = "--dry-run", description = "Only report what would be deleted.")
        boolean dryRun;

        @Option(names = "--delete-untagged", description = "Also delete manifests that no tag points to.")
        boolean deleteUntagged;

        @Override
        public Integer call() throws Exception {
            if (!Files.isDirectory(root)) {
                throw new Cli.UserError("no registry storage at " + root + ": give the folder passed to 'registry serve --root'");
            }
            GcOptions options = GcOptions.defaults().withDryRun(dryRun).withDeleteUntagged(deleteUntagged);
            GcReport report = new GarbageCollector(new FileSystemDriver(root), CollectionLock.forFileSystem(root), options,
                    InstantSource.system()).run();
            report.describe().forEach(System.out::println);
            return 0;
        }
    }
}
