package dev.skiff.engine.snapshots;

import dev.skiff.formats.Digest;

/** A layer to unpack: its blob in the content store (gzip or plain tar) and its tar's digest. */
public record LayerBlob(Digest blob, Digest diffId) {
    public LayerBlob {
        if (blob == null || diffId == null) {
            throw new IllegalArgumentException("a layer needs a blob digest and a diff_id");
        }
    }
}
