package dev.skiff.daemon.api;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skiff.engine.EngineException;
import dev.skiff.engine.build.BuildException;
import dev.skiff.engine.build.BuildOutput;
import dev.skiff.engine.build.BuildRequest;
import dev.skiff.engine.build.ImageBuilder;
import dev.skiff.engine.snapshots.TreeTar;
import dev.skiff.engine.sys.Mounts;
import dev.skiff.formats.Digest;
import dev.skiff.http.Exchange;
import io.netty.handler.codec.http.HttpMethod;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.zip.GZIPInputStream;

/**
 * {@code POST /build}: docker's classic builder ({@code version=1}). The body is the context as a
 * tar (gzip allowed); it is unpacked under {@code <dataRoot>/builder/contexts} for the build's
 * length, into a tmpfs of its own when one can be mounted there (see {@link #receive}). The answer
 * streams the builder's text as {@code {"stream":...}} lines, the image ID as
 * {@code {"aux":{"ID":...}}}; a failure before anything was streamed (a bad Dockerfile, a bad tag)
 * is a plain HTTP 400, after it an in-stream {@code errorDetail}, as dockerd does.
 */
final class BuildApi {
    private static final TypeReference<Map<String, String>> STRING_MAP = new TypeReference<>() {
    };

    private final ImageBuilder builder;
    private final Path contexts;
    private final long memory = contextMemory();

    BuildApi(ImageBuilder builder, Path dataRoot) {
        this.builder = builder;
        this.contexts = dataRoot.resolve("builder").resolve("contexts");
        if (Files.isDirectory(contexts)) {
            try {
                Mounts.below(contexts).forEach(Mounts::detach); // contexts of builds a crash or kill cut short
            } catch (IOException e) {
                System.err.println("skiff daemon: cannot read the mount table: " + e.getMessage());
            }
            deleteTree(contexts);
        }
    }

    boolean route(Exchange ex, String path) {
        if (!path.equals("/build")) {
            return false;
        }
        EngineApi.allow(ex.method(), HttpMethod.POST);
        build(ex);
        return true;
    }

    private void build(Exchange ex) {
        Path context;
        try {
            Files.createDirectories(contexts);
            context = Files.createTempDirectory(contexts, "ctx-");
        } catch (IOException e) {
            throw new ApiException(500, "cannot make a directory for the build context under " + contexts + ": " + e.getMessage());
        }
        boolean inMemory = memory > 0 && Mounts.tmpfs(context, memory);
        try {
            try (BodyStream body = new BodyStream(ex)) {
                try {
                    inMemory = receive(body, context, inMemory);
                } catch (IOException | RuntimeException e) {
                    body.drain();
                    throw ApiException.badRequest("the build context is not a valid tar (or gzip of a tar): " + e.getMessage());
                }
            }
            BuildRequest request = request(ex, context);
            boolean quiet = flag(ex, "q");
            ProgressStream stream = new ProgressStream(ex);
            BuildOutput output = new BuildOutput() {
                @Override
                public void stream(String text) {
                    if (!quiet) {
                        stream.send(EngineApi.JSON.createObjectNode().put("stream", text));
                    }
                }

                @Override
                public void pulling(dev.skiff.engine.distribution.PullProgress progress) {
                    if (!quiet) {
                        stream.send(PullApi.message(progress));
                    }
                }

                @Override
                public void built(Digest imageId) {
                    ObjectNode m = EngineApi.JSON.createObjectNode();
                    m.putObject("aux").put("ID", imageId.toString());
                    stream.send(m);
                    if (quiet) {
                        stream.send(EngineApi.JSON.createObjectNode().put("stream", imageId + "\n"));
                    }
                }
            };
            try {
                builder.build(request, output);
            } catch (BuildException e) {
                fail(stream, e);
            } catch (EngineException e) {
                fail(stream, new BuildException(e.getMessage(), e));
            } catch (Exchange.ConnectionLost e) {
                throw e;
            } catch (RuntimeException e) {
                System.err.println("skiff daemon: build failed: " + e);
                fail(stream, new BuildException("the daemon could not complete the build: " + e.getMessage()
                        + "; see the daemon's log", e));
            }
            stream.end();
        } finally {
            if (inMemory) {
                Mounts.detach(context);
            }
            deleteTree(context);
        }
    }

    /**
     * Unpacks the body into {@code dir}, in memory when it is a tmpfs: an unchanged rebuild reads its
     * context only to checksum it, and a disk's journal made most of its time (each file created cost
     * a millisecond on this project's CI machine). The body is copied to a file beside {@code dir} as
     * it is read, so that a context larger than the tmpfs (or one it refuses) is unpacked again from
     * that copy onto the disk below, once the tmpfs is gone; a body that is no valid context fails
     * there the same way. Returns whether the context stayed in memory.
     */
    private static boolean receive(InputStream body, Path dir, boolean inMemory) throws IOException {
        if (!inMemory) {
            unpack(body, dir);
            return false;
        }
        Path copy = dir.resolveSibling(dir.getFileName() + ".tar");
        try {
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(copy), 1 << 16)) {
                InputStream teed = new Tee(body, out);
                try {
                    unpack(teed, dir);
                    return true;
                } catch (IOException | RuntimeException e) {
                    teed.transferTo(OutputStream.nullOutputStream()); // the rest of the body, into the copy
                }
            }
            Mounts.detach(dir);
            try (InputStream again = Files.newInputStream(copy)) {
                unpack(again, dir);
            }
            return false;
        } finally {
            Files.deleteIfExists(copy);
        }
    }

    /** Reads through to {@code in}, writing every byte it reads to {@code copy} as well. */
    private static final class Tee extends InputStream {
        private final InputStream in;
        private final OutputStream copy;

        Tee(InputStream in, OutputStream copy) {
            this.in = in;
            this.copy = copy;
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b >= 0) {
                copy.write(b);
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            if (n > 0) {
                copy.write(b, off, n);
            }
            return n;
        }
    }

    /** Before the stream opened: HTTP 400; after: an {@code errorDetail} line, with the exit code of a failed RUN. */
    private static void fail(ProgressStream stream, BuildException e) {
        if (!stream.opened()) {
            throw ApiException.badRequest(e.getMessage());
        }
        ObjectNode m = EngineApi.JSON.createObjectNode();
        ObjectNode detail = m.putObject("errorDetail");
        if (e.commandFailed()) {
            detail.put("code", e.code());
        }
        detail.put("message", e.getMessage());
        m.put("error", e.getMessage());
        stream.send(m);
    }

    private static BuildRequest request(Exchange ex, Path context) {
        String version = ex.query("version").orElse("1");
        if (!version.equals("1")) {
            throw ApiException.badRequest("builder version " + version + " (BuildKit) is not supported by skiff; "
                    + "use the classic builder: DOCKER_BUILDKIT=0 docker build ...");
        }
        if (ex.query("remote").filter(r -> !r.isEmpty()).isPresent()) {
            throw ApiException.badRequest("a remote build context (remote=" + ex.query("remote").get()
                    + ") is not supported by skiff; send the context as the request body");
        }
        List<String> tags = ex.queryAll("t").stream().filter(t -> !t.isEmpty()).toList();
        Map<String, String> buildArgs = jsonMap(ex, "buildargs");
        Map<String, String> labels = jsonMap(ex, "labels");
        Optional<String> target = ex.query("target").filter(t -> !t.isEmpty());
        String network = ex.query("networkmode").filter(n -> !n.isEmpty()).orElse("default");
        if (!BuildRequest.NETWORK_MODES.contains(network)) {
            throw ApiException.badRequest("network mode " + network + " is not supported for builds: use default, bridge, host or none");
        }
        return new BuildRequest(context, ex.query("dockerfile").filter(d -> !d.isEmpty()).orElse("Dockerfile"), tags,
                buildArgs, target, flag(ex, "nocache"), labels, network, secrets(ex),
                new BuildRequest.Pulls(flag(ex, "pull"), RegistryAuthHeader.config(ex)));
    }

    /** A JSON object parameter; null values (a {@code --build-arg NAME} without value and no such env) are left out. */
    private static Map<String, String> jsonMap(Exchange ex, String name) {
        Optional<String> raw = ex.query(name).filter(v -> !v.isEmpty());
        if (raw.isEmpty()) {
            return Map.of();
        }
        try {
            Map<String, String> parsed = EngineApi.JSON.readValue(raw.get(), STRING_MAP);
            Map<String, String> out = new LinkedHashMap<>();
            parsed.forEach((k, v) -> {
                if (v != null) {
                    out.put(k, v);
                }
            });
            return out;
        } catch (IOException e) {
            throw ApiException.badRequest("the " + name + " parameter is not a JSON object of strings: "
                    + e.getMessage().lines().findFirst().orElse(""));
        }
    }

    /**
     * How much memory one build's context may take: {@code SKIFF_BUILD_CONTEXT_MEMORY} in bytes (0: on
     * disk always), else {@link Mounts#tmpfsSize()}. A larger context goes to disk, as it arrives.
     */
    private static long contextMemory() {
        String set = System.getenv("SKIFF_BUILD_CONTEXT_MEMORY");
        if (set != null && !set.isBlank()) {
            try {
                return Math.max(0, Long.parseLong(set.strip()));
            } catch (NumberFormatException e) {
                System.err.println("skiff daemon: SKIFF_BUILD_CONTEXT_MEMORY=" + set + " is not a number of bytes; using the default");
            }
        }
        return Mounts.tmpfsSize();
    }

    /**
     * The secrets {@code skiff build --secret} sends in {@code X-Skiff-Build-Secrets} (base64 of a JSON
     * object of ids to base64 values): the classic API has no place for them; the docker CLI sends none.
     */
    private static Map<String, byte[]> secrets(Exchange ex) {
        Optional<String> header = ex.header("X-Skiff-Build-Secrets");
        if (header.isEmpty() || header.get().isBlank()) {
            return Map.of();
        }
        try {
            Map<String, String> encoded = EngineApi.JSON.readValue(java.util.Base64.getDecoder().decode(header.get().strip()), STRING_MAP);
            Map<String, byte[]> secrets = new LinkedHashMap<>();
            encoded.forEach((id, value) -> secrets.put(id, java.util.Base64.getDecoder().decode(value)));
            return secrets;
        } catch (IOException | IllegalArgumentException e) {
            throw ApiException.badRequest("X-Skiff-Build-Secrets is not base64 of a JSON object of ids to base64 values");
        }
    }

    private static boolean flag(Exchange ex, String name) {
        return ex.query(name).map(v -> v.equals("1") || v.equalsIgnoreCase("true")).orElse(false);
    }

    /**
     * Unpacks the context: a tar, or a gzip of one; any other body is a Dockerfile alone
     * ({@code docker build - < Dockerfile}), as dockerd reads it.
     */
    private static void unpack(InputStream body, Path dir) throws IOException {
        BufferedInputStream in = new BufferedInputStream(body, 1024);
        in.mark(512);
        byte[] head = in.readNBytes(512);
        in.reset();
        if (head.length == 0) {
            return; // an empty body is an empty context
        }
        boolean gzip = head.length >= 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b;
        boolean tar = head.length >= 262 && new String(head, 257, 5, java.nio.charset.StandardCharsets.US_ASCII).equals("ustar");
        if (!gzip && !tar) {
            try (var out = Files.newOutputStream(dir.resolve("Dockerfile"))) {
                in.transferTo(out);
            }
            return;
        }
        InputStream stream = gzip ? new GZIPInputStream(in) : in;
        TreeTar.extract(new PaddedTar(stream), dir);
        in.transferTo(java.io.OutputStream.nullOutputStream());
    }

    /**
     * The docker CLI sends a context whose Dockerfile lies outside it (its {@code -f}) as a tar that
     * ends right after that file's bytes: no padding to the 512-byte block and no end-of-archive
     * blocks (Go's reader, dockerd's, takes it). This completes such a stream with zero bytes.
     */
    static final class PaddedTar extends InputStream {
        private final InputStream in;
        private long count;
        private long padding = -1;

        PaddedTar(InputStream in) {
            this.in = in;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (padding < 0) {
                int n = in.read(b, off, len);
                if (n >= 0) {
                    count += n;
                    return n;
                }
                padding = (512 - count % 512) % 512 + 1024;
            }
            if (padding == 0) {
                return -1;
            }
            int n = (int) Math.min(len, padding);
            java.util.Arrays.fill(b, off, off + n, (byte) 0);
            padding -= n;
            return n;
        }
    }

    private static void deleteTree(Path dir) {
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                    Files.delete(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            System.err.println("skiff daemon: cannot remove the build context " + dir + ": " + e.getMessage());
        }
    }
}
