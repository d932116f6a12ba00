package dev.skiff.engine.images;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.skiff.engine.AtomicFiles;
import dev.skiff.engine.content.BlobNotFoundException;
import dev.skiff.engine.content.ContentStore;
import dev.skiff.formats.Descriptor;
import dev.skiff.formats.Digest;
import dev.skiff.formats.FormatException;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * Images and their names, with Docker's semantics: an image's ID is its config digest; names are
 * full references (tags and repo digests) mapped to IDs. On disk, under {@code <dataRoot>/images/}:
 * <pre>
 * by-id/&lt;hex&gt;.json    one record per image: manifest, layers with diff_ids, tar sizes and unpacked sizes
 * references.json      full reference -&gt; image ID
 * </pre>
 * Both are written atomically. An image record is written before a name points at it and removed
 * after the last name is gone, so a crash leaves at worst an untagged image, never a name that
 * points nowhere. Blobs live in the {@link ContentStore}; removing an image deletes those no other
 * image needs.
 * <p>
 * A layer's size, as shown, is what the {@link LayerUnpacker} measured when it unpacked the layer
 * (dockerd's rule), recorded with the image. Records written before sizes were kept get them from
 * the unpacker's existing snapshots when the store opens, and are rewritten with them once; a layer
 * never unpacked shows its tar's size.
 */
public final class ImageStore {
    private static final System.Logger LOG = System.getLogger(ImageStore.class.getName());
    private static final Pattern HEX = Pattern.compile("[a-f0-9]+");
    private static final Pattern FULL_ID = Pattern.compile("[a-f0-9]{64}");
    private static final int SCHEMA_VERSION = 1;

    private final Path dir;
    private final Path byId;
    private final Path referencesFile;
    private final ContentStore content;
    private final ReferenceSyntax syntax;
    private final Consumer<ImageEvent> listener;
    private final LayerUnpacker unpacker;
    private final ReentrantLock lock = new ReentrantLock();
    private final Map<Digest, Stored> images = new HashMap<>();
    private final TreeMap<String, Digest> references = new TreeMap<>();

    /**
     * What the store holds about one image; names are kept apart, in {@link #references}.
     *
     * @param unpackedSizes each layer's size as the unpacker measured it; empty where it has not
     */
    private record Stored(Digest id, ImageConfig config, Optional<Descriptor> manifest, List<Layer> layers,
                          Instant created, List<OptionalLong> unpackedSizes) {
        Stored {
            if (unpackedSizes.size() != layers.size()) {
                throw new IllegalArgumentException("an image needs one unpacked size (or none) per layer");
            }
        }

        /** Each layer's size as shown: its unpacked size, else its tar's. */
        List<Long> layerSizes() {
            List<Long> sizes = new ArrayList<>(layers.size());
            for (int i = 0; i < layers.size(); i++) {
                sizes.add(unpackedSizes.get(i).orElse(layers.get(i).uncompressedSize()));
            }
            return sizes;
        }

        boolean measured() {
            return unpackedSizes.stream().allMatch(OptionalLong::isPresent);
        }

        /** These sizes, with the gaps filled from {@code more} where it has them. */
        Stored withSizes(List<OptionalLong> more) {
            List<OptionalLong> merged = new ArrayList<>(unpackedSizes);
            for (int i = 0; i < merged.size() && i < more.size(); i++) {
                if (merged.get(i).isEmpty()) {
                    merged.set(i, more.get(i));
                }
            }
            return new Stored(id, config, manifest, layers, created, merged);
        }

        Set<Digest> blobs() {
            Set<Digest> blobs = new LinkedHashSet<>();
            blobs.add(id);
            manifest.ifPresent(m -> blobs.add(m.digest()));
            layers.forEach(l -> blobs.add(l.blob().digest()));
            return blobs;
        }
    }

    private ImageStore(Path dataRoot, ContentStore content, ReferenceSyntax syntax, Consumer<ImageEvent> listener,
                       LayerUnpacker unpacker) {
        this.dir = dataRoot.resolve("images");
        this.byId = dir.resolve("by-id");
        this.referencesFile = dir.resolve("references.json");
        this.content = content;
        this.syntax = syntax;
        this.listener = listener;
        this.unpacker = unpacker;
    }

    /**
     * Opens (creating when needed) the store under {@code <dataRoot>/images}.
     *
     * @param listener told of every change after it is durable; it must not call back into the store
     *                 for long, and what it throws is logged, not propagated
     * @throws ImageStoreException when {@code references.json} cannot be read, saying what to do
     */
    public static ImageStore open(Path dataRoot, ContentStore content, ReferenceSyntax syntax,
                                  Consumer<ImageEvent> listener) {
        return open(dataRoot, content, syntax, listener, LayerUnpacker.NONE);
    }

    /**
     * Opens the store as {@link #open(Path, ContentStore, ReferenceSyntax, Consumer)} does, with
     * {@code unpacker} run on an image's layers before {@link #put} records it: a recorded image's
     * layers are unpacked.
     */
    public static ImageStore open(Path dataRoot, ContentStore content, ReferenceSyntax syntax,
                                  Consumer<ImageEvent> listener, LayerUnpacker unpacker) {
        ImageStore store = new ImageStore(dataRoot, content, syntax, listener, unpacker);
        store.load();
        return store;
    }

    // ---- reading

    /** Every image, newest first. */
    public List<Image> list() {
        lock.lock();
        try {
            return images.values().stream()
                    .sorted(Comparator.comparing(Stored::created).reversed().thenComparing(Stored::id))
                    .map(this::view)
                    .toList();
        } finally {
            lock.unlock();
        }
    }

    public Optional<Image> byId(Digest id) {
        lock.lock();
        try {
            return Optional.ofNullable(images.get(id)).map(this::view);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Finds an image as Docker does: a full ID ({@code sha256:<64 hex>} or the bare 64 hex), a name
     * ({@code busybox} is {@code docker.io/library/busybox:latest}; {@code alice/app@sha256:...}), or
     * a unique prefix of an ID ({@code sha256:} optional). A name wins over an ID prefix.
     *
     * @throws ImageNotFoundException when nothing, or more than one ID, matches
     * @throws FormatException        when {@code nameOrId} is neither an ID nor a valid reference
     */
    public Image resolve(String nameOrId) {
        lock.lock();
        try {
            return view(resolveLocked(nameOrId));
        } finally {
            lock.unlock();
        }
    }

    /** Every blob some image needs: the roots a content garbage collection keeps. */
    public Set<Digest> blobsInUse() {
        lock.lock();
        try {
            Set<Digest> all = new HashSet<>();
            images.values().forEach(s -> all.addAll(s.blobs()));
            return all;
        } finally {
            lock.unlock();
        }
    }

    // ---- changing

    /**
     * Records an image whose blobs are already in the content store (after a pull, a load, an import
     * or a build). Recording an image that is already there changes nothing.
     *
     * @param configDigest the config blob's digest: the image ID
     * @param manifest     the manifest blob, when the image has one
     * @param layers       bottom first; their diff_ids must be the config's
     * @throws ImageStoreException when a blob is missing or the layers do not match the config
     * @throws dev.skiff.engine.EngineException when a layer cannot be unpacked
     */
    public Image put(Digest configDigest, Optional<Descriptor> manifest, List<Layer> layers) {
        ImageConfig config;
        try {
            config = ImageConfigCodec.parse(content.read(configDigest));
        } catch (BlobNotFoundException e) {
            throw new ImageStoreException("cannot record image " + configDigest + ": its config blob is not in the "
                    + "content store; store the config before the image", e);
        } catch (FormatException e) {
            throw new ImageStoreException("cannot record image " + configDigest + ": " + e.getMessage(), e);
        }
        List<Digest> layerDiffIds = layers.stream().map(Layer::diffId).toList();
        if (!layerDiffIds.equals(config.diffIds())) {
            throw new ImageStoreException("cannot record image " + configDigest + ": its layers' diff_ids "
                    + layerDiffIds + " are not the config's rootfs.diff_ids " + config.diffIds());
        }
        List<OptionalLong> sizes = unpackLayers(layers); // outside the lock: unpacking takes long, and other pulls may wait for it
        Image recorded = record(configDigest, manifest, layers, config, sizes);
        // Again, now that the image holds its layers: a removal of another image that released one of
        // them while this one was not yet recorded has made the unpacker unpack it anew.
        unpackLayers(layers);
        return recorded;
    }

    private Image record(Digest configDigest, Optional<Descriptor> manifest, List<Layer> layers, ImageConfig config,
                         List<OptionalLong> sizes) {
        lock.lock();
        try {
            Stored existing = images.get(configDigest);
            if (existing != null) {
                if (!existing.measured()) {
                    // recorded before sizes were kept, with a layer that had no snapshot then
                    Stored sized = existing.withSizes(sizes);
                    if (sized.measured()) {
                        try {
                            writeRecord(sized);
                        } catch (ImageStoreException e) {
                            // the image is there all the same; its sizes are taken from its snapshots at the next start
                            LOG.log(System.Logger.Level.WARNING, e.getMessage());
                        }
                        images.put(configDigest, sized);
                        return view(sized);
                    }
                }
                return view(existing);
            }
            List<Digest> needed = new ArrayList<>();
            manifest.ifPresent(m -> needed.add(m.digest()));
            layers.forEach(l -> needed.add(l.blob().digest()));
            for (Digest d : needed) {
                if (!content.contains(d)) {
                    throw new ImageStoreException("cannot record image " + configDigest + ": blob " + d
                            + " is not in the content store (was it removed with another image meanwhile?); "
                            + "pull, load or import the image again");
                }
            }
            Stored stored = new Stored(configDigest, config, manifest, layers,
                    config.created().orElse(Image.UNKNOWN_CREATED), sizes);
            writeRecord(stored);
            images.put(configDigest, stored);
            return view(stored);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Unpacks layers (bottom first) ahead of {@link #put}, so a pull can unpack each layer as soon as
     * it and the layers below it are downloaded; {@link #put} then finds them done.
     */
    /** See {@link LayerUnpacker#unpackFrom}: a download unpacked as it arrives. */
    public Optional<LayerUnpacker.Streamed> unpackFrom(List<Digest> diffIds, Digest blob, java.io.InputStream raw) {
        return unpacker.unpackFrom(diffIds, blob, raw);
    }

    public List<OptionalLong> unpackLayers(List<Layer> layers) {
        try {
            List<OptionalLong> sizes = unpacker.unpack(List.copyOf(layers));
            if (sizes.size() != layers.size()) {
                throw new IllegalStateException("the unpacker measured " + sizes.size() + " layers of " + layers.size());
            }
            return sizes;
        } catch (BlobNotFoundException e) {
            throw new ImageStoreException("cannot unpack the layers: " + e.getMessage()
                    + " (was it removed with another image meanwhile?); pull, load or import the image again", e);
        }
    }

    /**
     * Points a tag at an image, moving it if it pointed elsewhere (the image it left stays, untagged
     * if that was its last name), as {@code docker tag} does.
     *
     * @param fullReference a full tag reference, {@code docker.io/library/busybox:latest}
     */
    public void tag(Digest imageId, String fullReference) {
        checkTagReference(fullReference);
        List<ImageEvent> events = new ArrayList<>();
        lock.lock();
        try {
            addReference(imageId, fullReference);
            events.add(new ImageEvent.Tagged(imageId, fullReference));
        } finally {
            lock.unlock();
        }
        publish(events);
    }

    /**
     * Records a repo digest ({@code docker.io/alice/app@sha256:...}) of an image, as a pull or push
     * does. A repo digest names content, so it can never be moved to another image.
     */
    public void addRepoDigest(Digest imageId, String fullCanonicalReference) {
        if (!FullReference.isCanonical(fullCanonicalReference)) {
            throw new FormatException("a repo digest needs a digest: " + fullCanonicalReference);
        }
        requireFull(fullCanonicalReference);
        lock.lock();
        try {
            Digest current = references.get(fullCanonicalReference);
            if (current != null && !current.equals(imageId)) {
                throw new ImageConflictException("cannot point " + fullCanonicalReference + " at " + imageId
                        + ": it already names image " + current + ", and a digest reference never moves");
            }
            addReference(imageId, fullCanonicalReference);
        } finally {
            lock.unlock();
        }
    }

    /**
     * {@code docker rmi}: by name, removes that name (and the same repository's digest references
     * when no tag of that repository is left) and deletes the image when no name is left; by ID,
     * deletes the image with its names, which needs {@code force} when names from more than one
     * repository point at it. Blobs no remaining image needs leave the content store.
     *
     * @throws ImageConflictException with Docker's message when the image must be forced
     */
    public RemoveResult remove(String nameOrId, boolean force) {
        List<RemoveResult.Item> items = new ArrayList<>();
        List<ImageEvent> events = new ArrayList<>();
        lock.lock();
        try {
            removeLocked(nameOrId, force, items, events);
        } finally {
            lock.unlock();
        }
        publish(events); // only what was done and is durable
        return new RemoveResult(items);
    }

    /** dockerd's ImageDelete and imageDeleteHelper (daemon/images/image_delete.go), without containers yet. */
    private void removeLocked(String nameOrId, boolean force, List<RemoveResult.Item> items, List<ImageEvent> events) {
        Stored image = resolveLocked(nameOrId);
        Digest id = image.id();
        List<String> names = namesOf(id);
        Map<String, Digest> before = new TreeMap<>(references);
        if (!isIdPrefix(id, nameOrId)) {
            String full = syntax.normalize(nameOrId);
            untag(full, id, items, events);
            names = namesOf(id);
            if (!FullReference.isCanonical(full)) {
                // A tag went: if it was its repository's last, the repository's digest references go too.
                String repository = FullReference.repository(full);
                boolean tagOfRepositoryLeft = names.stream().anyMatch(n ->
                        !FullReference.isCanonical(n) && FullReference.repository(n).equals(repository));
                if (!tagOfRepositoryLeft) {
                    for (String n : names) {
                        if (FullReference.isCanonical(n) && FullReference.repository(n).equals(repository)) {
                            untag(n, id, items, events);
                        }
                    }
                    names = namesOf(id);
                }
            }
            if (!names.isEmpty()) {
                saveReferences(before);
                return;
            }
        } else if (isSingleReference(names)) {
            for (String n : names) {
                untag(n, id, items, events);
            }
        } else if (!force && !names.isEmpty()) {
            throw new ImageConflictException("conflict: unable to delete " + id.encoded().substring(0, 12)
                    + " (must be forced) - image is referenced in multiple repositories");
        }
        for (String n : namesOf(id)) {
            untag(n, id, items, events);
        }
        saveReferences(before);
        deleteImage(image, items, events);
    }

    /** Refuses what {@link #tag} would refuse, before work that would be wasted. */
    void checkTagReference(String fullReference) {
        if (FullReference.isCanonical(fullReference)) {
            throw new FormatException("refusing to create a tag with a digest reference: " + fullReference);
        }
        requireFull(fullReference);
    }

    /** How names are normalized and shown; for the archive, which reads and writes names. */
    ReferenceSyntax syntax() {
        return syntax;
    }

    /** For the importer and other writers in this package: tell the listener. */
    void publish(ImageEvent event) {
        publish(List.of(event));
    }

    // ---- internals

    private Stored resolveLocked(String nameOrId) {
        if (FULL_ID.matcher(nameOrId).matches()) {
            return byIdOrThrow(new Digest(Digest.Algorithm.SHA256, nameOrId), "sha256:" + nameOrId);
        }
        if (Digest.isValid(nameOrId)) {
            return byIdOrThrow(Digest.parse(nameOrId), nameOrId);
        }
        String full = syntax.normalize(nameOrId);
        Digest named = references.get(full);
        if (named != null && images.containsKey(named)) {
            return images.get(named);
        }
        String prefix = nameOrId.startsWith("sha256:") ? nameOrId.substring("sha256:".length()) : nameOrId;
        if (!prefix.isEmpty() && HEX.matcher(prefix).matches()) {
            List<Stored> matches = images.values().stream()
                    .filter(s -> s.id().algorithm() == Digest.Algorithm.SHA256 && s.id().encoded().startsWith(prefix))
                    .limit(2)
                    .toList();
            if (matches.size() == 1) {
                return matches.getFirst();
            }
        }
        throw new ImageNotFoundException(syntax.familiar(full));
    }

    private Stored byIdOrThrow(Digest id, String asGiven) {
        Stored s = images.get(id);
        if (s == null) {
            throw new ImageNotFoundException(asGiven);
        }
        return s;
    }

    /** Docker's isImageIDPrefix: the user named the image by (a prefix of) its ID, not by a name. */
    private static boolean isIdPrefix(Digest id, String text) {
        return id.toString().startsWith(text) || id.encoded().startsWith(text);
    }

    /**
     * Docker's isSingleReference: at most one tag, and every name (tag or digest) in that one
     * repository. Such an image may be removed by ID without force.
     */
    private static boolean isSingleReference(List<String> names) {
        if (names.size() <= 1) {
            return names.size() == 1;
        }
        String singleTag = null;
        Set<String> repositories = new HashSet<>();
        for (String n : names) {
            if (FullReference.isCanonical(n)) {
                repositories.add(FullReference.repository(n));
            } else if (singleTag == null) {
                repositories.add(FullReference.repository(n));
                singleTag = n;
            } else {
                return false;
            }
        }
        String single = singleTag != null ? singleTag : names.getFirst();
        return repositories.size() == 1 && repositories.contains(FullReference.repository(single));
    }

    private List<String> namesOf(Digest id) {
        return references.entrySet().stream().filter(e -> e.getValue().equals(id)).map(Map.Entry::getKey).toList();
    }

    private void untag(String full, Digest id, List<RemoveResult.Item> items, List<ImageEvent> events) {
        if (references.remove(full, id)) {
            items.add(new RemoveResult.Untagged(syntax.familiar(full)));
            events.add(new ImageEvent.Untagged(id, full));
        }
    }

    private void addReference(Digest imageId, String full) {
        if (!images.containsKey(imageId)) {
            throw new ImageNotFoundException(imageId.toString());
        }
        Map<String, Digest> before = new TreeMap<>(references);
        references.put(full, imageId);
        saveReferences(before);
    }

    private void deleteImage(Stored image, List<RemoveResult.Item> items, List<ImageEvent> events) {
        images.remove(image.id());
        try {
            Files.deleteIfExists(recordPath(image.id()));
            AtomicFiles.syncDirectory(byId);
        } catch (IOException e) {
            images.put(image.id(), image);
            throw new ImageStoreException("cannot delete " + recordPath(image.id()) + ": " + e.getMessage()
                    + "; check the data root's permissions and free space", e);
        }
        Set<Digest> stillNeeded = new HashSet<>();
        Set<Digest> chainsStillUsed = new HashSet<>();
        for (Stored other : images.values()) {
            stillNeeded.addAll(other.blobs());
            chainsStillUsed.addAll(ChainIds.of(other.config().diffIds()));
        }
        List<Digest> released = new ArrayList<>(ChainIds.of(image.config().diffIds()));
        released.removeIf(chainsStillUsed::contains);
        java.util.Collections.reverse(released);
        items.add(new RemoveResult.Deleted(image.id()));
        released.forEach(c -> items.add(new RemoveResult.Deleted(c)));
        events.add(new ImageEvent.Deleted(image.id(), released));
        for (Digest blob : image.blobs()) {
            if (!stillNeeded.contains(blob)) {
                content.delete(blob);
            }
        }
    }

    private void requireFull(String reference) {
        String normalized = syntax.normalize(reference);
        if (!normalized.equals(reference)) {
            throw new FormatException("\"" + reference + "\" is not a full reference; the store takes the normalized "
                    + "form, here \"" + normalized + "\"");
        }
    }

    private Image view(Stored s) {
        List<String> tags = new ArrayList<>();
        List<String> digests = new ArrayList<>();
        for (String n : namesOf(s.id())) {
            (FullReference.isCanonical(n) ? digests : tags).add(syntax.familiar(n));
        }
        tags.sort(null);
        digests.sort(null);
        return new Image(s.id(), tags, digests, s.created(), s.config(), s.manifest(), s.layers(), s.layerSizes());
    }

    private void publish(List<ImageEvent> events) {
        for (ImageEvent e : events) {
            try {
                listener.accept(e);
            } catch (RuntimeException ex) {
                LOG.log(System.Logger.Level.WARNING, "image event listener failed on " + e, ex);
            }
        }
    }

    // ---- files

    private Path recordPath(Digest id) {
        return byId.resolve(id.encoded() + ".json");
    }

    private void writeRecord(Stored s) {
        List<StoreJson.LayerRecord> layers = new ArrayList<>();
        for (int i = 0; i < s.layers().size(); i++) {
            Layer l = s.layers().get(i);
            OptionalLong unpacked = s.unpackedSizes().get(i);
            layers.add(new StoreJson.LayerRecord(l.blob().mediaType(), l.blob().digest().toString(), l.blob().size(),
                    l.diffId().toString(), l.uncompressedSize(), unpacked.isPresent() ? unpacked.getAsLong() : null));
        }
        StoreJson.ImageRecord record = new StoreJson.ImageRecord(SCHEMA_VERSION, s.id().toString(),
                s.manifest().map(m -> new StoreJson.Blob(m.mediaType(), m.digest().toString(), m.size())).orElse(null),
                layers, ImageConfigCodec.formatTime(s.created()),
                s.layerSizes().stream().mapToLong(Long::longValue).sum());
        try {
            AtomicFiles.write(recordPath(s.id()), ImageConfigCodec.JSON.writerWithDefaultPrettyPrinter()
                    .writeValueAsBytes(record));
        } catch (IOException e) {
            throw new ImageStoreException("cannot write " + recordPath(s.id()) + ": " + e.getMessage()
                    + "; check the data root's permissions and free space", e);
        }
    }

    /** Writes the names; on failure puts {@code before} back in memory, so memory and disk agree. */
    private void saveReferences(Map<String, Digest> before) {
        Map<String, String> out = new TreeMap<>();
        references.forEach((k, v) -> out.put(k, v.toString()));
        try {
            AtomicFiles.write(referencesFile, ImageConfigCodec.JSON.writerWithDefaultPrettyPrinter()
                    .writeValueAsBytes(new StoreJson.References(SCHEMA_VERSION, out)));
        } catch (IOException e) {
            references.clear();
            references.putAll(before);
            throw new ImageStoreException("cannot write " + referencesFile + ": " + e.getMessage()
                    + "; check the data root's permissions and free space", e);
        }
    }

    private void load() {
        try {
            Files.createDirectories(byId);
        } catch (IOException e) {
            throw new ImageStoreException("cannot create " + byId + ": " + e.getMessage()
                    + "; check that the data root exists and is writable", e);
        }
        AtomicFiles.removeTemporaries(dir);
        AtomicFiles.removeTemporaries(byId);
        try (DirectoryStream<Path> files = Files.newDirectoryStream(byId, "*.json")) {
            for (Path f : files) {
                if (!f.getFileName().toString().startsWith(AtomicFiles.TEMP_PREFIX)) {
                    loadRecord(f).ifPresent(s -> images.put(s.id(), s));
                }
            }
        } catch (IOException e) {
            throw new ImageStoreException("cannot list " + byId + ": " + e.getMessage(), e);
        }
        loadReferences();
    }

    /**
     * One unreadable image must not keep the daemon from starting: it is skipped with a warning
     * (as dockerd does), its file kept for a person to look at.
     */
    private Optional<Stored> loadRecord(Path file) {
        try {
            StoreJson.ImageRecord r = ImageConfigCodec.JSON.readValue(file.toFile(), StoreJson.ImageRecord.class);
            Digest id = Digest.parse(r.id());
            ImageConfig config = ImageConfigCodec.parse(content.read(id));
            Optional<Descriptor> manifest = Optional.ofNullable(r.manifest())
                    .map(m -> Descriptor.of(m.mediaType(), Digest.parse(m.digest()), m.size()));
            List<Layer> layers = r.layers().stream()
                    .map(l -> new Layer(Descriptor.of(l.mediaType(), Digest.parse(l.digest()), l.size()),
                            Digest.parse(l.diffId()), l.uncompressedSize()))
                    .toList();
            List<OptionalLong> sizes = r.layers().stream()
                    .map(l -> l.unpackedSize() == null || l.unpackedSize() < 0 ? OptionalLong.empty() // < 0: damaged, measured again
                            : OptionalLong.of(l.unpackedSize()))
                    .toList();
            Instant created = ImageConfigCodec.time(r.created(), "created").orElse(Image.UNKNOWN_CREATED);
            Stored stored = new Stored(id, config, manifest, layers, created, sizes);
            if (!stored.measured()) {
                stored = measureOld(stored, file);
            }
            return Optional.of(stored);
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "skipping image record " + file + ": " + e.getMessage()
                    + "; remove the file to forget the image, or pull or load the image again");
            return Optional.empty();
        }
    }

    /**
     * A record written before sizes were kept: the sizes of the layers the unpacker has, recorded
     * once all are known. Until then (a layer never unpacked), the record stays as it is.
     */
    private Stored measureOld(Stored stored, Path file) {
        Stored sized = stored.withSizes(unpacker.unpackedSizes(stored.layers()));
        if (sized.measured()) {
            try {
                writeRecord(sized);
                LOG.log(System.Logger.Level.INFO, "recorded the layer sizes of image " + stored.id()
                        + ", recorded before sizes were kept");
            } catch (ImageStoreException e) {
                LOG.log(System.Logger.Level.WARNING, "cannot add the layer sizes to " + file + " (measured again at the "
                        + "next start): " + e.getMessage());
            }
        }
        return sized;
    }

    private void loadReferences() {
        StoreJson.References r;
        try {
            r = ImageConfigCodec.JSON.readValue(referencesFile.toFile(), StoreJson.References.class);
        } catch (java.io.FileNotFoundException | NoSuchFileException e) {
            return; // a new data root
        } catch (JsonProcessingException e) {
            throw corruptReferences(e.getOriginalMessage());
        } catch (IOException e) {
            if (!Files.exists(referencesFile)) {
                return;
            }
            throw new ImageStoreException("cannot read " + referencesFile + ": " + e.getMessage(), e);
        }
        if (r == null || r.references() == null) {
            throw corruptReferences("it has no \"references\" object");
        }
        for (Map.Entry<String, String> e : r.references().entrySet()) {
            Digest id;
            try {
                id = Digest.parse(e.getValue());
            } catch (FormatException ex) {
                throw corruptReferences("\"" + e.getKey() + "\" points at " + ex.getMessage());
            }
            if (images.containsKey(id)) {
                references.put(e.getKey(), id);
            } else {
                LOG.log(System.Logger.Level.WARNING, "dropping name " + e.getKey() + ": image " + id + " is not in "
                        + byId);
            }
        }
    }

    private ImageStoreException corruptReferences(String detail) {
        return new ImageStoreException("the image names file " + referencesFile + " is corrupt (" + detail
                + "). Restore it from a backup, or move it aside to start with every image untagged: the images "
                + "stay and can be tagged again");
    }
}
