package dev.skiff.it.support;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** A single-platform image written into an {@link OciLayout}: its manifest bytes and what they reference. */
public record BuiltImage(Platform platform, byte[] manifest, String manifestDigest, byte[] config,
                         String configDigest, List<Layer> layers) {

    public static final String MEDIA_TYPE = "application/vnd.oci.image.manifest.v1+json";

    /** The config's and the layers' digests (what the manifest references). */
    public Set<String> referencedBlobs() {
        Set<String> digests = new LinkedHashSet<>();
        digests.add(configDigest);
        layers.forEach(layer -> digests.add(layer.digest()));
        return digests;
    }

    /** Every blob of the image, the manifest included. */
    public Set<String> allBlobs() {
        Set<String> digests = new LinkedHashSet<>();
        digests.add(manifestDigest);
        digests.addAll(referencedBlobs());
        return digests;
    }

    public List<String> layerDigests() {
        return layers.stream().map(Layer::digest).toList();
    }
}
