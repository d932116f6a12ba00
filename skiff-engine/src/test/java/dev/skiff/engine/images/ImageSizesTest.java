package dev.skiff.engine.images;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skiff.engine.snapshots.Snapshotter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static dev.skiff.engine.images.Fixture.T0;
import static dev.skiff.engine.images.Fixture.options;
import static org.assertj.core.api.Assertions.assertThat;

/** An image's size is what its unpacked layers hold (dockerd's rule), kept with the image; the tar sizes stay for save. */
class ImageSizesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** "content of bin/sh\n" and "content of bin/ls\n", 18 bytes each. */
    private static final long FILES = 36;

    @TempDir
    Path root;

    Fixture unpacking() {
        return new Fixture(root, content -> Snapshotter.open(root, content).asUnpacker());
    }

    JsonNode record(Image image) throws Exception {
        return JSON.readTree(root.resolve("images/by-id/" + image.id().encoded() + ".json").toFile());
    }

    @Test
    void anImageShowsWhatItsUnpackedLayersHoldAndKeepsItsTarSizesForSave() throws Exception {
        byte[] tar = Tars.rootfs("bin/sh", "bin/ls");
        Image image = unpacking().importTar(tar, options(T0));

        assertThat(image.layerSizes()).containsExactly(FILES);
        assertThat(image.size()).isEqualTo(FILES);
        assertThat(image.layers().getFirst().uncompressedSize()).isEqualTo(tar.length);
        JsonNode layer = record(image).path("layers").get(0);
        assertThat(layer.path("unpacked_size").asLong(-1)).isEqualTo(FILES);
        assertThat(layer.path("uncompressed_size").asLong(-1)).isEqualTo(tar.length);
        assertThat(record(image).path("size").asLong(-1)).isEqualTo(FILES);

        // recorded: a store without an unpacker shows the same
        Image reopened = new Fixture(root).images.byId(image.id()).orElseThrow();
        assertThat(reopened).isEqualTo(image);
    }

    @Test
    void aStoreThatUnpacksNothingShowsTheTarSizes() throws Exception {
        byte[] tar = Tars.rootfs("bin/sh");
        Image image = new Fixture(root).importTar(tar, options(T0));

        assertThat(image.size()).isEqualTo(tar.length);
        assertThat(record(image).path("layers").get(0).has("unpacked_size")).isFalse();
    }

    @Test
    void anImageRecordedBeforeSizesWereKeptGetsThemFromItsSnapshotsOnce() throws Exception {
        Image image = unpacking().importTar(Tars.rootfs("bin/sh", "bin/ls"), options(T0));
        Path file = root.resolve("images/by-id/" + image.id().encoded() + ".json");
        ObjectNode old = (ObjectNode) JSON.readTree(file.toFile());
        ((ObjectNode) old.path("layers").get(0)).remove("unpacked_size");
        old.put("size", image.layers().getFirst().uncompressedSize());
        Files.write(file, JSON.writeValueAsBytes(old));

        Image reopened = unpacking().images.byId(image.id()).orElseThrow();

        assertThat(reopened.size()).isEqualTo(FILES);
        assertThat(record(image).path("layers").get(0).path("unpacked_size").asLong(-1)).isEqualTo(FILES);
        assertThat(new Fixture(root).images.byId(image.id()).orElseThrow().size()).isEqualTo(FILES);
    }

    @Test
    void aDamagedSizeInARecordIsMeasuredAgain() throws Exception {
        Image image = unpacking().importTar(Tars.rootfs("bin/sh", "bin/ls"), options(T0));
        Path file = root.resolve("images/by-id/" + image.id().encoded() + ".json");
        ObjectNode damaged = (ObjectNode) JSON.readTree(file.toFile());
        ((ObjectNode) damaged.path("layers").get(0)).put("unpacked_size", -1);
        Files.write(file, JSON.writeValueAsBytes(damaged));

        assertThat(unpacking().images.byId(image.id()).orElseThrow().size()).isEqualTo(FILES);
        assertThat(record(image).path("layers").get(0).path("unpacked_size").asLong()).isEqualTo(FILES);
    }

    @Test
    void anImageRecordedWithoutSnapshotsShowsItsTarSizesUntilItIsUnpacked() throws Exception {
        byte[] tar = Tars.rootfs("bin/sh", "bin/ls");
        Image image = new Fixture(root).importTar(tar, options(T0));

        Fixture withSnapshots = unpacking();
        assertThat(withSnapshots.images.byId(image.id()).orElseThrow().size()).isEqualTo(tar.length);

        // the same image again (a pull or load of it) unpacks its layers: now it is measured, and stays so
        Image again = withSnapshots.importTar(tar, options(T0));
        assertThat(again.id()).isEqualTo(image.id());
        assertThat(again.size()).isEqualTo(FILES);
        assertThat(withSnapshots.images.byId(image.id()).orElseThrow().layerSizes()).containsExactly(FILES);
        assertThat(new Fixture(root).images.byId(image.id()).orElseThrow().size()).isEqualTo(FILES);
    }

    @Test
    void layersSharedByTwoImagesAreMeasuredOnceAndShowTheSameSize() throws Exception {
        Fixture f = unpacking();
        Image a = f.importTar(Tars.rootfs("bin/sh", "bin/ls"), options(T0));
        Image b = f.importTar(Tars.rootfs("bin/sh", "bin/ls"), options(T0.plusSeconds(1)));

        assertThat(b.id()).isNotEqualTo(a.id());
        assertThat(b.layerSizes()).isEqualTo(a.layerSizes()).containsExactly(FILES);
        assertThat(f.images.list()).extracting(Image::size).containsExactly(FILES, FILES);
    }
}
