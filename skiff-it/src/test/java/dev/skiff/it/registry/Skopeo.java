package dev.skiff.it.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skiff.it.support.CommandResult;
import dev.skiff.it.support.ExternalCommand;
import dev.skiff.it.support.RequiredTool;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The real skopeo, isolated from the machine's settings: its own trust policy (accept anything),
 * an empty auth file (so only the credentials a test passes are used) and its own HOME. Registries
 * are plain HTTP on loopback, hence {@code --tls-verify=false} everywhere.
 */
public final class Skopeo {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofMinutes(3);

    private final Path workDir;
    private final Path policy;

    public Skopeo(Path workDir) {
        this.workDir = workDir;
        this.policy = workDir.resolve("policy.json");
        try {
            Files.createDirectories(workDir.resolve("home"));
            Files.writeString(policy, "{\"default\":[{\"type\":\"insecureAcceptAnything\"}]}");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code skopeo copy [options] src dest}, with --preserve-digests so nothing is silently rewritten. */
    public CommandResult copy(String src, String dest, String... options) {
        List<String> args = new ArrayList<>(List.of("copy", "--src-tls-verify=false", "--dest-tls-verify=false",
                "--preserve-digests", "--quiet"));
        args.addAll(List.of(options));
        args.add(src);
        args.add(dest);
        return run(args);
    }

    public CommandResult inspectRaw(String ref, String... options) {
        return run(command("inspect", ref, options, "--raw"));
    }

    CommandResult inspect(String ref, String... options) {
        return run(command("inspect", ref, options));
    }

    CommandResult listTags(String ref, String... options) {
        return run(command("list-tags", ref, options));
    }

    CommandResult delete(String ref, String... options) {
        return run(command("delete", ref, options));
    }

    /** The tags {@code skopeo list-tags} prints, in its order; fails if the command fails. */
    List<String> tags(String ref, String... options) {
        CommandResult result = listTags(ref, options).assertSuccess();
        List<String> tags = new ArrayList<>();
        json(result).path("Tags").forEach(tag -> tags.add(tag.asText()));
        return tags;
    }

    static JsonNode json(CommandResult result) {
        try {
            return JSON.readTree(result.stdout());
        } catch (IOException e) {
            throw new AssertionError("skopeo did not print JSON\n" + result.describe(), e);
        }
    }

    static String creds(String user, String password) {
        return "--creds=" + user + ":" + password;
    }

    public static String destCreds(String user, String password) {
        return "--dest-creds=" + user + ":" + password;
    }

    static String srcCreds(String user, String password) {
        return "--src-creds=" + user + ":" + password;
    }

    private static List<String> command(String subcommand, String ref, String[] options, String... more) {
        List<String> args = new ArrayList<>(List.of(subcommand, "--tls-verify=false"));
        args.addAll(List.of(more));
        args.addAll(List.of(options));
        args.add(ref);
        return args;
    }

    private CommandResult run(List<String> args) {
        List<String> command = new ArrayList<>(List.of(RequiredTool.SKOPEO.command(), "--policy", policy.toString()));
        command.addAll(args);
        return ExternalCommand.of(command)
                .env("HOME", workDir.resolve("home").toString())
                .env("REGISTRY_AUTH_FILE", workDir.resolve("auth.json").toString())
                .env("XDG_RUNTIME_DIR", workDir.resolve("home").toString())
                .withoutEnvPrefix("DOCKER_")
                .timeout(TIMEOUT)
                .run();
    }
}
