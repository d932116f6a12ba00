package dev.skiff.engine.content;

import dev.skiff.formats.Digest;

/** Adds blobs; each is verified, then appears whole, atomically. */
public interface BlobIngester {

    /** A writer that hashes with sha256. */
    ContentWriter writer();

    /** Stores a small blob and returns its sha256 digest. */
    Digest put(byte[] content);
}
