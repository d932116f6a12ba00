package dev.skiff.it.support;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** A multi-platform image index written into an {@link OciLayout}, with its platform images. */
public record BuiltIndex(byte[] index, String indexDigest, List<BuiltImage> images) {

    public static final String MEDIA_TYPE = "application/vnd.oci.image.index.v1+json";

    /** The index, every manifest and every blob they reference. */
    public Set<String> allBlobs() {
        Set<String> digests = new LinkedHashSet<>();
        digests.add(indexDigest);
        images.forEach(image -> digests.addAll(image.allBlobs()));
        return digests;
    }
}
