package dev.skiff.it.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The images the end-to-end tests push and pull, built locally with no network: a busybox layer
 * (Debian's static busybox binary) plus layers of seeded random bytes, so every image is
 * reproducible yet distinct per seed.
 */
public final class TestImages {

    /** Sizes of the generated layers' files: small, medium, a few hundred KiB, and a couple of MiB. */
    private static final int[] RANDOM_LAYER_SIZES = {1, 1_000, 300 * 1024, 2 * 1024 * 1024 + 17};

    private TestImages() {
    }

    /** busybox (with an sh symlink) as the base layer, then {@link #RANDOM_LAYER_SIZES} random layers. */
    public static BuiltImage busyboxMultiLayer(OciLayout layout, long seed) {
        List<Layer> layers = new ArrayList<>();
        layers.add(busyboxLayer());
        layers.addAll(randomLayers(seed, RANDOM_LAYER_SIZES));
        return layout.writeImage(Platform.LINUX_AMD64, layers, "busybox-multi-" + seed);
    }

    /** A small image of random layers only, e.g. for tests that need many distinct images. */
    public static BuiltImage small(OciLayout layout, long seed, Platform platform) {
        return layout.writeImage(platform, randomLayers(seed, 512, 64 * 1024), "small-" + seed + "-" + platform.architecture());
    }

    /** An image index with a linux/amd64 (busybox + random) and a linux/arm64 (random) image. */
    public static BuiltIndex multiArch(OciLayout layout, long seed) {
        BuiltImage amd64 = busyboxMultiLayer(layout, seed);
        BuiltImage arm64 = layout.writeImage(Platform.LINUX_ARM64, randomLayers(seed + 1_000_003, 4_096, 100 * 1024),
                "arm64-" + seed);
        return layout.writeIndex(List.of(amd64, arm64));
    }

    public static Layer busyboxLayer() {
        Path busybox = RequiredTool.BUSYBOX.path();
        try {
            byte[] binary = Files.readAllBytes(busybox.toRealPath());
            return Layer.of(new Tar()
                    .directory("bin")
                    .file("bin/busybox", binary, 0755)
                    .symlink("bin/sh", "busybox")
                    .symlink("bin/ls", "busybox"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static List<Layer> randomLayers(long seed, int... sizes) {
        Random random = new Random(seed);
        List<Layer> layers = new ArrayList<>();
        for (int i = 0; i < sizes.length; i++) {
            byte[] content = new byte[sizes[i]];
            random.nextBytes(content);
            layers.add(Layer.of(new Tar()
                    .directory("data")
                    .file("data/layer-" + seed + "-" + i + ".bin", content, 0644)));
        }
        return layers;
    }
}
