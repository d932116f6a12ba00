package dev.skiff.engine.images;

import dev.skiff.formats.Descriptor;
import dev.skiff.formats.Digest;

/**
 * One layer of an image: the blob as stored (usually compressed), the digest of its uncompressed
 * tar (the config's diff_id) and that tar's size, which {@code docker save} writes. The size Docker
 * shows for a layer is another: what its unpacked files hold ({@link Image#layerSizes}).
 */
public record Layer(Descriptor blob, Digest diffId, long uncompressedSize) {
    public Layer {
        if (blob == null || diffId == null) {
            throw new IllegalArgumentException("a layer needs a blob descriptor and a diff_id");
        }
        if (uncompressedSize < 0) {
            throw new IllegalArgumentException("a layer's uncompressed size must not be negative");
        }
    }
}
