package dev.skiff.engine.distribution;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.skiff.engine.content.ContentStore;
import dev.skiff.engine.images.Image;
import dev.skiff.engine.images.ImageStore;
import dev.skiff.engine.images.ReferenceSyntax;
import dev.skiff.engine.snapshots.Snapshot;
import dev.skiff.engine.snapshots.Snapshotter;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import dev.skiff.formats.Digest;
import dev.skiff.formats.ImageReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** ImagePuller against a small in-process registry that demands a Bearer token, as distribution does. */
class ImagePullerTest {
    @TempDir
    Path root;

    HttpServer server;
    final Map<String, byte[]> manifests = new ConcurrentHashMap<>();
    final Map<String, byte[]> blobs = new ConcurrentHashMap<>();
    final List<String> authorizations = new CopyOnWriteArrayList<>();
    ContentStore content;
    ImageStore images;
    ImagePuller puller;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/token", ex -> {
            authorizations.add(Optional.ofNullable(ex.getRequestHeaders().getFirst("Authorization")).orElse("none"));
            reply(ex, 200, "{\"token\":\"t0k\"}".getBytes(), "application/json");
        });
        server.createContext("/v2/", ex -> {
            if (!"Bearer t0k".equals(ex.getRequestHeaders().getFirst("Authorization"))) {
                ex.getResponseHeaders().add("WWW-Authenticate", "Bearer realm=\"http://" + address() + "/token\",service=\"test\","
                        + "scope=\"repository:alice/app:pull\"");
                reply(ex, 401, "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"authentication required\"}]}".getBytes(), "application/json");
                return;
            }
            String path = ex.getRequestURI().getPath();
            String ref = path.substring(path.lastIndexOf('/') + 1);
            byte[] body = path.contains("/manifests/") ? manifests.get(ref) : blobs.get(ref);
            if (body == null) {
                reply(ex, 404, "{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\",\"message\":\"manifest unknown\"}]}".getBytes(), "application/json");
                return;
            }
            reply(ex, 200, body, path.contains("/manifests/") ? "application/vnd.oci.image.manifest.v1+json" : "application/octet-stream");
        });
        server.start();
        content = ContentStore.open(root);
        images = ImageStore.open(root, content, SYNTAX, e -> { });
        puller = new ImagePuller(content, images, RegistryClient.newHttpClient(), "linux", "amd64");
    }

    static final ReferenceSyntax SYNTAX = new ReferenceSyntax() {
        @Override
        public String normalize(String text) {
            return ImageReference.parse(text).withDefaultTag().toString();
        }

        @Override
        public String familiar(String fullReference) {
            return ImageReference.parse(fullReference).familiarString();
        }
    };

    @AfterEach
    void stop() {
        server.stop(0);
    }

    String address() {
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    static void reply(HttpExchange ex, int status, byte[] body, String type) throws IOException {
        ex.getResponseHeaders().add("Content-Type", type);
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            ex.getResponseBody().write(body);
        }
        ex.close();
    }

    static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        }
        return out.toByteArray();
    }

    record Published(Digest manifest, Digest config, List<Digest> layers) {
    }

    /** An image of the given uncompressed "tars" (any bytes will do for the puller), tagged {@code tag}. */
    Published publish(String tag, byte[]... tars) throws IOException {
        StringBuilder diffIds = new StringBuilder();
        StringBuilder layers = new StringBuilder();
        List<Digest> layerDigests = new java.util.ArrayList<>();
        for (byte[] tar : tars) {
            byte[] gz = gzip(tar);
            Digest d = Digest.sha256(gz);
            blobs.put(d.toString(), gz);
            layerDigests.add(d);
            diffIds.append(diffIds.isEmpty() ? "" : ",").append('"').append(Digest.sha256(tar)).append('"');
            layers.append(layers.isEmpty() ? "" : ",").append("{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"")
                    .append(d).append("\",\"size\":").append(gz.length).append('}');
        }
        byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"created\":\"2024-01-01T00:00:00Z\",\"config\":{},"
                + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[" + diffIds + "]}}").getBytes(StandardCharsets.UTF_8);
        Digest configDigest = Digest.sha256(config);
        blobs.put(configDigest.toString(), config);
        byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":"
                + "{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + configDigest + "\",\"size\":" + config.length
                + "},\"layers\":[" + layers + "]}").getBytes(StandardCharsets.UTF_8);
        Digest manifestDigest = Digest.sha256(manifest);
        manifests.put(tag, manifest);
        manifests.put(manifestDigest.toString(), manifest);
        return new Published(manifestDigest, configDigest, layerDigests);
    }

    @Test
    void pullsWithATokenRecordsTagsAndRepoDigestAndMeasuresLayers() throws IOException {
        Published p = publish("1", "layer one".getBytes(), new byte[100_000]);
        List<PullProgress> progress = new CopyOnWriteArrayList<>();
        Image image = puller.pull(ImageReference.parse(address() + "/alice/app:1"), Optional.of(new Credentials("alice", "pw")), progress::add);

        assertThat(image.id()).isEqualTo(p.config());
        assertThat(image.repoTags()).containsExactly(address() + "/alice/app:1");
        assertThat(image.repoDigests()).containsExactly(address() + "/alice/app@" + p.manifest());
        assertThat(image.size()).isEqualTo(9 + 100_000);
        assertThat(authorizations).containsExactly("Basic YWxpY2U6cHc="); // one token for the whole pull
        assertThat(progress.getFirst()).isEqualTo(new PullProgress.Resolving("alice/app", "1"));
        assertThat(progress).contains(new PullProgress.PullComplete(p.layers().get(1)), new PullProgress.Digest(p.manifest()));
        assertThat(progress.getLast()).isEqualTo(new PullProgress.Status(true, address() + "/alice/app:1"));

        progress.clear();
        puller.pull(ImageReference.parse(address() + "/alice/app:1"), Optional.empty(), progress::add);
        assertThat(progress).contains(new PullProgress.AlreadyExists(p.layers().get(0)))
                .doesNotHaveAnyElementsOfTypes(PullProgress.LayerWaiting.class);
        assertThat(progress.getLast()).isEqualTo(new PullProgress.Status(false, address() + "/alice/app:1"));
    }

    @Test
    void aCorruptLayerIsNamedAndNothingIsStored() throws IOException {
        Published p = publish("1", "good".getBytes(), "will be damaged".getBytes());
        byte[] damaged = blobs.get(p.layers().get(1).toString()).clone();
        damaged[damaged.length - 5] ^= 1; // in the gzip trailer's CRC: decompression or the digest check must catch it
        blobs.put(p.layers().get(1).toString(), damaged);

        assertThatThrownBy(() -> puller.pull(ImageReference.parse(address() + "/alice/app:1"), Optional.empty(), x -> { }))
                .isInstanceOf(DistributionException.class)
                .hasMessageContaining(address() + "/alice/app:1")
                .hasMessageContaining(p.layers().get(1).toString());
        assertThat(content.contains(p.layers().get(1))).isFalse();
        assertThat(content.contains(p.manifest())).isFalse();
        assertThat(images.list()).isEmpty();
    }

    @Test
    void aLayerThatIsNotTheConfigsDiffIdIsRefused() throws IOException {
        Published p = publish("1", "one".getBytes());
        Published other = publish("2", "two".getBytes());
        // the manifest of 1 now points at the layer of 2, whose diff_id is not 1's
        String manifest = new String(manifests.get("1"), StandardCharsets.UTF_8)
                .replace(p.layers().getFirst().toString(), other.layers().getFirst().toString())
                .replace("\"size\":" + blobs.get(p.layers().getFirst().toString()).length + "}]",
                        "\"size\":" + blobs.get(other.layers().getFirst().toString()).length + "}]");
        manifests.put("1", manifest.getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> puller.pull(ImageReference.parse(address() + "/alice/app:1"), Optional.empty(), x -> { }))
                .isInstanceOf(DistributionException.class)
                .hasMessageContaining("diff_id");
        assertThat(content.contains(other.layers().getFirst())).isFalse();
    }

    @Test
    void aMissingTagIsNotFoundAsDockerSaysIt() {
        assertThatThrownBy(() -> puller.pull(ImageReference.parse(address() + "/alice/app:nope"), Optional.empty(), x -> { }))
                .isInstanceOfSatisfying(DistributionException.class, e -> assertThat(e.notFound()).isTrue())
                .hasMessage("manifest for " + address() + "/alice/app:nope not found: manifest unknown: manifest unknown");
    }

    @Test
    void aManifestThatIsNotWhatItsDigestSaysIsRefusedAndNothingIsStored() throws IOException {
        Published p = publish("1", "one".getBytes());
        byte[] tampered = new String(manifests.get(p.manifest().toString()), StandardCharsets.UTF_8).replace("\"schemaVersion\":2", "\"schemaVersion\": 2")
                .getBytes(StandardCharsets.UTF_8);
        manifests.put(p.manifest().toString(), tampered);
        assertThatThrownBy(() -> puller.pull(ImageReference.parse(address() + "/alice/app@" + p.manifest()), Optional.empty(), x -> { }))
                .isInstanceOf(DistributionException.class)
                .hasMessageContaining("the manifest of " + address() + "/alice/app@" + p.manifest())
                .hasMessageContaining("does not match its digest");
        assertThat(content.list()).isEmpty();
        assertThat(images.list()).isEmpty();
    }

    @Test
    void aTruncatedLayerIsNamedAfterTheRetriesAndNothingIsStored() throws IOException {
        Published p = publish("1", new byte[200_000]);
        String layer = p.layers().getFirst().toString();
        byte[] whole = blobs.get(layer);
        blobs.put(layer, java.util.Arrays.copyOf(whole, whole.length / 2)); // every answer ends halfway
        assertThatThrownBy(() -> puller.pull(ImageReference.parse(address() + "/alice/app:1"), Optional.empty(), x -> { }))
                .isInstanceOf(DistributionException.class)
                .hasMessageContaining(address() + "/alice/app:1")
                .hasMessageContaining(layer)
                .hasMessageContaining("pull again");
        assertThat(content.contains(p.layers().getFirst())).isFalse();
        assertThat(content.contains(p.manifest())).isFalse();
        assertThat(images.list()).isEmpty();
    }

    @Test
    void aLayerOfAnUnknownMediaTypeIsRefusedByName() throws IOException {
        Published p = publish("1", "one".getBytes());
        manifests.put("1", new String(manifests.get("1"), StandardCharsets.UTF_8)
                .replace("application/vnd.oci.image.layer.v1.tar+gzip", "application/vnd.example.sbom+json").getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> puller.pull(ImageReference.parse(address() + "/alice/app:1"), Optional.empty(), x -> { }))
                .isInstanceOf(DistributionException.class)
                .hasMessageContaining(address() + "/alice/app:1")
                .hasMessageContaining(p.layers().getFirst().toString())
                .hasMessageContaining("application/vnd.example.sbom+json");
        assertThat(content.contains(p.layers().getFirst())).isFalse();
        assertThat(images.list()).isEmpty();
    }

    @Test
    void aManifestOfAnUnknownMediaTypeIsRefused() {
        manifests.put("1", "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.example.thing+json\"}".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> puller.pull(ImageReference.parse(address() + "/alice/app:1"), Optional.empty(), x -> { }))
                .isInstanceOf(DistributionException.class)
                .hasMessageContaining("the manifest of " + address() + "/alice/app:1 cannot be used");
        assertThat(images.list()).isEmpty();
    }

    @Test
    void everyLayerIsUnpackedIntoASnapshotBeforeTheImageIsRecorded() throws IOException {
        Snapshotter snapshots = Snapshotter.open(root, content);
        ImageStore unpacking = ImageStore.open(root.resolve("unpacking"), content, SYNTAX, e -> { },
                snapshots.asUnpacker());
        ImagePuller pulling = new ImagePuller(content, unpacking, RegistryClient.newHttpClient(), "linux", "amd64");
        publish("1", tar("etc/motd", "hello"), tar("etc/.wh.motd", ""), tar("bin/tool", "#!/bin/sh"));

        Image image = pulling.pull(ImageReference.parse(address() + "/alice/app:1"), Optional.empty(), x -> { });

        List<Snapshot> s = image.chainIds().stream().map(c -> snapshots.get(c).orElseThrow()).toList();
        assertThat(java.nio.file.Files.readString(s.get(0).fs().resolve("etc/motd"))).isEqualTo("hello");
        assertThat(java.nio.file.Files.getAttribute(s.get(1).fs().resolve("etc/motd"), "unix:mode",
                java.nio.file.LinkOption.NOFOLLOW_LINKS)).isEqualTo(020000);
        assertThat(s.get(2).parent()).contains(s.get(1).chainId());
        assertThat(snapshots.lowerDirs(image.chainIds())).containsExactly(s.get(2).fs(), s.get(1).fs(), s.get(0).fs());
        // sizes as dockerd shows them: the files' bytes, a whiteout nothing
        assertThat(image.layerSizes()).containsExactly(5L, 0L, 9L);
        assertThat(s).extracting(Snapshot::size).containsExactly(5L, 0L, 9L);
    }

    @Test
    void anImageWithALayerThatCannotBeUnpackedIsNotRecorded() throws IOException {
        Snapshotter snapshots = Snapshotter.open(root, content);
        ImageStore unpacking = ImageStore.open(root.resolve("unpacking"), content, SYNTAX, e -> { },
                snapshots.asUnpacker());
        ImagePuller pulling = new ImagePuller(content, unpacking, RegistryClient.newHttpClient(), "linux", "amd64");
        publish("1", tar("ok", "fine"), tar("../escape", "evil"));

        assertThatThrownBy(() -> pulling.pull(ImageReference.parse(address() + "/alice/app:1"), Optional.empty(), x -> { }))
                .isInstanceOf(DistributionException.class)
                .hasMessageContaining(address() + "/alice/app:1")
                .hasMessageContaining("\"../escape\" points outside the layer");
        assertThat(unpacking.list()).isEmpty();
        assertThat(snapshots.list()).hasSize(1); // the good bottom layer; the daemon's next start drops it
    }

    static byte[] tar(String name, String text) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes)) {
            byte[] data = text.getBytes(StandardCharsets.UTF_8);
            TarArchiveEntry e = new TarArchiveEntry(name, org.apache.commons.compress.archivers.tar.TarConstants.LF_NORMAL, true);
            e.setSize(data.length);
            tar.putArchiveEntry(e);
            tar.write(data);
            tar.closeArchiveEntry();
        }
        return bytes.toByteArray();
    }
}
