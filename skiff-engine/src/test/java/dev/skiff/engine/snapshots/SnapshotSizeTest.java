package dev.skiff.engine.snapshots;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skiff.engine.content.ContentStore;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A snapshot's size is dockerd's overlay2 DiffSize of the layer. The expected numbers are the ones
 * dockerd 20.10 printed ({@code docker history -H=false}) for layers of these shapes, except where a
 * tar replaces or whites out its own entries, which dockerd refuses to load.
 */
class SnapshotSizeTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dataRoot;

    private ContentStore content;
    private Snapshotter snapshotter;

    @BeforeEach
    void open() {
        content = ContentStore.open(dataRoot);
        snapshotter = Snapshotter.open(dataRoot, content, true);
    }

    @Test
    void filesCountOnceLinksByTheirTargetAndEverythingElseNothing() throws Exception {
        byte[] tar = new LayerTar()
                .dir("./", 0755)
                .file("bin/hello", "hello\n")                  // 6
                .hardlink("bin/hello2", "bin/hello")           // the same inode: 0
                .hardlink("bin/hello3", "bin/hello")
                .symlink("bin/sym", "hello")                   // 5, the target's length
                .symlink("dir/abs", "/some/longer/target")     // 19
                .file("empty", "")                             // 0
                .file("dir/sub/f", "12345678901")              // 11
                .file("dir/gone", "gone\n")                    // 5
                .dir("dir/only/a/dir", 0755)                   // directories: 0
                .device("dev/null", TarConstants.LF_CHR, 1, 3) // devices and fifos: 0
                .device("run/pipe", TarConstants.LF_FIFO, 0, 0)
                .file("xattr", "x", 0644, 0, 0, Map.of("user.big", "a value that takes room")) // 1
                .build();

        Snapshot s = snapshotter.ensure(List.of(LayerTar.store(content, tar))).getFirst();

        assertThat(s.size()).isEqualTo(6 + 5 + 19 + 11 + 5 + 1);
    }

    @Test
    void whatTheLayerReplacesOrWhitesOutOfItselfCountsAsItEndsUp() throws Exception {
        byte[] tar = new LayerTar()
                .file("a", "12345")               // replaced below, but its hard link keeps the 5 bytes
                .hardlink("a-link", "a")
                .file("a", "zz")                  // 2
                .file("b", "this one goes")       // whited out below: 0
                .file(".wh.b", "")
                .file("d/x", "0123456789")        // gone with its directory, replaced by a file (dockerd: the same)
                .file("d", "dd")                  // 2
                .build();

        Snapshot s = snapshotter.ensure(List.of(LayerTar.store(content, tar))).getFirst();

        assertThat(s.size()).isEqualTo(5 + 2 + 2);
    }

    @Test
    void whiteoutsAndOpaqueDirectoriesInAnUpperLayerCountNothing() throws Exception {
        byte[] bottom = new LayerTar().file("dir/gone", "gone\n").file("opaque/old", "old").build();
        byte[] top = new LayerTar()
                .dir("dir", 0755)
                .file("dir/.wh.gone", "")
                .file("opaque/.wh..wh..opq", "")
                .file("dir/new", "x")
                .build();

        List<Snapshot> s = snapshotter.ensure(List.of(LayerTar.store(content, bottom), LayerTar.store(content, top)));

        assertThat(s.get(0).size()).isEqualTo(5 + 3);
        assertThat(s.get(1).size()).isEqualTo(1);
    }

    @Test
    void anEmptyLayerIsZero() throws Exception {
        byte[] tar = new LayerTar().dir("./", 0755).dir("etc", 0755).file("etc/empty", "").build();

        assertThat(snapshotter.ensure(List.of(LayerTar.store(content, tar))).getFirst().size()).isZero();
    }

    @Test
    void theSizeIsKeptInTheMetadataAndSeenAgainAfterReopening() throws Exception {
        byte[] tar = new LayerTar().file("f", "four").build();
        Snapshot s = snapshotter.ensure(List.of(LayerTar.store(content, tar))).getFirst();

        Path meta = s.fs().resolveSibling(Snapshotter.METADATA);
        assertThat(JSON.readTree(meta.toFile()).path("size").asLong(-1)).isEqualTo(4);
        Files.writeString(s.fs().resolve("added-later"), "not measured again"); // nothing does this; it shows the size is read, not walked
        assertThat(Snapshotter.open(dataRoot, content, true).get(s.chainId()).orElseThrow().size()).isEqualTo(4);
    }

    @Test
    void aSnapshotWrittenBeforeSizesWereKeptIsMeasuredOnceWhenOpened() throws Exception {
        byte[] tar = new LayerTar().file("f", "four").symlink("l", "f").build();
        Snapshot s = snapshotter.ensure(List.of(LayerTar.store(content, tar))).getFirst();
        Path meta = s.fs().resolveSibling(Snapshotter.METADATA);
        ObjectNode old = (ObjectNode) JSON.readTree(meta.toFile());
        old.remove("size");
        Files.write(meta, JSON.writeValueAsBytes(old));
        Path leftover = meta.resolveSibling(".tmp-snapshot.json-5eed"); // a rewrite a crash cut short
        Files.writeString(leftover, "{\"schemaVer");

        Snapshotter reopened = Snapshotter.open(dataRoot, content, true);

        assertThat(reopened.get(s.chainId()).orElseThrow().size()).isEqualTo(5);
        assertThat(JSON.readTree(meta.toFile()).path("size").asLong(-1)).isEqualTo(5);
        assertThat(JSON.readTree(meta.toFile()).path("chainId").asText()).isEqualTo(s.chainId().toString());
        assertThat(leftover).doesNotExist();
        Files.writeString(s.fs().resolve("added-later"), "not measured again");
        assertThat(Snapshotter.open(dataRoot, content, true).get(s.chainId()).orElseThrow().size()).isEqualTo(5);
    }

    @Test
    void aSizeThatCannotBeRightIsMeasuredAgainAndAnUnreadableOneDropsTheSnapshotAsAnyBadMetadata() throws Exception {
        Snapshot a = snapshotter.ensure(List.of(LayerTar.store(content, new LayerTar().file("f", "four").build()))).getFirst();
        Snapshot b = snapshotter.ensure(List.of(LayerTar.store(content, new LayerTar().file("g", "five!").build()))).getFirst();
        Path metaA = a.fs().resolveSibling(Snapshotter.METADATA);
        Files.write(metaA, JSON.writeValueAsBytes(((ObjectNode) JSON.readTree(metaA.toFile())).put("size", -3)));
        Path metaB = b.fs().resolveSibling(Snapshotter.METADATA);
        Files.write(metaB, JSON.writeValueAsBytes(((ObjectNode) JSON.readTree(metaB.toFile())).put("size", "lots")));

        Snapshotter reopened = Snapshotter.open(dataRoot, content, true);

        assertThat(reopened.get(a.chainId()).orElseThrow().size()).isEqualTo(4);
        assertThat(JSON.readTree(metaA.toFile()).path("size").asLong()).isEqualTo(4);
        assertThat(reopened.get(b.chainId())).isEmpty(); // unpacked again when its image is put again
        assertThat(b.fs().getParent()).doesNotExist();
    }

    @Test
    void theUnpackerReportsSizesOfWhatItUnpackedAndOfNothingElse() throws Exception {
        byte[] tar = new LayerTar().file("f", "four").build();
        LayerBlob blob = LayerTar.store(content, tar);
        dev.skiff.engine.images.Layer layer = new dev.skiff.engine.images.Layer(
                dev.skiff.formats.Descriptor.of("application/vnd.docker.image.rootfs.diff.tar", blob.blob(), tar.length),
                blob.diffId(), tar.length);

        assertThat(snapshotter.asUnpacker().unpackedSizes(List.of(layer))).containsExactly(OptionalLong.empty());
        assertThat(snapshotter.asUnpacker().unpack(List.of(layer))).containsExactly(OptionalLong.of(4));
        assertThat(snapshotter.asUnpacker().unpackedSizes(List.of(layer))).containsExactly(OptionalLong.of(4));
    }
}
