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

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code skiff push [-a] [-q] NAME[:TAG]}: asks the daemon to push and prints its progress as docker
 * does without a terminal: one line per layer state ({@code id: status}), then
 * {@code TAG: digest: sha256:... size: N}.
 */
@Command(name = "push", mixinStandardHelpOptions = true, description = "Upload an image to a registry.")
final class PushCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = {"-a", "--all-tags"}, description = "Push all tags of an image to the repository.")
    boolean allTags;

    @Option(names = {"-q", "--quiet"}, description = "Suppress verbose output.")
    boolean quiet;

    @Parameters(index = "0", paramLabel = "NAME[:TAG]")
    String name;

    @Override
    public Integer call() throws Exception {
        ImageReference ref;
        try {
            ref = ImageReference.parse(name);
        } catch (FormatException e) {
            throw new Cli.UserError("invalid reference format: " + e.getMessage());
        }
        if (ref.digest().isPresent()) {
            throw new Cli.UserError("cannot push a digest reference: push NAME[:TAG]");
        }
        if (allTags && ref.tag().isPresent()) {
            throw new Cli.UserError("tag can't be used with --all-tags/-a");
        }
        if (!allTags && ref.tag().isEmpty()) {
            ref = ref.withDefaultTag();
            if (!quiet) {
                System.out.println("Using default tag: latest");
            }
        }
        String tag = ref.tag().map(t -> t.value()).orElse("");
        String path = "/images/" + ref.familiarName() + "/push?tag=" + ImageCommands.encode(tag);
        EngineClient client = ImageCommands.client(spec);
        try (EngineClient.Response r = client.send("POST", path,
                Map.of("X-Registry-Auth", RegistryAuth.headerFor(ref.registryHost())), (byte[]) null)) {
            if (r.status() / 100 != 2) {
                JsonNode error = ImageCommands.JSON.readTree(r.readAll());
                throw new Cli.UserError("Error response from daemon: " + error.path("message").asText("status " + r.status()));
            }
            BufferedReader lines = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8));
            for (String line; (line = lines.readLine()) != null; ) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode m = ImageCommands.JSON.readTree(line);
                if (m.has("errorDetail") || m.has("error")) {
                    throw new Cli.UserError(m.path("errorDetail").path("message").asText(m.path("error").asText()));
                }
                String status = m.path("status").asText("");
                String id = m.path("id").asText("");
                if (quiet || status.isEmpty() || status.equals("Pushing")) {
                    continue; // byte counts are live bars on a terminal only; aux carries no text
                }
                System.out.println(id.isEmpty() ? status : id + ": " + status);
            }
        }
        if (quiet) {
            System.out.println(ref.familiarString());
        }
        return 0;
    }
}
