package dev.skiff.engine.images;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skiff.engine.content.ContentException;
import dev.skiff.engine.content.ContentStore;
import dev.skiff.engine.content.ContentWriter;
import dev.skiff.formats.Descriptor;
import dev.skiff.formats.Digest;
import dev.skiff.formats.DigestingOutputStream;
import dev.skiff.formats.FormatException;
import dev.skiff.formats.MediaTypes;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.zip.GZIPInputStream;

/**
 * {@code docker save} and {@code docker load}: the tar format dockerd 20.10 writes
 * (moby image/tarexport), with {@code manifest.json}, {@code repositories}, the config as
 * {@code <id hex>.json} and one directory per layer holding the uncompressed {@code layer.tar},
 * its legacy {@code json} and {@code VERSION}.
 * <p>
 * Both directions stream: a layer is decompressed from the content store into its tar entry on
 * save, and on load each layer entry is hashed (diff_id) and recompressed deterministically into
 * the content store as it is read, so the same layer always gets the same blob digest as an
 * import or an earlier load. Nothing is recorded until every image of the archive has been
 * checked against its config; blobs a failed load added are removed again.
 * <p>
 * The legacy layer directory names are derived from the chain ID, the parent and the creation
 * time as dockerd derives them, but not byte for byte: no loader reads them, {@code manifest.json}
 * names every file.
 */
public final class ImageArchive {
    /** Small files (configs, manifests) are kept in memory until the archive's end; bigger ones are layers. */
    static final int SMALL_FILE = 1 << 20;
    /** All small files together, so that an archive of many small files cannot exhaust the heap. */
    static final long SMALL_FILES_TOTAL = 64L << 20;
    private static final String MANIFEST = "manifest.json";
    private static final String OCI_INDEX = "index.json";
    /** The annotations that name an image in an OCI layout: containerd's full name, else the spec's tag. */
    private static final String CONTAINERD_NAME = "io.containerd.image.name";
    private static final String OCI_REF_NAME = "org.opencontainers.image.ref.name";

    private final ContentStore content;
    private final ImageStore images;
    private final ReferenceSyntax syntax;

    public ImageArchive(ContentStore content, ImageStore images) {
        this.content = content;
        this.images = images;
        this.syntax = images.syntax();
    }

    // ---- save ------------------------------------------------------------------------------------

    /** One image to save and the names it is saved under (familiar tags; none when named by ID). */
    private record Selected(Image image, List<String> tags) {
    }

    /**
     * Finds what {@link #save} would write, so that a caller can refuse a bad name before it starts
     * a response: a name without a tag means every tag of that repository, as for docker.
     *
     * @throws ImageNotFoundException when a name matches nothing
     */
    public void check(List<String> namesOrIds) {
        select(namesOrIds);
    }

    /**
     * Writes the images as one docker-save tar to {@code out}, which is not closed.
     *
     * @throws ImageNotFoundException before anything is written, when a name matches nothing
     * @throws ArchiveException       when a layer blob is missing or damaged (the output is then incomplete)
     */
    public void save(List<String> namesOrIds, OutputStream out) throws IOException {
        List<Selected> selected = select(namesOrIds);
        // Entries are written in path order, as dockerd's walk of its staging directory does.
        TreeMap<String, EntryWriter> entries = new TreeMap<>();
        ArrayNode manifest = ImageConfigCodec.JSON.createArrayNode();
        Map<String, Map<String, String>> repositories = new TreeMap<>();
        Map<Digest, String> layerFileByDiffId = new HashMap<>();
        for (Selected s : selected) {
            Image image = s.image();
            Instant created = image.created();
            String configName = image.id().encoded() + ".json";
            byte[] config = content.read(image.id());
            entries.put(configName, w -> w.file(configName, config, created));
            List<Digest> chain = image.chainIds();
            List<String> layerFiles = new ArrayList<>();
            String parent = "";
            for (int i = 0; i < image.layers().size(); i++) {
                Layer layer = image.layers().get(i);
                boolean top = i == image.layers().size() - 1;
                String v1Id = v1Id(created, chain.get(i), parent, top ? Optional.of(image.id()) : Optional.empty());
                String dir = v1Id + "/";
                String layerFile = dir + "layer.tar";
                layerFiles.add(layerFile);
                if (!entries.containsKey(dir)) {
                    byte[] json = v1Json(v1Id, parent, created, top ? Optional.of(image) : Optional.empty());
                    entries.put(dir, w -> w.directory(dir, created));
                    entries.put(dir + "VERSION", w -> w.file(dir + "VERSION", "1.0".getBytes(StandardCharsets.UTF_8), created));
                    entries.put(dir + "json", w -> w.file(dir + "json", json, created));
                    String earlier = layerFileByDiffId.putIfAbsent(layer.diffId(), layerFile);
                    if (earlier != null) {
                        // the same bytes under another legacy ID: a link, as dockerd writes it
                        String target = "../" + earlier;
                        entries.put(layerFile, w -> w.symlink(layerFile, target, created));
                    } else {
                        entries.put(layerFile, w -> w.layer(layerFile, layer, created));
                    }
                }
                parent = v1Id;
            }
            ObjectNode m = manifest.addObject();
            m.put("Config", configName);
            if (s.tags().isEmpty()) {
                m.putNull("RepoTags");
            } else {
                s.tags().forEach(m.withArray("RepoTags")::add);
            }
            layerFiles.forEach(m.withArray("Layers")::add);
            for (String tag : s.tags()) {
                int colon = tag.lastIndexOf(':');
                repositories.computeIfAbsent(tag.substring(0, colon), k -> new TreeMap<>())
                        .put(tag.substring(colon + 1), parent);
            }
        }
        Instant epoch = Instant.EPOCH;
        byte[] manifestJson = ImageConfigCodec.JSON.writeValueAsBytes(manifest);
        entries.put(MANIFEST, w -> w.file(MANIFEST, manifestJson, epoch));
        if (!repositories.isEmpty()) {
            byte[] repositoriesJson = ImageConfigCodec.JSON.writeValueAsBytes(repositories);
            entries.put("repositories", w -> w.file("repositories", repositoriesJson, epoch));
        }
        TarArchiveOutputStream tar = new TarArchiveOutputStream(new NonClosingOutputStream(out));
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        TarWriter writer = new TarWriter(tar);
        for (EntryWriter e : entries.values()) {
            e.write(writer);
        }
        tar.finish();
        tar.close();
    }

    private List<Selected> select(List<String> namesOrIds) {
        if (namesOrIds.isEmpty()) {
            throw new ArchiveException("no image to save: name at least one image");
        }
        Map<Digest, Selected> byId = new LinkedHashMap<>();
        for (String name : namesOrIds) {
            List<Selected> found = new ArrayList<>();
            if (isRepositoryName(name)) {
                String repository = FullReference.repository(syntax.normalize(name));
                for (Image image : images.list()) {
                    List<String> tags = image.repoTags().stream()
                            .filter(t -> FullReference.repository(syntax.normalize(t)).equals(repository)).toList();
                    if (!tags.isEmpty()) {
                        found.add(new Selected(image, tags));
                    }
                }
            }
            if (found.isEmpty()) {
                Image image = images.resolve(name);
                boolean byName = !image.id().toString().startsWith(name) && !image.id().encoded().startsWith(name);
                List<String> tags = byName && !FullReference.isCanonical(syntax.normalize(name))
                        ? List.of(syntax.familiar(syntax.normalize(name))) : List.of();
                found.add(new Selected(image, tags));
            }
            for (Selected s : found) {
                byId.merge(s.image().id(), s, (a, b) -> {
                    List<String> tags = new ArrayList<>(a.tags());
                    b.tags().stream().filter(t -> !tags.contains(t)).forEach(tags::add);
                    return new Selected(a.image(), tags);
                });
            }
        }
        return List.copyOf(byId.values());
    }

    /** A name with neither tag nor digest: {@code busybox}, {@code localhost:5000/app}. */
    private static boolean isRepositoryName(String name) {
        String last = name.substring(name.lastIndexOf('/') + 1);
        return !last.contains(":") && !name.contains("@") && !name.startsWith("sha256:");
    }

    /** dockerd's v1.CreateID in spirit: a stable legacy ID per layer position of an image. */
    private static String v1Id(Instant created, Digest chainId, String parent, Optional<Digest> config) {
        ObjectNode n = ImageConfigCodec.JSON.createObjectNode();
        config.ifPresent(c -> n.put("config", c.toString()));
        n.put("created", ImageConfigCodec.formatTime(created));
        n.put("layer_id", chainId.toString());
        if (!parent.isEmpty()) {
            n.put("parent", "sha256:" + parent);
        }
        return Digest.sha256(n.toString().getBytes(StandardCharsets.UTF_8)).encoded();
    }

    private static byte[] v1Json(String id, String parent, Instant created, Optional<Image> top) {
        ObjectNode n = ImageConfigCodec.JSON.createObjectNode();
        n.put("id", id);
        if (!parent.isEmpty()) {
            n.put("parent", parent);
        }
        n.put("created", ImageConfigCodec.formatTime(created));
        top.ifPresent(i -> {
            n.put("architecture", i.config().architecture());
            n.put("os", i.config().os());
        });
        return n.toString().getBytes(StandardCharsets.UTF_8);
    }

    @FunctionalInterface
    private interface EntryWriter {
        void write(TarWriter w) throws IOException;
    }

    private final class TarWriter {
        private final TarArchiveOutputStream tar;

        TarWriter(TarArchiveOutputStream tar) {
            this.tar = tar;
        }

        void directory(String name, Instant mtime) throws IOException {
            TarArchiveEntry e = new TarArchiveEntry(name);
            e.setMode(040755);
            e.setModTime(Date.from(mtime));
            tar.putArchiveEntry(e);
            tar.closeArchiveEntry();
        }

        void file(String name, byte[] data, Instant mtime) throws IOException {
            TarArchiveEntry e = new TarArchiveEntry(name);
            e.setMode(0100644);
            e.setSize(data.length);
            e.setModTime(Date.from(mtime));
            tar.putArchiveEntry(e);
            tar.write(data);
            tar.closeArchiveEntry();
        }

        void symlink(String name, String target, Instant mtime) throws IOException {
            TarArchiveEntry e = new TarArchiveEntry(name, TarArchiveEntry.LF_SYMLINK);
            e.setLinkName(target);
            e.setMode(0120777);
            e.setModTime(Date.from(mtime));
            tar.putArchiveEntry(e);
            tar.closeArchiveEntry();
        }

        /** The stored (compressed) blob, decompressed into an entry whose size was known up front. */
        void layer(String name, Layer layer, Instant mtime) throws IOException {
            TarArchiveEntry e = new TarArchiveEntry(name);
            e.setMode(0100644);
            e.setSize(layer.uncompressedSize());
            e.setModTime(Date.from(mtime));
            tar.putArchiveEntry(e);
            long copied;
            try (InputStream in = uncompressed(content.open(layer.blob().digest()), layer.blob().mediaType())) {
                copied = copy(in, tar, layer.uncompressedSize());
            }
            if (copied != layer.uncompressedSize()) {
                throw new ArchiveException("layer " + layer.blob().digest() + " decompresses to " + copied
                        + " bytes, not the recorded " + layer.uncompressedSize() + "; the stored blob is damaged: "
                        + "remove the image and pull, load or import it again");
            }
            tar.closeArchiveEntry();
        }
    }

    private static InputStream uncompressed(InputStream blob, String mediaType) throws IOException {
        return mediaType.endsWith("gzip") || mediaType.endsWith(".gz")
                ? new GZIPInputStream(blob, 1 << 16) : blob;
    }

    /** Copies at most {@code limit} bytes (a longer stream is damaged and must not overrun the entry). */
    private static long copy(InputStream in, OutputStream out, long limit) throws IOException {
        byte[] buf = new byte[1 << 16];
        long total = 0;
        int n;
        while (total < limit && (n = in.read(buf, 0, (int) Math.min(buf.length, limit - total))) > 0) {
            out.write(buf, 0, n);
            total += n;
        }
        if (total == limit && in.read() >= 0) {
            return total + 1;
        }
        return total;
    }

    // ---- load ------------------------------------------------------------------------------------

    /** What the archive held at one path, known at its end. */
    private sealed interface Staged {
    }

    private record Small(byte[] bytes) implements Staged {
    }

    private record Stored(LayerWritten layer) implements Staged {
    }

    private record Link(String target) implements Staged {
    }

    private record LayerWritten(String mediaType, Digest digest, long size, Digest diffId, long uncompressedSize) {
    }

    /** One image of the archive, checked and ready to record. */
    private record Checked(Digest configDigest, byte[] config, List<Layer> layers, List<String> tags) {
    }

    /**
     * Reads a docker-save tar and records its images with their tags.
     *
     * @return docker's lines: {@code Loaded image: busybox:local}, or {@code Loaded image ID: sha256:...}
     *         for an image without tags
     * @throws ArchiveException when the archive is malformed, unsafe, or a layer is not what its
     *                          config says; nothing is recorded then
     */
    public List<String> load(InputStream archive) {
        Map<String, Staged> files = new HashMap<>();
        Map<Digest, LayerWritten> fromSmall = new HashMap<>();
        Set<Digest> added = new HashSet<>();
        try {
            read(archive, files, added);
            JsonNode manifest = files.containsKey(MANIFEST) || !files.containsKey(OCI_INDEX)
                    ? parseJson(small(files, MANIFEST, "the archive has neither manifest.json nor index.json; "
                            + "give a tar written by docker save, or an OCI image layout"), MANIFEST)
                    : fromOciIndex(files);
            if (!manifest.isArray() || manifest.isEmpty()) {
                throw new ArchiveException("manifest.json must be a non-empty array of images");
            }
            List<Checked> checked = new ArrayList<>();
            for (JsonNode entry : manifest) {
                checked.add(check(entry, files, fromSmall, added));
            }
            return record(checked);
        } catch (RuntimeException e) {
            discard(added);
            throw e;
        }
    }

    private void read(InputStream archive, Map<String, Staged> files, Set<Digest> added) {
        long smallTotal = 0;
        try {
            TarArchiveInputStream tar = new TarArchiveInputStream(new BufferedInputStream(archive, 1 << 16));
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                String name = safePath(entry.getName());
                if (entry.isDirectory() || name.isEmpty()) {
                    continue;
                }
                if (files.containsKey(name)) {
                    throw new ArchiveException("the archive holds " + name + " twice; it is not a docker save archive");
                }
                if (entry.isSymbolicLink()) {
                    files.put(name, new Link(resolveLink(name, entry.getLinkName())));
                } else if (entry.isLink()) {
                    files.put(name, new Link(safePath(entry.getLinkName())));
                } else if (entry.isFile()) {
                    if (entry.getSize() <= SMALL_FILE) {
                        smallTotal += entry.getSize();
                        if (smallTotal > SMALL_FILES_TOTAL) {
                            throw new ArchiveException("the archive's small files add up to more than "
                                    + (SMALL_FILES_TOTAL >> 20) + " MiB; it is not a docker save archive");
                        }
                        files.put(name, new Small(tar.readAllBytes()));
                    } else if (name.endsWith(".json") || name.equals("repositories")) {
                        throw new ArchiveException(name + " is " + entry.getSize() + " bytes, more than the "
                                + (SMALL_FILE >> 20) + " MiB a docker save archive's JSON files may have");
                    } else {
                        files.put(name, new Stored(writeLayer(tar, name, added)));
                    }
                } else {
                    throw new ArchiveException("the archive holds " + name + ", which is neither a file, a directory "
                            + "nor a link; it is not a docker save archive");
                }
            }
        } catch (IOException | IllegalArgumentException e) {
            throw new ArchiveException("the archive is not a tar or is damaged (" + e.getMessage() + "); "
                    + "give a tar written by docker save", e);
        }
    }

    /** A relative path inside the archive, {@code ./} and trailing {@code /} removed; nothing that escapes it. */
    static String safePath(String name) {
        if (name.startsWith("/") || name.contains("\\") || name.indexOf('\0') >= 0) {
            throw unsafe(name);
        }
        List<String> parts = new ArrayList<>();
        for (String p : name.split("/")) {
            if (p.isEmpty() || p.equals(".")) {
                continue;
            }
            if (p.equals("..")) {
                throw unsafe(name);
            }
            parts.add(p);
        }
        return String.join("/", parts);
    }

    private static String resolveLink(String name, String target) {
        if (target.startsWith("/")) {
            throw unsafe(name + " -> " + target);
        }
        List<String> parts = new ArrayList<>(List.of(name.split("/")));
        parts.removeLast();
        for (String p : target.split("/")) {
            if (p.isEmpty() || p.equals(".")) {
                continue;
            }
            if (p.equals("..")) {
                if (parts.isEmpty()) {
                    throw unsafe(name + " -> " + target);
                }
                parts.removeLast();
            } else {
                parts.add(p);
            }
        }
        return String.join("/", parts);
    }

    private static ArchiveException unsafe(String name) {
        return new ArchiveException("refusing the archive: the path \"" + name + "\" is absolute or leaves the "
                + "archive; it is not a docker save archive, or it was made to attack");
    }

    private static byte[] small(Map<String, Staged> files, String path, String whenMissing) {
        Staged s = follow(files, path).orElseThrow(() -> new ArchiveException(whenMissing));
        if (s instanceof Small(byte[] bytes)) {
            return bytes;
        }
        throw new ArchiveException(path + " in the archive is larger than " + (SMALL_FILE >> 20) + " MiB; "
                + "it is not a docker save archive");
    }

    private static Optional<Staged> follow(Map<String, Staged> files, String path) {
        String p = path;
        for (int hops = 0; hops < 16; hops++) {
            Staged s = files.get(p);
            if (!(s instanceof Link(String target))) {
                return Optional.ofNullable(s);
            }
            p = target;
        }
        throw new ArchiveException("the archive's links at " + path + " go round in circles");
    }

    /**
     * An OCI image layout without docker's manifest.json, read as if it had one: each image manifest
     * the index names (an index inside it is followed one level) becomes an entry whose files are the
     * blobs its descriptors name; a name comes from containerd's annotation, or a tag annotation.
     */
    private static JsonNode fromOciIndex(Map<String, Staged> files) {
        ArrayNode entries = ImageConfigCodec.JSON.createArrayNode();
        JsonNode index = parseJson(small(files, OCI_INDEX, "the archive has no index.json"), OCI_INDEX);
        List<JsonNode> manifests = new ArrayList<>();
        for (JsonNode d : index.path("manifests")) {
            String type = d.path("mediaType").asText();
            if (type.equals(MediaTypes.OCI_INDEX) || type.endsWith("manifest.list.v2+json")) {
                for (JsonNode inner : parseJson(blob(files, d), "the index " + d.path("digest").asText()).path("manifests")) {
                    JsonNode platform = inner.path("platform");
                    if (platform.isMissingNode() || platform.path("os").asText("linux").equals("linux")) {
                        manifests.add(inner);
                        break; // one image per name, as docker load keeps one
                    }
                }
            } else {
                manifests.add(d);
            }
        }
        for (JsonNode d : manifests) {
            JsonNode m = parseJson(blob(files, d), "the manifest " + d.path("digest").asText());
            ObjectNode entry = entries.addObject();
            entry.put("Config", blobPath(m.path("config")));
            ArrayNode layers = entry.putArray("Layers");
            for (JsonNode l : m.path("layers")) {
                layers.add(blobPath(l));
            }
            String name = d.path("annotations").path(CONTAINERD_NAME).asText("");
            String tag = d.path("annotations").path(OCI_REF_NAME).asText("");
            if (!name.isEmpty()) {
                entry.putArray("RepoTags").add(name);
            } else if (!tag.isEmpty() && !tag.contains("/") && !tag.contains(":")) {
                // a bare tag names no repository; like docker, it is not loaded as a name
                entry.putNull("RepoTags");
            } else if (!tag.isEmpty()) {
                entry.putArray("RepoTags").add(tag);
            }
        }
        if (entries.isEmpty()) {
            throw new ArchiveException("index.json names no image manifest; the OCI layout is empty");
        }
        return entries;
    }

    private static String blobPath(JsonNode descriptor) {
        String digest = descriptor.path("digest").asText("");
        if (!Digest.isValid(digest)) {
            throw new ArchiveException("the OCI layout has a descriptor without a valid digest: " + descriptor);
        }
        Digest d = Digest.parse(digest);
        return "blobs/" + d.algorithm().id() + "/" + d.encoded();
    }

    /** A small blob of an OCI layout, checked against its descriptor's digest. */
    private static byte[] blob(Map<String, Staged> files, JsonNode descriptor) {
        String path = blobPath(descriptor);
        byte[] bytes = small(files, path, "the OCI layout names the blob " + path + ", which is not in the archive");
        Digest expected = Digest.parse(descriptor.path("digest").asText());
        if (!expected.matches(bytes)) {
            throw new ArchiveException("the blob " + path + " does not match its digest; the archive is damaged");
        }
        return bytes;
    }

    private static JsonNode parseJson(byte[] bytes, String what) {
        try {
            return ImageConfigCodec.JSON.readTree(bytes);
        } catch (IOException e) {
            throw new ArchiveException(what + " in the archive is not valid JSON: " + e.getMessage());
        }
    }

    private Checked check(JsonNode entry, Map<String, Staged> files, Map<Digest, LayerWritten> fromSmall,
                          Set<Digest> added) {
        String configPath = safePath(text(entry.get("Config"), "Config"));
        byte[] config = small(files, configPath, "manifest.json names the config " + configPath
                + ", which is not in the archive");
        Digest configDigest = Digest.sha256(config);
        if (configPath.startsWith("blobs/sha256/") && !configPath.equals("blobs/sha256/" + configDigest.encoded())) {
            throw new ArchiveException("the config " + configPath + " does not match its digest; the archive is damaged");
        }
        ImageConfig parsed;
        try {
            parsed = ImageConfigCodec.parse(config);
        } catch (FormatException e) {
            throw new ArchiveException(configPath + ": " + e.getMessage());
        }
        JsonNode layerPaths = entry.path("Layers");
        if (!layerPaths.isArray()) {
            throw new ArchiveException("manifest.json: the entry for " + configPath + " has no Layers array");
        }
        if (layerPaths.size() != parsed.diffIds().size()) {
            throw new ArchiveException("image " + configDigest + " has " + layerPaths.size() + " layers in "
                    + "manifest.json but its config lists " + parsed.diffIds().size() + " diff_ids; "
                    + "the archive is damaged, save the image again");
        }
        List<Layer> layers = new ArrayList<>();
        for (int i = 0; i < layerPaths.size(); i++) {
            String path = safePath(text(layerPaths.get(i), "Layers"));
            Staged s = follow(files, path).orElseThrow(() -> new ArchiveException(
                    "manifest.json names the layer " + path + ", which is not in the archive"));
            LayerWritten w = switch (s) {
                case Stored(LayerWritten l) -> l;
                case Small(byte[] bytes) -> fromSmall.computeIfAbsent(Digest.sha256(bytes),
                        d -> writeLayer(new ByteArrayInputStream(bytes), path, added));
                case Link l -> throw new IllegalStateException("links are followed");
            };
            Digest expected = parsed.diffIds().get(i);
            if (!w.diffId().equals(expected)) {
                throw new ArchiveException("layer " + (i + 1) + " of image " + configDigest + " (" + path
                        + ") has diff_id " + w.diffId() + " but the image's config says " + expected
                        + "; the archive is damaged or was tampered with, and nothing was loaded");
            }
            layers.add(new Layer(Descriptor.of(w.mediaType(), w.digest(), w.size()), w.diffId(),
                    w.uncompressedSize()));
        }
        List<String> tags = new ArrayList<>();
        for (JsonNode t : entry.path("RepoTags")) {
            String tag = text(t, "RepoTags");
            String full;
            try {
                full = syntax.normalize(tag);
                images.checkTagReference(full);
            } catch (FormatException e) {
                throw new ArchiveException("manifest.json: invalid tag \"" + tag + "\": " + e.getMessage());
            }
            tags.add(full);
        }
        return new Checked(configDigest, config, layers, tags);
    }

    private static String text(JsonNode n, String field) {
        if (n == null || !n.isTextual() || n.asText().isEmpty()) {
            throw new ArchiveException("manifest.json: " + field + " must be a non-empty string");
        }
        return n.asText();
    }

    private List<String> record(List<Checked> checked) {
        List<String> lines = new ArrayList<>();
        for (Checked c : checked) {
            content.put(c.config());
            Descriptor config = Descriptor.of(MediaTypes.DOCKER_CONFIG, c.configDigest(), c.config().length);
            byte[] manifest = ImageImporter.schema2Manifest(config,
                    c.layers().stream().map(Layer::blob).toArray(Descriptor[]::new));
            Digest manifestDigest = content.put(manifest);
            Image image = images.put(c.configDigest(),
                    Optional.of(Descriptor.of(MediaTypes.DOCKER_MANIFEST, manifestDigest, manifest.length)), c.layers());
            for (String tag : c.tags()) {
                Optional<Image> before = images.list().stream()
                        .filter(i -> i.repoTags().contains(syntax.familiar(tag))).findFirst();
                if (before.isPresent() && !before.get().id().equals(image.id())) {
                    lines.add("The image " + syntax.familiar(tag) + " already exists, renaming the old one with ID "
                            + before.get().id() + " to empty string");
                }
                images.tag(image.id(), tag);
                lines.add("Loaded image: " + syntax.familiar(tag));
            }
            if (c.tags().isEmpty()) {
                lines.add("Loaded image ID: " + image.id());
            }
        }
        return lines;
    }

    /** Removes the blobs a failed load added, unless an image has come to need them meanwhile. */
    private void discard(Set<Digest> added) {
        Set<Digest> inUse = images.blobsInUse();
        for (Digest d : added) {
            if (!inUse.contains(d)) {
                try {
                    content.delete(d);
                } catch (ContentException ignored) {
                    // left for the garbage collector; the load's own error is what the user needs
                }
            }
        }
    }

    /**
     * A layer (plain tar or gzip) stored as the archive holds it, hashed for its diff_id on the way.
     * A plain tar is not compressed here: loading stays as fast as writing the bytes, and a push
     * compresses it (in parallel, deterministically) when a registry needs it.
     */
    private LayerWritten writeLayer(InputStream in, String path, Set<Digest> added) {
        try (ContentWriter writer = content.writer()) {
            DigestingOutputStream raw = new DigestingOutputStream(writer, Digest.Algorithm.SHA256);
            BufferedInputStream source = new BufferedInputStream(new NonClosingInputStream(in), 1 << 16);
            source.mark(3);
            byte[] magic = source.readNBytes(3);
            source.reset();
            boolean gzipped = magic.length == 3 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b;
            Digest diffId;
            long uncompressedSize;
            Digest digest;
            if (gzipped) {
                DigestingOutputStream diff = new DigestingOutputStream(OutputStream.nullOutputStream(), Digest.Algorithm.SHA256);
                InputStream tee = new BufferedInputStream(new TeeInputStream(source, raw), 1 << 16);
                new GZIPInputStream(tee, 1 << 16).transferTo(diff);
                tee.transferTo(OutputStream.nullOutputStream()); // whatever follows the gzip stream is part of the blob
                diffId = diff.digest();
                uncompressedSize = diff.count();
                digest = raw.digest();
            } else {
                source.transferTo(raw);
                digest = raw.digest();
                diffId = digest;
                uncompressedSize = raw.count();
            }
            if (!content.contains(digest)) {
                added.add(digest);
            }
            writer.commit(Optional.of(digest), Optional.empty());
            return new LayerWritten(gzipped ? MediaTypes.DOCKER_LAYER_GZIP : MediaTypes.DOCKER_LAYER, digest, writer.size(), diffId, uncompressedSize);
        } catch (IOException e) {
            throw new ArchiveException("could not read the layer " + path + " from the archive: " + e.getMessage(), e);
        } catch (ContentException e) {
            throw new ArchiveException("could not store the layer " + path + ": " + e.getMessage(), e);
        }
    }

    private static final class NonClosingInputStream extends FilterInputStream {
        NonClosingInputStream(InputStream in) {
            super(in);
        }

        @Override
        public void close() {
        }
    }

    private static final class NonClosingOutputStream extends FilterOutputStream {
        NonClosingOutputStream(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            out.flush();
        }
    }
}
