package dev.skiff.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.skiff.cli.client.EngineClient;
import dev.skiff.cli.template.Fields;
import dev.skiff.cli.template.GoTemplate;
import dev.skiff.cli.template.OutputFormat;
import dev.skiff.cli.template.TemplateException;
import dev.skiff.formats.FormatException;
import dev.skiff.formats.ImageReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.InputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

/** The image commands, thin clients of the Engine API with docker's flags and output. */
final class ImageCommands {
    static final ObjectMapper JSON = new ObjectMapper();

    private ImageCommands() {
    }

    static EngineClient client(CommandSpec spec) throws IOException {
        EngineClient client = ((Main) spec.root().userObject()).client();
        client.negotiate();
        return client;
    }

    static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** Reads a JSON answer; a non-2xx answer becomes docker's "Error response from daemon: ..." line. */
    static JsonNode request(EngineClient client, String method, String path) throws IOException {
        try (EngineClient.Response r = client.send(method, path, Map.of(), null)) {
            byte[] body = r.readAll();
            JsonNode json = body.length == 0 ? JSON.nullNode() : JSON.readTree(body);
            if (r.status() / 100 != 2) {
                throw new Cli.UserError("Error response from daemon: " + json.path("message").asText("status " + r.status()));
            }
            return json;
        }
    }

    static String shortId(String id) {
        String hex = id.startsWith("sha256:") ? id.substring(7) : id;
        return hex.length() > 12 ? hex.substring(0, 12) : hex;
    }

    /** {@code skiff images} / {@code skiff image ls}. */
    @Command(name = "images", mixinStandardHelpOptions = true, description = "List images.")
    static class Images implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = {"-a", "--all"}, description = "Show all images (intermediate ones too).")
        boolean all;

        @Option(names = {"-q", "--quiet"}, description = "Only show image IDs.")
        boolean quiet;

        @Option(names = "--digests", description = "Show digests.")
        boolean digests;

        @Option(names = "--no-trunc", description = "Don't truncate output.")
        boolean noTrunc;

        @Option(names = "--format", description = "Format output with a Go template (as docker), or 'table', or 'json'.")
        String format;

        @Option(names = {"-f", "--filter"}, description = "Filter output based on conditions provided (dangling, label, before, since, reference).")
        List<String> filters = new ArrayList<>();

        @Parameters(arity = "0..1", paramLabel = "REPOSITORY[:TAG]", description = "Only images of this repository (and tag).")
        String filter;

        @Override
        public Integer call() throws Exception {
            String query = (all ? "&all=1" : "") + (filters.isEmpty() ? "" : "&filters=" + encode(Filter.toJson(filters).toString()));
            JsonNode list = request(client(spec), "GET", "/images/json" + (query.isEmpty() ? "" : "?" + query.substring(1)));
            List<Fields> rows = new ArrayList<>();
            Set<String> seenIds = new LinkedHashSet<>();
            Instant now = Instant.now();
            for (JsonNode image : list) {
                String id = image.path("Id").asText();
                List<String> tags = new ArrayList<>();
                image.path("RepoTags").forEach(t -> tags.add(t.asText()));
                if (tags.isEmpty()) {
                    tags.add("<none>:<none>");
                }
                String digest = image.path("RepoDigests").isArray() && !image.path("RepoDigests").isEmpty()
                        ? image.path("RepoDigests").get(0).asText().replaceAll(".*@", "") : "<none>";
                for (String repoTag : tags) {
                    int colon = repoTag.lastIndexOf(':');
                    String repository = repoTag.substring(0, colon);
                    String tag = repoTag.substring(colon + 1);
                    if (filter != null && !matches(filter, repository, tag)) {
                        continue;
                    }
                    Instant created = Instant.ofEpochSecond(image.path("Created").asLong());
                    Map<String, Object> row = new LinkedHashMap<>();
                    row.put("Repository", repository);
                    row.put("Tag", tag);
                    row.put("ID", noTrunc ? id : shortId(id));
                    row.put("Digest", digest);
                    row.put("CreatedSince", Humanize.ago(Duration.between(created, now)));
                    row.put("CreatedAt", created.toString());
                    row.put("Size", Humanize.size(image.path("Size").asLong()));
                    row.put("VirtualSize", Humanize.size(image.path("VirtualSize").asLong()));
                    row.put("Containers", "N/A");
                    row.put("SharedSize", "N/A");
                    row.put("UniqueSize", "N/A");
                    if (quiet && !seenIds.add(id)) {
                        continue;
                    }
                    rows.add(new Fields("*formatter.imageContext", row));
                }
            }
            String f = quiet ? "{{.ID}}" : format == null || format.isEmpty() || format.equals("table")
                    ? "table {{.Repository}}\t{{.Tag}}" + (digests ? "\t{{.Digest}}" : "") + "\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}"
                    : format;
            try {
                System.out.print(OutputFormat.parse(f).render(Map.ofEntries(Map.entry("ID", "IMAGE ID"), Map.entry("Repository", "REPOSITORY"),
                        Map.entry("Tag", "TAG"), Map.entry("Digest", "DIGEST"), Map.entry("CreatedSince", "CREATED"),
                        Map.entry("CreatedAt", "CREATED AT"), Map.entry("Size", "SIZE"), Map.entry("VirtualSize", "VIRTUAL SIZE"),
                        Map.entry("Containers", "CONTAINERS"), Map.entry("SharedSize", "SHARED SIZE"),
                        Map.entry("UniqueSize", "UNIQUE SIZE")), rows));
            } catch (TemplateException e) {
                throw new Cli.UserError(e.getMessage());
            }
            return 0;
        }

        private static boolean matches(String filter, String repository, String tag) {
            int colon = filter.lastIndexOf(':');
            boolean hasTag = colon > filter.lastIndexOf('/');
            String wantRepo = hasTag ? filter.substring(0, colon) : filter;
            return repository.equals(wantRepo) && (!hasTag || filter.substring(colon + 1).equals(tag));
        }
    }

    @Command(name = "ls", aliases = "list", mixinStandardHelpOptions = true, description = "List images.")
    static final class Ls extends Images {
    }

    /** {@code skiff tag SOURCE TARGET}. */
    @Command(name = "tag", mixinStandardHelpOptions = true, description = "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE.")
    static final class TagCommand implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "SOURCE_IMAGE[:TAG]")
        String source;

        @Parameters(index = "1", paramLabel = "TARGET_IMAGE[:TAG]")
        String target;

        @Override
        public Integer call() throws Exception {
            ImageReference ref;
            try {
                ref = ImageReference.parse(target);
            } catch (FormatException e) {
                throw new Cli.UserError("invalid reference format: " + e.getMessage());
            }
            if (ref.digest().isPresent()) {
                throw new Cli.UserError("refusing to create a tag with a digest reference");
            }
            String repo = ref.familiarName();
            String tag = ref.tag().map(Object::toString).orElse("latest");
            request(client(spec), "POST", "/images/" + source + "/tag?repo=" + encode(repo) + "&tag=" + encode(tag));
            return 0;
        }
    }

    /** {@code skiff rmi IMAGE...} / {@code skiff image rm}. */
    @Command(name = "rmi", mixinStandardHelpOptions = true, description = "Remove one or more images.")
    static class Rmi implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = {"-f", "--force"}, description = "Force removal of the image.")
        boolean force;

        @Parameters(arity = "1..*", paramLabel = "IMAGE")
        List<String> images;

        @Override
        public Integer call() throws Exception {
            EngineClient client = client(spec);
            int exit = 0;
            for (String image : images) {
                try {
                    for (JsonNode item : request(client, "DELETE", "/images/" + image + (force ? "?force=1" : ""))) {
                        item.properties().forEach(e -> System.out.println(e.getKey() + ": " + e.getValue().asText()));
                    }
                } catch (Cli.UserError e) {
                    System.err.println(e.getMessage());
                    exit = 1;
                }
            }
            return exit;
        }
    }

    @Command(name = "rm", aliases = "remove", mixinStandardHelpOptions = true, description = "Remove one or more images.")
    static final class Rm extends Rmi {
    }

    /** {@code skiff import FILE|- [REPOSITORY[:TAG]]}. */
    @Command(name = "import", mixinStandardHelpOptions = true,
            description = "Import the contents from a tarball to create a filesystem image.")
    static final class Import implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = {"-c", "--change"}, description = "Apply Dockerfile instruction to the created image.")
        List<String> changes = new ArrayList<>();

        @Option(names = {"-m", "--message"}, description = "Set commit message for imported image.")
        String message;

        @Parameters(index = "0", paramLabel = "file|-")
        String source;

        @Parameters(index = "1", arity = "0..1", paramLabel = "REPOSITORY[:TAG]")
        String reference;

        @Override
        public Integer call() throws Exception {
            StringBuilder query = new StringBuilder("?fromSrc=-");
            if (reference != null) {
                ImageReference ref;
                try {
                    ref = ImageReference.parse(reference);
                } catch (FormatException e) {
                    throw new Cli.UserError("invalid reference format: " + e.getMessage());
                }
                query.append("&repo=").append(encode(ref.familiarName()));
                ref.tag().ifPresent(t -> query.append("&tag=").append(encode(t.toString())));
            }
            if (message != null) {
                query.append("&message=").append(encode(message));
            }
            changes.forEach(c -> query.append("&changes=").append(encode(c)));
            EngineClient client = client(spec);
            InputStream body;
            long length;
            if (source.equals("-")) {
                body = System.in;
                length = -1;
            } else {
                Path file = Path.of(source);
                if (!Files.isRegularFile(file)) {
                    throw new Cli.UserError("open " + source + ": no such file; give a tar archive or - for standard input");
                }
                body = Files.newInputStream(file);
                length = Files.size(file);
            }
            try (InputStream in = body; EngineClient.Response r = client.send("POST", "/images/create" + query, Map.of("Content-Type", "application/x-tar"), in, length)) {
                byte[] answer = r.readAll();
                if (r.status() / 100 != 2) {
                    throw new Cli.UserError("Error response from daemon: " + JSON.readTree(answer).path("message").asText());
                }
                for (String line : new String(answer, StandardCharsets.UTF_8).split("\r?\n")) {
                    if (!line.isBlank()) {
                        System.out.println(JSON.readTree(line).path("status").asText());
                    }
                }
            }
            return 0;
        }
    }

    /** {@code skiff image inspect IMAGE...}. */
    @Command(name = "inspect", mixinStandardHelpOptions = true, description = "Display detailed information on one or more images.")
    static final class Inspect implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = {"-f", "--format"}, description = "Format output using a Go template.")
        String format;

        @Parameters(arity = "1..*", paramLabel = "IMAGE")
        List<String> images;

        @Override
        public Integer call() throws Exception {
            EngineClient client = client(spec);
            ArrayNode all = JSON.createArrayNode();
            List<String> errors = new ArrayList<>();
            for (String image : images) {
                try {
                    all.add(request(client, "GET", "/images/" + image + "/json"));
                } catch (Cli.UserError e) {
                    errors.add(e.getMessage());
                }
            }
            if (format != null) {
                GoTemplate template;
                try {
                    template = GoTemplate.parse(format);
                } catch (TemplateException e) {
                    throw new Cli.UserError(e.getMessage());
                }
                for (JsonNode node : all) {
                    System.out.println(template.execute(node));
                }
            } else {
                System.out.println(GoJsonIndent.format(all));
            }
            errors.forEach(System.err::println);
            return errors.isEmpty() ? 0 : 1;
        }
    }

    /** {@code skiff image ...}: the image management group. */
    @Command(name = "image", mixinStandardHelpOptions = true, description = "Manage images.",
            subcommands = {Ls.class, Inspect.class, Rm.class, TagCommand.class, Import.class, PullCommand.class, PushCommand.class, BuildCommand.class,
                    ArchiveCommands.Save.class, ArchiveCommands.Load.class, HistoryCommand.class, PruneCommand.class})
    static final class Group extends CommandGroup {
    }
}
