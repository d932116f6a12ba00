package dev.skiff.registry.gc;

import dev.skiff.formats.Digest;
import dev.skiff.formats.MediaTypes;
import dev.skiff.formats.RepositoryName;
import dev.skiff.formats.Tag;
import dev.skiff.registry.storage.FileSystemDriver;
import dev.skiff.registry.storage.RegistryLayout;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** Writes a registry folder by hand, the way the store layer (or distribution) lays it out. */
final class TestRegistry {
    final FileSystemDriver driver;
    private int counter;

    TestRegistry(Path root) {
        this.driver = new FileSystemDriver(root);
    }

    static RepositoryName repo(String name) {
        return RepositoryName.parse(name);
    }

    Digest blob(String content) throws IOException {
        return blob(content.getBytes(StandardCharsets.UTF_8));
    }

    Digest blob(byte[] content) throws IOException {
        Digest d = Digest.sha256(content);
        driver.putContent(RegistryLayout.blobData(d), content);
        return d;
    }

    /** A blob with unique content, as a layer or config would be. */
    Digest uniqueBlob(String label) throws IOException {
        return blob(label + " #" + (counter++) + " " + System.nanoTime());
    }

    /** A blob pushed into a repository: stored and linked in {@code _layers}. */
    Digest layer(RepositoryName repo, String label) throws IOException {
        Digest d = uniqueBlob(label);
        link(repo, d);
        return d;
    }

    void link(RepositoryName repo, Digest d) throws IOException {
        driver.putContent(RegistryLayout.layerLink(repo, d), RegistryLayout.linkContent(d));
    }

    long size(Digest d) throws IOException {
        return driver.stat(RegistryLayout.blobData(d)).orElseThrow().size();
    }

    String descriptor(String mediaType, Digest d) throws IOException {
        return "{\"mediaType\":\"" + mediaType + "\",\"digest\":\"" + d + "\",\"size\":" + size(d) + "}";
    }

    /** An OCI image manifest with a config and layers, optionally a referrer of {@code subject}. */
    Digest ociManifest(RepositoryName repo, Digest config, List<Digest> layers, Optional<Digest> subject)
            throws IOException {
        StringBuilder json = new StringBuilder("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",");
        if (subject.isPresent()) {
            json.append("\"artifactType\":\"application/vnd.example.signature\",");
        }
        json.append("\"config\":").append(descriptor(MediaTypes.OCI_CONFIG, config)).append(",\"layers\":[");
        json.append(layers.stream().map(l -> unchecked(() -> descriptor(MediaTypes.OCI_LAYER_GZIP, l)))
                .collect(Collectors.joining(",")));
        json.append("]");
        if (subject.isPresent()) {
            json.append(",\"subject\":").append(descriptor(MediaTypes.OCI_MANIFEST, subject.get()));
        }
        json.append("}");
        Digest manifest = putManifest(repo, json.toString());
        subject.ifPresent(s -> unchecked(() -> {
            driver.putContent(RegistryLayout.referrerLink(repo, s, manifest), RegistryLayout.linkContent(manifest));
            return null;
        }));
        return manifest;
    }

    /** A whole OCI image: config and layers pushed into the repository, then the manifest. */
    Digest ociImage(RepositoryName repo, String label) throws IOException {
        return ociManifest(repo, layer(repo, label + " config"),
                List.of(layer(repo, label + " layer 1"), layer(repo, label + " layer 2")), Optional.empty());
    }

    Digest dockerManifest(RepositoryName repo, Digest config, List<Digest> layers) throws IOException {
        String json = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.DOCKER_MANIFEST + "\",\"config\":"
                + descriptor(MediaTypes.DOCKER_CONFIG, config) + ",\"layers\":["
                + layers.stream().map(l -> unchecked(() -> descriptor(MediaTypes.DOCKER_LAYER_GZIP, l)))
                .collect(Collectors.joining(",")) + "]}";
        return putManifest(repo, json);
    }

    Digest index(RepositoryName repo, List<Digest> children) throws IOException {
        String json = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_INDEX + "\",\"manifests\":["
                + children.stream().map(c -> unchecked(() -> descriptor(MediaTypes.OCI_MANIFEST, c)))
                .collect(Collectors.joining(",")) + "]}";
        return putManifest(repo, json);
    }

    /** Stores a manifest blob and links it as a revision of the repository, whatever its text. */
    Digest putManifest(RepositoryName repo, String text) throws IOException {
        Digest d = blob(text);
        driver.putContent(RegistryLayout.revisionLink(repo, d), RegistryLayout.linkContent(d));
        return d;
    }

    void tag(RepositoryName repo, String tag, Digest d) throws IOException {
        Tag t = Tag.parse(tag);
        driver.putContent(RegistryLayout.tagCurrentLink(repo, t), RegistryLayout.linkContent(d));
        driver.putContent(RegistryLayout.tagIndexLink(repo, t, d), RegistryLayout.linkContent(d));
    }

    /** An upload folder as distribution leaves it: {@code startedat} (RFC 3339) and some data. */
    void upload(RepositoryName repo, String id, String startedAt, Instant dataWritten) throws IOException {
        driver.putContent(RegistryLayout.uploadStartedAt(repo, id), startedAt.getBytes(StandardCharsets.UTF_8));
        driver.putContent(RegistryLayout.uploadData(repo, id), "partial".getBytes(StandardCharsets.UTF_8));
        driver.touch(RegistryLayout.uploadData(repo, id), FileTime.from(dataWritten));
    }

    boolean exists(Digest d) throws IOException {
        return driver.stat(RegistryLayout.blobData(d)).isPresent();
    }

    boolean exists(String path) throws IOException {
        return driver.stat(path).isPresent();
    }

    void touchBlob(Digest d, Instant when) throws IOException {
        driver.touch(RegistryLayout.blobData(d), FileTime.from(when));
    }

    /** Sets every file and folder to {@code when}, as if everything had been pushed then. */
    void ageEverything(Instant when) throws IOException {
        try (Stream<Path> all = Files.walk(driver.root())) {
            for (Path p : all.toList()) {
                Files.setLastModifiedTime(p, FileTime.from(when));
            }
        }
    }

    /** Every file under the root, relative, for before/after comparisons. */
    List<String> files() throws IOException {
        try (Stream<Path> all = Files.walk(driver.root())) {
            return all.filter(Files::isRegularFile).map(p -> driver.root().relativize(p).toString())
                    .filter(p -> !p.equals("skiff/gc.lock")).sorted().toList();
        }
    }

    interface IoSupplier<T> {
        T get() throws IOException;
    }

    static <T> T unchecked(IoSupplier<T> s) {
        try {
            return s.get();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
