package dev.skiff.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.builder.context.DockerIgnore;
import dev.skiff.builder.context.DockerIgnoreException;
import dev.skiff.cli.client.EngineClient;
import dev.skiff.engine.snapshots.TreeTar;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * {@code skiff build [OPTIONS] PATH | -}: sends the context (a directory as a tar, {@code .dockerignore}
 * applied here as the docker CLI does; or a tar or a Dockerfile on standard input) to the daemon's
 * classic builder and prints its output as {@code DOCKER_BUILDKIT=0 docker build} does. A failed
 * build exits with the builder's error code (a failed RUN's exit status).
 */
@Command(name = "build", mixinStandardHelpOptions = true, description = "Build an image from a Dockerfile.")
final class BuildCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = {"-t", "--tag"}, description = "Name and optionally a tag in the 'name:tag' format.")
    List<String> tags = new ArrayList<>();

    @Option(names = {"-f", "--file"}, description = "Name of the Dockerfile (Default is 'PATH/Dockerfile').")
    String file;

    @Option(names = "--build-arg", description = "Set build-time variables.")
    List<String> buildArgs = new ArrayList<>();

    @Option(names = "--label", description = "Set metadata for an image.")
    List<String> labels = new ArrayList<>();

    @Option(names = "--target", description = "Set the target build stage to build.")
    String target;

    @Option(names = "--network", description = "Set the networking mode for the RUN instructions during build (default, host, none).")
    String network;

    @Option(names = "--no-cache", description = "Do not use cache when building the image.")
    boolean noCache;

    @Option(names = "--pull", description = "Always attempt to pull a newer version of the image.")
    boolean pull;

    @Option(names = {"-q", "--quiet"}, description = "Suppress the build output and print image ID on success.")
    boolean quiet;

    @Option(names = "--secret", paramLabel = "id=ID,src=FILE|env=VARIABLE",
            description = "Secret to expose to the build's RUN --mount=type=secret (repeatable); never stored in the image.")
    List<String> secrets = new ArrayList<>();

    @Option(names = "--progress", paramLabel = "auto|plain|tty", defaultValue = "auto",
            description = "How to show the build: plain (the builder's text), tty (a live step list with each step's time), auto (tty on a terminal).")
    String progress;

    @Option(names = "--iidfile", description = "Write the image ID to the file.")
    String iidFile;

    @Parameters(index = "0", paramLabel = "PATH | -")
    String context;

    /** skiff's own header for build secrets (the classic API has none): base64 of a JSON object, id to base64 value. */
    static final String SECRETS_HEADER = "X-Skiff-Build-Secrets";

    /** {@code --secret id=ID,src=FILE} or {@code id=ID,env=VARIABLE}, as docker buildx reads them, read here and sent along. */
    static String secretsHeader(List<String> specs) throws java.io.IOException {
        Map<String, String> values = new java.util.TreeMap<>();
        for (String spec : specs) {
            String id = null;
            String src = null;
            String env = null;
            for (String field : spec.split(",")) {
                int eq = field.indexOf('=');
                String key = eq < 0 ? field : field.substring(0, eq);
                String value = eq < 0 ? "" : field.substring(eq + 1);
                switch (key) {
                    case "id" -> id = value;
                    case "src", "source" -> src = value;
                    case "env" -> env = value;
                    case "type" -> {
                        if (!value.equals("file") && !value.equals("env")) {
                            throw new Cli.FlagError("invalid --secret " + spec + ": type must be file or env");
                        }
                    }
                    default -> throw new Cli.FlagError("invalid --secret " + spec + ": unknown field " + key
                            + "; give id=ID,src=FILE or id=ID,env=VARIABLE");
                }
            }
            if (id == null || id.isEmpty()) {
                throw new Cli.FlagError("invalid --secret " + spec + ": it needs an id (id=ID,src=FILE)");
            }
            byte[] value;
            if (src != null) {
                Path file = Path.of(src);
                if (!Files.isRegularFile(file)) {
                    throw new Cli.UserError("secret " + id + ": " + src + " is not a readable file");
                }
                value = Files.readAllBytes(file);
            } else {
                String name = env != null ? env : id;
                String set = System.getenv(name);
                if (set == null) {
                    throw new Cli.UserError("secret " + id + ": the environment variable " + name + " is not set; "
                            + "set it, or give the secret as a file (src=FILE)");
                }
                value = set.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            }
            values.put(id, java.util.Base64.getEncoder().encodeToString(value));
        }
        String header = java.util.Base64.getEncoder().encodeToString(ImageCommands.JSON.writeValueAsBytes(values));
        if (header.length() > 12 * 1024) {
            throw new Cli.UserError("the build's secrets come to more than 9 KiB; skiff sends them in a request header, "
                    + "which holds no more: give large files in the context or a cache mount instead");
        }
        return header;
    }

    @Override
    public Integer call() throws Exception {
        BuildDisplay.Mode mode = quiet ? BuildDisplay.Mode.PLAIN : BuildDisplay.Mode.of(progress, Terminal.isTerminal(1));
        Optional<String> secretsSent = secrets.isEmpty() ? Optional.empty() : Optional.of(secretsHeader(secrets));
        byte[] tar;
        String dockerfile = "Dockerfile";
        if (context.equals("-")) {
            byte[] input = System.in.readAllBytes();
            if (isArchive(input)) {
                tar = input;
                if (file != null) {
                    dockerfile = file;
                }
            } else {
                tar = singleFile("Dockerfile", input); // a Dockerfile on stdin: a build without context
            }
        } else {
            Path dir = Path.of(context);
            if (!Files.isDirectory(dir)) {
                throw new Cli.UserError("unable to prepare context: path \"" + context + "\" not found; give a directory or -");
            }
            Path df = file == null ? dir.resolve("Dockerfile") : Path.of(file);
            if (!Files.isRegularFile(df)) {
                throw new Cli.UserError("unable to prepare context: unable to evaluate symlinks in Dockerfile path: lstat "
                        + df.toAbsolutePath() + ": no such file or directory");
            }
            Path realDir = dir.toRealPath();
            Path realDf = df.toRealPath();
            Optional<byte[]> extra = Optional.empty();
            if (realDf.startsWith(realDir)) {
                dockerfile = realDir.relativize(realDf).toString();
            } else {
                dockerfile = ".dockerfile." + Long.toHexString(System.nanoTime());
                extra = Optional.of(Files.readAllBytes(realDf));
            }
            tar = contextTar(realDir, realDf, dockerfile, extra);
        }
        if (!quiet) {
            System.out.println("Sending build context to Docker daemon  " + Humanize.size(tar.length, 4));
        }
        StringBuilder query = new StringBuilder("?version=1&dockerfile=").append(ImageCommands.encode(dockerfile));
        for (String t : tags) {
            query.append("&t=").append(ImageCommands.encode(t));
        }
        if (!buildArgs.isEmpty()) {
            query.append("&buildargs=").append(ImageCommands.encode(ImageCommands.JSON.writeValueAsString(pairs(buildArgs, "--build-arg", true))));
        }
        if (!labels.isEmpty()) {
            query.append("&labels=").append(ImageCommands.encode(ImageCommands.JSON.writeValueAsString(pairs(labels, "--label", false))));
        }
        if (target != null && !target.isEmpty()) {
            query.append("&target=").append(ImageCommands.encode(target));
        }
        if (noCache) {
            query.append("&nocache=1");
        }
        if (pull) {
            query.append("&pull=1");
        }
        if (network != null && !network.isEmpty()) {
            query.append("&networkmode=").append(ImageCommands.encode(network));
        }
        if (quiet) {
            query.append("&q=1");
        }
        Map<String, String> headers = new java.util.LinkedHashMap<>(Map.of("Content-Type", "application/x-tar", "X-Registry-Config", RegistryAuth.buildConfigHeader()));
        secretsSent.ifPresent(h -> headers.put(SECRETS_HEADER, h));
        EngineClient client = ImageCommands.client(spec);
        String imageId = null;
        try (EngineClient.Response r = client.send("POST", "/build" + query, headers,
                new java.io.ByteArrayInputStream(tar), tar.length)) {
            if (r.status() / 100 != 2) {
                JsonNode error = ImageCommands.JSON.readTree(r.readAll());
                throw new Cli.UserError("Error response from daemon: " + error.path("message").asText("status " + r.status()));
            }
            BuildDisplay display = new BuildDisplay(System.out, mode, Terminal.isTerminal(1) ? Terminal.width() : 100, java.time.Instant::now);
            BufferedReader lines = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8));
            for (String line; (line = lines.readLine()) != null; ) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode m = ImageCommands.JSON.readTree(line);
                if (m.has("errorDetail") || m.has("error")) {
                    display.failed();
                    System.out.flush();
                    String message = m.path("errorDetail").path("message").asText(m.path("error").asText());
                    int code = m.path("errorDetail").path("code").asInt(1);
                    throw new Cli.StatusError(code == 0 ? 1 : code, message);
                }
                if (m.has("aux")) {
                    imageId = m.path("aux").path("ID").asText(null);
                } else if (m.has("stream")) {
                    display.text(m.path("stream").asText());
                } else if (m.has("status") && !m.path("progressDetail").has("current")) {
                    // a FROM's pull, as the classic builder streams it: "latest: Pulling from alice/base", "Digest: ..."
                    String id = m.path("id").asText("");
                    display.text((id.isEmpty() ? "" : id + ": ") + m.path("status").asText() + "\n");
                }
            }
            display.finish();
        }
        if (imageId == null) {
            throw new Cli.UserError("the daemon ended the build without an image ID; see the daemon's log");
        }
        if (iidFile != null) {
            Files.writeString(Path.of(iidFile), imageId);
        }
        return 0;
    }

    /** {@code NAME=value}s; a build arg without {@code =} takes the variable of that name from the environment, as docker does. */
    private static Map<String, String> pairs(List<String> values, String flag, boolean fromEnvironment) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String v : values) {
            int eq = v.indexOf('=');
            if (eq == 0) {
                throw new Cli.UserError("invalid argument \"" + v + "\" for \"" + flag + "\" flag: give NAME=value");
            }
            if (eq < 0) {
                String env = fromEnvironment ? System.getenv(v) : "";
                if (env != null) {
                    out.put(v, env);
                }
            } else {
                out.put(v.substring(0, eq), v.substring(eq + 1));
            }
        }
        return out;
    }

    static boolean isArchive(byte[] b) {
        if (b.length >= 2 && (b[0] & 0xff) == 0x1f && (b[1] & 0xff) == 0x8b) {
            return true;
        }
        return b.length >= 262 && new String(b, 257, 5, StandardCharsets.US_ASCII).equals("ustar");
    }

    private static byte[] singleFile(String name, byte[] content) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = TreeTar.output(bytes)) {
            TarArchiveEntry e = new TarArchiveEntry(name);
            e.setSize(content.length);
            e.setMode(0644);
            tar.putArchiveEntry(e);
            tar.write(content);
            tar.closeArchiveEntry();
        }
        return bytes.toByteArray();
    }

    /**
     * The context directory as a tar, without what {@code .dockerignore} excludes (the Dockerfile and
     * {@code .dockerignore} always go), owners zeroed as the docker CLI sends them.
     */
    static byte[] contextTar(Path dir, Path dockerfile, String dockerfileName, Optional<byte[]> outsideDockerfile) throws IOException {
        DockerIgnore ignore;
        try {
            ignore = DockerIgnore.load(dir, dockerfile);
        } catch (DockerIgnoreException e) {
            throw new Cli.UserError("error reading .dockerignore: " + e.getMessage());
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = TreeTar.output(bytes)) {
            add(dir, "", ignore, dockerfileName, tar);
            if (outsideDockerfile.isPresent()) {
                TarArchiveEntry e = new TarArchiveEntry(dockerfileName);
                e.setSize(outsideDockerfile.get().length);
                e.setMode(0644);
                tar.putArchiveEntry(e);
                tar.write(outsideDockerfile.get());
                tar.closeArchiveEntry();
            }
        }
        return bytes.toByteArray();
    }

    private static void add(Path dir, String prefix, DockerIgnore ignore, String dockerfileName, TarArchiveOutputStream tar)
            throws IOException {
        List<Path> children = new ArrayList<>();
        try (DirectoryStream<Path> d = Files.newDirectoryStream(dir)) {
            d.forEach(children::add);
        }
        children.sort(null);
        for (Path child : children) {
            String name = prefix + child.getFileName();
            boolean isDir = Files.isDirectory(child, LinkOption.NOFOLLOW_LINKS);
            boolean always = name.equals(dockerfileName) || name.equals(DockerIgnore.FILE_NAME);
            if (!always && ignore.excludes(name)) {
                if (isDir && ignore.mustDescend(name)) {
                    add(child, name + "/", ignore, dockerfileName, tar);
                }
                continue;
            }
            Map<String, Object> a = Files.readAttributes(child, "unix:mode,size,lastModifiedTime", LinkOption.NOFOLLOW_LINKS);
            int mode = (Integer) a.get("mode");
            TarArchiveEntry e;
            if (isDir) {
                e = new TarArchiveEntry(name + "/");
            } else if (Files.isSymbolicLink(child)) {
                e = new TarArchiveEntry(name, TarArchiveEntry.LF_SYMLINK);
                e.setLinkName(Files.readSymbolicLink(child).toString());
            } else if (Files.isRegularFile(child, LinkOption.NOFOLLOW_LINKS)) {
                e = new TarArchiveEntry(name);
                e.setSize((Long) a.get("size"));
            } else {
                continue; // devices, fifos and sockets are not sent
            }
            e.setMode(mode & 07777);
            e.setUserId(0);
            e.setGroupId(0);
            // whole seconds, as docker's context tar has them: a sub-second time costs each entry a PAX header
            e.setModTime(((java.nio.file.attribute.FileTime) a.get("lastModifiedTime")).to(java.util.concurrent.TimeUnit.SECONDS) * 1000);
            tar.putArchiveEntry(e);
            if (e.isFile()) {
                Files.copy(child, tar);
            }
            tar.closeArchiveEntry();
            if (isDir) {
                add(child, name + "/", ignore, dockerfileName, tar);
            }
        }
    }
}
