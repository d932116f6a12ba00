package dev.skiff.engine.images;

import dev.skiff.formats.Digest;

import java.io.InputStream;
import java.util.List;
import java.util.Optional;

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

    /** What a layer's tar held: its digest (the diff_id) and size. */
    record Streamed(Digest diffId, long size) {
    }

    /**
     * Unpacks the top layer of {@code diffIds} (bottom first) from {@code raw}, its blob's bytes as a
     * download delivers them, reading the tar to its end; the caller reads the rest of {@code raw}.
     * Empty when this unpacker does not stream, or the layer is unpacked or being unpacked already:
     * the caller then reads {@code raw} itself.
     *
     * @throws dev.skiff.engine.EngineException when the layer is unsafe or damaged
     */
    default Optional<Streamed> unpackFrom(List<Digest> diffIds, Digest blob, InputStream raw) {
        return Optional.empty();
    }
}
