package dev.skiff.engine.snapshots;

import dev.skiff.engine.content.ContentStore;
import dev.skiff.formats.Digest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The snapshots as overlayfs sees them: three layers mounted for real with {@code mount -t overlay}
 * (the tests run as root), the lower dirs in the order {@link Snapshotter#lowerDirs} gives.
 */
class OverlayMountTest {
    @TempDir
    Path dataRoot;
    @TempDir
    Path mountPoint;
    private boolean mounted;

    @AfterEach
    void unmount() throws Exception {
        if (mounted) {
            run("umount", mountPoint.toString());
        }
    }

    @Test
    void whiteoutsHideLowerFilesAndOpaqueDirsHideLowerContents() throws Exception {
        ContentStore content = ContentStore.open(dataRoot);
        Snapshotter snapshotter = Snapshotter.open(dataRoot, content);
        byte[] base = new LayerTar()
                .dir("etc", 0755).file("etc/keep", "base").file("etc/deleted", "base")
                .dir("var/cache", 0755).file("var/cache/old1", "base").file("var/cache/sub/old2", "base")
                .dir("gone", 0755).file("gone/inside", "base")
                .build();
        byte[] middle = new LayerTar()
                .dir("etc", 0755).file("etc/.wh.deleted", "")
                .dir("var/cache", 0755).file("var/cache/.wh..wh..opq", "").file("var/cache/new", "middle")
                .file(".wh.gone", "")
                .build();
        byte[] top = new LayerTar().file("etc/deleted", "back in the top layer").build();
        List<Snapshot> layers = snapshotter.ensure(List.of(
                LayerTar.store(content, base, LayerTar.gzip(base)),
                LayerTar.store(content, middle, LayerTar.gzip(middle)),
                LayerTar.store(content, top)));
        List<Digest> chain = layers.stream().map(Snapshot::chainId).toList();

        mount(snapshotter.lowerDirs(chain.subList(0, 2)));
        assertThat(listing(mountPoint)).containsExactly("etc", "etc/keep", "var", "var/cache", "var/cache/new");
        assertThat(Files.readString(mountPoint.resolve("etc/keep"))).isEqualTo("base");
        run("umount", mountPoint.toString());
        mounted = false;

        mount(snapshotter.lowerDirs(chain));
        assertThat(listing(mountPoint)).containsExactly("etc", "etc/deleted", "etc/keep", "var", "var/cache", "var/cache/new");
        assertThat(Files.readString(mountPoint.resolve("etc/deleted"))).isEqualTo("back in the top layer");

        // and without the whiteout layer, the base shows through whole
        run("umount", mountPoint.toString());
        mounted = false;
        mount(List.of(layers.get(2).fs(), layers.get(0).fs()));
        assertThat(listing(mountPoint)).contains("gone/inside", "var/cache/old1", "var/cache/sub/old2");
    }

    private void mount(List<Path> lowerDirs) throws Exception {
        String lower = lowerDirs.stream().map(Path::toString).collect(Collectors.joining(":"));
        run("mount", "-t", "overlay", "overlay", "-o", "lowerdir=" + lower, mountPoint.toString());
        mounted = true;
    }

    private static List<String> listing(Path root) throws IOException {
        try (Stream<Path> all = Files.walk(root)) {
            return all.filter(p -> !p.equals(root)).map(p -> root.relativize(p).toString()).sorted().toList();
        }
    }

    private static void run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new AssertionError(String.join(" ", command) + " failed: " + out);
        }
    }
}
