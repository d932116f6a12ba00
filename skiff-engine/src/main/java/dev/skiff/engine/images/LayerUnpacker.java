package dev.skiff.engine.images;

import dev.skiff.formats.Digest;

import java.io.InputStream;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Makes an image's layers usable by containers before the image is recorded: the daemon unpacks
 * them into snapshots. Called with the layers bottom first; it must be cheap for layers already
 * unpacked, and safe to call from several threads for the same layers.
 * <p>
 * An unpacked layer's size is what dockerd reports as the layer's size (its graph driver's
 * DiffSize): the bytes its unpacked files hold, hard-linked ones once, symbolic links by their
 * target's length. The image store shows those sizes, and the tar sizes where there are none.
 */
@FunctionalInterface
public interface LayerUnpacker {
    /** Unpacks nothing and so measures nothing: for stores that only keep blobs (tests, tools). */
    LayerUnpacker NONE = layers -> layers.stream().map(l -> OptionalLong.empty()).toList();

    /**
     * @return each layer's unpacked size, bottom first; empty for a layer this unpacker keeps no files of
     * @throws dev.skiff.engine.EngineException when a layer cannot be unpacked; the message says why
     */
    List<OptionalLong> unpack(List<Layer> layers);

    /**
     * The unpacked size of each layer (bottom first) that is unpacked already, without unpacking
     * anything: for images recorded before their sizes were kept.
     */
    default List<OptionalLong> unpackedSizes(List<Layer> layers) {
        return layers.stream().map(l -> OptionalLong.empty()).toList();
    }

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
