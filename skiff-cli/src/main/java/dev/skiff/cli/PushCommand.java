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
                pushAuth(ref), (byte[]) null)) {
            if (r.status() / 100 != 2) {
                JsonNode error = ImageCommands.JSON.readTree(r.readAll());
                throw new Cli.UserError("Error response from daemon: " + error.path("message").asText("status " + r.status()));
            }
            if (quiet) {
                ProgressDisplay.drain(r.body());
            } else {
                ProgressDisplay.onStandardOutput().show(r.body(), aux -> { }); // live bars on a terminal, as docker's
            }
        }
        if (quiet) {
            System.out.println(ref.familiarString());
        }
        return 0;
    }

    /** The stored credentials for the registry, as docker sends them; none when not logged in. */
    private static Map<String, String> pushAuth(ImageReference ref) {
        String auth = RegistryAuth.headerFor(ref.domain());
        return auth.isEmpty() ? Map.of() : Map.of("X-Registry-Auth", auth);
    }
}
