package dev.skiff.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skiff.cli.client.EngineClient;
import dev.skiff.cli.template.Fields;
import dev.skiff.cli.template.GoTemplate;
import dev.skiff.cli.template.OutputFormat;
import dev.skiff.cli.template.TemplateException;
import dev.skiff.formats.FormatException;
import dev.skiff.formats.Timestamps;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

/** {@code skiff system df}, {@code skiff events} and {@code skiff info}, laid out as docker's. */
final class SystemCommands {
    private static final DateTimeFormatter RFC3339_NANO_FIXED = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSSSS'Z'")
            .withZone(ZoneOffset.UTC);

    private SystemCommands() {
    }

    static GoTemplate template(String format) {
        try {
            return GoTemplate.parse(format.equals("json") ? "{{json .}}" : format);
        } catch (TemplateException e) {
            throw new Cli.UserError("template parsing error: " + e.getMessage());
        }
    }

    static String execute(GoTemplate template, Object data) {
        try {
            return template.execute(data);
        } catch (TemplateException e) {
            throw new Cli.UserError("template: " + e.getMessage());
        }
    }

    /** {@code skiff system df [-v] [--format]}. */
    @Command(name = "df", mixinStandardHelpOptions = true, description = "Show docker disk usage.")
    static final class Df implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = {"-v", "--verbose"}, description = "Show detailed information on space usage.")
        boolean verbose;

        @Option(names = "--format", description = "Format output with a Go template, or 'table', or 'json'.")
        String format;

        @Override
        public Integer call() throws Exception {
            JsonNode df = ImageCommands.request(ImageCommands.client(spec), "GET", "/system/df");
            long layers = df.path("LayersSize").asLong();
            long used = 0;
            int active = 0;
            for (JsonNode i : df.path("Images")) {
                if (i.path("Containers").asLong() > 0) {
                    active++;
                    used += i.path("Size").asLong() - i.path("SharedSize").asLong();
                }
            }
            long reclaimable = layers - used;
            List<Fields> rows = new ArrayList<>();
            rows.add(row("Images", df.path("Images").size(), active, Humanize.size(layers, 4),
                    layers > 0 ? Humanize.size(reclaimable, 4) + " (" + (reclaimable * 100 / layers) + "%)" : Humanize.size(reclaimable, 4)));
            rows.add(row("Containers", df.path("Containers").size(), 0, "0B", "0B"));
            rows.add(row("Local Volumes", df.path("Volumes").size(), 0, "0B", "0B"));
            rows.add(row("Build Cache", df.path("BuildCache").size(), 0, "0B", "0B"));
            Map<String, String> headers = Map.of("Type", "TYPE", "TotalCount", "TOTAL", "Active", "ACTIVE", "Size", "SIZE",
                    "Reclaimable", "RECLAIMABLE");
            try {
                if (!verbose) {
                    String f = format == null || format.isEmpty() || format.equals("table")
                            ? "table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}" : format;
                    System.out.print(OutputFormat.parse(f).render(headers, rows));
                    return 0;
                }
                verbose(df);
            } catch (TemplateException e) {
                throw new Cli.UserError(e.getMessage());
            }
            return 0;
        }

        private static Fields row(String type, int total, int active, String size, String reclaimable) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("Type", type);
            r.put("TotalCount", Integer.toString(total));
            r.put("Active", Integer.toString(active));
            r.put("Size", size);
            r.put("Reclaimable", reclaimable);
            return new Fields("*formatter.diskUsageContext", r);
        }

        private static void verbose(JsonNode df) {
            PrintStream out = System.out;
            Instant now = Instant.now();
            List<Fields> images = new ArrayList<>();
            for (JsonNode i : df.path("Images")) {
                List<String> tags = new ArrayList<>();
                i.path("RepoTags").forEach(t -> tags.add(t.asText()));
                if (tags.isEmpty()) {
                    tags.add("<none>:<none>");
                }
                for (String repoTag : tags) {
                    int colon = repoTag.lastIndexOf(':');
                    Map<String, Object> r = new LinkedHashMap<>();
                    r.put("Repository", repoTag.substring(0, colon));
                    r.put("Tag", repoTag.substring(colon + 1));
                    r.put("ID", ImageCommands.shortId(i.path("Id").asText()));
                    r.put("CreatedSince", Humanize.ago(Duration.between(Instant.ofEpochSecond(i.path("Created").asLong()), now)));
                    r.put("Size", Humanize.size(i.path("Size").asLong()));
                    r.put("SharedSize", Humanize.size(i.path("SharedSize").asLong(), 4));
                    r.put("UniqueSize", Humanize.size(i.path("Size").asLong() - i.path("SharedSize").asLong(), 4));
                    r.put("Containers", Long.toString(i.path("Containers").asLong()));
                    images.add(new Fields("*formatter.imageContext", r));
                }
            }
            out.println("Images space usage:");
            out.println();
            out.print(OutputFormat.parse("table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}\t{{.SharedSize}}\t{{.UniqueSize}}\t{{.Containers}}")
                    .render(Map.of("Repository", "REPOSITORY", "Tag", "TAG", "ID", "IMAGE ID", "CreatedSince", "CREATED", "Size", "SIZE",
                            "SharedSize", "SHARED SIZE", "UniqueSize", "UNIQUE SIZE", "Containers", "CONTAINERS"), images));
            out.println();
            out.println("Containers space usage:");
            out.println();
            out.println("CONTAINER ID   IMAGE     COMMAND   LOCAL VOLUMES   SIZE      CREATED   STATUS    NAMES");
            out.println();
            out.println("Local Volumes space usage:");
            out.println();
            out.println("VOLUME NAME   LINKS     SIZE");
            out.println();
            out.println("Build cache usage: 0B");
            out.println();
            out.println("CACHE ID   CACHE TYPE   SIZE      CREATED   LAST USED   USAGE     SHARED");
        }
    }

    /** {@code skiff events [--since] [--until] [--filter] [--format]}: follows the daemon's events. */
    @Command(name = "events", mixinStandardHelpOptions = true, description = "Get real time events from the server.")
    static final class Events implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--since", description = "Show all events created since timestamp.")
        String since;

        @Option(names = "--until", description = "Stream events until this timestamp.")
        String until;

        @Option(names = {"-f", "--filter"}, description = "Filter output based on conditions provided.")
        List<String> filters = new ArrayList<>();

        @Option(names = "--format", description = "Format output using a custom template: 'json' or a Go template.")
        String format;

        @Override
        public Integer call() throws Exception {
            Instant now = Instant.now();
            StringBuilder query = new StringBuilder();
            try {
                if (since != null) {
                    query.append("&since=").append(Timestamps.unix(Timestamps.parse(since, now)));
                }
                if (until != null) {
                    query.append("&until=").append(Timestamps.unix(Timestamps.parse(until, now)));
                }
            } catch (FormatException e) {
                throw new Cli.UserError(e.getMessage());
            }
            if (!filters.isEmpty()) {
                query.append("&filters=").append(ImageCommands.encode(Filter.toJson(filters).toString()));
            }
            GoTemplate template = format == null || format.isEmpty() ? null : template(format);
            EngineClient client = ImageCommands.client(spec);
            String path = "/events" + (query.isEmpty() ? "" : "?" + query.substring(1));
            try (EngineClient.Response r = client.send("GET", path, Map.of(), null)) {
                if (r.status() / 100 != 2) {
                    JsonNode error = ImageCommands.JSON.readTree(r.readAll());
                    throw new Cli.UserError("Error response from daemon: " + error.path("message").asText("status " + r.status()));
                }
                BufferedReader lines = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8));
                for (String line; (line = lines.readLine()) != null; ) {
                    if (line.isBlank()) {
                        continue;
                    }
                    JsonNode event = ImageCommands.JSON.readTree(line);
                    System.out.println(template == null ? pretty(event)
                            : template.text().equals("{{json .}}") ? event.toString() : execute(template, withGoNames(event)));
                    System.out.flush();
                }
            }
            return 0;
        }

        /**
         * Templates name docker's Go fields ({@code .ID}, {@code .Status}, {@code .TimeNano}); the wire
         * JSON has them lower-case ({@code id}, {@code status}). Both spellings work.
         */
        static JsonNode withGoNames(JsonNode event) {
            ObjectNode copy = ((ObjectNode) event).deepCopy();
            Map.of("status", "Status", "id", "ID", "from", "From", "scope", "Scope", "time", "Time", "timeNano", "TimeNano")
                    .forEach((wire, go) -> {
                        if (event.has(wire) && !event.has(go)) {
                            copy.set(go, event.get(wire));
                        }
                    });
            return copy;
        }

        /** docker's prettyPrintEvent: time, type, action, actor, then the attributes sorted by key. */
        static String pretty(JsonNode e) {
            StringBuilder b = new StringBuilder();
            long nanos = e.path("timeNano").asLong();
            Instant time = nanos != 0 ? Instant.ofEpochSecond(nanos / 1_000_000_000L, nanos % 1_000_000_000L)
                    : Instant.ofEpochSecond(e.path("time").asLong());
            b.append(RFC3339_NANO_FIXED.format(time)).append(' ');
            b.append(e.path("Type").asText()).append(' ').append(e.path("Action").asText()).append(' ').append(e.path("Actor").path("ID").asText());
            Map<String, String> attributes = new TreeMap<>();
            e.path("Actor").path("Attributes").properties().forEach(a -> attributes.put(a.getKey(), a.getValue().asText()));
            if (!attributes.isEmpty()) {
                List<String> pairs = new ArrayList<>();
                attributes.forEach((k, v) -> pairs.add(k + "=" + v));
                b.append(" (").append(String.join(", ", pairs)).append(')');
            }
            return b.toString();
        }
    }

    /** {@code skiff info [--format]}: the daemon's /info, as docker info prints it. */
    @Command(name = "info", mixinStandardHelpOptions = true, description = "Display system-wide information.")
    static final class Info implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = {"-f", "--format"}, description = "Format output using a custom template: 'json' or a Go template.")
        String format;

        @Override
        public Integer call() throws Exception {
            EngineClient client = ImageCommands.client(spec);
            JsonNode info = ImageCommands.request(client, "GET", "/info");
            if (format != null && !format.isEmpty()) {
                ObjectNode data = ((ObjectNode) info).deepCopy();
                ObjectNode clientInfo = data.putObject("ClientInfo");
                clientInfo.put("Debug", false);
                clientInfo.put("Version", Main.Version.version());
                clientInfo.put("Context", "default");
                System.out.println(execute(template(format), data));
                return 0;
            }
            PrintStream out = System.out;
            out.println("Client:");
            out.println(" Version:    " + Main.Version.version());
            out.println(" Context:    default");
            out.println(" Debug Mode: false");
            out.println();
            out.println("Server:");
            out.println(" Containers: " + info.path("Containers").asLong());
            out.println("  Running: " + info.path("ContainersRunning").asLong());
            out.println("  Paused: " + info.path("ContainersPaused").asLong());
            out.println("  Stopped: " + info.path("ContainersStopped").asLong());
            out.println(" Images: " + info.path("Images").asLong());
            out.println(" Server Version: " + info.path("ServerVersion").asText());
            out.println(" Storage Driver: " + info.path("Driver").asText());
            for (JsonNode pair : info.path("DriverStatus")) {
                out.println("  " + pair.path(0).asText() + ": " + pair.path(1).asText());
            }
            out.println(" Logging Driver: " + info.path("LoggingDriver").asText());
            out.println(" Cgroup Driver: " + info.path("CgroupDriver").asText());
            out.println(" Cgroup Version: " + info.path("CgroupVersion").asText());
            out.println(" Plugins:");
            for (String kind : new String[] {"Volume", "Network", "Authorization", "Log"}) {
                JsonNode list = info.path("Plugins").path(kind);
                if (list.isArray() && !list.isEmpty()) {
                    List<String> names = new ArrayList<>();
                    list.forEach(n -> names.add(n.asText()));
                    out.println("  " + kind + ": " + String.join(" ", names));
                }
            }
            out.println(" Swarm: " + info.path("Swarm").path("LocalNodeState").asText("inactive"));
            List<String> runtimes = new ArrayList<>();
            info.path("Runtimes").fieldNames().forEachRemaining(runtimes::add);
            out.println(" Runtimes: " + String.join(" ", runtimes));
            out.println(" Default Runtime: " + info.path("DefaultRuntime").asText());
            out.println(" Security Options:");
            for (JsonNode option : info.path("SecurityOptions")) {
                String[] parts = option.asText().split(",");
                for (String part : parts) {
                    if (part.startsWith("name=")) {
                        out.println("  " + part.substring(5));
                    } else {
                        int eq = part.indexOf('=');
                        out.println("   " + (eq < 0 ? part : Character.toUpperCase(part.charAt(0)) + part.substring(1, eq) + ": " + part.substring(eq + 1)));
                    }
                }
            }
            out.println(" Kernel Version: " + info.path("KernelVersion").asText());
            out.println(" Operating System: " + info.path("OperatingSystem").asText());
            out.println(" OSType: " + info.path("OSType").asText());
            out.println(" Architecture: " + info.path("Architecture").asText());
            out.println(" CPUs: " + info.path("NCPU").asLong());
            out.println(" Total Memory: " + binarySize(info.path("MemTotal").asLong()));
            out.println(" Name: " + info.path("Name").asText());
            out.println(" ID: " + info.path("ID").asText());
            out.println(" Docker Root Dir: " + info.path("DockerRootDir").asText());
            out.println(" Debug Mode: " + info.path("Debug").asBoolean());
            out.println(" Experimental: " + info.path("ExperimentalBuild").asBoolean());
            JsonNode insecure = info.path("RegistryConfig").path("InsecureRegistryCIDRs");
            if (insecure.isArray() && !insecure.isEmpty()) {
                out.println(" Insecure Registries:");
                insecure.forEach(c -> out.println("  " + c.asText()));
            }
            out.println(" Live Restore Enabled: " + info.path("LiveRestoreEnabled").asBoolean());
            for (JsonNode w : info.path("Warnings")) {
                System.err.println(w.asText());
            }
            return 0;
        }

        /** go-units BytesSize: binary units with two decimals ({@code 23.54GiB}). */
        static String binarySize(long bytes) {
            String[] units = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
            double v = bytes;
            int u = 0;
            while (v >= 1024 && u < units.length - 1) {
                v /= 1024;
                u++;
            }
            return String.format(java.util.Locale.ROOT, "%.4g", v).replaceAll("\\.?0+$", "") + units[u];
        }
    }

    /** {@code skiff system ...}: df, events, info. */
    @Command(name = "system", mixinStandardHelpOptions = true, description = "Manage Skiff.",
            subcommands = {Df.class, Events.class, Info.class})
    static final class Group extends CommandGroup {
    }
}
