package dev.skiff.it.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skiff.it.registry.SkiffRegistryProcess;
import dev.skiff.it.support.CommandResult;
import dev.skiff.it.support.ExternalCommand;
import dev.skiff.it.support.FlakyProxy;
import dev.skiff.it.support.ServerProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedOutputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Pushes over a network that drops or stalls the upload, and a daemon killed in the middle of one:
 * while it uploads a layer, and while it gzips an uncompressed layer to push it.
 */
class PushFaultsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void aDaemonKilledDuringAnUploadKeepsTheImageAndThePushSucceedsAfterARestart() throws Exception {
        Path socket = tmp.resolve("skiff.sock");
        Path data = tmp.resolve("data");
        Path rootfs = rootfsTar("random", out -> writeRandom(out, 6 * 1024 * 1024, 11));
        try (SkiffRegistryProcess registry = SkiffRegistryProcess.serving(tmp.resolve("registry")).start();
             FlakyProxy proxy = FlakyProxy.stallingRequests(registry.address(), 2 * 1024 * 1024)) {
            String ref = proxy.address() + "/anyone/big:1";
            String id;
            List<Path> snapshots;
            try (ServerProcess daemon = DaemonHarness.start(tmp, socket)) {
                DaemonHarness.skiff(socket, "import", rootfs.toString(), ref).assertSuccess();
                id = inspect(socket, "{{.Id}}", ref);
                snapshots = files(data.resolve("snapshots"));
                CompletableFuture<CommandResult> push = CompletableFuture.supplyAsync(() -> DaemonHarness.skiff(socket, "push", ref));
                assertThat(proxy.awaitFault(Duration.ofSeconds(120))).as(daemon.describe()).isTrue();
                Thread.sleep(300); // the daemon is now sending the layer, into a connection that takes no more
                ProcessHandle.of(daemon.pid()).orElseThrow().destroyForcibly();
                assertThat(daemon.awaitExit(Duration.ofSeconds(10))).isTrue();
                assertThat(push.get().exitCode()).isNotZero();
            }
            long started = System.nanoTime();
            try (ServerProcess daemon = DaemonHarness.start(tmp, socket)) {
                System.out.printf("restart after a kill during an upload: %d ms%n", (System.nanoTime() - started) / 1_000_000);
                assertThat(files(data.resolve("content/ingest"))).as("the restart cleans the ingest area").isEmpty();
                assertThat(temporaries(data.resolve("distribution"))).isEmpty();
                assertThat(inspect(socket, "{{.Id}}", ref)).isEqualTo(id);
                assertThat(DaemonHarness.skiff(socket, "images", "-q").assertSuccess().stdout()).contains(id.substring(7, 19));
                assertThat(files(data.resolve("snapshots"))).isEqualTo(snapshots);

                CommandResult again = DaemonHarness.skiff(socket, "push", ref);
                assertThat(again.exitCode()).as(again.describe() + daemon.describe()).isZero();
                DaemonHarness.skiff(socket, "rmi", "-f", ref).assertSuccess();
                String direct = registry.address() + "/anyone/big:1";
                DaemonHarness.skiff(socket, "pull", direct).assertSuccess();
                assertThat(inspect(socket, "{{.Id}}", direct)).isEqualTo(id);
            }
        }
    }

    @Test
    void aDaemonKilledWhileCompressingALayerLeavesNoScrapsAndPushesTheSameDigestsAfterARestart() throws Exception {
        Path socket = tmp.resolve("skiff.sock");
        Path data = tmp.resolve("data");
        // 200 MB of text-like bytes: compressible, and long enough to gzip that the kill lands midway
        Path rootfs = rootfsTar("text", out -> writeText(out, 200L * 1024 * 1024, 5));
        try (SkiffRegistryProcess first = SkiffRegistryProcess.serving(tmp.resolve("registry1")).start();
             SkiffRegistryProcess second = SkiffRegistryProcess.serving(tmp.resolve("registry2")).start()) {
            String ref = first.address() + "/anyone/text:1";
            String id;
            String diffId;
            try (ServerProcess daemon = DaemonHarness.start(tmp, socket)) {
                DaemonHarness.skiff(socket, "import", rootfs.toString(), ref).assertSuccess();
                id = inspect(socket, "{{.Id}}", ref);
                diffId = inspect(socket, "{{index .RootFS.Layers 0}}", ref);
                assertThat(files(data.resolve("content/ingest"))).isEmpty();
                CompletableFuture<CommandResult> push = CompletableFuture.supplyAsync(() -> DaemonHarness.skiff(socket, "push", ref));
                long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
                while (files(data.resolve("content/ingest")).isEmpty() && System.nanoTime() < deadline) {
                    Thread.sleep(5);
                }
                assertThat(files(data.resolve("content/ingest"))).as("the push started compressing" + daemon.describe()).isNotEmpty();
                Thread.sleep(200);
                ProcessHandle.of(daemon.pid()).orElseThrow().destroyForcibly();
                assertThat(daemon.awaitExit(Duration.ofSeconds(10))).isTrue();
                assertThat(push.get().exitCode()).isNotZero();
            }
            assertThat(files(data.resolve("content/ingest"))).as("a partial gzip was left").isNotEmpty();
            // what a crash in the middle of writing metadata could leave, had the write not been atomic
            Path compressed = data.resolve("distribution/compressed/sha256");
            Files.createDirectories(compressed);
            Files.writeString(compressed.resolve(diffId.substring(7) + ".json"), "{\"mediaType\":\"application/vnd.do");
            Files.writeString(compressed.resolve(".tmp-" + diffId.substring(7) + ".json-1234"), "{\"media");

            long started = System.nanoTime();
            try (ServerProcess daemon = DaemonHarness.start(tmp, socket)) {
                System.out.printf("restart after a kill during compression: %d ms%n", (System.nanoTime() - started) / 1_000_000);
                assertThat(files(data.resolve("content/ingest"))).as("the restart cleans the ingest area").isEmpty();
                assertThat(temporaries(data.resolve("distribution"))).isEmpty();
                assertThat(inspect(socket, "{{.Id}}", ref)).isEqualTo(id);

                CommandResult again = DaemonHarness.skiff(socket, "push", ref);
                assertThat(again.exitCode()).as(again.describe() + daemon.describe()).isZero();
                String layer = layerDigest(first.address(), "anyone/text", "1");
                assertThat(layer).isNotEqualTo(diffId); // a gzip blob, not the tar

                // forget the remembered gzip: the second push compresses again and must come out the same
                deleteTree(data.resolve("distribution/compressed"));
                String other = second.address() + "/anyone/text:1";
                DaemonHarness.skiff(socket, "tag", ref, other).assertSuccess();
                CommandResult elsewhere = DaemonHarness.skiff(socket, "push", other);
                assertThat(elsewhere.exitCode()).as(elsewhere.describe() + daemon.describe()).isZero();
                assertThat(layerDigest(second.address(), "anyone/text", "1")).isEqualTo(layer);
                assertThat(files(data.resolve("content/ingest"))).isEmpty();
            }
        }
    }

    @Test
    void anUploadCutOffIsResumedAndOneCutOffForGoodSaysWhichLayerAndWhereThenARetrySucceeds() throws Exception {
        Path socket = tmp.resolve("skiff.sock");
        Path rootfs = rootfsTar("random", out -> writeRandom(out, 4 * 1024 * 1024, 12));
        try (SkiffRegistryProcess registry = SkiffRegistryProcess.serving(tmp.resolve("registry")).start();
             ServerProcess daemon = DaemonHarness.start(tmp, socket)) {
            // once: the daemon asks the upload session where it stands and sends the rest
            try (FlakyProxy proxy = FlakyProxy.cuttingRequests(registry.address(), 1024 * 1024, 1)) {
                String ref = proxy.address() + "/anyone/cut:1";
                DaemonHarness.skiff(socket, "import", rootfs.toString(), ref).assertSuccess();
                CommandResult push = DaemonHarness.skiff(socket, "push", ref);
                assertThat(push.exitCode()).as(push.describe() + daemon.describe()).isZero();
                assertThat(proxy.faultsMade()).isEqualTo(1);
                assertThat(registry.describe()).containsPattern("\"GET /v2/anyone/cut/blobs/uploads/[^ ]+\" 204 ");
                DaemonHarness.skiff(socket, "rmi", "-f", ref).assertSuccess();
            }
            // every time: the push gives up with the layer and the registry named, as docker shows it
            try (FlakyProxy proxy = FlakyProxy.cuttingRequests(registry.address(), 1024 * 1024, 4)) {
                String ref = proxy.address() + "/anyone/cut2:1";
                DaemonHarness.skiff(socket, "import", rootfs.toString(), ref).assertSuccess();
                String id = inspect(socket, "{{.Id}}", ref);
                String layer = inspect(socket, "{{index .RootFS.Layers 0}}", ref).substring(7, 19);
                CommandResult push = DaemonHarness.docker(tmp, socket, "push", ref);
                assertThat(push.exitCode()).as(push.describe()).isEqualTo(1);
                assertThat(push.stderr()).as(push.describe())
                        .contains("the upload of layer " + layer + " to " + proxy.address() + " broke off: ")
                        .contains("push again").doesNotContain("HTTP 500").doesNotContain("see the daemon's log").doesNotContain("\tat ");
                assertThat(proxy.faultsMade()).isEqualTo(4);

                CommandResult retry = DaemonHarness.docker(tmp, socket, "push", ref);
                assertThat(retry.exitCode()).as(retry.describe() + daemon.describe()).isZero();
                String direct = registry.address() + "/anyone/cut2:1";
                DaemonHarness.skiff(socket, "pull", direct).assertSuccess();
                assertThat(inspect(socket, "{{.Id}}", direct)).isEqualTo(id);
            }
        }
    }

    @Test
    void aLayerWhoseBlobWentMissingIsNamedWithWhatToDo() throws Exception {
        Path socket = tmp.resolve("skiff.sock");
        Path data = tmp.resolve("data");
        Path rootfs = rootfsTar("random", out -> writeRandom(out, 64 * 1024, 13));
        try (SkiffRegistryProcess registry = SkiffRegistryProcess.serving(tmp.resolve("registry")).start();
             ServerProcess daemon = DaemonHarness.start(tmp, socket)) {
            String ref = registry.address() + "/anyone/gone:1";
            DaemonHarness.skiff(socket, "import", rootfs.toString(), ref).assertSuccess();
            String diffId = inspect(socket, "{{index .RootFS.Layers 0}}", ref);
            // an imported layer is kept as its plain tar, so its blob digest is its diff_id
            Files.delete(data.resolve("content/blobs/sha256/" + diffId.substring(7)));

            CommandResult docker = DaemonHarness.docker(tmp, socket, "push", ref);
            assertThat(docker.exitCode()).as(docker.describe()).isEqualTo(1);
            assertThat(docker.stdout()).contains("The push refers to repository [" + registry.address() + "/anyone/gone]");
            assertThat(docker.stderr()).as(docker.describe()).contains("layer " + diffId + " (blob " + diffId
                    + ") is missing from the content store; pull, load or build the image again before pushing it");
            CommandResult skiff = DaemonHarness.skiff(socket, "push", ref);
            assertThat(skiff.exitCode()).isEqualTo(1);
            assertThat(skiff.stderr()).contains("layer " + diffId + " (blob " + diffId + ") is missing from the content store");
            assertThat(registry.describe()).doesNotContain("PATCH");
        }
    }

    // ---- helpers

    private interface Content {
        void write(OutputStream out) throws Exception;
    }

    /** A tar of a root file system holding one big file, for {@code skiff import} (which keeps plain tar layers). */
    private Path rootfsTar(String name, Content content) throws Exception {
        Path dir = tmp.resolve("rootfs-" + name);
        Files.createDirectories(dir);
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(dir.resolve("big")), 1 << 20)) {
            content.write(out);
        }
        Path tar = tmp.resolve(name + ".tar");
        ExternalCommand.of("tar", "-C", dir.toString(), "-cf", tar.toString(), ".").run().assertSuccess();
        deleteTree(dir);
        return tar;
    }

    private static void writeRandom(OutputStream out, int size, long seed) throws Exception {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        out.write(bytes);
    }

    private static void writeText(OutputStream out, long size, long seed) throws Exception {
        String[] words = {"skiff", "layer", "blob", "digest", "registry", "push", "gzip", "manifest", "config", "daemon",
                "snapshot", "content", "ingest", "upload", "session", "range"};
        Random random = new Random(seed);
        StringBuilder line = new StringBuilder();
        for (long written = 0; written < size; ) {
            line.setLength(0);
            line.append(random.nextInt(1_000_000)).append(' ');
            for (int i = 0; i < 12; i++) {
                line.append(words[random.nextInt(words.length)]).append(' ');
            }
            line.append('\n');
            byte[] bytes = line.toString().getBytes(StandardCharsets.US_ASCII);
            out.write(bytes);
            written += bytes.length;
        }
    }

    private static String inspect(Path socket, String format, String ref) {
        return DaemonHarness.skiff(socket, "image", "inspect", "-f", format, ref).assertSuccess().stdout().strip();
    }

    /** The first layer's digest in the manifest the registry holds. */
    private static String layerDigest(String registry, String repository, String tag) throws Exception {
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://" + registry + "/v2/" + repository
                            + "/manifests/" + tag)).header("Accept", "application/vnd.docker.distribution.manifest.v2+json")
                    .header("Accept", "application/vnd.oci.image.manifest.v1+json").build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            JsonNode manifest = JSON.readTree(response.body());
            return manifest.path("layers").path(0).path("digest").asText();
        }
    }

    private static List<Path> files(Path dir) throws Exception {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }

    private static List<Path> temporaries(Path dir) throws Exception {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith(".tmp-")).toList();
        }
    }

    private static void deleteTree(Path dir) throws Exception {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
