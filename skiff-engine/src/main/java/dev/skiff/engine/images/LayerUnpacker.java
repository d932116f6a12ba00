package dev.skiff.engine.images;

import java.util.List;

/**
 * Makes an image's layers usable by containers before the image is recorded: the daemon unpacks
 * them into snapshots. Called with the layers bottom first; it must be cheap for layers already
 * unpacked, and safe to call from several threads for the same layers.
 */
@FunctionalInterface
public interface LayerUnpacker {
    /** Unpacks nothing: for stores that only keep blobs (tests, tools). */
    LayerUnpacker NONE = layers -> { };

    /** @throws dev.skiff.engine.EngineException when a layer cannot be unpacked; the message says why */
    void unpack(List<Layer> layers);
}
