package dev.skiff.registry.store;

import dev.skiff.formats.Digest;

/** A manifest as stored: its exact bytes, digest and media type. */
public record StoredManifest(Digest digest, String mediaType, byte[] content) {
}
