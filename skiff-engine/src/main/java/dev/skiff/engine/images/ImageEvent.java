package dev.skiff.engine.images;

import dev.skiff.formats.Digest;

import java.util.List;
import java.util.Optional;

/**
 * What happened to an image, in the order it happened, after it is durable; what {@code docker
 * events} reports as tag, untag, delete and import. References are full ({@code
 * docker.io/library/busybox:latest}).
 */
public sealed interface ImageEvent {
    Digest imageId();

    record Tagged(Digest imageId, String reference) implements ImageEvent {
    }

    record Untagged(Digest imageId, String reference) implements ImageEvent {
    }

    /** The image is gone; {@code releasedChainIds} are layers (top first) no other image has. */
    record Deleted(Digest imageId, List<Digest> releasedChainIds) implements ImageEvent {
        public Deleted {
            releasedChainIds = List.copyOf(releasedChainIds);
        }
    }

    record Imported(Digest imageId, Optional<String> reference) implements ImageEvent {
    }
}
