package dev.skiff.engine.snapshots;

import dev.skiff.engine.content.ContentStore;
import dev.skiff.formats.Digest;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SnapshotterTest {
    private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;

    @TempDir
    Path dataRoot;

    private ContentStore content;
    private Snapshotter snapshotter;

    @BeforeEach
    void open() {
        content = ContentStore.open(dataRoot);
        snapshotter = Snapshotter.open(dataRoot, content);
    }

    @Test
    void unpacksEveryKindOfEntryWithOwnersModesTimesAndXattrs() throws Exception {
        byte[] tar = new LayerTar()
                .dir("./", 0755)
                .dir("bin", 0755)
                .file("bin/su", "setuid\n", 04755, 0, 0, Map.of())
                .file("home/alice/notes", "hi\n", 0640, 1000, 2000, Map.of("user.comment", "kept", "trusted.overlay.redirect", "/etc"))
                .dir("tmp", 01777)
                .dir("shared", 02775)
                .symlink("bin/sh", "su")
                .symlink("bin/dirlink", "../tmp//")
                .file("usr/share/doc/caf\u00e9/na\u00efve \u2603.txt", "utf-8 names\n")
                .hardlink("bin/su2", "bin/su")
                .device("dev/null", TarConstants.LF_CHR, 1, 3)
                .device("dev/loop9", TarConstants.LF_BLK, 7, 9)
                .device("run/pipe", TarConstants.LF_FIFO, 0, 0)
                .build();
        Snapshot s = snapshotter.ensure(List.of(LayerTar.store(content, tar, LayerTar.gzip(tar)))).getFirst();
        Path fs = s.fs();

        assertThat(fs).isEqualTo(dataRoot.resolve("snapshots/1/fs"));
        assertThat(s.chainId()).isEqualTo(Digest.sha256(tar));
        assertThat(s.parent()).isEmpty();
        assertThat(Files.readString(fs.resolve("bin/su"))).isEqualTo("setuid\n");
        assertThat(mode(fs.resolve("bin/su"))).isEqualTo(0104755);
        assertThat(mode(fs.resolve("tmp"))).isEqualTo(041777);
        assertThat(mode(fs.resolve("shared"))).isEqualTo(042775);
        assertThat(Files.getAttribute(fs.resolve("home/alice/notes"), "unix:uid", NOFOLLOW)).isEqualTo(1000);
        assertThat(Files.getAttribute(fs.resolve("home/alice/notes"), "unix:gid", NOFOLLOW)).isEqualTo(2000);
        assertThat(mode(fs.resolve("home/alice/notes"))).isEqualTo(0100640);
        assertThat(LinuxCalls.lgetxattr(fs.resolve("home/alice/notes"), "user.comment"))
                .hasValueSatisfying(v -> assertThat(new String(v, StandardCharsets.UTF_8)).isEqualTo("kept"));
        assertThat(LinuxCalls.lgetxattr(fs.resolve("home/alice/notes"), "trusted.overlay.redirect")).isEmpty();
        // implied directories are root's, 0755
        assertThat(mode(fs.resolve("home/alice"))).isEqualTo(040755);
        assertThat(Files.readSymbolicLink(fs.resolve("bin/sh"))).isEqualTo(Path.of("su"));
        assertThat(readlink(fs.resolve("bin/dirlink"))).isEqualTo("../tmp//"); // byte for byte
        assertThat(Files.readString(fs.resolve("usr/share/doc/caf\u00e9/na\u00efve \u2603.txt"))).isEqualTo("utf-8 names\n");
        assertThat(Files.getAttribute(fs.resolve("bin/su2"), "unix:ino"))
                .isEqualTo(Files.getAttribute(fs.resolve("bin/su"), "unix:ino"));
        assertThat(Files.getAttribute(fs.resolve("dev/null"), "unix:mode", NOFOLLOW)).isEqualTo(020666);
        assertThat(Files.getAttribute(fs.resolve("dev/null"), "unix:rdev", NOFOLLOW)).isEqualTo(LinuxCalls.makedev(1, 3));
        assertThat(Files.getAttribute(fs.resolve("dev/loop9"), "unix:mode", NOFOLLOW)).isEqualTo(060666);
        assertThat(Files.getAttribute(fs.resolve("run/pipe"), "unix:mode", NOFOLLOW)).isEqualTo(010666);
        // times (commons-compress carries PAX times to 100 ns), on links too, and on directories written into after their entry
        FileTime expected = FileTime.from(LayerTar.TIME);
        for (String p : List.of("bin/su", "bin/sh", "bin", "tmp", "dev/null", "home/alice/notes", "")) {
            assertThat(Files.getLastModifiedTime(fs.resolve(p), NOFOLLOW)).as(p).isEqualTo(expected);
        }
    }

    @Test
    void plainTarGzipAndParentsChainByChainId() throws Exception {
        byte[] bottom = new LayerTar().file("a", "1").build();
        byte[] top = new LayerTar().file("b", "2").build();
        List<Snapshot> s = snapshotter.ensure(List.of(LayerTar.store(content, bottom), LayerTar.store(content, top, LayerTar.gzip(top))));

        Digest expectedTop = Digest.sha256((Digest.sha256(bottom) + " " + Digest.sha256(top)).getBytes(StandardCharsets.US_ASCII));
        assertThat(s.get(1).chainId()).isEqualTo(expectedTop);
        assertThat(s.get(1).parent()).contains(s.get(0).chainId());
        assertThat(snapshotter.lowerDirs(List.of(s.get(0).chainId(), expectedTop))).containsExactly(s.get(1).fs(), s.get(0).fs());
        assertThat(Files.readString(s.get(1).fs().resolve("b"))).isEqualTo("2");

        // reopened: the same snapshots, and new ones get new numbers
        Snapshotter again = Snapshotter.open(dataRoot, content);
        assertThat(again.list()).isEqualTo(snapshotter.list());
        byte[] third = new LayerTar().file("c", "3").build();
        assertThat(again.ensure(List.of(LayerTar.store(content, third))).getFirst().fs())
                .isEqualTo(dataRoot.resolve("snapshots/3/fs"));
    }

    @Test
    void layersUnpackConcurrentlyAndABadOneIsNamed() throws Exception {
        List<LayerBlob> layers = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            layers.add(LayerTar.store(content, new LayerTar().file("layer" + i, "n" + i).build()));
        }
        byte[] bad = new LayerTar().file("../escape", "x").build();
        layers.set(3, LayerTar.store(content, bad));

        assertThatThrownBy(() -> snapshotter.ensure(layers))
                .isInstanceOf(SnapshotException.class)
                .hasMessageStartingWith("cannot unpack layer " + Digest.sha256(bad) + ": ");
        // the others are whole (the daemon's next start drops them if no image gets them)
        assertThat(snapshotter.list()).hasSize(5);
        assertThat(snapshotDirEntries()).hasSize(5).noneMatch(n -> n.startsWith("tmp-"));

        layers.set(3, LayerTar.store(content, new LayerTar().file("layer3", "n3").build()));
        List<Snapshot> all = snapshotter.ensure(layers);
        for (int i = 0; i < 6; i++) {
            assertThat(Files.readString(all.get(i).fs().resolve("layer" + i))).isEqualTo("n" + i);
            assertThat(all.get(i).parent()).isEqualTo(i == 0 ? java.util.Optional.empty() : java.util.Optional.of(all.get(i - 1).chainId()));
        }
    }

    @Test
    void aLayerWhoseTarIsNotItsDiffIdLeavesNothing() throws Exception {
        byte[] tar = new LayerTar().file("a", "1").build();
        LayerBlob wrong = new LayerBlob(content.put(tar), Digest.sha256("something else".getBytes(StandardCharsets.UTF_8)));
        assertThatThrownBy(() -> snapshotter.ensure(List.of(wrong)))
                .isInstanceOf(SnapshotException.class)
                .hasMessageContaining("uncompresses to " + Digest.sha256(tar))
                .hasMessageContaining("not to its diff_id");
        assertThat(snapshotDirEntries()).isEmpty();
        assertThat(snapshotter.list()).isEmpty();
    }

    @Test
    void zstdAndGarbageAreRefusedClearly() throws Exception {
        byte[] zstd = {0x28, (byte) 0xb5, 0x2f, (byte) 0xfd, 0, 0, 0, 0};
        assertThatThrownBy(() -> snapshotter.ensure(List.of(new LayerBlob(content.put(zstd), Digest.sha256(zstd)))))
                .isInstanceOf(SnapshotException.class).hasMessageContaining("zstd-compressed");
        byte[] badGzip = {0x1f, (byte) 0x8b, 8, 0, 1, 2, 3};
        assertThatThrownBy(() -> snapshotter.ensure(List.of(new LayerBlob(content.put(badGzip), Digest.sha256(badGzip)))))
                .isInstanceOf(SnapshotException.class).hasMessageContaining("cannot unpack layer");
        Digest absent = Digest.sha256("absent".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> snapshotter.ensure(List.of(new LayerBlob(absent, absent))))
                .isInstanceOf(SnapshotException.class).hasMessageContaining("not in the content store");
        assertThat(snapshotDirEntries()).isEmpty();
    }

    @Test
    void twoPullsOfOneLayerUnpackItOnce() throws Exception {
        LayerTar big = new LayerTar();
        for (int i = 0; i < 300; i++) {
            big.file("d/f" + i, "x".repeat(1000));
        }
        LayerBlob layer = LayerTar.store(content, big.build());
        int threads = 6;
        CyclicBarrier start = new CyclicBarrier(threads);
        List<Future<List<Snapshot>>> results = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < threads; i++) {
                results.add(pool.submit(() -> {
                    start.await();
                    return snapshotter.ensure(List.of(layer));
                }));
            }
        }
        Snapshot first = results.getFirst().get().getFirst();
        for (Future<List<Snapshot>> r : results) {
            assertThat(r.get()).containsExactly(first);
        }
        assertThat(snapshotDirEntries()).containsExactly("1");
        try (Stream<Path> files = Files.list(first.fs().resolve("d"))) {
            assertThat(files.count()).isEqualTo(300);
        }
    }

    @Test
    void openRemovesWhatACrashLeftAndKeepsWholeSnapshots() throws Exception {
        Snapshot kept = snapshotter.ensure(List.of(LayerTar.store(content, new LayerTar().file("a", "1").build()))).getFirst();
        Path snapshots = dataRoot.resolve("snapshots");
        // an unpack killed midway: a temp dir with a partial tree (a read-only dir inside, too)
        Path half = snapshots.resolve("tmp-0b8c1d4e");
        Files.createDirectories(half.resolve("fs/usr/lib"));
        Files.writeString(half.resolve("fs/usr/lib/half"), "partial");
        LinuxCalls.chmod(half.resolve("fs/usr"), 0555);
        // a removal killed midway
        Files.createDirectories(snapshots.resolve("tmp-removed-7-x/fs/etc"));
        // a numbered dir with no metadata (cannot be made by the snapshotter, but a disk can lose it)
        Files.createDirectories(snapshots.resolve("9/fs/bin"));
        // a metadata temp file from AtomicFiles
        Files.writeString(snapshots.resolve(".tmp-snapshot.json-1"), "{");

        Snapshotter reopened = Snapshotter.open(dataRoot, content);

        assertThat(snapshotDirEntries()).containsExactly("1");
        assertThat(reopened.list()).containsExactly(kept);
        // numbers are never reused, even those of dirs thrown away
        Snapshot next = reopened.ensure(List.of(LayerTar.store(content, new LayerTar().file("b", "2").build()))).getFirst();
        assertThat(next.fs()).isEqualTo(snapshots.resolve("10/fs"));
    }

    @Test
    void removeAndRetainOnly() throws Exception {
        List<Snapshot> s = snapshotter.ensure(List.of(
                LayerTar.store(content, new LayerTar().file("a", "1").build()),
                LayerTar.store(content, new LayerTar().file("b", "2").build())));
        Snapshot other = snapshotter.ensure(List.of(LayerTar.store(content, new LayerTar().file("c", "3").build()))).getFirst();

        assertThat(snapshotter.remove(s.get(1).chainId())).isTrue();
        assertThat(snapshotter.remove(s.get(1).chainId())).isFalse();
        assertThat(s.get(1).fs()).doesNotExist();
        assertThatThrownBy(() -> snapshotter.lowerDirs(List.of(s.get(0).chainId(), s.get(1).chainId())))
                .isInstanceOf(SnapshotException.class).hasMessageContaining("has no snapshot");

        snapshotter.retainOnly(Set.of(other.chainId()));
        assertThat(snapshotter.list()).containsExactly(other);
        assertThat(snapshotDirEntries()).containsExactly("3");
        assertThat(Snapshotter.open(dataRoot, content).list()).containsExactly(other);
    }

    @Test
    void anEnsureRacingARemovalGetsTheLayerUnpackedAgain() throws Exception {
        LayerBlob layer = LayerTar.store(content, new LayerTar().file("a", "1").build());
        Snapshot first = snapshotter.ensure(List.of(layer)).getFirst();
        java.util.concurrent.CompletableFuture<Snapshot> racing = new java.util.concurrent.CompletableFuture<>();

        assertThat(snapshotter.removeUnused(List.of(first.chainId()), () -> Set.of(first.chainId()))).isEmpty();
        List<Digest> removed = snapshotter.removeUnused(List.of(first.chainId()), () -> {
            // an image being recorded with this layer calls ensure now: it must wait for this removal
            Thread.ofVirtual().start(() -> racing.complete(snapshotter.ensure(List.of(layer)).getFirst()));
            try {
                Thread.sleep(300);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
            assertThat(racing).isNotDone();
            return Set.of();
        });

        assertThat(removed).containsExactly(first.chainId());
        Snapshot again = racing.get(30, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(again.fs()).isEqualTo(dataRoot.resolve("snapshots/2/fs"));
        assertThat(Files.readString(again.fs().resolve("a"))).isEqualTo("1");
        assertThat(snapshotter.get(first.chainId())).contains(again);
        assertThat(first.fs()).doesNotExist();
    }

    private List<String> snapshotDirEntries() throws Exception {
        try (Stream<Path> entries = Files.list(dataRoot.resolve("snapshots"))) {
            return entries.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static String readlink(Path p) throws Exception {
        Process readlink = new ProcessBuilder("readlink", p.toString()).start();
        String out = new String(readlink.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(readlink.waitFor()).isZero();
        return out.stripTrailing();
    }

    static int mode(Path p) throws Exception {
        return (Integer) Files.getAttribute(p, "unix:mode", NOFOLLOW);
    }
}
