package dev.skiff.engine.snapshots;

import dev.skiff.formats.Digest;

import java.nio.file.Path;
import java.util.Optional;

/**
 * One unpacked layer, keyed by its chain ID (image-spec config.md).
 *
 * @param parent the chain ID of the layer below, empty for an image's bottom layer
 * @param fs     the directory holding the layer's files, whiteouts as overlayfs reads them: an
 *               overlay lower dir
 * @param size   what the layer's files hold, as dockerd counts a layer's size: see {@link DiffSize}
 */
public record Snapshot(Digest chainId, Optional<Digest> parent, Digest diffId, Path fs, long size) {
    public Snapshot {
        if (chainId == null || parent == null || diffId == null || fs == null) {
            throw new IllegalArgumentException("a snapshot needs a chain ID, a parent (or none), a diff_id and a directory");
        }
        if (size < 0) {
            throw new IllegalArgumentException("a snapshot's size must not be negative");
        }
    }
}
