package dev.skiff.engine.distribution;

import dev.skiff.formats.Digest;

/**
 * What a push reports, in order: one {@link Repository}; per tag, per layer (top first) a
 * {@link Preparing}, then maybe {@link Waiting} (more than five layers upload at once), then
 * {@link Pushing}... and {@link Pushed}, or {@link AlreadyExists}, or {@link Mounted}; then the tag's
 * {@link Done}. Layers report concurrently, each in its own order. Layers are named by their diff_id,
 * as docker does for a push. The daemon turns these into docker's JSON stream.
 */
public sealed interface PushProgress {

    /** {@code localhost:5000/alice/app}: the repository, without tag. */
    record Repository(String name) implements PushProgress {
    }

    record Preparing(Digest diffId) implements PushProgress {
    }

    record Waiting(Digest diffId) implements PushProgress {
    }

    /** {@code current} of {@code total} bytes of the (compressed) blob sent. */
    record Pushing(Digest diffId, long current, long total) implements PushProgress {
    }

    record Pushed(Digest diffId) implements PushProgress {
    }

    record AlreadyExists(Digest diffId) implements PushProgress {
    }

    record Mounted(Digest diffId, String fromRepository) implements PushProgress {
    }

    /** The tag now names the manifest {@code digest} of {@code size} bytes in the registry. */
    record Done(String tag, Digest digest, long size) implements PushProgress {
        public String text() {
            return tag + ": digest: " + digest + " size: " + size;
        }
    }

    /** Docker's short layer ID in a push: the first 12 hex characters of the diff_id. */
    static String shortId(Digest diffId) {
        return diffId.encoded().substring(0, 12);
    }
}
