package dev.skiff.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skiff.cli.client.EngineClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

import java.io.PrintStream;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code skiff version}: the client's and the daemon's versions, laid out as {@code docker version}. */
@Command(name = "version", mixinStandardHelpOptions = true, description = "Show the client and daemon versions.")
final class VersionCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @picocli.CommandLine.Option(names = {"-f", "--format"}, description = "Format output using a custom template: 'json' or a Go template.")
    String format;

    @Override
    public Integer call() throws Exception {
        if (format != null && !format.isEmpty()) {
            return formatted();
        }
        PrintStream out = System.out;
        out.println("Client:");
        row(out, " Version:", Main.Version.version());
        row(out, " API version:", "1.41");
        row(out, " Java version:", Runtime.version().toString());
        row(out, " OS/Arch:", "linux/" + goArch(System.getProperty("os.arch")));
        row(out, " Host:", main.client().host().toString());
        out.println();
        EngineClient client = main.client();
        client.negotiate();
        try (EngineClient.Response r = client.send("GET", "/version", Map.of(), null)) {
            JsonNode v = new ObjectMapper().readTree(r.readAll());
            if (r.status() != 200) {
                throw new Cli.UserError("Error response from daemon: " + v.path("message").asText());
            }
            out.println("Server: " + v.path("Platform").path("Name").asText());
            out.println(" Engine:");
            row(out, "  Version:", v.path("Version").asText());
            row(out, "  API version:", v.path("ApiVersion").asText() + " (minimum version " + v.path("MinAPIVersion").asText() + ")");
            row(out, "  Go version:", v.path("GoVersion").asText());
            row(out, "  OS/Arch:", v.path("Os").asText() + "/" + v.path("Arch").asText());
            row(out, "  Kernel:", v.path("KernelVersion").asText());
        }
        return 0;
    }

    /** docker version --format: the template sees {@code .Client} and {@code .Server} (the daemon's /version). */
    private int formatted() throws Exception {
        dev.skiff.cli.template.GoTemplate template = SystemCommands.template(format);
        com.fasterxml.jackson.databind.node.ObjectNode data = new ObjectMapper().createObjectNode();
        com.fasterxml.jackson.databind.node.ObjectNode c = data.putObject("Client");
        c.put("Version", Main.Version.version());
        c.put("ApiVersion", "1.41");
        c.put("DefaultAPIVersion", "1.41");
        c.put("GitCommit", "");
        c.put("GoVersion", "java" + Runtime.version().feature());
        c.put("Os", "linux");
        c.put("Arch", goArch(System.getProperty("os.arch")));
        c.put("BuildTime", "");
        c.put("Context", "default");
        EngineClient client = main.client();
        client.negotiate();
        try (EngineClient.Response r = client.send("GET", "/version", Map.of(), null)) {
            JsonNode v = new ObjectMapper().readTree(r.readAll());
            if (r.status() != 200) {
                throw new Cli.UserError("Error response from daemon: " + v.path("message").asText());
            }
            data.set("Server", v);
        }
        System.out.println(SystemCommands.execute(template, data));
        return 0;
    }

    private static void row(PrintStream out, String label, String value) {
        out.println(String.format("%-19s%s", label, value));
    }

    private static String goArch(String arch) {
        return arch.equals("x86_64") ? "amd64" : arch.equals("aarch64") ? "arm64" : arch;
    }
}
