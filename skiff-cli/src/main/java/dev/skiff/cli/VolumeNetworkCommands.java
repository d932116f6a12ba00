package dev.skiff.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skiff.cli.client.EngineClient;
import dev.skiff.cli.template.Fields;
import dev.skiff.cli.template.OutputFormat;
import dev.skiff.cli.template.TemplateException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

/** {@code skiff volume ...} and {@code skiff network ...}: thin clients of the Engine API with docker's columns. */
final class VolumeNetworkCommands {
    private VolumeNetworkCommands() {
    }

    static JsonNode sendJson(EngineClient client, String method, String path, JsonNode body) throws IOException {
        try (EngineClient.Response r = client.send(method, path, Map.of("Content-Type", "application/json"),
                (ImageCommands.JSON.writeValueAsString(body) + "\n").getBytes(StandardCharsets.UTF_8))) {
            JsonNode answer = ContainerRun.readJson(r);
            if (r.status() / 100 != 2) {
                throw new Cli.UserError("Error response from daemon: " + answer.path("message").asText("status " + r.status()));
            }
            return answer;
        }
    }

    static Map<String, String> keyValues(List<String> pairs) {
        Map<String, String> map = new TreeMap<>();
        for (String p : pairs) {
            int eq = p.indexOf('=');
            map.put(eq < 0 ? p : p.substring(0, eq), eq < 0 ? "" : p.substring(eq + 1));
        }
        return map;
    }

    static void print(String format, String defaultFormat, Map<String, String> headers, List<Fields> rows) {
        String f = format == null || format.isEmpty() || format.equals("table") ? defaultFormat : format;
        try {
            System.out.print(OutputFormat.parse(f).render(headers, rows));
        } catch (TemplateException e) {
            throw new Cli.UserError(e.getMessage());
        }
    }

    static int inspect(CommandSpec spec, String pathPrefix, List<String> names, String format) throws IOException {
        EngineClient client = ImageCommands.client(spec);
        com.fasterxml.jackson.databind.node.ArrayNode all = ImageCommands.JSON.createArrayNode();
        List<String> errors = new ArrayList<>();
        for (String n : names) {
            try {
                all.add(ImageCommands.request(client, "GET", pathPrefix + n));
            } catch (Cli.UserError e) {
                errors.add(e.getMessage());
            }
        }
        if (format != null) {
            dev.skiff.cli.template.GoTemplate template;
            try {
                template = dev.skiff.cli.template.GoTemplate.parse(format);
                for (JsonNode node : all) {
                    System.out.println(template.execute(node));
                }
            } catch (TemplateException e) {
                throw new Cli.UserError("template parsing error: " + e.getMessage());
            }
        } else {
            System.out.println(ContainerCommands.pretty(all));
        }
        errors.forEach(System.err::println);
        return errors.isEmpty() ? 0 : 1;
    }

    // ---- volumes ----

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a volume.")
    static final class VolumeCreate implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = {"-d", "--driver"}, defaultValue = "local", description = "Specify volume driver name.")
        String driver;

        @Option(names = {"-o", "--opt"}, description = "Set driver specific options.")
        List<String> opts = new ArrayList<>();

        @Option(names = {"-l", "--label"}, description = "Set metadata for a volume.")
        List<String> labels = new ArrayList<>();

        @Option(names = "--name", description = "Specify volume name.")
        String nameOption;

        @Parameters(arity = "0..1", paramLabel = "VOLUME")
        String name;

        @Override
        public Integer call() throws Exception {
            if (name != null && nameOption != null && !name.equals(nameOption)) {
                throw new Cli.UserError("conflicting options: cannot specify a volume-name through both --name and as a positional arg");
            }
            ObjectNode body = ImageCommands.JSON.createObjectNode();
            body.put("Driver", driver);
            ObjectNode o = body.putObject("DriverOpts");
            keyValues(opts).forEach(o::put);
            ObjectNode l = body.putObject("Labels");
            keyValues(labels).forEach(l::put);
            body.put("Name", name != null ? name : nameOption != null ? nameOption : "");
            System.out.println(sendJson(ImageCommands.client(spec), "POST", "/volumes/create", body).path("Name").asText());
            return 0;
        }
    }

    @Command(name = "ls", aliases = "list", mixinStandardHelpOptions = true, description = "List volumes.")
    static final class VolumeLs implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = {"-q", "--quiet"}, description = "Only display volume names.")
        boolean quiet;

        @Option(names = {"-f", "--filter"}, description = "Provide filter values (e.g. \"dangling=true\").")
        List<String> filters = new ArrayList<>();

        @Option(names = "--format", description = "Format output using a Go template.")
        String format;

        @Override
        public Integer call() throws Exception {
            String q = filters.isEmpty() ? "" : "?filters=" + ImageCommands.encode(Filter.toJson(filters).toString());
            JsonNode answer = ImageCommands.request(ImageCommands.client(spec), "GET", "/volumes" + q);
            List<Fields> rows = new ArrayList<>();
            List<JsonNode> volumes = new ArrayList<>();
            answer.path("Volumes").forEach(volumes::add);
            volumes.sort((a, b) -> a.path("Name").asText().compareTo(b.path("Name").asText()));
            for (JsonNode v : volumes) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("Name", v.path("Name").asText());
                row.put("Driver", v.path("Driver").asText());
                row.put("Scope", v.path("Scope").asText());
                row.put("Mountpoint", v.path("Mountpoint").asText());
                List<String> labels = new ArrayList<>();
                new TreeMap<String, String>(ImageCommands.JSON.convertValue(v.path("Labels").isObject() ? v.path("Labels") : ImageCommands.JSON.createObjectNode(),
                        new com.fasterxml.jackson.core.type.TypeReference<Map<String, String>>() { })).forEach((k, val) -> labels.add(k + "=" + val));
                row.put("Labels", String.join(",", labels));
                row.put("Size", "N/A");
                rows.add(new Fields("*formatter.volumeContext", row));
            }
            print(quiet ? "{{.Name}}" : format, "table {{.Driver}}\t{{.Name}}",
                    Map.of("Name", "VOLUME NAME", "Driver", "DRIVER", "Scope", "SCOPE", "Mountpoint", "MOUNTPOINT", "Labels", "LABELS", "Size", "SIZE"), rows);
            return 0;
        }
    }

    @Command(name = "inspect", mixinStandardHelpOptions = true, description = "Display detailed information on one or more volumes.")
    static final class VolumeInspect implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = {"-f", "--format"}, description = "Format output using a Go template.")
        String format;

        @Parameters(arity = "1..*", paramLabel = "VOLUME")
        List<String> names;

        @Override
        public Integer call() throws Exception {
            return inspect(spec, "/volumes/", names, format);
        }
    }

    @Command(name = "rm", aliases = "remove", mixinStandardHelpOptions = true, description = "Remove one or more volumes.")
    static final class VolumeRm implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = {"-f", "--force"}, description = "Force the removal of one or more volumes.")
        boolean force;

        @Parameters(arity = "1..*", paramLabel = "VOLUME")
        List<String> names;

        @Override
        public Integer call() throws Exception {
            EngineClient client = ImageCommands.client(spec);
            return ContainerCommands.eachTarget(names, n -> {
                ImageCommands.request(client, "DELETE", "/volumes/" + n + (force ? "?force=1" : ""));
                System.out.println(n);
            });
        }
    }

    @Command(name = "prune", mixinStandardHelpOptions = true, description = "Remove unused local volumes.")
    static final class VolumePrune implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = {"-f", "--force"}, description = "Do not prompt for confirmation.")
        boolean force;

        @Option(names = {"-a", "--all"}, description = "Remove all unused volumes, not just anonymous ones.")
        boolean all;

        @Option(names = "--filter", description = "Provide filter values (e.g. \"label=<label>\").")
        List<String> filters = new ArrayList<>();

        @Override
        public Integer call() throws Exception {
            if (!force && !ContainerCommands.confirm(all ? "WARNING! This will remove all local volumes not used by at least one container."
                    : "WARNING! This will remove anonymous local volumes not used by at least one container.")) {
                return 0;
            }
            List<String> f = new ArrayList<>(filters);
            if (all) {
                f.add("all=true");
            }
            String q = f.isEmpty() ? "" : "?filters=" + ImageCommands.encode(Filter.toJson(f).toString());
            JsonNode answer = ImageCommands.request(ImageCommands.client(spec), "POST", "/volumes/prune" + q);
            System.out.print(ContainerCommands.pruneReport("Deleted Volumes:", answer.path("VolumesDeleted"), answer.path("SpaceReclaimed").asLong()));
            return 0;
        }
    }

    @Command(name = "volume", mixinStandardHelpOptions = true, description = "Manage volumes.",
            subcommands = {VolumeCreate.class, VolumeLs.class, VolumeInspect.class, VolumeRm.class, VolumePrune.class})
    static final class VolumeGroup extends CommandGroup {
    }

    // ---- networks ----

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a network.")
    static final class NetworkCreate implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = {"-d", "--driver"}, defaultValue = "bridge", description = "Driver to manage the Network.")
        String driver;

        @Option(names = "--subnet", description = "Subnet in CIDR format that represents a network segment.")
        List<String> subnets = new ArrayList<>();

        @Option(names = "--gateway", description = "IPv4 or IPv6 Gateway for the master subnet.")
        List<String> gateways = new ArrayList<>();

        @Option(names = "--ip-range", description = "Allocate container ip from a sub-range.")
        List<String> ipRanges = new ArrayList<>();

        @Option(names = "--internal", description = "Restrict external access to the network.")
        boolean internal;

        @Option(names = "--attachable", description = "Enable manual container attachment.")
        boolean attachable;

        @Option(names = "--ipv6", description = "Enable or disable IPv6 networking.")
        boolean ipv6;

        @Option(names = {"-o", "--opt"}, description = "Set driver specific options.")
        List<String> opts = new ArrayList<>();

        @Option(names = "--label", description = "Set metadata on a network.")
        List<String> labels = new ArrayList<>();

        @Parameters(index = "0", paramLabel = "NETWORK")
        String name;

        @Override
        public Integer call() throws Exception {
            ObjectNode body = ImageCommands.JSON.createObjectNode();
            body.put("Name", name);
            body.put("Driver", driver);
            body.put("Scope", "");
            body.put("EnableIPv6", ipv6);
            ObjectNode ipam = body.putObject("IPAM");
            ipam.put("Driver", "default");
            if (subnets.isEmpty()) {
                ipam.putNull("Config");
            } else {
                var config = ipam.putArray("Config");
                for (int i = 0; i < subnets.size(); i++) {
                    ObjectNode c = config.addObject();
                    c.put("Subnet", subnets.get(i));
                    if (i < ipRanges.size()) {
                        c.put("IPRange", ipRanges.get(i));
                    }
                    if (i < gateways.size()) {
                        c.put("Gateway", gateways.get(i));
                    }
                }
            }
            ipam.putObject("Options");
            body.put("Internal", internal);
            body.put("Attachable", attachable);
            body.put("Ingress", false);
            body.put("ConfigOnly", false);
            ObjectNode o = body.putObject("Options");
            keyValues(opts).forEach(o::put);
            ObjectNode l = body.putObject("Labels");
            keyValues(labels).forEach(l::put);
            System.out.println(sendJson(ImageCommands.client(spec), "POST", "/networks/create", body).path("Id").asText());
            return 0;
        }
    }

    @Command(name = "ls", aliases = "list", mixinStandardHelpOptions = true, description = "List networks.")
    static final class NetworkLs implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = {"-q", "--quiet"}, description = "Only display network IDs.")
        boolean quiet;

        @Option(names = "--no-trunc", description = "Do not truncate the output.")
        boolean noTrunc;

        @Option(names = {"-f", "--filter"}, description = "Provide filter values (e.g. \"driver=bridge\").")
        List<String> filters = new ArrayList<>();

        @Option(names = "--format", description = "Format output using a Go template.")
        String format;

        @Override
        public Integer call() throws Exception {
            String q = filters.isEmpty() ? "" : "?filters=" + ImageCommands.encode(Filter.toJson(filters).toString());
            JsonNode answer = ImageCommands.request(ImageCommands.client(spec), "GET", "/networks" + q);
            List<JsonNode> networks = new ArrayList<>();
            answer.forEach(networks::add);
            networks.sort((a, b) -> a.path("Name").asText().compareTo(b.path("Name").asText()));
            List<Fields> rows = new ArrayList<>();
            for (JsonNode n : networks) {
                Map<String, Object> row = new LinkedHashMap<>();
                String id = n.path("Id").asText();
                row.put("ID", noTrunc ? id : ImageCommands.shortId(id));
                row.put("Name", n.path("Name").asText());
                row.put("Driver", n.path("Driver").asText());
                row.put("Scope", n.path("Scope").asText());
                row.put("IPv6", Boolean.toString(n.path("EnableIPv6").asBoolean()));
                row.put("Internal", Boolean.toString(n.path("Internal").asBoolean()));
                row.put("CreatedAt", n.path("Created").asText());
                row.put("Labels", "");
                rows.add(new Fields("*formatter.networkContext", row));
            }
            print(quiet ? "{{.ID}}" : format, "table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}",
                    Map.of("ID", "NETWORK ID", "Name", "NAME", "Driver", "DRIVER", "Scope", "SCOPE", "IPv6", "IPV6",
                            "Internal", "INTERNAL", "CreatedAt", "CREATED", "Labels", "LABELS"), rows);
            return 0;
        }
    }

    @Command(name = "inspect", mixinStandardHelpOptions = true, description = "Display detailed information on one or more networks.")
    static final class NetworkInspect implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = {"-f", "--format"}, description = "Format output using a Go template.")
        String format;

        @Parameters(arity = "1..*", paramLabel = "NETWORK")
        List<String> names;

        @Override
        public Integer call() throws Exception {
            return inspect(spec, "/networks/", names, format);
        }
    }

    @Command(name = "rm", aliases = "remove", mixinStandardHelpOptions = true, description = "Remove one or more networks.")
    static final class NetworkRm implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = {"-f", "--force"}, description = "Do not error if the network does not exist.")
        boolean force;

        @Parameters(arity = "1..*", paramLabel = "NETWORK")
        List<String> names;

        @Override
        public Integer call() throws Exception {
            EngineClient client = ImageCommands.client(spec);
            return ContainerCommands.eachTarget(names, n -> {
                try (EngineClient.Response r = client.send("DELETE", "/networks/" + n, Map.of(), null)) {
                    JsonNode answer = ContainerRun.readJson(r);
                    if (r.status() == 404 && force) {
                        return;
                    }
                    if (r.status() / 100 != 2) {
                        throw new Cli.UserError("Error response from daemon: " + answer.path("message").asText("status " + r.status()));
                    }
                }
                System.out.println(n);
            });
        }
    }

    @Command(name = "connect", mixinStandardHelpOptions = true, description = "Connect a container to a network.")
    static final class NetworkConnect implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--alias", description = "Add network-scoped alias for the container.")
        List<String> aliases = new ArrayList<>();

        @Option(names = "--ip", description = "IPv4 address (e.g., \"172.30.100.104\").")
        String ip;

        @Parameters(index = "0", paramLabel = "NETWORK")
        String network;

        @Parameters(index = "1", paramLabel = "CONTAINER")
        String container;

        @Override
        public Integer call() throws Exception {
            ObjectNode body = ImageCommands.JSON.createObjectNode();
            body.put("Container", container);
            ObjectNode endpoint = body.putObject("EndpointConfig");
            if (ip != null) {
                endpoint.putObject("IPAMConfig").put("IPv4Address", ip);
            } else {
                endpoint.putNull("IPAMConfig");
            }
            endpoint.putNull("Links");
            if (aliases.isEmpty()) {
                endpoint.putNull("Aliases");
            } else {
                aliases.forEach(endpoint.putArray("Aliases")::add);
            }
            sendJson(ImageCommands.client(spec), "POST", "/networks/" + network + "/connect", body);
            return 0;
        }
    }

    @Command(name = "disconnect", mixinStandardHelpOptions = true, description = "Disconnect a container from a network.")
    static final class NetworkDisconnect implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = {"-f", "--force"}, description = "Force the container to disconnect from a network.")
        boolean force;

        @Parameters(index = "0", paramLabel = "NETWORK")
        String network;

        @Parameters(index = "1", paramLabel = "CONTAINER")
        String container;

        @Override
        public Integer call() throws Exception {
            ObjectNode body = ImageCommands.JSON.createObjectNode();
            body.put("Container", container);
            body.put("Force", force);
            sendJson(ImageCommands.client(spec), "POST", "/networks/" + network + "/disconnect", body);
            return 0;
        }
    }

    @Command(name = "prune", mixinStandardHelpOptions = true, description = "Remove all unused networks.")
    static final class NetworkPrune implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = {"-f", "--force"}, description = "Do not prompt for confirmation.")
        boolean force;

        @Option(names = "--filter", description = "Provide filter values (e.g. \"until=<timestamp>\").")
        List<String> filters = new ArrayList<>();

        @Override
        public Integer call() throws Exception {
            if (!force && !ContainerCommands.confirm("WARNING! This will remove all custom networks not used by at least one container.")) {
                return 0;
            }
            String q = filters.isEmpty() ? "" : "?filters=" + ImageCommands.encode(Filter.toJson(filters).toString());
            JsonNode answer = ImageCommands.request(ImageCommands.client(spec), "POST", "/networks/prune" + q);
            System.out.print(ContainerCommands.pruneReport("Deleted Networks:", answer.path("NetworksDeleted"), -1));
            return 0;
        }
    }

    @Command(name = "network", mixinStandardHelpOptions = true, description = "Manage networks.",
            subcommands = {NetworkCreate.class, NetworkLs.class, NetworkInspect.class, NetworkRm.class, NetworkConnect.class,
                    NetworkDisconnect.class, NetworkPrune.class})
    static final class NetworkGroup extends CommandGroup {
    }
}
