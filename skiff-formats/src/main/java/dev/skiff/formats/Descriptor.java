package dev.skiff.formats;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/** An OCI content descriptor: what a manifest or index says about one piece of content. */
public record Descriptor(String mediaType, Digest digest, long size, Optional<Platform> platform,
                         Optional<String> artifactType, Map<String, String> annotations, List<String> urls) {

    public Descriptor {
        if (size < 0) {
            throw new FormatException("descriptor size must not be negative, got " + size);
        }
        annotations = Map.copyOf(annotations);
        urls = List.copyOf(urls);
    }

    public static Descriptor of(String mediaType, Digest digest, long size) {
        return new Descriptor(mediaType, digest, size, Optional.empty(), Optional.empty(), Map.of(), List.of());
    }

    /** The platform an index entry is for. */
    public record Platform(String os, String architecture, Optional<String> variant) {
        @Override
        public String toString() {
            return os + "/" + architecture + variant.map(v -> "/" + v).orElse("");
        }
    }
}
