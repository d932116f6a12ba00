package dev.skiff.engine.images;

import dev.skiff.formats.Descriptor;
import dev.skiff.formats.Digest;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * An image as {@code docker images} and {@code docker image inspect} see it. Its ID is the digest of
 * its config blob (Docker's rule), so the same config is the same image whatever its names.
 *
 * @param repoTags    familiar tag references ({@code busybox:latest}), sorted
 * @param repoDigests familiar digest references ({@code alice/app@sha256:...}), sorted
 * @param created     when the config says it was created; {@link #UNKNOWN_CREATED} when it does not say
 * @param manifest    the manifest it was pulled, loaded or imported with, when there is one
 * @param layers      bottom first
 * @param layerSizes  each layer's size as dockerd reports it: what its unpacked files hold (see
 *                    {@link LayerUnpacker}), or its tar's size where it was never unpacked; bottom first
 */
public record Image(Digest id, List<String> repoTags, List<String> repoDigests, Instant created,
                    ImageConfig config, Optional<Descriptor> manifest, List<Layer> layers, List<Long> layerSizes) {

    /** Go's zero time, which Docker shows for an image whose config has no {@code created}. */
    public static final Instant UNKNOWN_CREATED = Instant.parse("0001-01-01T00:00:00Z");

    public Image {
        repoTags = List.copyOf(repoTags);
        repoDigests = List.copyOf(repoDigests);
        layers = List.copyOf(layers);
        layerSizes = List.copyOf(layerSizes);
        if (layerSizes.size() != layers.size()) {
            throw new IllegalArgumentException("an image needs one size per layer, not " + layerSizes.size()
                    + " for " + layers.size() + " layers");
        }
    }

    /** The sum of the layers' sizes: the image's size as {@code docker images} and {@code docker image inspect} show it. */
    public long size() {
        return layerSizes.stream().mapToLong(Long::longValue).sum();
    }

    /** The 12-hex-character ID Docker prints. */
    public String shortId() {
        return id.encoded().substring(0, 12);
    }

    /** The layers' chain IDs (image-spec config.md), bottom first: what snapshots are keyed by. */
    public List<Digest> chainIds() {
        return ChainIds.of(config.diffIds());
    }
}
