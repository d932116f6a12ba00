package dev.skiff.engine.images;

import dev.skiff.engine.content.ContentStore;

import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/** A content store, an image store and an importer on one data root, with the events they sent. */
final class Fixture {
    static final Instant T0 = Instant.parse("2025-03-01T12:00:00.5Z");

    final Path root;
    final List<ImageEvent> events = new CopyOnWriteArrayList<>();
    final ContentStore content;
    final ImageStore images;
    final ImageImporter importer;

    Fixture(Path root) {
        this(root, c -> LayerUnpacker.NONE);
    }

    /** With a real unpacker ({@code dev.skiff.engine.snapshots.Snapshotter#asUnpacker}) when a test needs snapshots. */
    Fixture(Path root, java.util.function.Function<ContentStore, LayerUnpacker> unpacker) {
        this.root = root;
        this.content = ContentStore.open(root);
        this.images = ImageStore.open(root, content, new TestReferences(), events::add, unpacker.apply(content));
        this.importer = new ImageImporter(content, images);
    }

    static ImportOptions options(Instant created) {
        return new ImportOptions(Optional.empty(), List.of(), Optional.empty(), created, "linux", "amd64");
    }

    Image importTar(byte[] tar, ImportOptions options) {
        return importer.importImage(new ByteArrayInputStream(tar), options);
    }

    /** A distinct image (its own config) for each {@code n}, all sharing one layer. */
    Image importNth(int n) throws Exception {
        return importTar(Tars.rootfs("bin/sh"), options(T0.plusSeconds(n)));
    }
}
