package dev.skiff.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skiff.cli.client.EngineClient;
import dev.skiff.cli.client.HijackedStream;
import dev.skiff.formats.FormatException;
import dev.skiff.formats.ImageReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * The commands that start a process and stream its I/O: {@code run}, {@code create}, {@code start},
 * {@code attach} and {@code exec}, in the order of calls docker's CLI makes (docker-traces/engine-run-*.md,
 * engine-exec.md): the attach connection and the wait are open before the start, so no output and no
 * exit is missed.
 */
final class ContainerRun {
    private ContainerRun() {
    }

    /** {@code skiff run [OPTIONS] IMAGE [COMMAND] [ARG...]}. */
    @Command(name = "run", description = "Create and run a new container from an image.")
    static class Run implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        RunOptions options;

        @Option(names = {"-d", "--detach"}, description = "Run container in background and print container ID.")
        boolean detach;

        @Parameters(index = "0", paramLabel = "IMAGE")
        String image;

        @Parameters(index = "1..*", paramLabel = "COMMAND", description = "Command and arguments.")
        List<String> command = new ArrayList<>();

        @Override
        public Integer call() throws Exception {
            RunOptions o = options;
            if (!detach && o.tty && o.interactive && !Terminal.isTerminal(0)) {
                throw new Cli.UserError("the input device is not a TTY");
            }
            int[] consoleSize = o.tty && Terminal.isTerminal(1) ? Terminal.size() : new int[] {0, 0};
            ObjectNode body = o.createBody(image, command, detach, consoleSize, EnvFile.hostEnvironment());
            EngineClient client = ImageCommands.client(spec);
            String id = create(client, o, body, image);
            boolean stdin = body.path("AttachStdin").asBoolean();
            String name = spec.qualifiedName();
            if (detach) {
                try (EngineClient.Response wait = waitFor(client, id, "next-exit")) {
                    start(client, id, name);
                }
                System.out.println(id);
                return 0;
            }
            HijackedStream connection = attach(client, id, stdin, body.path("AttachStdout").asBoolean(), body.path("AttachStderr").asBoolean(), o.detachKeys);
            EngineClient.Response wait = waitFor(client, id, o.autoRemove ? "removed" : "next-exit");
            try (connection; wait) {
                return streamUntilExit(client, id, connection, wait, o.tty, stdin, o.detachKeys, o.sigProxy, name, true);
            }
        }
    }

    /** {@code skiff create}: the container, not started; prints its ID. */
    @Command(name = "create", description = "Create a new container.")
    static class Create implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        RunOptions options;

        @Parameters(index = "0", paramLabel = "IMAGE")
        String image;

        @Parameters(index = "1..*", paramLabel = "COMMAND")
        List<String> command = new ArrayList<>();

        @Override
        public Integer call() throws Exception {
            int[] consoleSize = options.tty && Terminal.isTerminal(1) ? Terminal.size() : new int[] {0, 0};
            ObjectNode body = options.createBody(image, command, false, consoleSize, EnvFile.hostEnvironment());
            System.out.println(create(ImageCommands.client(spec), options, body, image));
            return 0;
        }
    }

    /**
     * Creates the container; when the daemon has no such image, pulls it (progress on stderr, as docker)
     * and tries once more.
     */
    static String create(EngineClient client, RunOptions o, ObjectNode body, String image) throws IOException {
        byte[] json = (ImageCommands.JSON.writeValueAsString(body) + "\n").getBytes(StandardCharsets.UTF_8);
        Map<String, String> headers = Map.of("Content-Type", "application/json");
        if (o.pull.equals("always")) {
            pull(client, image, o.quiet);
        }
        try (EngineClient.Response r = client.send("POST", "/containers/create" + o.createQuery(), headers, json)) {
            JsonNode answer = readJson(r);
            if (r.status() == 404 && answer.path("message").asText().contains("No such image") && !o.pull.equals("never")) {
                System.err.println("Unable to find image '" + familiar(image) + "' locally");
                pull(client, image, o.quiet);
            } else {
                return createdId(r.status(), answer);
            }
        }
        try (EngineClient.Response r = client.send("POST", "/containers/create" + o.createQuery(), headers, json)) {
            return createdId(r.status(), readJson(r));
        }
    }

    private static String createdId(int status, JsonNode answer) {
        if (status / 100 != 2) {
            throw new Cli.UserError("Error response from daemon: " + answer.path("message").asText("status " + status));
        }
        for (JsonNode warning : answer.path("Warnings")) {
            System.err.println("WARNING: " + warning.asText());
        }
        return answer.path("Id").asText();
    }

    static JsonNode readJson(EngineClient.Response r) throws IOException {
        byte[] bytes = r.readAll();
        if (bytes.length == 0) {
            return ImageCommands.JSON.nullNode();
        }
        try {
            return ImageCommands.JSON.readTree(bytes);
        } catch (IOException e) {
            return ImageCommands.JSON.createObjectNode().put("message", new String(bytes, StandardCharsets.UTF_8).strip());
        }
    }

    private static ImageReference reference(String image) {
        try {
            return ImageReference.parse(image).withDefaultTag();
        } catch (FormatException e) {
            throw new Cli.UserError("invalid reference format: " + e.getMessage());
        }
    }

    /** {@code busybox:latest} as docker names it in "Unable to find image". */
    static String familiar(String image) {
        ImageReference ref = reference(image);
        return ref.familiarName() + ref.digest().map(d -> "@" + d).orElseGet(() -> ":" + ref.tag().orElseThrow());
    }

    private static void pull(EngineClient client, String image, boolean quiet) throws IOException {
        ImageReference ref = reference(image);
        String query = "?fromImage=" + ImageCommands.encode(ref.familiarName()) + "&tag="
                + ImageCommands.encode(ref.digest().map(Object::toString).orElseGet(() -> ref.tag().orElseThrow().toString()));
        String auth = RegistryAuth.headerFor(ref.domain());
        try (EngineClient.Response r = client.send("POST", "/images/create" + query, auth.isEmpty() ? Map.of() : Map.of("X-Registry-Auth", auth), null)) {
            if (r.status() / 100 != 2) {
                throw new Cli.UserError("Error response from daemon: " + readJson(r).path("message").asText("status " + r.status()));
            }
            if (quiet) {
                ProgressDisplay.drain(r.body());
            } else {
                boolean terminal = Terminal.isTerminal(2);
                new ProgressDisplay(System.err, terminal, terminal ? Terminal.width() : 0, Instant::now).show(r.body(), aux -> { });
            }
        }
    }

    /** Opens the attach connection (before start, so no output is lost), with the streams asked for. */
    static HijackedStream attach(EngineClient client, String id, boolean stdin, boolean stdout, boolean stderr, String detachKeys) throws IOException {
        StringBuilder q = new StringBuilder();
        if (detachKeys != null) {
            q.append("&detachKeys=").append(ImageCommands.encode(detachKeys));
        }
        if (stderr) {
            q.append("&stderr=1");
        }
        if (stdin) {
            q.append("&stdin=1");
        }
        if (stdout) {
            q.append("&stdout=1");
        }
        q.append("&stream=1");
        try {
            return client.hijack("POST", "/containers/" + id + "/attach?" + q.substring(1), Map.of("Content-Type", "text/plain"), null);
        } catch (EngineClient.UpgradeRefusedException e) {
            throw new Cli.UserError("Error response from daemon: " + message(e.body(), e.status()));
        }
    }

    static String message(String body, int status) {
        try {
            return ImageCommands.JSON.readTree(body).path("message").asText("status " + status);
        } catch (IOException e) {
            return body.isBlank() ? "status " + status : body.strip();
        }
    }

    /** {@code POST /containers/{id}/wait}: the answer's headers come at once, its body when the condition is met. */
    static EngineClient.Response waitFor(EngineClient client, String id, String condition) throws IOException {
        EngineClient.Response r = client.send("POST", "/containers/" + id + "/wait?condition=" + condition, Map.of(), null);
        if (r.status() / 100 != 2) {
            JsonNode answer = readJson(r);
            throw new Cli.UserError("Error response from daemon: " + answer.path("message").asText("status " + r.status()));
        }
        return r;
    }

    /** Starts the container; a refusal ends the command with docker's 125/126/127. */
    static void start(EngineClient client, String id, String command) throws IOException {
        try (EngineClient.Response r = client.send("POST", "/containers/" + id + "/start", Map.of(), null)) {
            if (r.status() / 100 != 2) {
                String message = "Error response from daemon: " + readJson(r).path("message").asText("status " + r.status());
                throw new Cli.StatusError(ExitCodes.forStartError(message), "skiff: " + message
                        + (command.endsWith(" run") ? "\n\nRun '" + command + " --help' for more information" : ""));
            }
        }
    }

    /**
     * Starts the container, streams until its output ends, then returns the exit code the wait answers
     * (or 0 when the user detached). With a TTY the local terminal is raw and its size follows the window.
     */
    static int streamUntilExit(EngineClient client, String id, HijackedStream connection, EngineClient.Response wait, boolean tty,
                               boolean stdin, String detachKeys, boolean sigProxy, String command, boolean startIt) throws IOException {
        if (startIt) {
            try {
                start(client, id, command);
            } catch (Cli.StatusError e) {
                connection.close();
                throw e;
            }
        }
        boolean terminal = tty && Terminal.isTerminal(1);
        if (terminal) {
            resize(client, "/containers/" + id + "/resize");
            onWindowChange(() -> resize(client, "/containers/" + id + "/resize"));
        } else if (sigProxy && !tty) {
            proxySignals(client, id);
        }
        OutputStream out = new FileOutputStream(FileDescriptor.out);
        OutputStream err = new FileOutputStream(FileDescriptor.err);
        AttachSession.End end;
        try (AutoCloseable raw = tty && stdin ? Terminal.raw(0) : () -> { }) {
            end = AttachSession.stream(connection, tty, stdin, detachKeys, System.in, out, err);
        } catch (IOException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException(e);
        }
        if (end == AttachSession.End.DETACHED) {
            return 0;
        }
        JsonNode status = readJson(wait);
        JsonNode error = status.path("Error");
        if (error.isObject() && !error.path("Message").asText("").isEmpty()) {
            throw new Cli.UserError(error.path("Message").asText());
        }
        return status.path("StatusCode").asInt(0);
    }

    private static void resize(EngineClient client, String path) {
        int[] size = Terminal.size();
        if (size[0] == 0 && size[1] == 0) {
            return;
        }
        try (EngineClient.Response r = client.send("POST", path + "?h=" + size[0] + "&w=" + size[1], Map.of(), null)) {
            r.readAll();
        } catch (IOException | RuntimeException e) {
            // a lost resize only leaves the old size
        }
    }

    @SuppressWarnings("restriction")
    private static void onWindowChange(Runnable action) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("WINCH"), s -> Thread.ofVirtual().start(action));
        } catch (IllegalArgumentException e) {
            // no SIGWINCH here: the size stays what it was at start
        }
    }

    /** As docker's --sig-proxy: Ctrl-C and SIGTERM to the CLI go to the container's process. */
    @SuppressWarnings("restriction")
    private static void proxySignals(EngineClient client, String id) {
        for (String name : new String[] {"INT", "TERM"}) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(name), s -> Thread.ofVirtual().start(() -> {
                    try (EngineClient.Response r = client.send("POST", "/containers/" + id + "/kill?signal=SIG" + name, Map.of(), null)) {
                        r.readAll();
                    } catch (IOException | RuntimeException e) {
                        // the container may be gone already
                    }
                }));
            } catch (IllegalArgumentException e) {
                // signal not available
            }
        }
    }

    /** {@code skiff start [-a] [-i] CONTAINER...}. */
    @Command(name = "start", mixinStandardHelpOptions = true, description = "Start one or more stopped containers.")
    static final class Start implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = {"-a", "--attach"}, description = "Attach STDOUT/STDERR and forward signals.")
        boolean attach;

        @Option(names = {"-i", "--interactive"}, description = "Attach container's STDIN.")
        boolean interactive;

        @Option(names = "--detach-keys", description = "Override the key sequence for detaching a container.")
        String detachKeys;

        @Parameters(arity = "1..*", paramLabel = "CONTAINER")
        List<String> containers;

        @Override
        public Integer call() throws Exception {
            EngineClient client = ImageCommands.client(spec);
            if (attach || interactive) {
                if (containers.size() > 1) {
                    throw new Cli.UserError("you cannot start and attach multiple containers at once");
                }
                JsonNode c = ImageCommands.request(client, "GET", "/containers/" + containers.get(0) + "/json");
                String id = c.path("Id").asText();
                boolean tty = c.path("Config").path("Tty").asBoolean();
                boolean stdin = interactive && c.path("Config").path("OpenStdin").asBoolean();
                HijackedStream connection = ContainerRun.attach(client, id, stdin, true, true, detachKeys);
                EngineClient.Response wait = waitFor(client, id, c.path("HostConfig").path("AutoRemove").asBoolean() ? "removed" : "next-exit");
                try (connection; wait) {
                    int code = streamUntilExit(client, id, connection, wait, tty, stdin, detachKeys, !tty, "skiff start", true);
                    return code;
                } catch (Cli.StatusError e) {
                    throw new Cli.UserError(e.getMessage().replaceFirst("^skiff: ", ""));
                }
            }
            List<String> failed = new ArrayList<>();
            ContainerCommands.eachTarget(containers, c -> {
                try {
                    ContainerCommands.post(client, "/containers/" + c + "/start");
                } catch (Cli.UserError e) {
                    failed.add(c);
                    throw e;
                }
                System.out.println(c);
            });
            if (!failed.isEmpty()) {
                throw new Cli.StatusError(1, "Error: failed to start containers: " + String.join(", ", failed));
            }
            return 0;
        }
    }

    /** {@code skiff attach CONTAINER}. */
    @Command(name = "attach", mixinStandardHelpOptions = true, description = "Attach local standard input, output, and error streams to a running container.")
    static final class Attach implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--no-stdin", description = "Do not attach STDIN.")
        boolean noStdin;

        @Option(names = "--sig-proxy", arity = "0..1", defaultValue = "true", fallbackValue = "true", description = "Proxy all received signals to the process.")
        boolean sigProxy;

        @Option(names = "--detach-keys", description = "Override the key sequence for detaching a container.")
        String detachKeys;

        @Parameters(index = "0", paramLabel = "CONTAINER")
        String container;

        @Override
        public Integer call() throws Exception {
            EngineClient client = ImageCommands.client(spec);
            JsonNode c = ImageCommands.request(client, "GET", "/containers/" + container + "/json");
            String id = c.path("Id").asText();
            if (!c.path("State").path("Running").asBoolean()) {
                throw new Cli.UserError("You cannot attach to a stopped container, start it first");
            }
            if (c.path("State").path("Paused").asBoolean()) {
                throw new Cli.UserError("You cannot attach to a paused container, unpause it first");
            }
            boolean tty = c.path("Config").path("Tty").asBoolean();
            boolean stdin = !noStdin && c.path("Config").path("OpenStdin").asBoolean();
            HijackedStream connection = ContainerRun.attach(client, id, stdin, true, true, detachKeys);
            EngineClient.Response wait = waitFor(client, id, "next-exit");
            try (connection; wait) {
                return streamUntilExit(client, id, connection, wait, tty, stdin, detachKeys, sigProxy, "skiff attach", false);
            }
        }
    }

    /** {@code skiff exec [OPTIONS] CONTAINER COMMAND [ARG...]}. */
    @Command(name = "exec", description = "Execute a command in a running container.")
    static final class Exec implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--help", usageHelp = true, description = "Print usage.")
        boolean help;

        @Option(names = {"-d", "--detach"}, description = "Detached mode: run command in the background.")
        boolean detach;

        @Option(names = {"-i", "--interactive"}, description = "Keep STDIN open even if not attached.")
        boolean interactive;

        @Option(names = {"-t", "--tty"}, description = "Allocate a pseudo-TTY.")
        boolean tty;

        @Option(names = {"-e", "--env"}, description = "Set environment variables.")
        List<String> env = new ArrayList<>();

        @Option(names = "--env-file", description = "Read in a file of environment variables.")
        List<java.nio.file.Path> envFiles = new ArrayList<>();

        @Option(names = {"-u", "--user"}, description = "Username or UID (format: <name|uid>[:<group|gid>]).")
        String user = "";

        @Option(names = {"-w", "--workdir"}, description = "Working directory inside the container.")
        String workdir = "";

        @Option(names = "--privileged", description = "Give extended privileges to the command.")
        boolean privileged;

        @Option(names = "--detach-keys", description = "Override the key sequence for detaching a container.")
        String detachKeys;

        @Parameters(index = "0", paramLabel = "CONTAINER")
        String container;

        @Parameters(index = "1..*", arity = "1..*", paramLabel = "COMMAND")
        List<String> command = new ArrayList<>();

        @Override
        public Integer call() throws Exception {
            if (tty && interactive && !detach && !Terminal.isTerminal(0)) {
                throw new Cli.UserError("the input device is not a TTY");
            }
            EngineClient client = ImageCommands.client(spec);
            ImageCommands.request(client, "GET", "/containers/" + container + "/json");
            RunOptions envOnly = new RunOptions();
            envOnly.env = env;
            envOnly.envFiles = envFiles;
            List<String> environment = envOnly.environment(EnvFile.hostEnvironment());
            int[] consoleSize = tty && Terminal.isTerminal(1) ? Terminal.size() : null;
            ObjectNode config = execConfig(user, privileged, tty, consoleSize, interactive, detach, detachKeys, environment, workdir, command);
            String execId;
            try (EngineClient.Response r = client.send("POST", "/containers/" + container + "/exec", Map.of("Content-Type", "application/json"),
                    (ImageCommands.JSON.writeValueAsString(config) + "\n").getBytes(StandardCharsets.UTF_8))) {
                JsonNode answer = readJson(r);
                if (r.status() / 100 != 2) {
                    throw new Cli.UserError("Error response from daemon: " + answer.path("message").asText("status " + r.status()));
                }
                execId = answer.path("Id").asText();
            }
            ObjectNode startBody = ImageCommands.JSON.createObjectNode();
            startBody.put("Detach", detach);
            startBody.put("Tty", tty);
            if (consoleSize != null) {
                startBody.putArray("ConsoleSize").add(consoleSize[0]).add(consoleSize[1]);
            }
            byte[] startJson = (ImageCommands.JSON.writeValueAsString(startBody) + "\n").getBytes(StandardCharsets.UTF_8);
            if (detach) {
                try (EngineClient.Response r = client.send("POST", "/exec/" + execId + "/start", Map.of("Content-Type", "application/json"), startJson)) {
                    if (r.status() / 100 != 2) {
                        throw new Cli.UserError("Error response from daemon: " + readJson(r).path("message").asText("status " + r.status()));
                    }
                    r.readAll();
                }
                return 0;
            }
            HijackedStream connection;
            try {
                connection = client.hijack("POST", "/exec/" + execId + "/start", Map.of("Content-Type", "application/json"), startJson);
            } catch (EngineClient.UpgradeRefusedException e) {
                throw new Cli.UserError("Error response from daemon: " + message(e.body(), e.status()));
            }
            if (tty && Terminal.isTerminal(1)) {
                resize(client, "/exec/" + execId + "/resize");
                onWindowChange(() -> resize(client, "/exec/" + execId + "/resize"));
            }
            OutputStream out = new FileOutputStream(FileDescriptor.out);
            OutputStream err = new FileOutputStream(FileDescriptor.err);
            try (connection; AutoCloseable raw = tty && interactive ? Terminal.raw(0) : () -> { }) {
                if (AttachSession.stream(connection, tty, interactive, detachKeys, System.in, out, err) == AttachSession.End.DETACHED) {
                    return 0;
                }
            }
            JsonNode inspect = ImageCommands.request(client, "GET", "/exec/" + execId + "/json");
            return inspect.path("ExitCode").asInt(0);
        }
    }

    /** The body of {@code POST /containers/{id}/exec}, field for field as docker CLI 28 sends it (engine-exec.md). */
    static ObjectNode execConfig(String user, boolean privileged, boolean tty, int[] consoleSize, boolean interactive, boolean detach,
                                 String detachKeys, List<String> environment, String workdir, List<String> command) {
        ObjectNode config = ImageCommands.JSON.createObjectNode();
        config.put("User", user);
        config.put("Privileged", privileged);
        config.put("Tty", tty);
        if (consoleSize != null) {
            config.putArray("ConsoleSize").add(consoleSize[0]).add(consoleSize[1]);
        }
        config.put("AttachStdin", interactive && !detach);
        config.put("AttachStderr", !detach);
        config.put("AttachStdout", !detach);
        config.put("Detach", detach);
        config.put("DetachKeys", detachKeys == null ? "" : detachKeys);
        if (environment.isEmpty()) {
            config.putNull("Env");
        } else {
            environment.forEach(config.putArray("Env")::add);
        }
        config.put("WorkingDir", workdir);
        command.forEach(config.putArray("Cmd")::add);
        return config;
    }
}
