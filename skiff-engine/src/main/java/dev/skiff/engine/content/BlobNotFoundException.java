package dev.skiff.engine.content;

import dev.skiff.formats.Digest;

/** The content store has no blob with this digest. */
public final class BlobNotFoundException extends ContentException {
    private final Digest digest;

    public BlobNotFoundException(Digest digest) {
        super("blob " + digest + " is not in the content store; pull or load the image that needs it again");
        this.digest = digest;
    }

    public Digest digest() {
        return digest;
    }
}
