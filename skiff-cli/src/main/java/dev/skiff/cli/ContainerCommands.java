package dev.skiff.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.skiff.cli.client.EngineClient;
import dev.skiff.cli.client.StdCopy;
import dev.skiff.cli.template.GoTemplate;
import dev.skiff.cli.template.TemplateException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** The container commands other than those that stream a process's I/O (see {@link ContainerRun}). */
final class ContainerCommands {
    private ContainerCommands() {
    }

    /**
     * Parser settings docker's run, create and exec have: everything after the image (or container) is the
     * command and its arguments, even when it looks like a flag ({@code run busybox sh -c 'exit 3'}).
     */
    static void configure(CommandLine root) {
        for (CommandLine sub : root.getSubcommands().values()) {
            Object command = sub.getCommandSpec().userObject();
            if (command instanceof ContainerRun.Run || command instanceof ContainerRun.Create || command instanceof ContainerRun.Exec) {
                sub.setStopAtPositional(true);
            }
            if (sub != root && !sub.getSubcommands().isEmpty()) {
                configure(sub);
            }
        }
    }

    /** run and create end with 125 when they or the daemon refuse, as docker's do. */
    static boolean exitsWith125(CommandLine cli) {
        Object command = cli.getCommandSpec().userObject();
        return command instanceof ContainerRun.Run || command instanceof ContainerRun.Create;
    }

    interface TargetAction {
        void apply(String target) throws IOException;
    }

    /** Runs {@code action} for each target; errors are printed per target and make the exit code 1, as docker. */
    static int eachTarget(List<String> targets, TargetAction action) throws IOException {
        List<String> errors = new ArrayList<>();
        for (String t : targets) {
            try {
                action.apply(t);
            } catch (Cli.UserError e) {
                errors.add(e.getMessage());
            }
        }
        errors.forEach(System.err::println);
        return errors.isEmpty() ? 0 : 1;
    }

    /** A POST whose answer has no body to show; an error becomes "Error response from daemon: ...". */
    static void post(EngineClient client, String path) throws IOException {
        try (EngineClient.Response r = client.send("POST", path, Map.of(), null)) {
            JsonNode answer = ContainerRun.readJson(r);
            if (r.status() / 100 != 2 && r.status() != 304) {
                throw new Cli.UserError("Error response from daemon: " + answer.path("message").asText("status " + r.status()));
            }
        }
    }

    /** JSON as docker's inspect prints it (Go's json.Indent with four spaces). */
    static String pretty(JsonNode node) throws IOException {
        return GoJsonIndent.format(node);
    }

    /** {@code skiff ps}. */
    @Command(name = "ps", mixinStandardHelpOptions = true, description = "List containers.")
    static class Ps implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = {"-a", "--all"}, description = "Show all containers (default shows just running).")
        boolean all;

        @Option(names = {"-q", "--quiet"}, description = "Only display container IDs.")
        boolean quiet;

        @Option(names = {"-n", "--last"}, defaultValue = "-1", description = "Show n last created containers (includes all states).")
        int last;

        @Option(names = {"-l", "--latest"}, description = "Show the latest created container (includes all states).")
        boolean latest;

        @Option(names = {"-s", "--size"}, description = "Display total file sizes.")
        boolean size;

        @Option(names = "--no-trunc", description = "Don't truncate output.")
        boolean noTrunc;

        @Option(names = {"-f", "--filter"}, description = "Filter output based on conditions provided.")
        List<String> filters = new ArrayList<>();

        @Option(names = "--format", description = "Format output using a Go template, 'table', or 'json'.")
        String format;

        @Override
        public Integer call() throws Exception {
            int limit = latest ? 1 : last;
            boolean wantSize = size || (format != null && format.contains(".Size"));
            StringBuilder q = new StringBuilder();
            if (all || limit > 0) {
                q.append("&all=1");
            }
            if (!filters.isEmpty()) {
                q.append("&filters=").append(ImageCommands.encode(Filter.toJson(filters).toString()));
            }
            if (limit > 0) {
                q.append("&limit=").append(limit);
            }
            if (wantSize) {
                q.append("&size=1");
            }
            JsonNode list = ImageCommands.request(ImageCommands.client(spec), "GET", "/containers/json" + (q.isEmpty() ? "" : "?" + q.substring(1)));
            try {
                System.out.print(ContainerList.render(list, format, quiet, noTrunc, size, Instant.now()));
            } catch (TemplateException e) {
                throw new Cli.UserError(e.getMessage());
            }
            return 0;
        }
    }

    @Command(name = "ls", aliases = {"list"}, mixinStandardHelpOptions = true, description = "List containers.")
    static final class Ls extends Ps {
    }

    /** {@code skiff stop [-t N] [-s SIGNAL] CONTAINER...}. */
    @Command(name = "stop", mixinStandardHelpOptions = true, description = "Stop one or more running containers.")
    static final class Stop implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = {"-t", "--timeout", "--time"}, description = "Seconds to wait before killing the container.")
        Integer timeout;

        @Option(names = {"-s", "--signal"}, description = "Signal to send to the container.")
        String signal;

        @Parameters(arity = "1..*", paramLabel = "CONTAINER")
        List<String> containers;

        @Override
        public Integer call() throws Exception {
            EngineClient client = ImageCommands.client(spec);
            String q = (signal != null ? "&signal=" + ImageCommands.encode(signal) : "") + (timeout != null ? "&t=" + timeout : "");
            return eachTarget(containers, c -> {
                post(client, "/containers/" + c + "/stop" + (q.isEmpty() ? "" : "?" + q.substring(1)));
                System.out.println(c);
            });
        }
    }

    /** {@code skiff restart}. */
    @Command(name = "restart", mixinStandardHelpOptions = true, description = "Restart one or more containers.")
    static final class Restart implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = {"-t", "--timeout", "--time"}, description = "Seconds to wait before killing the container.")
        Integer timeout;

        @Option(names = {"-s", "--signal"}, description = "Signal to send to the container.")
        String signal;

        @Parameters(arity = "1..*", paramLabel = "CONTAINER")
        List<String> containers;

        @Override
        public Integer call() throws Exception {
            EngineClient client = ImageCommands.client(spec);
            String q = (signal != null ? "&signal=" + ImageCommands.encode(signal) : "") + (timeout != null ? "&t=" + timeout : "");
            return eachTarget(containers, c -> {
                post(client, "/containers/" + c + "/restart" + (q.isEmpty() ? "" : "?" + q.substring(1)));
                System.out.println(c);
            });
        }
    }

    /** {@code skiff kill [-s SIGNAL]}. */
    @Command(name = "kill", mixinStandardHelpOptions = true, description = "Kill one or more running containers.")
    static final class Kill implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = {"-s", "--signal"}, description = "Signal to send to the container.")
        String signal;

        @Parameters(arity = "1..*", paramLabel = "CONTAINER")
        List<String> containers;

        @Override
        public Integer call() throws Exception {
            EngineClient client = ImageCommands.client(spec);
            return eachTarget(containers, c -> {
                post(client, "/containers/" + c + "/kill" + (signal != null ? "?signal=" + ImageCommands.encode(signal) : ""));
                System.out.println(c);
            });
        }
    }

    /** {@code skiff pause} / {@code unpause}. */
    @Command(name = "pause", mixinStandardHelpOptions = true, description = "Pause all processes within one or more containers.")
    static class Pause implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(arity = "1..*", paramLabel = "CONTAINER")
        List<String> containers;

        String action() {
            return "pause";
        }

        @Override
        public Integer call() throws Exception {
            EngineClient client = ImageCommands.client(spec);
            return eachTarget(containers, c -> {
                post(client, "/containers/" + c + "/" + action());
                System.out.println(c);
            });
        }
    }

    @Command(name = "unpause", mixinStandardHelpOptions = true, description = "Unpause all processes within one or more containers.")
    static final class Unpause extends Pause {
        @Override
        String action() {
            return "unpause";
        }
    }

    /** {@code skiff rm [-f] [-v] CONTAINER...}. */
    @Command(name = "rm", aliases = "remove", mixinStandardHelpOptions = true, description = "Remove one or more containers.")
    static final class Rm implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = {"-f", "--force"}, description = "Force the removal of a running container (uses SIGKILL).")
        boolean force;

        @Option(names = {"-v", "--volumes"}, description = "Remove anonymous volumes associated with the container.")
        boolean volumes;

        @Option(names = {"-l", "--link"}, description = "Remove the specified link.")
        boolean link;

        @Parameters(arity = "1..*", paramLabel = "CONTAINER")
        List<String> containers;

        @Override
        public Integer call() throws Exception {
            EngineClient client = ImageCommands.client(spec);
            String q = (force ? "&force=1" : "") + (link ? "&link=1" : "") + (volumes ? "&v=1" : "");
            return eachTarget(containers, c -> {
                String name = c.strip();
                if (name.isEmpty()) {
                    throw new Cli.UserError("Error response from daemon: page not found");
                }
                try (EngineClient.Response r = client.send("DELETE", "/containers/" + name + (q.isEmpty() ? "" : "?" + q.substring(1)), Map.of(), null)) {
                    JsonNode answer = ContainerRun.readJson(r);
                    if (r.status() / 100 != 2) {
                        throw new Cli.UserError("Error response from daemon: " + answer.path("message").asText("status " + r.status()));
                    }
                }
                System.out.println(c);
            });
        }
    }

    /** {@code skiff wait CONTAINER...}: prints each exit code. */
    @Command(name = "wait", mixinStandardHelpOptions = true, description = "Block until one or more containers stop, then print their exit codes.")
    static final class Wait implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(arity = "1..*", paramLabel = "CONTAINER")
        List<String> containers;

        @Override
        public Integer call() throws Exception {
            EngineClient client = ImageCommands.client(spec);
            return eachTarget(containers, c -> {
                try (EngineClient.Response r = ContainerRun.waitFor(client, c, "not-running")) {
                    JsonNode status = ContainerRun.readJson(r);
                    if (status.path("Error").isObject() && !status.path("Error").path("Message").asText("").isEmpty()) {
                        throw new Cli.UserError(status.path("Error").path("Message").asText());
                    }
                    System.out.println(status.path("StatusCode").asInt());
                }
            });
        }
    }

    /** {@code skiff logs}. */
    @Command(name = "logs", mixinStandardHelpOptions = true, description = "Fetch the logs of a container.")
    static final class Logs implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = {"-f", "--follow"}, description = "Follow log output.")
        boolean follow;

        @Option(names = {"-n", "--tail"}, defaultValue = "all", description = "Number of lines to show from the end of the logs.")
        String tail;

        @Option(names = "--since", description = "Show logs since timestamp (e.g. 2013-01-02T13:23:37Z) or relative (e.g. 42m).")
        String since;

        @Option(names = "--until", description = "Show logs before a timestamp or relative.")
        String until;

        @Option(names = {"-t", "--timestamps"}, description = "Show timestamps.")
        boolean timestamps;

        @Option(names = "--details", description = "Show extra details provided to logs.")
        boolean details;

        @Parameters(index = "0", paramLabel = "CONTAINER")
        String container;

        @Override
        public Integer call() throws Exception {
            EngineClient client = ImageCommands.client(spec);
            JsonNode c = ImageCommands.request(client, "GET", "/containers/" + container + "/json");
            Instant now = Instant.now();
            StringBuilder q = new StringBuilder();
            if (details) {
                q.append("&details=1");
            }
            if (follow) {
                q.append("&follow=1");
            }
            if (since != null) {
                q.append("&since=").append(ImageCommands.encode(timestamp(since, now)));
            }
            q.append("&stderr=1&stdout=1&tail=").append(ImageCommands.encode(tail));
            if (timestamps) {
                q.append("&timestamps=1");
            }
            if (until != null) {
                q.append("&until=").append(ImageCommands.encode(timestamp(until, now)));
            }
            try (EngineClient.Response r = client.send("GET", "/containers/" + c.path("Id").asText() + "/logs?" + q.substring(1), Map.of(), null)) {
                if (r.status() / 100 != 2) {
                    throw new Cli.UserError("Error response from daemon: " + ContainerRun.readJson(r).path("message").asText("status " + r.status()));
                }
                OutputStream out = new FileOutputStream(FileDescriptor.out);
                if (c.path("Config").path("Tty").asBoolean()) {
                    r.body().transferTo(out);
                    out.flush();
                } else {
                    StdCopy.demultiplex(r.body(), out, new FileOutputStream(FileDescriptor.err));
                }
            }
            return 0;
        }
    }

    /**
     * docker's GetTimestamp: a relative duration ({@code 10m}) becomes the Unix time that long ago with
     * nanoseconds; an RFC 3339 time becomes its Unix time; anything else goes to the daemon as is.
     */
    static String timestamp(String value, Instant now) {
        try {
            if (!value.equals("0")) {
                // whole seconds, as docker's GetTimestamp gives for a relative time
                return Long.toString(now.minusNanos(Units.goDurationNanos(value)).getEpochSecond());
            }
        } catch (Units.InvalidValue e) {
            // not a duration
        }
        try {
            Instant at = OffsetDateTime.parse(value).toInstant();
            return at.getEpochSecond() + "." + String.format("%09d", at.getNano());
        } catch (DateTimeParseException e) {
            return value;
        }
    }

    /** {@code skiff inspect}: containers, images, volumes or networks, containers first as docker. */
    @Command(name = "inspect", mixinStandardHelpOptions = true, description = "Return low-level information on Docker objects.")
    static class Inspect implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = {"-f", "--format"}, description = "Format output using a Go template.")
        String format;

        @Option(names = "--type", description = "Only inspect objects of the given type (container, image, volume, network).")
        String type;

        @Option(names = {"-s", "--size"}, description = "Display total file sizes if the type is container.")
        boolean size;

        @Parameters(arity = "1..*", paramLabel = "NAME|ID")
        List<String> names;

        String defaultType() {
            return type;
        }

        @Override
        public Integer call() throws Exception {
            EngineClient client = ImageCommands.client(spec);
            String kind = defaultType();
            List<String> types = kind == null ? List.of("container", "image", "network", "volume") : List.of(kind);
            for (String t : types) {
                if (!List.of("container", "image", "network", "volume").contains(t)) {
                    throw new Cli.UserError("\"" + t + "\" is not a valid value for --type");
                }
            }
            ArrayNode all = ImageCommands.JSON.createArrayNode();
            List<String> errors = new ArrayList<>();
            for (String name : names) {
                JsonNode found = null;
                String lastError = null;
                for (String t : types) {
                    String path = switch (t) {
                        case "container" -> "/containers/" + name + "/json" + (size ? "?size=1" : "");
                        case "image" -> "/images/" + name + "/json";
                        case "network" -> "/networks/" + name;
                        default -> "/volumes/" + name;
                    };
                    try (EngineClient.Response r = client.send("GET", path, Map.of(), null)) {
                        JsonNode answer = ContainerRun.readJson(r);
                        if (r.status() / 100 == 2) {
                            found = answer;
                            break;
                        }
                        lastError = answer.path("message").asText("status " + r.status());
                    }
                }
                if (found != null) {
                    all.add(found);
                } else {
                    errors.add(kind == null ? "Error: No such object: " + name : "Error response from daemon: " + lastError);
                }
            }
            if (format != null) {
                GoTemplate template;
                try {
                    template = GoTemplate.parse(format);
                } catch (TemplateException e) {
                    throw new Cli.UserError("template parsing error: " + e.getMessage());
                }
                for (JsonNode node : all) {
                    try {
                        System.out.println(template.execute(node));
                    } catch (TemplateException e) {
                        throw new Cli.UserError("template parsing error: " + e.getMessage());
                    }
                }
            } else {
                System.out.println(pretty(all));
            }
            errors.forEach(System.err::println);
            return errors.isEmpty() ? 0 : 1;
        }
    }

    @Command(name = "inspect", mixinStandardHelpOptions = true, description = "Display detailed information on one or more containers.")
    static final class ContainerInspect extends Inspect {
        @Override
        String defaultType() {
            return "container";
        }
    }

    /** {@code skiff top CONTAINER [ps OPTIONS]}. */
    @Command(name = "top", mixinStandardHelpOptions = true, description = "Display the running processes of a container.")
    static final class Top implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "CONTAINER")
        String container;

        @Parameters(index = "1..*", paramLabel = "ps OPTIONS")
        List<String> psArgs = new ArrayList<>();

        @Override
        public Integer call() throws Exception {
            String q = psArgs.isEmpty() ? "" : "?ps_args=" + ImageCommands.encode(String.join(" ", psArgs));
            JsonNode top = ImageCommands.request(ImageCommands.client(spec), "GET", "/containers/" + container + "/top" + q);
            StringBuilder text = new StringBuilder();
            List<String> titles = new ArrayList<>();
            top.path("Titles").forEach(t -> titles.add(t.asText()));
            text.append(String.join("\t", titles)).append('\n');
            for (JsonNode process : top.path("Processes")) {
                List<String> cells = new ArrayList<>();
                process.forEach(p -> cells.add(p.asText()));
                text.append(String.join("\t", cells)).append('\n');
            }
            System.out.print(new dev.skiff.cli.template.TabWriter(20, 1, 3, ' ').align(text.toString()));
            return 0;
        }
    }

    /** {@code skiff port CONTAINER [PRIVATE_PORT[/PROTO]]}. */
    @Command(name = "port", mixinStandardHelpOptions = true, description = "List port mappings or a specific mapping for the container.")
    static final class Port implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "CONTAINER")
        String container;

        @Parameters(index = "1", arity = "0..1", paramLabel = "PRIVATE_PORT[/PROTO]")
        String privatePort;

        @Override
        public Integer call() throws Exception {
            JsonNode c = ImageCommands.request(ImageCommands.client(spec), "GET", "/containers/" + container + "/json");
            System.out.print(ports(c.path("NetworkSettings").path("Ports"), privatePort, container));
            return 0;
        }

        /** docker port's lines: {@code 80/tcp -> 0.0.0.0:3000} per binding, or the addresses of one port. */
        static String ports(JsonNode ports, String privatePort, String container) {
            StringBuilder out = new StringBuilder();
            if (privatePort != null) {
                String key = privatePort.contains("/") ? privatePort : privatePort + "/tcp";
                JsonNode bindings = ports.path(key);
                if (!bindings.isArray() || bindings.isEmpty()) {
                    throw new Cli.StatusError(1, "Error: No public port '" + privatePort + "' published for " + container);
                }
                bindings.forEach(b -> out.append(hostPort(b)).append('\n'));
                return out.toString();
            }
            List<String> keys = new ArrayList<>();
            ports.fieldNames().forEachRemaining(keys::add);
            keys.sort(null);
            for (String key : keys) {
                for (JsonNode b : ports.path(key)) {
                    out.append(key).append(" -> ").append(hostPort(b)).append('\n');
                }
            }
            return out.toString();
        }

        private static String hostPort(JsonNode b) {
            String ip = b.path("HostIp").asText("");
            return (ip.contains(":") ? "[" + ip + "]" : ip) + ":" + b.path("HostPort").asText();
        }
    }

    /** {@code skiff rename OLD NEW}. */
    @Command(name = "rename", mixinStandardHelpOptions = true, description = "Rename a container.")
    static final class Rename implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "CONTAINER")
        String container;

        @Parameters(index = "1", paramLabel = "NEW_NAME")
        String newName;

        @Override
        public Integer call() throws Exception {
            if (newName.strip().isEmpty()) {
                throw new Cli.UserError("Error: Neither old nor new names may be empty");
            }
            try {
                post(ImageCommands.client(spec), "/containers/" + container + "/rename?name=" + ImageCommands.encode(newName.strip()));
            } catch (Cli.UserError e) {
                throw new Cli.StatusError(1, e.getMessage() + "\nError: failed to rename container named " + container);
            }
            return 0;
        }
    }

    /** {@code skiff export [-o FILE] CONTAINER}. */
    @Command(name = "export", mixinStandardHelpOptions = true, description = "Export a container's filesystem as a tar archive.")
    static final class Export implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = {"-o", "--output"}, description = "Write to a file, instead of STDOUT.")
        Path output;

        @Parameters(index = "0", paramLabel = "CONTAINER")
        String container;

        @Override
        public Integer call() throws Exception {
            if (output == null && Terminal.isTerminal(1)) {
                throw new Cli.UserError("cowardly refusing to save to a terminal. Use the -o flag or redirect");
            }
            try (EngineClient.Response r = ImageCommands.client(spec).send("GET", "/containers/" + container + "/export", Map.of(), null)) {
                if (r.status() / 100 != 2) {
                    throw new Cli.UserError("Error response from daemon: " + ContainerRun.readJson(r).path("message").asText("status " + r.status()));
                }
                if (output == null) {
                    OutputStream out = new FileOutputStream(FileDescriptor.out);
                    r.body().transferTo(out);
                    out.flush();
                } else {
                    Path tmp = output.resolveSibling(output.getFileName() + ".skiff-tmp");
                    try (InputStream in = r.body()) {
                        Files.copy(in, tmp, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                    }
                    Files.move(tmp, output, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                }
            }
            return 0;
        }
    }

    /** {@code skiff commit [-m] [-a] [-c] CONTAINER [REPOSITORY[:TAG]]}. */
    @Command(name = "commit", mixinStandardHelpOptions = true, description = "Create a new image from a container's changes.")
    static final class Commit implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = {"-m", "--message"}, description = "Commit message.")
        String message;

        @Option(names = {"-a", "--author"}, description = "Author (e.g., \"John Hannibal Smith <hannibal@a-team.com>\").")
        String author;

        @Option(names = {"-c", "--change"}, description = "Apply Dockerfile instruction to the created image.")
        List<String> changes = new ArrayList<>();

        @Option(names = {"-p", "--pause"}, arity = "0..1", defaultValue = "true", fallbackValue = "true", description = "Pause container during commit.")
        boolean pause;

        @Parameters(index = "0", paramLabel = "CONTAINER")
        String container;

        @Parameters(index = "1", arity = "0..1", paramLabel = "REPOSITORY[:TAG]")
        String reference;

        @Override
        public Integer call() throws Exception {
            StringBuilder q = new StringBuilder();
            if (author != null) {
                q.append("&author=").append(ImageCommands.encode(author));
            }
            changes.forEach(c -> q.append("&changes=").append(ImageCommands.encode(c)));
            if (message != null) {
                q.append("&comment=").append(ImageCommands.encode(message));
            }
            q.append("&container=").append(ImageCommands.encode(container));
            if (!pause) {
                q.append("&pause=0");
            }
            if (reference != null) {
                dev.skiff.formats.ImageReference ref;
                try {
                    ref = dev.skiff.formats.ImageReference.parse(reference);
                } catch (dev.skiff.formats.FormatException e) {
                    throw new Cli.UserError("invalid reference format: " + e.getMessage());
                }
                q.append("&repo=").append(ImageCommands.encode(ref.familiarName()));
                ref.tag().ifPresent(t -> q.append("&tag=").append(ImageCommands.encode(t.toString())));
            }
            EngineClient client = ImageCommands.client(spec);
            try (EngineClient.Response r = client.send("POST", "/commit?" + q.substring(1), Map.of("Content-Type", "application/json"),
                    "{}\n".getBytes(java.nio.charset.StandardCharsets.UTF_8))) {
                JsonNode answer = ContainerRun.readJson(r);
                if (r.status() / 100 != 2) {
                    throw new Cli.UserError("Error response from daemon: " + answer.path("message").asText("status " + r.status()));
                }
                System.out.println(answer.path("Id").asText());
            }
            return 0;
        }
    }

    /** {@code skiff container prune [-f]}. */
    @Command(name = "prune", mixinStandardHelpOptions = true, description = "Remove all stopped containers.")
    static final class Prune implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = {"-f", "--force"}, description = "Do not prompt for confirmation.")
        boolean force;

        @Option(names = "--filter", description = "Provide filter values (e.g. \"until=<timestamp>\").")
        List<String> filters = new ArrayList<>();

        @Override
        public Integer call() throws Exception {
            if (!force && !confirm("WARNING! This will remove all stopped containers.")) {
                return 0;
            }
            String q = filters.isEmpty() ? "" : "?filters=" + ImageCommands.encode(Filter.toJson(filters).toString());
            JsonNode answer = ImageCommands.request(ImageCommands.client(spec), "POST", "/containers/prune" + q);
            System.out.print(pruneReport("Deleted Containers:", answer.path("ContainersDeleted"), answer.path("SpaceReclaimed").asLong()));
            return 0;
        }
    }

    /** docker's prune prompt; anything but y/yes is no. */
    static boolean confirm(String warning) throws IOException {
        System.out.print(warning + "\nAre you sure you want to continue? [y/N] ");
        System.out.flush();
        StringBuilder line = new StringBuilder();
        for (int c; (c = System.in.read()) >= 0 && c != '\n'; ) {
            line.append((char) c);
        }
        String answer = line.toString().strip().toLowerCase(java.util.Locale.ROOT);
        if (answer.equals("y") || answer.equals("yes")) {
            return true;
        }
        System.err.println("Total reclaimed space: 0B");
        return false;
    }

    static String pruneReport(String title, JsonNode deleted, long reclaimed) {
        StringBuilder out = new StringBuilder();
        if (deleted.isArray() && !deleted.isEmpty()) {
            out.append(title).append('\n');
            deleted.forEach(d -> out.append(d.asText()).append('\n'));
            out.append('\n');
        }
        if (reclaimed >= 0) {
            out.append("Total reclaimed space: ").append(Humanize.size(reclaimed, 3)).append('\n');
        }
        return out.toString();
    }

    /** {@code skiff container ...}: the container management group. */
    @Command(name = "container", mixinStandardHelpOptions = true, description = "Manage containers.",
            subcommands = {Ls.class, ContainerRun.Run.class, ContainerRun.Create.class, ContainerRun.Start.class, Stop.class, Restart.class,
                    Kill.class, Rm.class, Logs.class, ContainerRun.Exec.class, ContainerRun.Attach.class, Wait.class, ContainerInspect.class,
                    Top.class, ContainerStats.Stats.class, Port.class, Rename.class, Pause.class, Unpause.class, ContainerCopy.Copy.class, Export.class, Commit.class,
                    Prune.class})
    static final class Group extends CommandGroup {
    }
}
