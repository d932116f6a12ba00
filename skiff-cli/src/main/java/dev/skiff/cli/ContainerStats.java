package dev.skiff.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.cli.client.EngineClient;
import dev.skiff.cli.template.Fields;
import dev.skiff.cli.template.OutputFormat;
import dev.skiff.cli.template.TemplateException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code skiff stats --no-stream}: one sample per container, computed as docker's CLI does from the stats JSON. */
final class ContainerStats {
    static final String DEFAULT_FORMAT = "table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}";
    static final Map<String, String> HEADERS = Map.of("ID", "CONTAINER ID", "Name", "NAME", "Container", "CONTAINER",
            "CPUPerc", "CPU %", "MemUsage", "MEM USAGE / LIMIT", "MemPerc", "MEM %", "NetIO", "NET I/O", "BlockIO", "BLOCK I/O", "PIDs", "PIDS");
    private static final String[] BINARY_UNITS = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"};

    private ContainerStats() {
    }

    @Command(name = "stats", mixinStandardHelpOptions = true, description = "Display a live stream of container(s) resource usage statistics.")
    static final class Stats implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = {"-a", "--all"}, description = "Show all containers (default shows just running).")
        boolean all;

        @Option(names = "--no-stream", description = "Disable streaming stats and only pull the first result.")
        boolean noStream;

        @Option(names = "--no-trunc", description = "Do not truncate output.")
        boolean noTrunc;

        @Option(names = "--format", description = "Format output using a Go template.")
        String format;

        @Parameters(arity = "0..*", paramLabel = "CONTAINER")
        List<String> containers = new ArrayList<>();

        @Override
        public Integer call() throws Exception {
            EngineClient client = ImageCommands.client(spec);
            List<String> targets = new ArrayList<>(containers);
            if (targets.isEmpty()) {
                for (JsonNode c : ImageCommands.request(client, "GET", "/containers/json" + (all ? "?all=1" : ""))) {
                    targets.add(c.path("Id").asText());
                }
            }
            List<Fields> rows = new ArrayList<>();
            List<String> errors = new ArrayList<>();
            for (String target : targets) {
                try {
                    JsonNode s = ImageCommands.request(client, "GET", "/containers/" + target + "/stats?stream=0");
                    rows.add(row(s, !noTrunc));
                } catch (Cli.UserError e) {
                    errors.add(e.getMessage());
                }
            }
            // a live, redrawn stream is not implemented: one sample is shown, as with --no-stream
            String f = format == null || format.isEmpty() || format.equals("table") ? DEFAULT_FORMAT : format;
            try {
                System.out.print(OutputFormat.parse(f).render(HEADERS, rows));
            } catch (TemplateException e) {
                throw new Cli.UserError(e.getMessage());
            }
            errors.forEach(System.err::println);
            return errors.isEmpty() ? 0 : 1;
        }
    }

    static Fields row(JsonNode s, boolean trunc) {
        Map<String, Object> row = new LinkedHashMap<>();
        String id = s.path("id").asText();
        String name = s.path("name").asText();
        if (name.startsWith("/")) {
            name = name.substring(1);
        }
        JsonNode cpu = s.path("cpu_stats");
        JsonNode pre = s.path("precpu_stats");
        double cpuDelta = cpu.path("cpu_usage").path("total_usage").asDouble() - pre.path("cpu_usage").path("total_usage").asDouble();
        double systemDelta = cpu.path("system_cpu_usage").asDouble() - pre.path("system_cpu_usage").asDouble();
        int online = cpu.path("online_cpus").asInt(0);
        if (online == 0) {
            online = Math.max(1, cpu.path("cpu_usage").path("percpu_usage").size());
        }
        double cpuPercent = systemDelta > 0 && cpuDelta > 0 ? cpuDelta / systemDelta * online * 100.0 : 0.0;
        JsonNode mem = s.path("memory_stats");
        double usage = mem.path("usage").asDouble();
        JsonNode memStats = mem.path("stats");
        // as docker: the page cache is not counted (cgroup v1 total_inactive_file, v2 inactive_file)
        if (memStats.has("total_inactive_file") && memStats.path("total_inactive_file").asDouble() < usage) {
            usage -= memStats.path("total_inactive_file").asDouble();
        } else if (memStats.has("inactive_file") && memStats.path("inactive_file").asDouble() < usage) {
            usage -= memStats.path("inactive_file").asDouble();
        }
        double limit = mem.path("limit").asDouble();
        double memPercent = limit > 0 ? usage / limit * 100.0 : 0.0;
        long rx = 0;
        long tx = 0;
        for (JsonNode net : (Iterable<JsonNode>) () -> s.path("networks").elements()) {
            rx += net.path("rx_bytes").asLong();
            tx += net.path("tx_bytes").asLong();
        }
        long read = 0;
        long write = 0;
        for (JsonNode entry : s.path("blkio_stats").path("io_service_bytes_recursive")) {
            String op = entry.path("op").asText().toLowerCase(Locale.ROOT);
            if (op.equals("read")) {
                read += entry.path("value").asLong();
            } else if (op.equals("write")) {
                write += entry.path("value").asLong();
            }
        }
        row.put("ID", trunc ? ImageCommands.shortId(id) : id);
        row.put("Name", name.isEmpty() ? "--" : name);
        row.put("Container", trunc ? ImageCommands.shortId(id) : id);
        row.put("CPUPerc", String.format(Locale.ROOT, "%.2f%%", cpuPercent));
        row.put("MemUsage", binarySize(usage) + " / " + binarySize(limit));
        row.put("MemPerc", String.format(Locale.ROOT, "%.2f%%", memPercent));
        row.put("NetIO", Humanize.size(rx, 3) + " / " + Humanize.size(tx, 3));
        row.put("BlockIO", Humanize.size(read, 3) + " / " + Humanize.size(write, 3));
        row.put("PIDs", Long.toString(s.path("pids_stats").path("current").asLong()));
        return new Fields("*formatter.statsContext", row);
    }

    /** go-units' BytesSize: binary units, {@code %.4g}. */
    static String binarySize(double bytes) {
        double size = bytes;
        int unit = 0;
        while (size >= 1024 && unit < BINARY_UNITS.length - 1) {
            size /= 1024;
            unit++;
        }
        return new BigDecimal(size).round(new MathContext(4)).stripTrailingZeros().toPlainString() + BINARY_UNITS[unit];
    }
}
