package dev.skiff.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.cli.template.Fields;
import dev.skiff.cli.template.OutputFormat;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * {@code ps} output as docker's container formatter renders a {@code GET /containers/json} answer: the
 * default table, {@code -q}, and {@code --format} with the same field names ({@code .ID}, {@code .Ports},
 * {@code .RunningFor}, ...). The daemon's {@code Status} is printed unchanged; the CLI shortens IDs and
 * commands and groups ports itself.
 */
final class ContainerList {
    static final String DEFAULT_FORMAT = "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}";
    static final Map<String, String> HEADERS = Map.ofEntries(Map.entry("ID", "CONTAINER ID"), Map.entry("Image", "IMAGE"),
            Map.entry("Command", "COMMAND"), Map.entry("RunningFor", "CREATED"), Map.entry("CreatedAt", "CREATED AT"),
            Map.entry("Status", "STATUS"), Map.entry("Ports", "PORTS"), Map.entry("Names", "NAMES"), Map.entry("Size", "SIZE"),
            Map.entry("Labels", "LABELS"), Map.entry("Mounts", "MOUNTS"), Map.entry("Networks", "NETWORKS"),
            Map.entry("State", "STATE"), Map.entry("LocalVolumes", "LOCAL VOLUMES"), Map.entry("Platform", "PLATFORM"));
    /** docker heads a {@code .Label "com.example.some-key"} column with the key's last part, - and _ as spaces: "some key". */
    private static final Fields.Method LABEL_HEADER = args -> {
        String name = args.isEmpty() ? "" : String.valueOf(args.get(0));
        return name.substring(name.lastIndexOf('.') + 1).replace('-', ' ').replace('_', ' ');
    };
    private static final DateTimeFormatter GO_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss Z z");

    private ContainerList() {
    }

    /** The text {@code ps} prints for {@code containers} with {@code format} (null: the default table). */
    static String render(JsonNode containers, String format, boolean quiet, boolean noTrunc, boolean size, Instant now) {
        String f;
        if (quiet) {
            f = "{{.ID}}";
        } else if (format == null || format.isEmpty() || format.equals("table")) {
            f = DEFAULT_FORMAT + (size ? "\t{{.Size}}" : "");
        } else {
            f = format;
        }
        List<Fields> rows = new ArrayList<>();
        for (JsonNode c : containers) {
            rows.add(row(c, !noTrunc, now));
        }
        Map<String, Object> headers = new LinkedHashMap<>(HEADERS);
        headers.put("Label", LABEL_HEADER);
        return OutputFormat.parse(f).render(headers, rows);
    }

    static Fields row(JsonNode c, boolean trunc, Instant now) {
        Map<String, Object> row = new LinkedHashMap<>();
        String id = c.path("Id").asText();
        Instant created = Instant.ofEpochSecond(c.path("Created").asLong());
        row.put("ID", trunc ? ImageCommands.shortId(id) : id);
        row.put("Names", names(c.path("Names"), trunc));
        row.put("Image", image(c.path("Image").asText(), trunc));
        row.put("Command", command(c.path("Command").asText(), trunc));
        row.put("CreatedAt", GO_TIME.format(created.atZone(ZoneId.systemDefault())));
        row.put("RunningFor", Humanize.ago(Duration.between(created, now)));
        row.put("Ports", ports(c.path("Ports")));
        row.put("State", c.path("State").asText());
        row.put("Status", c.path("Status").asText());
        row.put("Size", size(c));
        Map<String, String> labels = new TreeMap<>();
        c.path("Labels").properties().forEach(e -> labels.put(e.getKey(), e.getValue().asText()));
        List<String> pairs = new ArrayList<>();
        labels.forEach((k, v) -> pairs.add(k + "=" + v));
        row.put("Labels", String.join(",", pairs));
        row.put("Label", (Fields.Method) args -> {
            if (args.size() != 1) {
                throw new IllegalArgumentException("wrong number of args for Label: want 1 got " + args.size());
            }
            return labels.getOrDefault(String.valueOf(args.get(0)), "");
        });
        List<String> mounts = new ArrayList<>();
        int localVolumes = 0;
        for (JsonNode m : c.path("Mounts")) {
            String n = m.path("Name").asText("");
            if (n.isEmpty()) {
                n = m.path("Source").asText("");
            }
            if (trunc && n.length() > 15) {
                n = n.substring(0, 14) + "…";
            }
            mounts.add(n);
            if (m.path("Driver").asText("").equals("local")) {
                localVolumes++;
            }
        }
        row.put("Mounts", String.join(",", mounts));
        row.put("LocalVolumes", Integer.toString(localVolumes));
        TreeSet<String> networks = new TreeSet<>();
        c.path("NetworkSettings").path("Networks").fieldNames().forEachRemaining(networks::add);
        row.put("Networks", String.join(",", networks));
        return new Fields("*formatter.ContainerContext", row);
    }

    /** Names without the leading slash; links ({@code /a/b}) only when not truncating, as docker. */
    static String names(JsonNode names, boolean trunc) {
        List<String> out = new ArrayList<>();
        for (JsonNode n : names) {
            String name = n.asText();
            String bare = name.startsWith("/") ? name.substring(1) : name;
            if (trunc && bare.contains("/")) {
                continue;
            }
            out.add(bare);
        }
        return String.join(",", out);
    }

    static String image(String image, boolean trunc) {
        if (!trunc) {
            return image;
        }
        if (image.startsWith("sha256:")) {
            return ImageCommands.shortId(image);
        }
        int at = image.indexOf('@');
        return at > 0 ? image.substring(0, at) : image;
    }

    /** Go's strconv.Quote of the command, cut to 20 columns with an ellipsis when truncating. */
    static String command(String command, boolean trunc) {
        String c = trunc ? ellipsis(command, 20) : command;
        return dev.skiff.cli.template.GoStrings.quote(c);
    }

    /** docker's formatter.Ellipsis: at most {@code max} characters, the last one an ellipsis when cut. */
    static String ellipsis(String s, int max) {
        int[] cps = s.codePoints().toArray();
        if (cps.length <= max) {
            return s;
        }
        return new String(cps, 0, max - 1) + "…";
    }

    private static String size(JsonNode c) {
        long rw = c.path("SizeRw").asLong(0);
        long root = c.path("SizeRootFs").asLong(0);
        if (rw == 0 && root == 0) {
            return "0B";
        }
        String s = Humanize.size(rw, 3);
        return root > 0 ? s + " (virtual " + Humanize.size(root, 3) + ")" : s;
    }

    private record Port(String ip, int privatePort, int publicPort, String type) {
    }

    /**
     * docker's DisplayablePorts: ports sorted, consecutive private ports published on the same address
     * to the same number grouped ({@code 0.0.0.0:8000-8002->8000-8002/tcp}), unpublished ones as
     * {@code 80/tcp}, other mappings after the groups.
     */
    static String ports(JsonNode portsJson) {
        List<Port> ports = new ArrayList<>();
        for (JsonNode p : portsJson) {
            ports.add(new Port(p.path("IP").asText(""), p.path("PrivatePort").asInt(), p.path("PublicPort").asInt(), p.path("Type").asText()));
        }
        ports.sort(Comparator.comparingInt(Port::privatePort).thenComparing(Port::ip).thenComparingInt(Port::publicPort).thenComparing(Port::type));
        Map<String, int[]> groups = new LinkedHashMap<>();
        List<String> result = new ArrayList<>();
        List<String> hostMappings = new ArrayList<>();
        for (Port port : ports) {
            int current = port.privatePort();
            String key = port.type();
            if (!port.ip().isEmpty()) {
                if (port.publicPort() != current) {
                    hostMappings.add(joinHostPort(port.ip(), Integer.toString(port.publicPort())) + "->" + port.privatePort() + "/" + port.type());
                    continue;
                }
                key = port.ip() + "/" + port.type();
            }
            int[] group = groups.get(key);
            if (group == null) {
                groups.put(key, new int[] {current, current});
                continue;
            }
            if (current == group[1] + 1) {
                group[1] = current;
                continue;
            }
            result.add(formGroup(key, group[0], group[1]));
            groups.put(key, new int[] {current, current});
        }
        groups.forEach((key, g) -> result.add(formGroup(key, g[0], g[1])));
        result.addAll(hostMappings);
        return String.join(", ", result);
    }

    private static String formGroup(String key, int start, int last) {
        int slash = key.lastIndexOf('/');
        String ip = slash >= 0 ? key.substring(0, slash) : "";
        String type = slash >= 0 ? key.substring(slash + 1) : key;
        String group = start == last ? Integer.toString(start) : start + "-" + last;
        if (!ip.isEmpty()) {
            group = joinHostPort(ip, group) + "->" + group;
        }
        return group + "/" + type;
    }

    private static String joinHostPort(String host, String port) {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}
