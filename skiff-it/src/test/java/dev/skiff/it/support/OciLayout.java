package dev.skiff.it.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * An OCI image layout directory (image-spec {@code image-layout.md}): {@code oci-layout},
 * {@code index.json} and {@code blobs/sha256/<hex>}. Written by the fixtures and read back after a
 * {@code skopeo copy ... oci:<dir>:<tag>}; skopeo finds a tag by the
 * {@code org.opencontainers.image.ref.name} annotation of an index.json entry.
 */
public final class OciLayout {

    public static final String REF_NAME = "org.opencontainers.image.ref.name";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    private final List<Map<String, Object>> tags = new ArrayList<>();

    private OciLayout(Path dir) {
        this.dir = dir;
    }

    /** A new, empty layout in {@code dir} (created if needed). */
    public static OciLayout create(Path dir) {
        try {
            Files.createDirectories(dir.resolve("blobs/sha256"));
            Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        OciLayout layout = new OciLayout(dir);
        layout.writeIndex();
        return layout;
    }

    /** A layout someone else wrote (e.g. skopeo), for reading. */
    public static OciLayout open(Path dir) {
        if (!Files.isRegularFile(dir.resolve("index.json"))) {
            throw new AssertionError("not an OCI image layout (no index.json): " + dir);
        }
        return new OciLayout(dir);
    }

    public Path dir() {
        return dir;
    }

    /** skopeo's name for a tag in this layout. */
    public String reference(String tag) {
        return "oci:" + dir + ":" + tag;
    }

    // ---------------------------------------------------------------- writing

    public String writeBlob(byte[] bytes) {
        String digest = Digests.sha256(bytes);
        try {
            Files.write(blobPath(digest), bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return digest;
    }

    /** Writes the layers, a config whose rootfs.diff_ids match them, and the manifest. */
    public BuiltImage writeImage(Platform platform, List<Layer> layers, String label) {
        List<String> diffIds = layers.stream().map(Layer::diffId).toList();
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("created", "2024-01-01T00:00:00Z");
        config.put("architecture", platform.architecture());
        config.put("os", platform.os());
        config.put("config", Map.of("Cmd", List.of("/bin/sh"), "Labels", Map.of("dev.skiff.it.image", label)));
        config.put("rootfs", Map.of("type", "layers", "diff_ids", diffIds));
        config.put("history", layers.stream().map(l -> Map.of("created", "2024-01-01T00:00:00Z",
                "created_by", "skiff-it fixture " + label)).toList());
        byte[] configBytes = json(config);
        String configDigest = writeBlob(configBytes);
        layers.forEach(layer -> writeBlob(layer.compressed()));

        Map<String, Object> manifest = new LinkedHashMap<>();
        manifest.put("schemaVersion", 2);
        manifest.put("mediaType", BuiltImage.MEDIA_TYPE);
        manifest.put("config", descriptor("application/vnd.oci.image.config.v1+json", configDigest, configBytes.length));
        manifest.put("layers", layers.stream()
                .map(l -> descriptor("application/vnd.oci.image.layer.v1.tar+gzip", l.digest(), l.size()))
                .toList());
        manifest.put("annotations", Map.of("dev.skiff.it.image", label));
        byte[] manifestBytes = json(manifest);
        String manifestDigest = writeBlob(manifestBytes);
        return new BuiltImage(platform, manifestBytes, manifestDigest, configBytes, configDigest, List.copyOf(layers));
    }

    /** Writes an image index over already written images, one entry per platform. */
    public BuiltIndex writeIndex(List<BuiltImage> images) {
        Map<String, Object> index = new LinkedHashMap<>();
        index.put("schemaVersion", 2);
        index.put("mediaType", BuiltIndex.MEDIA_TYPE);
        index.put("manifests", images.stream().map(image -> {
            Map<String, Object> d = descriptor(BuiltImage.MEDIA_TYPE, image.manifestDigest(), image.manifest().length);
            d.put("platform", Map.of("architecture", image.platform().architecture(), "os", image.platform().os()));
            return d;
        }).toList());
        byte[] bytes = json(index);
        return new BuiltIndex(bytes, writeBlob(bytes), List.copyOf(images));
    }

    public OciLayout tag(String tag, BuiltImage image) {
        return tag(tag, BuiltImage.MEDIA_TYPE, image.manifestDigest(), image.manifest().length);
    }

    public OciLayout tag(String tag, BuiltIndex index) {
        return tag(tag, BuiltIndex.MEDIA_TYPE, index.indexDigest(), index.index().length);
    }

    private OciLayout tag(String tag, String mediaType, String digest, long size) {
        Map<String, Object> d = descriptor(mediaType, digest, size);
        d.put("annotations", Map.of(REF_NAME, tag));
        tags.add(d);
        writeIndex();
        return this;
    }

    private void writeIndex() {
        Map<String, Object> index = new LinkedHashMap<>();
        index.put("schemaVersion", 2);
        index.put("manifests", tags);
        try {
            Files.write(dir.resolve("index.json"), json(index));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---------------------------------------------------------------- reading

    /** The digest that index.json names for {@code tag}. */
    public String digestOf(String tag) {
        for (JsonNode entry : readTree(dir.resolve("index.json")).path("manifests")) {
            if (tag.equals(entry.path("annotations").path(REF_NAME).asText(null))) {
                return entry.path("digest").asText();
            }
        }
        throw new AssertionError("no tag '" + tag + "' in " + dir.resolve("index.json") + ": " + readString("index.json"));
    }

    public byte[] blob(String digest) {
        try {
            return Files.readAllBytes(blobPath(digest));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Optional<byte[]> findBlob(String digest) {
        return Files.isRegularFile(blobPath(digest)) ? Optional.of(blob(digest)) : Optional.empty();
    }

    /** Every blob file's digest, checking that each file's content matches its name. */
    public TreeSet<String> blobDigests() {
        TreeSet<String> digests = new TreeSet<>();
        try (Stream<Path> files = Files.list(dir.resolve("blobs/sha256"))) {
            files.forEach(file -> {
                String named = "sha256:" + file.getFileName();
                String actual = Digests.sha256(file);
                if (!named.equals(actual)) {
                    throw new AssertionError("blob " + file + " holds content with digest " + actual);
                }
                digests.add(named);
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return digests;
    }

    private Path blobPath(String digest) {
        if (!digest.startsWith("sha256:")) {
            throw new IllegalArgumentException("only sha256 digests in fixtures: " + digest);
        }
        return dir.resolve("blobs/sha256").resolve(Digests.hex(digest));
    }

    private String readString(String name) {
        try {
            return Files.readString(dir.resolve(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode readTree(Path file) {
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Map<String, Object> descriptor(String mediaType, String digest, long size) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("mediaType", mediaType);
        d.put("digest", digest);
        d.put("size", size);
        return d;
    }

    private static byte[] json(Object value) {
        try {
            return JSON.writeValueAsBytes(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
