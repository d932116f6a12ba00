package dev.skiff.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.cli.client.EngineClient;
import dev.skiff.formats.FormatException;
import dev.skiff.formats.ImageReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code skiff pull NAME[:TAG|@DIGEST]}: asks the daemon to pull and shows its progress as docker does
 * (live bars on a terminal, a line per status change otherwise), then the reference.
 */
@Command(name = "pull", mixinStandardHelpOptions = true, description = "Download an image from a registry.")
final class PullCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = {"-q", "--quiet"}, description = "Suppress verbose output.")
    boolean quiet;

    @Parameters(index = "0", paramLabel = "NAME[:TAG|@DIGEST]")
    String name;

    @Override
    public Integer call() throws Exception {
        ImageReference parsed;
        try {
            parsed = ImageReference.parse(name);
        } catch (FormatException e) {
            throw new Cli.UserError("invalid reference format: " + e.getMessage());
        }
        if (parsed.tag().isEmpty() && parsed.digest().isEmpty() && !quiet) {
            System.out.println("Using default tag: latest");
        }
        ImageReference ref = parsed.withDefaultTag();
        String query = "?fromImage=" + ImageCommands.encode(ref.familiarName()) + "&tag="
                + ImageCommands.encode(ref.digest().map(Object::toString).orElseGet(() -> ref.tag().orElseThrow().toString()));
        EngineClient client = ImageCommands.client(spec);
        String auth = RegistryAuth.headerFor(ref.domain());
        try (EngineClient.Response r = client.send("POST", "/images/create" + query, auth.isEmpty() ? Map.of() : Map.of("X-Registry-Auth", auth), null)) {
            if (r.status() / 100 != 2) {
                JsonNode error = ImageCommands.JSON.readTree(r.readAll());
                throw new Cli.UserError("Error response from daemon: " + error.path("message").asText("status " + r.status()));
            }
            ProgressDisplay display = quiet ? null : ProgressDisplay.onStandardOutput();
            if (display != null) {
                display.show(r.body(), aux -> { });
            } else {
                ProgressDisplay.drain(r.body());
            }
        }
        System.out.println(ref); // docker ends with the full reference it pulled
        return 0;
    }
}
