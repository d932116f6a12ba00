package dev.skiff.engine.images;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skiff.formats.Digest;
import dev.skiff.formats.MediaTypes;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.skiff.engine.images.Fixture.T0;
import static dev.skiff.engine.images.Fixture.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ImageArchiveTest {
    @TempDir
    Path root;

    @TempDir
    Path other;

    static byte[] save(Fixture f, String... names) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new ImageArchive(f.content, f.images).save(List.of(names), out);
        return out.toByteArray();
    }

    static List<String> load(Fixture f, byte[] tar) {
        return new ImageArchive(f.content, f.images).load(new ByteArrayInputStream(tar));
    }

    /** Every entry of a tar, path to content (a link's target for links), in order. */
    static Map<String, byte[]> entries(byte[] tar) throws IOException {
        Map<String, byte[]> out = new LinkedHashMap<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(tar))) {
            TarArchiveEntry e;
            while ((e = in.getNextEntry()) != null) {
                out.put(e.getName(), e.isSymbolicLink() ? e.getLinkName().getBytes(StandardCharsets.UTF_8) : in.readAllBytes());
            }
        }
        return out;
    }

    static byte[] tar(Map<String, byte[]> entries) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                TarArchiveEntry entry = new TarArchiveEntry(e.getKey(), true);
                entry.setSize(e.getValue().length);
                tar.putArchiveEntry(entry);
                tar.write(e.getValue());
                tar.closeArchiveEntry();
            }
        }
        return bytes.toByteArray();
    }

    @Test
    void savesDockersLayoutAndLoadsItBackAsTheSameImage() throws Exception {
        Fixture f = new Fixture(root);
        byte[] rootfs = Tars.rootfs("bin/sh", "bin/ls");
        Image image = f.importTar(rootfs, options(T0).withReference("docker.io/library/busybox:local"));

        byte[] archive = save(f, "busybox:local");

        Map<String, byte[]> entries = entries(archive);
        JsonNode manifest = new ObjectMapper().readTree(entries.get("manifest.json"));
        assertThat(manifest).hasSize(1);
        assertThat(manifest.get(0).get("Config").asText()).isEqualTo(image.id().encoded() + ".json");
        assertThat(manifest.get(0).get("RepoTags").toString()).isEqualTo("[\"busybox:local\"]");
        String layerPath = manifest.get(0).get("Layers").get(0).asText();
        assertThat(layerPath).matches("[0-9a-f]{64}/layer.tar");
        assertThat(entries.get(layerPath)).isEqualTo(rootfs);
        String dir = layerPath.substring(0, 65);
        assertThat(new String(entries.get(dir + "VERSION"), StandardCharsets.UTF_8)).isEqualTo("1.0");
        assertThat(new ObjectMapper().readTree(entries.get(dir + "json")).get("id").asText()).isEqualTo(dir.substring(0, 64));
        assertThat(new ObjectMapper().readTree(entries.get("repositories")).toString())
                .isEqualTo("{\"busybox\":{\"local\":\"" + dir.substring(0, 64) + "\"}}");
        assertThat(Digest.sha256(entries.get(image.id().encoded() + ".json"))).isEqualTo(image.id());
        assertThat(List.copyOf(entries.keySet())).isSorted();
        assertThat(save(f, "busybox:local")).as("the same image saves to the same bytes").isEqualTo(archive);

        Fixture g = new Fixture(other);
        assertThat(load(g, archive)).containsExactly("Loaded image: busybox:local");
        Image loaded = g.images.resolve("busybox:local");
        assertThat(loaded.id()).isEqualTo(image.id());
        // kept as the archive holds them (plain tars): a push compresses them when a registry needs them
        assertThat(loaded.layers()).extracting(Layer::diffId).isEqualTo(image.layers().stream().map(Layer::diffId).toList());
        assertThat(loaded.layers()).allSatisfy(l -> {
            assertThat(l.blob().mediaType()).isEqualTo(MediaTypes.DOCKER_LAYER);
            assertThat(l.blob().digest()).isEqualTo(l.diffId());
            assertThat(l.blob().size()).isEqualTo(l.uncompressedSize());
        });
        assertThat(loaded.size()).isEqualTo(image.size());
        assertThat(load(g, archive)).as("loading again changes nothing").containsExactly("Loaded image: busybox:local");
        assertThat(g.images.list()).hasSize(1);
    }

    @Test
    void anImageSavedByIdLoadsWithoutATagAndSharedLayersAreLinked() throws Exception {
        Fixture f = new Fixture(root);
        Image a = f.importNth(1);
        Image b = f.importNth(2);
        f.images.tag(b.id(), "docker.io/library/app:1");
        f.images.tag(b.id(), "docker.io/library/app:2");

        byte[] archive = save(f, a.id().encoded().substring(0, 12), "app");

        Map<String, byte[]> entries = entries(archive);
        JsonNode manifest = new ObjectMapper().readTree(entries.get("manifest.json"));
        assertThat(manifest.get(0).get("RepoTags").isNull()).isTrue();
        assertThat(manifest.get(1).get("RepoTags").toString()).isEqualTo("[\"app:1\",\"app:2\"]");
        long links = entries.values().stream().filter(v -> new String(v, StandardCharsets.ISO_8859_1).startsWith("../")).count();
        assertThat(links).as("the layer both images share is written once").isEqualTo(1);

        Fixture g = new Fixture(other);
        assertThat(load(g, archive)).containsExactly("Loaded image ID: " + a.id(), "Loaded image: app:1", "Loaded image: app:2");
        assertThat(g.images.resolve("app:2").id()).isEqualTo(b.id());
        assertThat(g.images.byId(a.id())).isPresent();
    }

    @Test
    void aLayerThatIsNotWhatTheConfigSaysIsRefusedAndNothingIsStored() throws Exception {
        Fixture f = new Fixture(root);
        f.importTar(Tars.rootfs("bin/sh"), options(T0).withReference("docker.io/library/busybox:local"));
        Map<String, byte[]> entries = entries(save(f, "busybox:local"));
        String layerPath = new ObjectMapper().readTree(entries.get("manifest.json")).get(0).get("Layers").get(0).asText();
        entries.put(layerPath, Tars.rootfs("bin/sh", "bin/evil"));

        Fixture g = new Fixture(other);
        assertThatThrownBy(() -> load(g, tar(entries)))
                .isInstanceOf(ArchiveException.class)
                .hasMessageContaining("has diff_id sha256:").hasMessageContaining("nothing was loaded");
        assertThat(g.images.list()).isEmpty();
        assertThat(g.content.list()).as("the layer the load wrote is gone again").isEmpty();
    }

    @Test
    void unsafeOrMalformedArchivesAreRefused() throws Exception {
        Fixture g = new Fixture(other);
        assertThatThrownBy(() -> load(g, tar(Map.of("../evil", new byte[1]))))
                .isInstanceOf(ArchiveException.class).hasMessageContaining("leaves the archive");
        assertThatThrownBy(() -> load(g, tar(Map.of("/etc/passwd", new byte[1]))))
                .isInstanceOf(ArchiveException.class).hasMessageContaining("\"/etc/passwd\" is absolute");
        assertThatThrownBy(() -> load(g, tar(Map.of("x/y", new byte[1]))))
                .isInstanceOf(ArchiveException.class).hasMessageContaining("neither manifest.json nor index.json");
        assertThatThrownBy(() -> load(g, tar(Map.of("manifest.json", new byte[ImageArchive.SMALL_FILE + 1]))))
                .isInstanceOf(ArchiveException.class).hasMessageContaining("manifest.json is 1048577 bytes");
        assertThatThrownBy(() -> load(g, tar(Map.of("manifest.json", "{}".getBytes(StandardCharsets.UTF_8)))))
                .isInstanceOf(ArchiveException.class).hasMessageContaining("non-empty array");
        assertThatThrownBy(() -> load(g, tar(Map.of("manifest.json",
                "[{\"Config\":\"../c.json\",\"Layers\":[]}]".getBytes(StandardCharsets.UTF_8)))))
                .isInstanceOf(ArchiveException.class).hasMessageContaining("leaves the archive");
        assertThatThrownBy(() -> load(g, "not a tar at all, just some words".repeat(40).getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(ArchiveException.class);
        assertThat(g.images.list()).isEmpty();
    }

    @Test
    void anOciImageLayoutLoadsWithItsContainerdName() throws Exception {
        Fixture f = new Fixture(root);
        Image image = f.importTar(Tars.rootfs("bin/sh"), options(T0));
        Digest manifest = image.manifest().orElseThrow().digest();
        Digest layer = image.layers().getFirst().blob().digest();
        String index = "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                + "\"digest\":\"" + manifest + "\",\"size\":" + image.manifest().orElseThrow().size() + ","
                + "\"annotations\":{\"io.containerd.image.name\":\"docker.io/library/oci:1\","
                + "\"org.opencontainers.image.ref.name\":\"1\"}}]}";
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(StandardCharsets.UTF_8));
        entries.put("index.json", index.getBytes(StandardCharsets.UTF_8));
        entries.put("blobs/sha256/" + manifest.encoded(), f.content.read(manifest));
        entries.put("blobs/sha256/" + image.id().encoded(), f.content.read(image.id()));
        entries.put("blobs/sha256/" + layer.encoded(), f.content.read(layer));

        Fixture g = new Fixture(other);
        assertThat(load(g, tar(entries))).containsExactly("Loaded image: oci:1");
        Image loaded = g.images.resolve("oci:1");
        assertThat(loaded.id()).isEqualTo(image.id());
        assertThat(loaded.layers()).isEqualTo(image.layers());

        entries.put("blobs/sha256/" + image.id().encoded(), "{}".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> load(new Fixture(root.resolve("third")), tar(entries)))
                .isInstanceOf(ArchiveException.class).hasMessageContaining("does not match its digest");
    }

    @Test
    void loadingOverAnExistingTagSaysSoAsDockerDoes() throws Exception {
        Fixture f = new Fixture(root);
        f.importTar(Tars.rootfs("bin/sh"), options(T0).withReference("docker.io/library/app:1"));
        byte[] archive = save(f, "app:1");
        Fixture g = new Fixture(other);
        Image old = g.importTar(Tars.rootfs("bin/ls"), options(T0).withReference("docker.io/library/app:1"));
        assertThat(load(g, archive)).containsExactly(
                "The image app:1 already exists, renaming the old one with ID " + old.id() + " to empty string",
                "Loaded image: app:1");
    }

    @Test
    void savingAnUnknownNameFailsBeforeWritingAnything() {
        Fixture f = new Fixture(root);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThatThrownBy(() -> new ImageArchive(f.content, f.images).save(List.of("nothing:1"), out))
                .isInstanceOf(ImageNotFoundException.class);
        assertThat(out.size()).isZero();
    }
}
