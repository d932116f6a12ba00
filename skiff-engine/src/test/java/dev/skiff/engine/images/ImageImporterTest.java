package dev.skiff.engine.images;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skiff.formats.Digest;
import dev.skiff.formats.Manifest;
import dev.skiff.formats.MediaTypes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static dev.skiff.engine.images.Fixture.T0;
import static dev.skiff.engine.images.Fixture.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ImageImporterTest {
    @TempDir
    Path root;

    @Test
    void importsATarAsAOneLayerImageWithDockersConfigAndManifest() throws Exception {
        Fixture f = new Fixture(root);
        byte[] tar = Tars.rootfs("bin/sh", "bin/ls");

        Image image = f.importTar(tar, options(T0).withReference("docker.io/library/base:1"));

        assertThat(image.repoTags()).containsExactly("base:1");
        assertThat(image.size()).isEqualTo(tar.length);
        assertThat(image.created()).isEqualTo(T0);
        assertThat(image.layers()).hasSize(1);
        Layer layer = image.layers().getFirst();
        assertThat(layer.diffId()).isEqualTo(Digest.sha256(tar));
        assertThat(layer.uncompressedSize()).isEqualTo(tar.length);
        // kept as a plain tar (a push compresses it), so the blob is the layer itself
        assertThat(layer.blob().mediaType()).isEqualTo(MediaTypes.DOCKER_LAYER);
        byte[] stored = f.content.read(layer.blob().digest());
        assertThat(stored.length).isEqualTo(layer.blob().size());
        assertThat(stored).isEqualTo(tar);
        assertThat(layer.blob().digest()).isEqualTo(layer.diffId());

        byte[] configJson = f.content.read(image.id());
        assertThat(Digest.sha256(configJson)).isEqualTo(image.id());
        JsonNode config = new ObjectMapper().readTree(configJson);
        assertThat(config.get("architecture").asText()).isEqualTo("amd64");
        assertThat(config.get("os").asText()).isEqualTo("linux");
        assertThat(config.get("created").asText()).isEqualTo("2025-03-01T12:00:00.5Z");
        assertThat(config.get("comment").asText()).isEqualTo("Imported from -");
        assertThat(config.get("config").isObject()).isTrue();
        assertThat(config.get("rootfs").toString())
                .isEqualTo("{\"type\":\"layers\",\"diff_ids\":[\"" + Digest.sha256(tar) + "\"]}");
        assertThat(config.get("history").toString())
                .isEqualTo("[{\"created\":\"2025-03-01T12:00:00.5Z\",\"comment\":\"Imported from -\"}]");
        List<String> keys = new java.util.ArrayList<>();
        config.fieldNames().forEachRemaining(keys::add);
        assertThat(keys).isSorted(); // Docker writes the top level in key order

        Digest manifestDigest = image.manifest().orElseThrow().digest();
        Manifest manifest = Manifest.parse(f.content.read(manifestDigest), Optional.empty());
        assertThat(manifest.mediaType()).isEqualTo(MediaTypes.DOCKER_MANIFEST);
        Manifest.Image m = (Manifest.Image) manifest;
        assertThat(m.config().digest()).isEqualTo(image.id());
        assertThat(m.config().mediaType()).isEqualTo(MediaTypes.DOCKER_CONFIG);
        assertThat(m.config().size()).isEqualTo(configJson.length);
        assertThat(m.layers()).containsExactly(layer.blob());

        assertThat(f.events).containsExactly(new ImageEvent.Tagged(image.id(), "docker.io/library/base:1"),
                new ImageEvent.Imported(image.id(), Optional.of("docker.io/library/base:1")));
    }

    @Test
    void theSameTarGivesTheSameLayerAndWithTheSameTimeTheSameImage() throws Exception {
        Fixture f = new Fixture(root);
        byte[] tar = Tars.rootfs("bin/sh");
        Image first = f.importTar(tar, options(T0));
        Image again = f.importTar(tar, options(T0));
        Image later = f.importTar(tar, options(T0.plusSeconds(1)));

        assertThat(again.id()).isEqualTo(first.id());
        assertThat(again.manifest()).isEqualTo(first.manifest());
        assertThat(later.id()).isNotEqualTo(first.id());
        assertThat(later.layers()).isEqualTo(first.layers());
        assertThat(f.images.list()).extracting(Image::id).containsExactly(later.id(), first.id());

        // and on another data root, from scratch: the same digests again
        Fixture other = new Fixture(Files.createDirectory(root.resolve("other")));
        assertThat(other.importTar(tar, options(T0)).id()).isEqualTo(first.id());
    }

    @Test
    void gzipAndBzip2InputGiveTheSameImageAsThePlainTar() throws Exception {
        Fixture f = new Fixture(root);
        byte[] tar = Tars.rootfs("bin/sh", "etc/passwd");
        Image plain = f.importTar(tar, options(T0));
        Image gzipped = f.importTar(Tars.gzip(tar), options(T0));
        java.io.ByteArrayOutputStream bz = new java.io.ByteArrayOutputStream();
        try (var out = new org.apache.commons.compress.compressors.bzip2.BZip2CompressorOutputStream(bz)) {
            out.write(tar);
        }
        Image bzipped = f.importTar(bz.toByteArray(), options(T0));

        assertThat(gzipped.id()).isEqualTo(plain.id());
        assertThat(bzipped.id()).isEqualTo(plain.id());
        assertThat(gzipped.layers().getFirst().diffId()).isEqualTo(Digest.sha256(tar));
    }

    @Test
    void aMessageBecomesTheComment() throws Exception {
        Fixture f = new Fixture(root);
        Image image = f.importTar(Tars.rootfs("bin/sh"), options(T0).withMessage("from the nightly build"));
        assertThat(image.config().comment()).isEqualTo("from the nightly build");
        assertThat(image.config().history()).singleElement()
                .satisfies(h -> assertThat(h.comment()).isEqualTo("from the nightly build"));
    }

    @Test
    void changesAreAppliedToTheConfig() throws Exception {
        Fixture f = new Fixture(root);
        Image image = f.importTar(Tars.rootfs("bin/sh"), options(T0).withChanges(List.of(
                "ENV PATH=/usr/bin:/bin HOME=/root",
                "ENV GREETING hello world",
                "ENV MSG=\"$GREETING from ${HOME:-nowhere}\"",
                "CMD echo hi",
                "ENTRYPOINT [\"/bin/tini\", \"--\"]",
                "EXPOSE 80 53/udp",
                "LABEL org.example.team=core \"quoted key\"=\"a b\"",
                "USER app:app",
                "WORKDIR /srv",
                "WORKDIR www",
                "VOLUME [\"/data\", \"/logs\"]",
                "STOPSIGNAL SIGINT",
                "ONBUILD RUN make",
                "HEALTHCHECK --interval=30s --retries=3 CMD curl -f http://localhost/")));

        ImageConfig.ContainerConfig c = image.config().config();
        assertThat(c.env()).containsExactly("PATH=/usr/bin:/bin", "HOME=/root", "GREETING=hello world",
                "MSG=hello world from /root");
        assertThat(c.cmd()).containsExactly("/bin/sh", "-c", "echo hi"); // CMD set before ENTRYPOINT stays
        assertThat(c.entrypoint()).containsExactly("/bin/tini", "--");
        assertThat(c.exposedPorts()).containsExactly("53/udp", "80/tcp");
        assertThat(c.labels()).containsEntry("org.example.team", "core").containsEntry("quoted key", "a b");
        assertThat(c.user()).isEqualTo("app:app");
        assertThat(c.workingDir()).isEqualTo("/srv/www");
        assertThat(c.volumes()).containsExactly("/data", "/logs");
        assertThat(c.stopSignal()).isEqualTo("SIGINT");
        assertThat(c.onBuild()).containsExactly("RUN make");
        assertThat(c.healthcheck()).hasValueSatisfying(h -> {
            assertThat(h.test()).containsExactly("CMD-SHELL", "curl -f http://localhost/");
            assertThat(h.interval()).hasSeconds(30);
            assertThat(h.retries()).isEqualTo(3);
        });

        JsonNode wire = new ObjectMapper().readTree(f.content.read(image.id())).get("config");
        assertThat(wire.get("Cmd").toString()).isEqualTo("[\"/bin/sh\",\"-c\",\"echo hi\"]");
        assertThat(wire.get("ExposedPorts").toString()).isEqualTo("{\"53/udp\":{},\"80/tcp\":{}}");
        assertThat(wire.get("Volumes").toString()).isEqualTo("{\"/data\":{},\"/logs\":{}}");
        assertThat(wire.get("WorkingDir").asText()).isEqualTo("/srv/www");
        assertThat(wire.get("Healthcheck").toString())
                .isEqualTo("{\"Test\":[\"CMD-SHELL\",\"curl -f http://localhost/\"],\"Interval\":30000000000,"
                        + "\"Retries\":3}");
        assertThat(wire.has("Entrypoint") && wire.has("OnBuild") && wire.has("Labels") && wire.has("StopSignal"))
                .isTrue();
    }

    @Test
    void anEntrypointAloneLeavesNoCmd() throws Exception {
        Fixture f = new Fixture(root);
        Image image = f.importTar(Tars.rootfs("bin/sh"), options(T0).withChanges(List.of("ENTRYPOINT /bin/app -v")));
        assertThat(image.config().config().entrypoint()).containsExactly("/bin/sh", "-c", "/bin/app -v");
        assertThat(image.config().config().cmd()).isEmpty();
    }

    @Test
    void aBadChangeIsRefusedBeforeAnythingIsStored() throws Exception {
        Fixture f = new Fixture(root);
        byte[] tar = Tars.rootfs("bin/sh");
        assertThatThrownBy(() -> f.importTar(tar, options(T0).withChanges(List.of("RUN make"))))
                .isInstanceOf(InvalidChangeException.class).hasMessage("run is not a valid change command");
        assertThatThrownBy(() -> f.importTar(tar, options(T0).withChanges(List.of("CMD x", "FROBNICATE now"))))
                .isInstanceOf(InvalidChangeException.class)
                .hasMessageStartingWith("dockerfile parse error on line 2: unknown instruction: FROBNICATE");
        assertThatThrownBy(() -> f.importTar(tar, options(T0).withChanges(List.of("EXPOSE eighty"))))
                .isInstanceOf(InvalidChangeException.class).hasMessageContaining("eighty");
        assertThatThrownBy(() -> f.importTar(tar, options(T0).withChanges(List.of("ONBUILD ONBUILD RUN x"))))
                .isInstanceOf(InvalidChangeException.class).hasMessageContaining("isn't allowed");
        assertThat(f.content.list()).isEmpty();
        assertThat(f.images.list()).isEmpty();
    }

    @Test
    void inputThatIsNotATarLeavesNothingBehind() throws Exception {
        Fixture f = new Fixture(root);
        byte[] text = "this is not a tar archive, just some words\n".repeat(40).getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> f.importTar(text, options(T0)))
                .isInstanceOf(ImportException.class).hasMessageContaining("not a tar archive");
        assertThatThrownBy(() -> f.importTar("short".getBytes(StandardCharsets.UTF_8), options(T0)))
                .isInstanceOf(ImportException.class).hasMessageContaining("not a tar archive");
        assertThatThrownBy(() -> f.importTar(new byte[0], options(T0)))
                .isInstanceOf(ImportException.class).hasMessageContaining("empty");
        byte[] tar = Tars.rootfs("bin/sh");
        byte[] truncated = java.util.Arrays.copyOf(Tars.gzip(tar), 60);
        assertThatThrownBy(() -> f.importTar(truncated, options(T0))).isInstanceOf(ImportException.class);
        assertThat(f.content.list()).isEmpty();
        try (var ingest = Files.list(root.resolve("content/ingest"))) {
            assertThat(ingest).isEmpty();
        }
        assertThat(f.images.list()).isEmpty();
    }

    @Test
    void aDigestReferenceOrAnotherOsIsRefused() throws Exception {
        Fixture f = new Fixture(root);
        byte[] tar = Tars.rootfs("bin/sh");
        assertThatThrownBy(() -> f.importTar(tar, options(T0).withReference(
                "docker.io/library/x@sha256:" + "a".repeat(64))))
                .hasMessageContaining("digest reference");
        assertThatThrownBy(() -> f.importTar(tar, new ImportOptions(Optional.empty(), List.of(), Optional.empty(),
                T0, "windows", "amd64"))).isInstanceOf(ImportException.class).hasMessageContaining("windows");
        assertThat(f.content.list()).isEmpty();
    }
}
