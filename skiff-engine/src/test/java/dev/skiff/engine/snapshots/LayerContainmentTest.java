package dev.skiff.engine.snapshots;

import dev.skiff.engine.content.ContentStore;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Hostile layers: each either is refused (and leaves no snapshot) or is contained in its
 * snapshot. After every test, a sentinel directory outside the data root, which the layers aim
 * at, is exactly as it was.
 */
class LayerContainmentTest {
    private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;

    @TempDir
    Path dataRoot;
    @TempDir
    Path outside;

    private ContentStore content;
    private Snapshotter snapshotter;
    private Map<String, String> outsideBefore;
    private long passwdLinks;

    @BeforeEach
    void setUp() throws Exception {
        content = ContentStore.open(dataRoot);
        snapshotter = Snapshotter.open(dataRoot, content);
        Files.writeString(outside.resolve("target"), "sentinel");
        Files.createDirectories(outside.resolve("dir"));
        Files.writeString(outside.resolve("dir/inner"), "sentinel");
        outsideBefore = listing(outside);
        passwdLinks = (Integer) Files.getAttribute(Path.of("/etc/passwd"), "unix:nlink");
    }

    @AfterEach
    void nothingOutsideChanged() throws Exception {
        assertThat(listing(outside)).isEqualTo(outsideBefore);
        assertThat((Integer) Files.getAttribute(Path.of("/etc/passwd"), "unix:nlink")).isEqualTo((int) passwdLinks);
        assertThat(dataRoot.getParent().resolve("escape")).doesNotExist();
        try (Stream<Path> entries = Files.list(dataRoot.resolve("snapshots"))) {
            assertThat(entries.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith("tmp-"));
        }
    }

    @Test
    void dotDotEscapingTheRootIsRefused() {
        refused(new LayerTar().file("../escape", "x"), "\"../escape\" points outside the layer");
        refused(new LayerTar().file("a/../../escape", "x"), "points outside the layer");
        refused(new LayerTar().file("./a/b/../../../" + outside.getFileName() + "/target", "x"), "points outside the layer");
        refused(new LayerTar().dir("../escape", 0755), "points outside the layer");
    }

    @Test
    void anAbsoluteNameIsTakenRelativeToTheRoot() throws Exception {
        Path fs = unpacked(new LayerTar().file(outside.resolve("target").toString(), "inside"));
        assertThat(Files.readString(fs.resolve(outside.toString().substring(1)).resolve("target"))).isEqualTo("inside");
    }

    @Test
    void writingThroughASymlinkToAnAbsolutePathStaysInside() throws Exception {
        Path fs = unpacked(new LayerTar()
                .symlink("evil", outside.toString())
                .file("evil/pwned", "contained")
                .file("evil/target", "contained"));
        assertThat(Files.readSymbolicLink(fs.resolve("evil"))).isEqualTo(outside); // stored as it is
        Path contained = fs.resolve(outside.toString().substring(1));
        assertThat(Files.readString(contained.resolve("pwned"))).isEqualTo("contained");
        assertThat(Files.readString(contained.resolve("target"))).isEqualTo("contained");
    }

    @Test
    void symlinkDotDotChainsStopAtTheRoot() throws Exception {
        int depth = dataRoot.getNameCount() + 4;
        Path fs = unpacked(new LayerTar()
                .symlink("up", "../".repeat(depth))
                .dir("a/b", 0755)
                .symlink("a/b/back", "../../../../..")
                .symlink("loop1", "loop2")
                .symlink("loop2", "loop1")
                .file("up/" + outside.toString().substring(1) + "/target", "one")
                .file("a/b/back/escape", "two"));
        assertThat(Files.readString(fs.resolve(outside.toString().substring(1)).resolve("target"))).isEqualTo("one");
        assertThat(Files.readString(fs.resolve("escape"))).isEqualTo("two");
        refused(new LayerTar().symlink("loop1", "loop2").symlink("loop2", "loop1").file("loop1/x", "x"),
                "more than 40 symbolic links");
    }

    @Test
    void hardLinksOutOfTheLayerAreRefused() {
        refused(new LayerTar().hardlink("passwd", "/etc/passwd"), "hard link to \"/etc/passwd\", which is not in this layer");
        refused(new LayerTar().hardlink("x", "../../x"), "points outside the layer");
        refused(new LayerTar().symlink("hostetc", "/etc").hardlink("passwd", "hostetc/passwd"), "which is not in this layer");
        // in the root, etc -> /etc is a link to itself
        refused(new LayerTar().symlink("etc", "/etc").hardlink("passwd", "etc/passwd"), "more than 40 symbolic links");
        refused(new LayerTar().symlink("out", outside.toString()).hardlink("t", "out/target"), "which is not in this layer");
        refused(new LayerTar().dir("d", 0755).hardlink("d2", "d"), "hard link to the directory");
        refused(new LayerTar().hardlink("root", "./"), "hard link to the layer's root");
    }

    @Test
    void aHardLinkThroughASymlinkInsideTheLayerWorks() throws Exception {
        Path fs = unpacked(new LayerTar().file("real/file", "shared").symlink("alias", "/real").hardlink("link", "alias/file"));
        assertThat(Files.getAttribute(fs.resolve("link"), "unix:ino")).isEqualTo(Files.getAttribute(fs.resolve("real/file"), "unix:ino"));
    }

    @Test
    void devicesAreMadeAsRootAndSkippedOtherwise() throws Exception {
        LayerTar tar = new LayerTar().device("dev/sda", TarConstants.LF_BLK, 8, 0).device("dev/tty", TarConstants.LF_CHR, 5, 0)
                .device("fifo", TarConstants.LF_FIFO, 0, 0).file("f", "x");
        Path fs = unpacked(tar);
        assertThat(Files.getAttribute(fs.resolve("dev/sda"), "unix:mode", NOFOLLOW)).isEqualTo(060666);

        Snapshotter unprivileged = Snapshotter.open(dataRoot.resolve("unprivileged"), content, false);
        byte[] bytes = new LayerTar().device("dev/sda", TarConstants.LF_BLK, 8, 0).device("dev/tty", TarConstants.LF_CHR, 5, 0)
                .device("fifo", TarConstants.LF_FIFO, 0, 0).file("f", "x").build();
        Path fs2 = unprivileged.ensure(List.of(LayerTar.store(content, bytes))).getFirst().fs();
        assertThat(fs2.resolve("dev/sda")).doesNotExist();
        assertThat(fs2.resolve("dev/tty")).doesNotExist();
        assertThat(Files.getAttribute(fs2.resolve("fifo"), "unix:mode", NOFOLLOW)).isEqualTo(010666);
        assertThat(fs2.resolve("f")).exists();
    }

    @Test
    void anEntryReplacingADirectoryRemovesItWithoutFollowingLinks() throws Exception {
        Path fs = unpacked(new LayerTar()
                .dir("d", 0755)
                .file("d/f", "old")
                .symlink("d/out", outside.toString())
                .symlink("d/outdir", outside.resolve("dir").toString())
                .file("d", "now a file")
                .file("l", "file")
                .dir("l", 0700));
        assertThat(Files.readString(fs.resolve("d"))).isEqualTo("now a file");
        assertThat(Files.isDirectory(fs.resolve("l"), NOFOLLOW)).isTrue();
        assertThat(SnapshotterTest.mode(fs.resolve("l"))).isEqualTo(040700);
    }

    @Test
    void anEntryReplacingASymlinkReplacesTheLinkNotItsTarget() throws Exception {
        Path fs = unpacked(new LayerTar().symlink("t", outside.resolve("target").toString()).file("t", "mine")
                .symlink("dir", outside.resolve("dir").toString()).dir("dir", 0755));
        assertThat(Files.readString(fs.resolve("t"))).isEqualTo("mine");
        assertThat(Files.isSymbolicLink(fs.resolve("dir"))).isFalse();
    }

    @Test
    void whiteoutsNamingNothingOrOutsideAreRefused() {
        refused(new LayerTar().file("a/.wh...", ""), "a whiteout for \"..\"");
        refused(new LayerTar().file(".wh..", ""), "a whiteout for \".\"");
        refused(new LayerTar().file(".wh.", ""), "a whiteout for \"\"");
        refused(new LayerTar().file("../.wh.escape", ""), "points outside the layer");
        refused(new LayerTar().file("../.wh..wh..opq", ""), "points outside the layer");
    }

    @Test
    void whiteoutsAndOpaqueMarkersThroughASymlinkStayInside() throws Exception {
        Path fs = unpacked(new LayerTar()
                .symlink("out", outside.toString())
                .file("out/.wh.target", "")
                .file("out/dir/.wh..wh..opq", ""));
        Path contained = fs.resolve(outside.toString().substring(1));
        assertThat(Files.getAttribute(contained.resolve("target"), "unix:mode", NOFOLLOW)).isEqualTo(020000);
        assertThat(LinuxCalls.lgetxattr(contained.resolve("dir"), LayerApplier.OPAQUE_XATTR)).isPresent();
        assertThat(LinuxCalls.lgetxattr(outside.resolve("dir"), LayerApplier.OPAQUE_XATTR)).isEmpty();
    }

    @Test
    void aFileAsAParentDirectoryIsRefused() {
        refused(new LayerTar().file("f", "x").file("f/g", "y"), "\"f\" is in its path but is not a directory");
    }

    private Path unpacked(LayerTar tar) {
        return snapshotter.ensure(List.of(LayerTar.store(content, tar.build()))).getFirst().fs();
    }

    private void refused(LayerTar tar, String message) {
        List<Snapshot> before = snapshotter.list();
        assertThatThrownBy(() -> snapshotter.ensure(List.of(LayerTar.store(content, tar.build()))))
                .isInstanceOf(SnapshotException.class)
                .hasMessageStartingWith("cannot unpack layer sha256:")
                .hasMessageContaining(message);
        assertThat(snapshotter.list()).isEqualTo(before);
    }

    /** Every path under {@code dir} with its type and, for files, content. */
    private static Map<String, String> listing(Path dir) throws Exception {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.toList()) {
                String v = Files.isSymbolicLink(p) ? "link " + Files.readSymbolicLink(p)
                        : Files.isDirectory(p, NOFOLLOW) ? "dir" : Files.readString(p);
                out.put(dir.relativize(p).toString(), v + " " + Files.getAttribute(p, "unix:mode", NOFOLLOW));
            }
        }
        return out;
    }
}
