package dev.skiff.engine.content;

import dev.skiff.formats.Digest;

import java.io.InputStream;
import java.nio.file.Path;
import java.util.Optional;

/** Reads blobs by digest. What a pusher, an unpacker or a {@code docker save} needs, and no more. */
public interface BlobReader {

    /** The blob's size, or empty when the store does not have it. */
    Optional<Long> size(Digest digest);

    /** @throws BlobNotFoundException when the store does not have it */
    InputStream open(Digest digest);

    /**
     * Where the blob lies, for sendfile and hard links. Only read it: the file is shared, and it may
     * be deleted (never changed) once no image needs it.
     *
     * @throws BlobNotFoundException when the store does not have it
     */
    Path path(Digest digest);

    /** Reads a whole blob; for small ones (manifests, configs). */
    byte[] read(Digest digest);
}
