package dev.skiff.engine.distribution;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skiff.engine.AtomicFiles;
import dev.skiff.formats.Descriptor;
import dev.skiff.formats.Digest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What the daemon remembers about blobs and registries (docker's "v2 metadata"), one small JSON file
 * per blob, written atomically:
 * <pre>
 * distribution/sources/sha256/&lt;blob hex&gt;.json      {"sources":[{"registry","repository"}]}: where the
 *                                                  blob was pulled from or pushed to; a push to another
 *                                                  repository of the same registry mounts it from there
 * distribution/compressed/sha256/&lt;diff_id hex&gt;.json {"mediaType","digest","size"}: the gzip blob made
 *                                                  from an uncompressed layer at push time, so the next
 *                                                  push sends the same digest without compressing again
 * </pre>
 * It is a cache: losing it costs uploads, never correctness, so a damaged file is read as empty.
 */
public final class DistributionMetadata {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Enough places to mount from; the oldest are forgotten first. */
    private static final int MAX_SOURCES = 16;

    private final Path sources;
    private final Path compressed;
    private final Object lock = new Object();

    private DistributionMetadata(Path root) {
        this.sources = root.resolve("sources");
        this.compressed = root.resolve("compressed");
    }

    /** The metadata under {@code <dataRoot>/distribution}; directories are made when first written. */
    public static DistributionMetadata open(Path dataRoot) {
        DistributionMetadata m = new DistributionMetadata(dataRoot.resolve("distribution"));
        for (Path dir : List.of(m.sources, m.compressed)) {
            for (Digest.Algorithm a : Digest.Algorithm.values()) {
                if (Files.isDirectory(dir.resolve(a.id()))) {
                    AtomicFiles.removeTemporaries(dir.resolve(a.id()));
                }
            }
        }
        return m;
    }

    /** A repository of a registry a blob is known to be in. */
    public record Source(String registry, String repository) {
    }

    /** Where {@code blob} is known to be, most recent last. */
    public List<Source> sources(Digest blob) {
        List<Source> out = new ArrayList<>();
        read(file(sources, blob)).ifPresent(json -> {
            for (JsonNode s : json.path("sources")) {
                String registry = s.path("registry").asText("");
                String repository = s.path("repository").asText("");
                if (!registry.isEmpty() && !repository.isEmpty()) {
                    out.add(new Source(registry, repository));
                }
            }
        });
        return out;
    }

    /** Remembers that {@code blob} is in {@code repository} of {@code registry}. */
    public void addSource(Digest blob, String registry, String repository) {
        Source added = new Source(registry, repository);
        synchronized (lock) {
            List<Source> list = new ArrayList<>(sources(blob));
            if (!list.isEmpty() && list.getLast().equals(added)) {
                return;
            }
            list.remove(added);
            list.add(added);
            while (list.size() > MAX_SOURCES) {
                list.removeFirst();
            }
            ObjectNode json = JSON.createObjectNode();
            ArrayNode array = json.putArray("sources");
            list.forEach(s -> array.addObject().put("registry", s.registry()).put("repository", s.repository()));
            write(file(sources, blob), json);
        }
    }

    /** The compressed blob made earlier from the uncompressed layer {@code diffId}. */
    public Optional<Descriptor> compressed(Digest diffId) {
        return read(file(compressed, diffId)).flatMap(json -> {
            String digest = json.path("digest").asText("");
            String mediaType = json.path("mediaType").asText("");
            long size = json.path("size").asLong(-1);
            if (!Digest.isValid(digest) || mediaType.isEmpty() || size < 0) {
                return Optional.empty();
            }
            return Optional.of(Descriptor.of(mediaType, Digest.parse(digest), size));
        });
    }

    public void recordCompressed(Digest diffId, Descriptor blob) {
        ObjectNode json = JSON.createObjectNode().put("mediaType", blob.mediaType()).put("digest", blob.digest().toString())
                .put("size", blob.size());
        write(file(compressed, diffId), json);
    }

    private static Path file(Path dir, Digest digest) {
        return dir.resolve(digest.algorithm().id()).resolve(digest.encoded() + ".json");
    }

    private static Optional<JsonNode> read(Path file) {
        try {
            return Optional.of(JSON.readTree(Files.readAllBytes(file)));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            // a cache: a damaged entry (written by hand, or by a disk that lied about fsync) is as good as none
            System.getLogger(DistributionMetadata.class.getName()).log(System.Logger.Level.WARNING,
                    "ignoring unreadable " + file + ": " + e.getMessage());
            return Optional.empty();
        }
    }

    private static void write(Path file, JsonNode json) {
        try {
            Files.createDirectories(file.getParent());
            AtomicFiles.write(file, JSON.writeValueAsBytes(json));
        } catch (IOException e) {
            // a cache: the push or pull itself succeeded, only a later mount or reuse is lost
            System.getLogger(DistributionMetadata.class.getName()).log(System.Logger.Level.WARNING,
                    "cannot write " + file + ": " + e.getMessage());
        }
    }
}
