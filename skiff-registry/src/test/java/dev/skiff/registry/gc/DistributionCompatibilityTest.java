package dev.skiff.registry.gc;

import dev.skiff.formats.Digest;
import dev.skiff.formats.MediaTypes;
import dev.skiff.registry.storage.FileSystemDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A folder written by the real CNCF distribution 2.8 (pushed to with skopeo, manifests deleted
 * through its API) must give the same deletions with our collector as with its own
 * {@code garbage-collect}, and stay pullable after ours ran.
 */
@Timeout(180)
class DistributionCompatibilityTest {
    private static final Path REGISTRY = Path.of("/usr/bin/docker-registry");
    private static final Path SKOPEO = Path.of("/usr/bin/skopeo");

    @TempDir
    Path temp;
    private Process server;
    private int port;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @AfterEach
    void stopServer() throws InterruptedException {
        stop();
    }

    @Test
    void sameDeletionsAsDistributionsOwnGarbageCollect() throws Exception {
        assumeTrue(Files.isExecutable(REGISTRY) && Files.isExecutable(SKOPEO),
                "needs docker-registry (Debian package docker-registry) and skopeo");
        Path storage = temp.resolve("storage");
        Path config = writeConfig(storage);
        OciLayout layout = new OciLayout(temp.resolve("layout"));
        layout.image("a", List.of("shared layer", "a only"));
        layout.image("b", List.of("shared layer", "b only"));
        Digest c = layout.image("c", List.of("c only 1", "c only 2"));
        layout.multiArch("multi", List.of("amd64 layer", "arm64 layer"));
        layout.write();

        start(config);
        push(layout, "a", "alice/app:a");
        push(layout, "b", "alice/app:b");
        push(layout, "b", "carol/nested/deep/app:b");
        push(layout, "c", "alice/app:c");
        push(layout, "multi", "bob/multi:latest");
        deleteManifest("alice/app", c);
        deleteManifest("alice/app", layout.refs.get("b"));
        Digest orphan = uploadBlob("alice/app", "uploaded, never referenced".getBytes(StandardCharsets.UTF_8));
        startUpload("alice/app");
        stop();

        Set<Digest> theirs = distributionDryRun(config);
        GcReport ours = collect(storage, true);
        assertThat(theirs).contains(orphan, c).hasSize(5); // orphan, c's manifest, config and two layers
        assertThat(new TreeSet<>(ours.deletedBlobs())).isEqualTo(theirs);
        assertThat(ours.warnings()).isEmpty();

        GcReport real = collect(storage, false);
        assertThat(new TreeSet<>(real.deletedBlobs())).isEqualTo(theirs);
        assertThat(real.uploadsRemoved()).as("the upload just started").isZero();
        assertThat(distributionDryRun(config)).as("left for distribution to collect").isEmpty();

        start(config);
        pull("alice/app:a");
        pull("carol/nested/deep/app:b");
        pull("bob/multi:latest");
    }

    private GcReport collect(Path storage, boolean dryRun) throws IOException {
        // Distribution has no grace period; everything here was written before the run started.
        return new GarbageCollector(new FileSystemDriver(storage), CollectionLock.forFileSystem(storage),
                GcOptions.defaults().withDryRun(dryRun).withGracePeriod(Duration.ZERO), InstantSource.system()).run();
    }

    // ---- distribution and skopeo

    private Path writeConfig(Path storage) throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        Path config = temp.resolve("config.yml");
        Files.writeString(config, """
                version: 0.1
                log:
                  level: warn
                storage:
                  filesystem:
                    rootdirectory: %s
                  delete:
                    enabled: true
                http:
                  addr: 127.0.0.1:%d
                """.formatted(storage, port));
        return config;
    }

    private void start(Path config) throws Exception {
        server = new ProcessBuilder(REGISTRY.toString(), "serve", config.toString())
                .redirectErrorStream(true).redirectOutput(temp.resolve("registry.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            try {
                if (http.send(HttpRequest.newBuilder(uri("/v2/")).build(), HttpResponse.BodyHandlers.discarding())
                        .statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // still starting
            }
            if (!server.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException("docker-registry did not start:\n"
                        + Files.readString(temp.resolve("registry.log")));
            }
            Thread.sleep(100);
        }
    }

    private void stop() throws InterruptedException {
        if (server != null && server.isAlive()) {
            server.destroy();
            if (!server.waitFor(10, TimeUnit.SECONDS)) {
                server.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    private void push(OciLayout layout, String ref, String target) throws Exception {
        run(List.of(SKOPEO.toString(), "--insecure-policy", "copy", "--all", "--dest-tls-verify=false",
                "oci:" + layout.dir + ":" + ref, "docker://127.0.0.1:" + port + "/" + target));
    }

    private void pull(String source) throws Exception {
        Path out = temp.resolve("pulled");
        run(List.of(SKOPEO.toString(), "--insecure-policy", "copy", "--all", "--src-tls-verify=false",
                "docker://127.0.0.1:" + port + "/" + source, "oci:" + out + ":" + source.replace('/', '-')));
    }

    private Set<Digest> distributionDryRun(Path config) throws Exception {
        String output = run(List.of(REGISTRY.toString(), "garbage-collect", "--dry-run", config.toString()));
        String prefix = "blob eligible for deletion: ";
        return output.lines().filter(l -> l.startsWith(prefix)).map(l -> Digest.parse(l.substring(prefix.length()).strip()))
                .collect(Collectors.toCollection(TreeSet::new));
    }

    private void deleteManifest(String repo, Digest manifest) throws Exception {
        var response = http.send(HttpRequest.newBuilder(uri("/v2/" + repo + "/manifests/" + manifest)).DELETE().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("DELETE manifest: %s", response.body()).isEqualTo(202);
    }

    private String startUpload(String repo) throws Exception {
        var response = http.send(HttpRequest.newBuilder(uri("/v2/" + repo + "/blobs/uploads/"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding());
        assertThat(response.statusCode()).isEqualTo(202);
        return response.headers().firstValue("Location").orElseThrow();
    }

    private Digest uploadBlob(String repo, byte[] content) throws Exception {
        Digest digest = Digest.sha256(content);
        String location = startUpload(repo);
        URI put = uri("").resolve(location + (location.contains("?") ? "&" : "?") + "digest=" + digest);
        var response = http.send(HttpRequest.newBuilder(put).PUT(HttpRequest.BodyPublishers.ofByteArray(content))
                .header("Content-Type", "application/octet-stream").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("PUT upload: %s", response.body()).isEqualTo(201);
        return digest;
    }

    private static String run(List<String> command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] output = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String text = new String(output, StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as("%s:%n%s", command, text).isZero();
        return text;
    }

    /** An OCI image layout (image-spec {@code image-layout.md}) for skopeo to push from. */
    private static final class OciLayout {
        final Path dir;
        final java.util.Map<String, Digest> refs = new java.util.LinkedHashMap<>();
        private final List<String> index = new ArrayList<>();

        OciLayout(Path dir) throws IOException {
            this.dir = dir;
            Files.createDirectories(dir.resolve("blobs/sha256"));
        }

        private String put(String mediaType, byte[] content, String extra) throws IOException {
            Digest d = Digest.sha256(content);
            Files.write(dir.resolve("blobs/sha256/" + d.encoded()), content);
            return "{\"mediaType\":\"" + mediaType + "\",\"digest\":\"" + d + "\",\"size\":" + content.length + extra + "}";
        }

        private String manifest(List<String> layers, String arch) throws IOException {
            List<String> descriptors = new ArrayList<>();
            List<String> diffIds = new ArrayList<>();
            for (String layer : layers) {
                byte[] raw = layer.repeat(10).getBytes(StandardCharsets.UTF_8);
                diffIds.add("\"" + Digest.sha256(raw) + "\"");
                descriptors.add(put(MediaTypes.OCI_LAYER_GZIP, gzip(raw), ""));
            }
            String config = put(MediaTypes.OCI_CONFIG, ("{\"architecture\":\"" + arch + "\",\"os\":\"linux\","
                    + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[" + String.join(",", diffIds) + "]}}")
                    .getBytes(StandardCharsets.UTF_8), "");
            String json = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"config\":" + config
                    + ",\"layers\":[" + String.join(",", descriptors) + "]}";
            return put(MediaTypes.OCI_MANIFEST, json.getBytes(StandardCharsets.UTF_8),
                    ",\"platform\":{\"architecture\":\"" + arch + "\",\"os\":\"linux\"}");
        }

        Digest image(String ref, List<String> layers) throws IOException {
            return add(ref, manifest(layers, "amd64"));
        }

        Digest multiArch(String ref, List<String> perArchLayer) throws IOException {
            String amd64 = manifest(List.of(perArchLayer.get(0)), "amd64");
            String arm64 = manifest(List.of(perArchLayer.get(1)), "arm64");
            String json = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_INDEX + "\",\"manifests\":["
                    + amd64 + "," + arm64 + "]}";
            return add(ref, put(MediaTypes.OCI_INDEX, json.getBytes(StandardCharsets.UTF_8), ""));
        }

        private Digest add(String ref, String descriptor) {
            String withName = descriptor.substring(0, descriptor.length() - 1)
                    + ",\"annotations\":{\"org.opencontainers.image.ref.name\":\"" + ref + "\"}}";
            index.add(withName);
            Digest d = Digest.parse(descriptor.replaceAll(".*\"digest\":\"([^\"]+)\".*", "$1"));
            refs.put(ref, d);
            return d;
        }

        void write() throws IOException {
            Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
            Files.writeString(dir.resolve("index.json"), "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_INDEX
                    + "\",\"manifests\":[" + String.join(",", index) + "]}");
        }

        private static byte[] gzip(byte[] raw) throws IOException {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
                gz.write(raw);
            }
            return out.toByteArray();
        }
    }
}
