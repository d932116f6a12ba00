package dev.skiff.engine.distribution;

/**
 * What a pull reports, in order: one {@link Resolving}; per layer {@link AlreadyExists} or
 * {@link LayerWaiting}, {@link Downloading}..., {@link Verifying}, {@link DownloadComplete}, {@link PullComplete};
 * then {@link Digest} and {@link Status}. Layers report concurrently, each in its own order.
 * The daemon turns these into docker's JSON stream; the CLI and tests see the same values.
 */
public sealed interface PullProgress {

    /** The manifest was found: {@code repository} is the registry's name for it, {@code reference} the tag or digest. */
    record Resolving(String repository, String reference) implements PullProgress {
    }

    record LayerWaiting(dev.skiff.formats.Digest layer) implements PullProgress {
    }

    record Downloading(dev.skiff.formats.Digest layer, long current, long total) implements PullProgress {
    }

    /** The layer is all in and its digests are being checked (docker's "Verifying Checksum"). */
    record Verifying(dev.skiff.formats.Digest layer) implements PullProgress {
    }

    record DownloadComplete(dev.skiff.formats.Digest layer) implements PullProgress {
    }

    record AlreadyExists(dev.skiff.formats.Digest layer) implements PullProgress {
    }

    record PullComplete(dev.skiff.formats.Digest layer) implements PullProgress {
    }

    /** The digest of what the reference named (the index's, for a multi-platform image), as docker prints it. */
    record Digest(dev.skiff.formats.Digest manifest) implements PullProgress {
    }

    /** The end: {@code downloaded} when the reference now names an image it did not name before. */
    record Status(boolean downloaded, String reference) implements PullProgress {
        public String text() {
            return (downloaded ? "Downloaded newer image for " : "Image is up to date for ") + reference;
        }
    }

    /** Docker's short layer ID: the first 12 hex characters of the blob digest. */
    static String shortId(dev.skiff.formats.Digest layer) {
        return layer.encoded().substring(0, 12);
    }
}
