package dev.skiff.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * {@code skiff quickstart}: the getting-started tutorial done for real, one step at a time. Each step
 * prints the command a user would type, runs that very command (a {@code skiff} child process, or the
 * host tool), and says what happened and how long it took. Everything it starts lives under one folder
 * ({@code --dir}), with PID files, so a second run reuses it and {@code --down} stops it.
 */
@Command(name = "quickstart", mixinStandardHelpOptions = true,
        description = "Walk through the getting-started tutorial for real: start a daemon and a registry, build and run the example app, push it and pull it back. --down stops it all.")
final class QuickstartCommand implements Callable<Integer> {
    static final String BASE_IMAGE = "skiff/node:debian";
    static final String APP_IMAGE = "getting-started";
    static final String CONTAINER = "getting-started";
    static final String USER = "alice";

    @ParentCommand
    Main main;

    @Option(names = "--dir", description = "Folder for the daemon's and registry's data, logs and PID files. Default: ${DEFAULT-VALUE}")
    Path dir = Path.of("/var/lib/skiff-quickstart");

    @Option(names = {"-H", "--host"}, description = "The daemon's socket: unix:///PATH. Default: unix:///run/skiff/skiff.sock, where a plain `skiff ps` looks.")
    String host;

    @Option(names = {"-b", "--bridge"}, description = "The daemon's bridge interface. Default: skiff0")
    String bridge = "skiff0";

    @Option(names = "--bip", description = "The bridge's address and subnet. Default: 10.86.0.1/16")
    String bip = "10.86.0.1/16";

    @Option(names = "--app-port", description = "Host port the app is published on. Default: ${DEFAULT-VALUE}")
    int appPort = 3000;

    @Option(names = "--registry-port", description = "Port of the registry on 127.0.0.1. Default: ${DEFAULT-VALUE}")
    int registryPort = 5000;

    @Option(names = "--base-image-tar", paramLabel = "FILE", description = "Import this root file system tar as " + BASE_IMAGE + " instead of making one with mmdebstrap (offline).")
    Path baseImageTar;

    @Option(names = "--app-dir", description = "The example app to build. Default: examples/getting-started of this checkout")
    Path appDir;

    @Option(names = "--password", description = "Password for the registry user " + USER + " (default: one generated and printed, kept in DIR/alice.password).")
    String password;

    @Option(names = "--down", description = "Stop and remove everything quickstart started (containers, daemon, registry, bridge); the data under --dir stays.")
    boolean down;

    private final PrintStream out = System.out;
    /** What this run started, undone in reverse order if a later step fails. */
    private final Deque<Runnable> undo = new ArrayDeque<>();

    /** A step cannot be done: one sentence of what is wrong and what to do. */
    static final class StepFailed extends RuntimeException {
        StepFailed(String message) {
            super(message, null, false, false);
        }
    }

    @Override
    public Integer call() throws Exception {
        if (host == null) {
            host = main.host != null ? main.host : "unix:///run/skiff/skiff.sock";
        }
        if (!host.startsWith("unix://")) {
            throw new Cli.UserError("quickstart starts its own daemon on a unix socket: give -H unix:///PATH, not " + host);
        }
        if (appPort < 1 || appPort > 65535 || registryPort < 1 || registryPort > 65535) {
            throw new Cli.UserError("--app-port and --registry-port must be from 1 to 65535");
        }
        dir = dir.toAbsolutePath();
        try {
            if (down) {
                down();
            } else {
                up();
            }
            return 0;
        } catch (StepFailed e) {
            out.flush();
            System.err.println("skiff quickstart: " + e.getMessage());
            if (!undo.isEmpty()) {
                System.err.println("skiff quickstart: undoing what this run started ...");
                while (!undo.isEmpty()) {
                    try {
                        undo.pop().run();
                    } catch (RuntimeException ignored) {
                        // best effort: the next undo may still work
                    }
                }
            }
            return 1;
        }
    }

    // ---- up ----------------------------------------------------------------------------------------

    private void up() throws Exception {
        long start = System.nanoTime();
        step("Check the host", List.of("id -u; grep overlay /proc/filesystems; which runc conmon iptables; ls /usr/lib/cni"), this::checkHost);
        mkdirs();
        step("Start the daemon in the background", List.of(display(daemonArgs()) + " &"), this::startDaemon);
        step("Create the registry user " + USER, List.of("skiff registry user add " + USER + " --htpasswd " + htpasswd() + " --password-stdin"), this::addUser);
        step("Start the registry in the background", List.of(display(registryArgs()) + " &"), this::startRegistry);
        step("Make the base image " + BASE_IMAGE, baseImageCommands(), this::baseImage);
        Path app = appDir();
        step("Build the app's image", List.of("skiff build -t " + APP_IMAGE + " " + app), () -> {
            Result r = skiff(Duration.ofMinutes(10), "build", "-t", APP_IMAGE, app.toString());
            require(r, "the build failed (output above): fix the Dockerfile in " + app + " and run quickstart again");
            return "built " + APP_IMAGE;
        });
        step("Run it, detached, with port " + appPort + " published and a volume for its data",
                List.of("skiff run -dp " + appPort + ":3000 -v todo-db:/etc/todos --name " + CONTAINER + " " + APP_IMAGE), this::runApp);
        String url = "http://localhost:" + appPort;
        step("Wait until the app answers", List.of("curl " + url), () -> {
            waitForHttp(url, Duration.ofSeconds(60));
            return "the todo app answers at " + url + " -- open it in a browser";
        });
        step("List running containers", List.of("skiff ps"), () -> {
            Result r = skiff(Duration.ofMinutes(1), "ps");
            require(r, "skiff ps failed (output above)");
            return "shown above";
        });
        String registry = "localhost:" + registryPort;
        String remote = registry + "/" + USER + "/" + APP_IMAGE;
        step("Log in to the registry", List.of("skiff login -u " + USER + " " + registry), () -> {
            Result r = skiffWithStdin(userPassword(), "login", "-u", USER, "--password-stdin", registry);
            require(r, "could not log in to " + registry + " as " + USER + " (output above)");
            return "logged in as " + USER + " (password: " + userPassword() + ")";
        });
        step("Tag the image for the registry", List.of("skiff tag " + APP_IMAGE + " " + remote), () -> {
            require(skiff(Duration.ofMinutes(1), "tag", APP_IMAGE, remote), "tagging failed (output above)");
            return "tagged " + remote;
        });
        step("Push it", List.of("skiff push " + remote), () -> {
            require(skiff(Duration.ofMinutes(5), "push", remote), "the push to " + registry + " failed (output above); its log is " + dir.resolve("registry.log"));
            return "pushed " + remote;
        });
        step("Remove the local tag", List.of("skiff rmi " + remote), () -> {
            require(skiff(Duration.ofMinutes(1), "rmi", remote), "removing the local tag failed (output above)");
            return "removed " + remote + " locally";
        });
        step("Pull it back from the registry", List.of("skiff pull " + remote), () -> {
            require(skiff(Duration.ofMinutes(5), "pull", remote), "the pull from " + registry + " failed (output above)");
            return "pulled " + remote;
        });
        out.printf("%nDone in %s. The app runs at %s; `skiff %sps` shows it; `skiff quickstart --down%s` stops everything.%n",
                seconds(System.nanoTime() - start), url, hostFlag(), downFlags());
    }

    /** Whether this process is root: /proc/self/status's real uid (a test of the refusal sets another answer). */
    static java.util.function.BooleanSupplier runsAsRoot = () -> {
        try {
            return isRoot();
        } catch (IOException e) {
            return false;
        }
    };

    private String checkHost() throws Exception {
        List<String> found = new ArrayList<>();
        boolean root = runsAsRoot.getAsBoolean();
        if (!root) {
            throw new StepFailed("quickstart must run as root (it starts a daemon that mounts file systems and makes network interfaces): run `sudo ./skiff quickstart`");
        }
        found.add("root");
        Set<String> packages = new LinkedHashSet<>();
        if (!onPath("runc") && !onPath("crun")) {
            packages.add("runc");
        }
        if (!Files.isExecutable(Path.of("/usr/bin/conmon"))) {
            packages.add("conmon");
        }
        for (String plugin : List.of("bridge", "host-local", "portmap", "loopback", "firewall")) {
            if (!Files.isExecutable(Path.of("/usr/lib/cni", plugin))) {
                packages.add("containernetworking-plugins");
            }
        }
        if (!onPath("iptables")) {
            packages.add("iptables");
        }
        if (baseImageTar == null && !onPath("mmdebstrap")) {
            packages.add("mmdebstrap");
        }
        if (!packages.isEmpty()) {
            if (!onPath("apt-get")) {
                throw new StepFailed("missing " + String.join(", ", packages) + " and this is not a Debian system (no apt-get): install them with your package manager and run quickstart again");
            }
            List<String> install = new ArrayList<>(List.of("apt-get", "install", "-y", "--no-install-recommends"));
            install.addAll(packages);
            out.println("   missing Debian packages: " + String.join(" ", packages) + "; installing them:");
            out.println("   $ " + String.join(" ", install));
            Result r = run(install, Duration.ofMinutes(10), null, true);
            if (!r.ok()) {
                throw new StepFailed("apt-get could not install " + String.join(" ", packages) + " (output above): run `apt-get update`, check the network, and run quickstart again");
            }
            found.add("installed " + String.join(" ", packages));
        }
        if (!Files.readString(Path.of("/proc/filesystems")).contains("\toverlay")) {
            run(List.of("modprobe", "overlay"), Duration.ofSeconds(30), null, false);
            if (!Files.readString(Path.of("/proc/filesystems")).contains("\toverlay")) {
                throw new StepFailed("the kernel has no overlayfs (not in /proc/filesystems, and `modprobe overlay` did not add it): use a kernel with CONFIG_OVERLAY_FS");
            }
        }
        found.add("overlayfs");
        found.add(onPath("runc") ? "runc" : "crun");
        found.add("conmon");
        found.add("CNI plugins in /usr/lib/cni");
        found.add("iptables");
        return "found " + String.join(", ", found);
    }

    private String startDaemon() throws Exception {
        Optional<ProcessHandle> ours = runningFromPidFile(dir.resolve("daemon.pid"));
        if (ours.isPresent()) {
            return "already running (PID " + ours.get().pid() + "), reused";
        }
        if (answers()) {
            throw new StepFailed("another daemon already answers on " + host + ": stop it, or give quickstart another socket with -H unix:///PATH");
        }
        writeSettings();
        Path log = dir.resolve("daemon.log");
        ProcessHandle daemon = background(daemonArgs(), log, dir.resolve("daemon.pid"), List.of("-Xmx256m", "-XX:MaxDirectMemorySize=256m"));
        undo.push(() -> stopDaemon(daemon));
        waitForLine(daemon, log, "skiff daemon listening on", Duration.ofSeconds(60),
                "the daemon did not start; its log " + log + " says why (last lines above)");
        return "PID " + daemon.pid() + ", listening on " + host + ", log " + log;
    }

    private String addUser() throws Exception {
        Path stored = dir.resolve(USER + ".password");
        boolean exists = Files.exists(htpasswd()) && Files.readAllLines(htpasswd()).stream().anyMatch(l -> l.startsWith(USER + ":"));
        if (exists && password == null && Files.exists(stored)) {
            return "exists, reused";
        }
        String chosen = userPassword();
        Result r = run(command(List.of(), "registry", "user", "add", USER, "--htpasswd", htpasswd().toString(), "--password-stdin"),
                Duration.ofMinutes(1), chosen + "\n", true);
        require(r, "could not add the user " + USER + " (output above)");
        return (exists ? "password changed" : "created") + "; password: " + chosen;
    }

    private String startRegistry() throws Exception {
        Optional<ProcessHandle> ours = runningFromPidFile(dir.resolve("registry.pid"));
        if (ours.isPresent()) {
            return "already running (PID " + ours.get().pid() + "), reused";
        }
        requireFreePort(registryPort, "the registry", "--registry-port");
        Path log = dir.resolve("registry.log");
        ProcessHandle registry = background(registryArgs(), log, dir.resolve("registry.pid"), List.of("-Xmx256m"));
        undo.push(() -> stop(registry, dir.resolve("registry.pid")));
        waitForLine(registry, log, "skiff registry listening on", Duration.ofSeconds(60),
                "the registry did not start; its log " + log + " says why (last lines above)");
        return "PID " + registry.pid() + ", http://127.0.0.1:" + registryPort + ", accounts in " + htpasswd();
    }

    private String baseImage() throws Exception {
        if (skiffQuiet("image", "inspect", BASE_IMAGE).ok()) {
            return "already present, reused";
        }
        Path tar = baseImageTar;
        if (tar == null) {
            tar = dir.resolve("node-debian.tar");
            String suite = debianSuite();
            List<String> mmdebstrap = List.of("mmdebstrap", "--variant=minbase", "--include=nodejs", suite, tar.toString());
            Result r = run(mmdebstrap, Duration.ofMinutes(30), null, true);
            if (!r.ok()) {
                Files.deleteIfExists(tar);
                throw new StepFailed("mmdebstrap could not make a Debian " + suite + " root file system (output above; often the Debian mirror is unreachable): check the network, or pass --base-image-tar FILE with a root file system that has node");
            }
        } else if (!Files.isRegularFile(tar)) {
            throw new StepFailed("--base-image-tar " + tar + " is not a file: give a tar of a root file system with node in it");
        }
        Result r = skiff(Duration.ofMinutes(10), "import", tar.toString(), BASE_IMAGE);
        require(r, "importing " + tar + " failed (output above): give a plain or gzipped tar of a root file system");
        return "imported " + tar + " (" + Files.size(tar) / (1024 * 1024) + " MB) as " + BASE_IMAGE;
    }

    private String runApp() throws Exception {
        String replaced = "";
        if (skiffQuiet("container", "inspect", CONTAINER).ok()) {
            require(skiff(Duration.ofMinutes(1), "rm", "-f", CONTAINER), "could not remove the old " + CONTAINER + " container (output above)");
            replaced = "replaced the old container; ";
        }
        requireFreePort(appPort, "the app", "--app-port");
        Result r = skiff(Duration.ofMinutes(2), "run", "-dp", appPort + ":3000", "-v", "todo-db:/etc/todos", "--name", CONTAINER, APP_IMAGE);
        require(r, "the container did not start (output above)");
        undo.push(() -> skiffQuiet("rm", "-f", CONTAINER));
        return replaced + "container " + r.stdout().strip();
    }

    // ---- down --------------------------------------------------------------------------------------

    private void down() throws Exception {
        Properties settings = readSettings();
        boolean started = !settings.isEmpty();
        String downBridge = settings.getProperty("bridge", bridge);
        String downBip = settings.getProperty("bip", bip);
        String downHost = settings.getProperty("host", host);
        host = downHost;
        Optional<ProcessHandle> daemon = runningFromPidFile(dir.resolve("daemon.pid"));
        step("Remove the containers (the daemon leaves them running when it stops)", List.of("skiff rm -f $(skiff ps -aq)"), () -> {
            if (daemon.isEmpty()) {
                return "no quickstart daemon runs; nothing to remove";
            }
            Result ids = skiffQuiet("ps", "-aq");
            List<String> all = ids.stdout().lines().map(String::strip).filter(s -> !s.isEmpty()).toList();
            if (all.isEmpty()) {
                return "none";
            }
            List<String> rm = new ArrayList<>(List.of("rm", "-f"));
            rm.addAll(all);
            require(skiff(Duration.ofMinutes(2), rm.toArray(String[]::new)), "could not remove the containers (output above)");
            return "removed " + all.size();
        });
        step("Stop the daemon", List.of("kill $(cat " + dir.resolve("daemon.pid") + ")"), () -> {
            if (daemon.isEmpty()) {
                return "not running";
            }
            stop(daemon.get(), dir.resolve("daemon.pid"));
            return "stopped PID " + daemon.get().pid();
        });
        step("Stop the registry", List.of("kill $(cat " + dir.resolve("registry.pid") + ")"), () -> {
            Optional<ProcessHandle> registry = runningFromPidFile(dir.resolve("registry.pid"));
            if (registry.isEmpty()) {
                return "not running";
            }
            stop(registry.get(), dir.resolve("registry.pid"));
            return "stopped PID " + registry.get().pid();
        });
        step("Remove the bridge, its firewall rules and leftover mounts", List.of("ip link del " + downBridge), () -> {
            List<String> done = new ArrayList<>();
            int unmounted = unmountUnder(dir);
            if (unmounted > 0) {
                done.add("unmounted " + unmounted);
            }
            if (!started) {
                // no daemon of ours made a bridge: skiff0 may well be another daemon's
                return done.isEmpty() ? "nothing left" : String.join(", ", done);
            }
            if (run(List.of("ip", "link", "show", downBridge), Duration.ofSeconds(10), null, false).ok()) {
                run(List.of("ip", "link", "del", downBridge), Duration.ofSeconds(10), null, false);
                done.add("deleted bridge " + downBridge);
            }
            int rules = deleteIptablesRules(downBridge, subnetPrefix(downBip));
            if (rules > 0) {
                done.add("deleted " + rules + " iptables rules");
            }
            Files.deleteIfExists(dir.resolve("quickstart.properties"));
            return done.isEmpty() ? "nothing left" : String.join(", ", done);
        });
        out.println("\nEverything quickstart started is stopped. Its data (images, registry storage, logs) stays in " + dir
                + "; delete that folder to start afresh.");
    }

    private void stopDaemon(ProcessHandle daemon) {
        Result ids = skiffQuiet("ps", "-aq");
        List<String> all = ids.stdout().lines().map(String::strip).filter(s -> !s.isEmpty()).toList();
        if (!all.isEmpty()) {
            List<String> rm = new ArrayList<>(List.of("rm", "-f"));
            rm.addAll(all);
            skiffQuiet(rm.toArray(String[]::new));
        }
        stop(daemon, dir.resolve("daemon.pid"));
        run(List.of("ip", "link", "del", bridge), Duration.ofSeconds(10), null, false);
        deleteIptablesRules(bridge, subnetPrefix(bip));
        try {
            Files.deleteIfExists(dir.resolve("quickstart.properties"));
        } catch (IOException ignored) {
            // --down would only clean the same bridge again
        }
    }

    private static int unmountUnder(Path root) throws IOException {
        int count = 0;
        if (root == null) {
            return 0;
        }
        for (String line : Files.readAllLines(Path.of("/proc/self/mounts")).reversed()) {
            String[] fields = line.split(" ");
            if (fields.length > 1 && (fields[1].equals(root.toString()) || fields[1].startsWith(root + "/"))) {
                new ProcessBuilder("umount", "-l", fields[1]).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                count++;
            }
        }
        return count;
    }

    // iptables-save's lines back as deletions through iptables-restore, which reads their quoting itself
    private int deleteIptablesRules(String bridgeName, String prefix) {
        int count = 0;
        for (String table : List.of("filter", "nat")) {
            Result rules = run(List.of("iptables-save", "-t", table), Duration.ofSeconds(30), null, false);
            StringBuilder script = new StringBuilder("*").append(table).append('\n');
            int matched = 0;
            for (String rule : rules.stdout().lines().toList()) {
                if (rule.startsWith("-A ") && (rule.contains(" " + bridgeName + " ") || rule.endsWith(" " + bridgeName)
                        || rule.contains("skiff-net=" + bridgeName + "\"") || rule.contains(prefix))) {
                    script.append("-D ").append(rule.substring(3)).append('\n');
                    matched++;
                }
            }
            if (matched > 0 && run(List.of("iptables-restore", "-w", "--noflush"), Duration.ofSeconds(30),
                    script.append("COMMIT\n").toString(), false).ok()) {
                count += matched;
            }
        }
        return count;
    }

    /** "10.86.0.1/16" -> "10.86." (the /16's first two octets), "10.207.0.1/24" -> "10.207.0." : what names the subnet in a rule. */
    static String subnetPrefix(String cidr) {
        String[] parts = cidr.split("/");
        int bits = parts.length > 1 ? Integer.parseInt(parts[1]) : 24;
        String[] octets = parts[0].split("\\.");
        int keep = Math.max(1, Math.min(3, bits / 8));
        return String.join(".", List.of(octets).subList(0, keep)) + ".";
    }

    // ---- steps and processes ------------------------------------------------------------------------

    private interface Action {
        String run() throws Exception;
    }

    private void step(String title, List<String> commands, Action action) throws Exception {
        out.println();
        out.println("==> " + title);
        for (String command : commands) {
            out.println("$ " + command);
        }
        out.flush();
        long start = System.nanoTime();
        String what = action.run();
        out.println("    " + what + " [" + seconds(System.nanoTime() - start) + "]");
        out.flush();
    }

    private static String seconds(long nanos) {
        return String.format("%.1f s", nanos / 1e9);
    }

    private List<String> daemonArgs() {
        return List.of("daemon", "--data-root", dir.resolve("data").toString(), "--exec-root", dir.resolve("exec").toString(),
                "-H", host, "--bridge", bridge, "--bip", bip);
    }

    private List<String> registryArgs() {
        return List.of("registry", "serve", "--addr", "127.0.0.1:" + registryPort, "--root", dir.resolve("registry").toString(),
                "--htpasswd", htpasswd().toString());
    }

    private List<String> baseImageCommands() {
        if (baseImageTar != null) {
            return List.of("skiff import " + baseImageTar + " " + BASE_IMAGE);
        }
        Path tar = dir.resolve("node-debian.tar");
        return List.of("mmdebstrap --variant=minbase --include=nodejs " + debianSuite() + " " + tar, "skiff import " + tar + " " + BASE_IMAGE);
    }

    private Path htpasswd() {
        return dir.resolve("htpasswd");
    }

    private String hostFlag() {
        return host.equals("unix:///run/skiff/skiff.sock") ? "" : "-H " + host + " ";
    }

    private String downFlags() {
        String flags = "";
        if (!dir.equals(Path.of("/var/lib/skiff-quickstart"))) {
            flags += " --dir " + dir;
        }
        return flags;
    }

    private Path socketPath() {
        return Path.of(host.substring("unix://".length()));
    }

    private String display(List<String> args) {
        return "skiff " + String.join(" ", args);
    }

    private Path appDir() {
        if (appDir != null) {
            return appDir.toAbsolutePath();
        }
        // the checkout this skiff runs from: skiff-cli/target/{skiff.jar,classes} -> the repository root
        try {
            Path code = Path.of(QuickstartCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path candidate = code.getParent().getParent().getParent().resolve("examples/getting-started");
            if (Files.isRegularFile(candidate.resolve("Dockerfile"))) {
                return candidate;
            }
        } catch (Exception ignored) {
            // fall through to the working directory
        }
        Path here = Path.of("examples/getting-started").toAbsolutePath();
        if (!Files.isRegularFile(here.resolve("Dockerfile"))) {
            throw new StepFailed("cannot find examples/getting-started: run quickstart from the Skiff checkout, or give --app-dir");
        }
        return here;
    }

    private void mkdirs() throws IOException {
        Files.createDirectories(dir);
        Files.createDirectories(dir.resolve("registry"));
    }

    private void writeSettings() throws IOException {
        Properties p = new Properties();
        p.setProperty("bridge", bridge);
        p.setProperty("bip", bip);
        p.setProperty("host", host);
        try (var w = Files.newBufferedWriter(dir.resolve("quickstart.properties"))) {
            p.store(w, "what skiff quickstart started, for --down");
        }
    }

    private Properties readSettings() throws IOException {
        Properties p = new Properties();
        Path file = dir.resolve("quickstart.properties");
        if (Files.exists(file)) {
            try (var r = Files.newBufferedReader(file)) {
                p.load(r);
            }
        }
        return p;
    }

    private String userPassword() throws IOException {
        Path stored = dir.resolve(USER + ".password");
        if (password != null) {
            if (!Files.exists(stored) || !Files.readString(stored).strip().equals(password)) {
                Files.writeString(stored, password + "\n");
                Files.setPosixFilePermissions(stored, PosixFilePermissions.fromString("rw-------"));
            }
            return password;
        }
        if (Files.exists(stored)) {
            password = Files.readString(stored).strip();
            return password;
        }
        byte[] random = new byte[9];
        new SecureRandom().nextBytes(random);
        password = HexFormat.of().formatHex(random);
        Files.writeString(stored, password + "\n");
        Files.setPosixFilePermissions(stored, PosixFilePermissions.fromString("rw-------"));
        return password;
    }

    private static String debianSuite() {
        try {
            for (String line : Files.readAllLines(Path.of("/etc/os-release"))) {
                if (line.startsWith("VERSION_CODENAME=") && line.length() > "VERSION_CODENAME=".length()) {
                    return line.substring("VERSION_CODENAME=".length()).replace("\"", "");
                }
            }
        } catch (IOException ignored) {
            // not Debian-like: stable it is
        }
        return "stable";
    }

    private static boolean isRoot() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("Uid:")) {
                return line.split("\\s+")[2].equals("0");
            }
        }
        return false;
    }

    private static boolean onPath(String tool) {
        for (String folder : System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin").split(":")) {
            if (!folder.isEmpty() && Files.isExecutable(Path.of(folder, tool))) {
                return true;
            }
        }
        return false;
    }

    private static void requireFreePort(int port, String what, String option) {
        for (InetAddress address : new InetAddress[] {InetAddress.getLoopbackAddress(), anyAddress()}) {
            try (ServerSocket socket = new ServerSocket()) {
                socket.bind(new InetSocketAddress(address, port));
            } catch (IOException e) {
                throw new StepFailed("port " + port + " is taken, so " + what + " cannot listen there: stop what uses it (`ss -ltnp 'sport = :" + port
                        + "'` shows it) or pick another with " + option);
            }
        }
    }

    private static InetAddress anyAddress() {
        try {
            return InetAddress.getByName("0.0.0.0");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private boolean answers() {
        return Files.exists(socketPath()) && skiffQuiet("version", "--format", "{{.Server.Version}}").ok();
    }

    private static Optional<ProcessHandle> runningFromPidFile(Path pidFile) throws IOException {
        if (!Files.exists(pidFile)) {
            return Optional.empty();
        }
        try {
            long pid = Long.parseLong(Files.readString(pidFile).strip());
            // a PID file left by a crash may name a process that reused the number: only ours run Main
            return ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                    .filter(p -> p.info().arguments().map(a -> List.of(a).contains("dev.skiff.cli.Main")
                            || List.of(a).stream().anyMatch(s -> s.endsWith("skiff.jar"))).orElse(true));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    private ProcessHandle background(List<String> args, Path log, Path pidFile, List<String> jvmOptions) throws IOException {
        // appended, so the log of a failed run is still there when the next run starts
        ProcessBuilder builder = new ProcessBuilder(command(jvmOptions, args.toArray(String[]::new)))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        builder.environment().put("MALLOC_ARENA_MAX", "2");
        Process process = builder.start();
        Files.writeString(pidFile, process.pid() + "\n");
        return process.toHandle();
    }

    private void waitForLine(ProcessHandle process, Path log, String line, Duration timeout, String failure) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        long from = Files.exists(log) ? Files.size(log) : 0;
        while (System.nanoTime() < deadline) {
            String text = Files.exists(log) ? Files.readString(log) : "";
            if (text.length() > from && text.substring((int) from).contains(line)) {
                return;
            }
            if (!process.isAlive()) {
                break;
            }
            Thread.sleep(100);
        }
        List<String> lines = Files.exists(log) ? Files.readAllLines(log) : List.of();
        lines.subList(Math.max(0, lines.size() - 10), lines.size()).forEach(l -> System.err.println("    | " + l));
        throw new StepFailed(failure);
    }

    private static void stop(ProcessHandle process, Path pidFile) {
        process.destroy();
        try {
            process.onExit().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            process.destroyForcibly();
            try {
                process.onExit().get(10, TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // nothing more to do
            }
        }
        try {
            Files.deleteIfExists(pidFile);
        } catch (IOException ignored) {
            // a stale PID file is checked before it is trusted
        }
    }

    private void waitForHttp(String url, Duration timeout) throws Exception {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(url + "/")).timeout(Duration.ofSeconds(5)).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
                last = "HTTP " + r.statusCode();
            } catch (IOException e) {
                last = e.toString();
            }
            Thread.sleep(200);
        }
        Result logs = skiffQuiet("logs", CONTAINER);
        logs.output().lines().forEach(l -> System.err.println("    | " + l));
        throw new StepFailed("the app did not answer at " + url + " within " + timeout.toSeconds() + " s (" + last
                + "); its log is above (`skiff logs " + CONTAINER + "`)");
    }

    record Result(int exitCode, String stdout, String stderr) {
        boolean ok() {
            return exitCode == 0;
        }

        String output() {
            return stdout + stderr;
        }
    }

    private static void require(Result r, String failure) {
        if (!r.ok()) {
            throw new StepFailed(failure);
        }
    }

    /** {@code skiff -H host args}, its output shown indented. */
    private Result skiff(Duration timeout, String... args) {
        return run(command(List.of(), withHost(args)), timeout, null, true);
    }

    private Result skiffWithStdin(String stdin, String... args) {
        return run(command(List.of(), withHost(args)), Duration.ofMinutes(1), stdin + "\n", true);
    }

    /** {@code skiff -H host args}, its output kept to itself: for questions (does that image exist?). */
    private Result skiffQuiet(String... args) {
        return run(command(List.of(), withHost(args)), Duration.ofMinutes(1), null, false);
    }

    private String[] withHost(String... args) {
        List<String> all = new ArrayList<>(List.of("-H", host));
        all.addAll(List.of(args));
        return all.toArray(String[]::new);
    }

    /** The command line that runs {@code skiff args} with this JVM and class path, as the launcher would. */
    static List<String> command(List<String> jvmOptions, String... args) {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.add("--enable-native-access=ALL-UNNAMED");
        command.add("-XX:+UseSerialGC");
        command.addAll(jvmOptions.isEmpty() ? List.of("-XX:TieredStopAtLevel=1") : jvmOptions);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add("dev.skiff.cli.Main");
        command.addAll(List.of(args));
        return command;
    }

    private Result run(List<String> command, Duration timeout, String stdin, boolean show) {
        Path output = null;
        Path errors = null;
        try {
            output = Files.createTempFile("skiff-quickstart", ".out");
            errors = Files.createTempFile("skiff-quickstart", ".err");
            ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(output.toFile()).redirectError(errors.toFile());
            if (stdin == null) {
                builder.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            }
            Process process;
            try {
                process = builder.start();
            } catch (IOException e) {
                throw new StepFailed("could not run " + command.getFirst() + ": " + e.getMessage());
            }
            if (stdin != null) {
                try (var in = process.getOutputStream()) {
                    in.write(stdin.getBytes(StandardCharsets.UTF_8));
                }
            }
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                throw new StepFailed("`" + String.join(" ", command.subList(Math.max(0, command.indexOf("dev.skiff.cli.Main")), command.size()))
                        + "` did not finish within " + timeout.toMinutes() + " min");
            }
            Result r = new Result(process.exitValue(), Files.readString(output), Files.readString(errors));
            if (show) {
                r.output().lines().forEach(l -> out.println("    | " + l));
            }
            return r;
        } catch (IOException e) {
            throw new StepFailed("could not run " + command.getFirst() + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StepFailed("interrupted");
        } finally {
            try {
                if (output != null) {
                    Files.deleteIfExists(output);
                }
                if (errors != null) {
                    Files.deleteIfExists(errors);
                }
            } catch (IOException ignored) {
                // temp files
            }
        }
    }
}
