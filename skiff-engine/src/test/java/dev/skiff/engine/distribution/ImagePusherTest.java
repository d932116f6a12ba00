package dev.skiff.engine.distribution;

import dev.skiff.engine.content.ContentStore;
import dev.skiff.engine.images.Image;
import dev.skiff.engine.images.ImageConfig;
import dev.skiff.engine.images.ImageConfigCodec;
import dev.skiff.engine.images.ImageImporter;
import dev.skiff.engine.images.ImageStore;
import dev.skiff.engine.images.Layer;
import dev.skiff.engine.images.ReferenceSyntax;
import dev.skiff.formats.Descriptor;
import dev.skiff.formats.Digest;
import dev.skiff.formats.ImageReference;
import dev.skiff.formats.MediaTypes;
import dev.skiff.registry.Registry;
import dev.skiff.registry.RegistryOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Pushes to a real skiff registry (in this JVM): uncompressed layers are gzipped the same way every time. */
class ImagePusherTest {
    @TempDir
    Path tmp;

    Registry registry;
    ByteArrayOutputStream requestLog = new ByteArrayOutputStream();

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

    @BeforeEach
    void start() throws Exception {
        registry = Registry.start(new RegistryOptions(new InetSocketAddress("127.0.0.1", 0), tmp.resolve("registry"),
                Optional.empty(), Set.of(), true, Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.of(new PrintStream(requestLog, true, StandardCharsets.UTF_8))));
    }

    @AfterEach
    void stop() {
        registry.close();
    }

    String address() {
        return "127.0.0.1:" + registry.address().getPort();
    }

    /** A daemon's stores under {@code root}, holding one image whose only layer is an uncompressed tar (OCI media type). */
    record Daemon(ContentStore content, ImageStore images, DistributionMetadata metadata, Image image) {
        ImagePusher pusher(int threads) {
            return new ImagePusher(content, images, metadata, RegistryHosts.DEFAULT, RegistryClient.newHttpClient(), threads);
        }
    }

    Daemon daemonWithUncompressedImage(Path root, String name) {
        ContentStore content = ContentStore.open(root);
        ImageStore images = ImageStore.open(root, content, SYNTAX, e -> { });
        byte[] tar = new byte[3 * 1024 * 1024 + 512]; // not a real tar: the push never looks inside
        Random random = new Random(5);
        for (int i = 0; i < tar.length; i++) {
            tar[i] = (byte) (i % 3 == 0 ? random.nextInt(256) : 'a' + i % 7);
        }
        Digest diffId = content.put(tar);
        ImageConfig config = new ImageConfig("amd64", "linux", "", "", Optional.of(Instant.parse("2026-01-01T00:00:00Z")), "",
                ImageConfig.ContainerConfig.EMPTY, List.of(diffId), List.of());
        byte[] configJson = ImageConfigCodec.serialize(config);
        Digest configDigest = content.put(configJson);
        Descriptor layerBlob = Descriptor.of(MediaTypes.OCI_LAYER, diffId, tar.length);
        byte[] manifest = ImageImporter.manifest(MediaTypes.OCI_MANIFEST, Descriptor.of(MediaTypes.OCI_CONFIG, configDigest, configJson.length),
                layerBlob);
        Digest manifestDigest = content.put(manifest);
        Image image = images.put(configDigest, Optional.of(Descriptor.of(MediaTypes.OCI_MANIFEST, manifestDigest, manifest.length)),
                List.of(new Layer(layerBlob, diffId, tar.length)));
        images.tag(image.id(), ImageReference.parse(name).toString());
        return new Daemon(content, images, DistributionMetadata.open(root), image);
    }

    @Test
    void anUncompressedLayerIsPushedWithTheSameDigestAtAnyThreadCountAndPullsBackToTheSameImage() {
        String name = address() + "/alice/raw:1";
        Daemon one = daemonWithUncompressedImage(tmp.resolve("one"), name);
        List<PushProgress> events = new CopyOnWriteArrayList<>();
        List<ImagePusher.Pushed> first = one.pusher(1).push(ImageReference.parse(name), Optional.empty(), events::add);
        Digest diffId = one.image().layers().getFirst().diffId();
        assertThat(events).contains(new PushProgress.Repository(address() + "/alice/raw"), new PushProgress.Preparing(diffId),
                new PushProgress.Pushed(diffId));
        assertThat(events).filteredOn(e -> e instanceof PushProgress.Pushing).isNotEmpty();
        Descriptor compressed = one.metadata().compressed(diffId).orElseThrow();
        assertThat(compressed.mediaType()).isEqualTo(MediaTypes.DOCKER_LAYER_GZIP);
        assertThat(compressed.size()).isLessThan(one.image().layers().getFirst().blob().size());

        // another daemon with the same image, compressing on 8 threads: the same blob, so the same manifest
        String other = address() + "/alice/raw:2";
        Daemon eight = daemonWithUncompressedImage(tmp.resolve("eight"), other);
        List<PushProgress> again = new CopyOnWriteArrayList<>();
        List<ImagePusher.Pushed> second = eight.pusher(8).push(ImageReference.parse(other), Optional.empty(), again::add);
        assertThat(eight.metadata().compressed(diffId)).contains(compressed);
        assertThat(again).contains(new PushProgress.AlreadyExists(diffId));
        assertThat(second.getFirst().digest()).isEqualTo(first.getFirst().digest());
        assertThat(one.images().byId(one.image().id()).orElseThrow().repoDigests())
                .containsExactly(address() + "/alice/raw@" + first.getFirst().digest());

        // the pushed layer gunzips to the diff_id (the puller checks), and the image ID survives the trip
        Path fresh = tmp.resolve("fresh");
        ContentStore content = ContentStore.open(fresh);
        ImageStore images = ImageStore.open(fresh, content, SYNTAX, e -> { });
        DistributionMetadata metadata = DistributionMetadata.open(fresh);
        Image pulled = new ImagePuller(content, images, RegistryClient.newHttpClient(), "linux", "amd64", Optional.of(metadata),
                RegistryHosts.DEFAULT).pull(ImageReference.parse(name), Optional.empty(), p -> { });
        assertThat(pulled.id()).isEqualTo(one.image().id());
        assertThat(pulled.repoDigests()).containsExactly(address() + "/alice/raw@" + first.getFirst().digest());
        assertThat(metadata.sources(compressed.digest())).contains(new DistributionMetadata.Source(address(), "alice/raw"));
    }

    @Test
    void aBlobThatCannotBeMountedIsUploadedThroughTheSessionTheRegistryOpened() {
        String name = address() + "/alice/raw:1";
        Daemon d = daemonWithUncompressedImage(tmp.resolve("d"), name);
        Digest diffId = d.image().layers().getFirst().diffId();
        d.pusher(2).push(ImageReference.parse(name), Optional.empty(), p -> { });
        String elsewhere = address() + "/alice/elsewhere:1";
        d.images().tag(d.image().id(), ImageReference.parse(elsewhere).toString());
        // the remembered source is gone from the registry: it answers the mount with 202 and an upload
        Descriptor blob = d.metadata().compressed(diffId).orElseThrow();
        d.metadata().addSource(blob.digest(), address(), "alice/gone");
        requestLog.reset();
        List<PushProgress> events = new CopyOnWriteArrayList<>();
        d.pusher(2).push(ImageReference.parse(elsewhere), Optional.empty(), events::add);
        assertThat(events).contains(new PushProgress.Pushed(diffId));
        String log = requestLog.toString(StandardCharsets.UTF_8);
        assertThat(log).contains("from=alice%2Fgone").contains("PATCH");
        assertThat(log.lines().filter(l -> l.contains("POST")).count()).as(log).isEqualTo(2); // mount attempt, config upload
    }

    @Test
    void aSecondPushSendsNoBytesAndAMissingImageIsNamed() {
        String name = address() + "/alice/raw:1";
        Daemon d = daemonWithUncompressedImage(tmp.resolve("d"), name);
        d.pusher(2).push(ImageReference.parse(name), Optional.empty(), p -> { });
        requestLog.reset();
        d.pusher(2).push(ImageReference.parse(name), Optional.empty(), p -> { });
        assertThat(requestLog.toString(StandardCharsets.UTF_8)).contains("HEAD").doesNotContain("PATCH").doesNotContain("POST");

        assertThatThrownBy(() -> d.pusher(2).push(ImageReference.parse(address() + "/alice/none"), Optional.empty(), p -> { }))
                .isInstanceOf(DistributionException.class)
                .hasMessage("An image does not exist locally with the tag: " + address() + "/alice/none");
    }
}
