package dev.skiff.registry.store;

import dev.skiff.formats.Descriptor;
import dev.skiff.formats.Digest;
import dev.skiff.formats.FormatException;
import dev.skiff.formats.Manifest;
import dev.skiff.formats.RepositoryName;
import dev.skiff.formats.Tag;
import dev.skiff.registry.api.ErrorCode;
import dev.skiff.registry.storage.RegistryLayout;
import dev.skiff.registry.storage.StorageDriver;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.time.InstantSource;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * The registry's content: blobs stored once and linked into repositories, uploads, manifests, tags
 * and referrers, all kept in CNCF distribution's layout ({@link RegistryLayout}) through a
 * {@link StorageDriver}. Nothing here knows HTTP; errors are {@link ErrorCode} exceptions.
 */
public final class RegistryStore {
    private static final Pattern UPLOAD_ID = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    private static final int MANIFEST_CACHE_BYTES = 32 << 20;
    /** Hash states kept in memory before idle ones are dropped (their files stay; a return rehashes them). */
    private static final int MAX_UPLOAD_STATES = 1024;
    private static final java.time.Duration UPLOAD_LOCK_WAIT = java.time.Duration.ofSeconds(10);

    private final StorageDriver driver;
    private final ReachabilityGuard guard;
    private final InstantSource clock;
    private final Map<String, Upload> uploads = new ConcurrentHashMap<>();
    private final ManifestCache manifestCache = new ManifestCache(MANIFEST_CACHE_BYTES);

    public RegistryStore(StorageDriver driver, ReachabilityGuard guard, InstantSource clock) {
        this.driver = driver;
        this.guard = guard;
        this.clock = clock;
    }

    public StorageDriver driver() {
        return driver;
    }

    // ---- blobs -------------------------------------------------------------------------------

    /** Size of a blob linked into {@code repository} (as a layer/config, or as a manifest), if it is. */
    public Optional<Long> linkedBlobSize(RepositoryName repository, Digest digest) {
        try {
            if (driver.stat(RegistryLayout.layerLink(repository, digest)).isEmpty()
                    && driver.stat(RegistryLayout.revisionLink(repository, digest)).isEmpty()) {
                return Optional.empty();
            }
            return driver.stat(RegistryLayout.blobData(digest)).map(StorageDriver.FileInfo::size);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public FileChannel openBlob(Digest digest) throws IOException {
        return driver.openRead(RegistryLayout.blobData(digest));
    }

    /** Unlinks a blob from a repository; the bytes stay until garbage collection finds them unused. */
    public void deleteBlob(RepositoryName repository, Digest digest) {
        try {
            String link = RegistryLayout.layerLink(repository, digest);
            if (driver.stat(link).isEmpty()) {
                throw ErrorCode.BLOB_UNKNOWN.error("blob " + digest + " is not in repository " + repository,
                        Map.of("digest", digest.toString()));
            }
            driver.delete(link.substring(0, link.length() - "/link".length()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Links a blob that {@code from} has into {@code to} (cross-repository mount).
     * Returns false when {@code from} does not have it; the client then uploads instead.
     */
    public boolean mount(RepositoryName to, Digest digest, RepositoryName from) {
        try {
            if (driver.stat(RegistryLayout.layerLink(from, digest)).isEmpty()) {
                return false;
            }
            return link(to, digest);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Automatic content discovery for a mount without {@code from}: the first repository that holds the
     * blob and that the caller may read.
     */
    public Optional<RepositoryName> findBlob(Digest digest, Predicate<RepositoryName> readable) {
        try {
            if (driver.stat(RegistryLayout.blobData(digest)).isEmpty()) {
                return Optional.empty();
            }
            for (RepositoryName name : repositories()) {
                if (driver.stat(RegistryLayout.layerLink(name, digest)).isPresent() && readable.test(name)) {
                    return Optional.of(name);
                }
            }
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private boolean link(RepositoryName repository, Digest digest) throws IOException {
        try (ReachabilityGuard.Held held = guard.enter()) {
            // The touch is also the last existence check: the collector never deletes a freshly touched blob.
            try {
                driver.touch(RegistryLayout.blobData(digest), now());
            } catch (java.nio.file.NoSuchFileException e) {
                return false;
            }
            driver.putContent(RegistryLayout.layerLink(repository, digest), RegistryLayout.linkContent(digest));
            return true;
        }
    }

    // ---- uploads -----------------------------------------------------------------------------

    public Upload startUpload(RepositoryName repository) {
        if (uploads.size() > MAX_UPLOAD_STATES) {
            forgetIdleUploads(java.time.Duration.ofHours(1).toNanos());
        }
        String id = UUID.randomUUID().toString();
        Instant started = clock.instant().truncatedTo(ChronoUnit.SECONDS);
        try {
            driver.putScratch(RegistryLayout.uploadStartedAt(repository, id),
                    DateTimeFormatter.ISO_INSTANT.format(started).getBytes(StandardCharsets.US_ASCII));
            driver.putScratch(RegistryLayout.uploadData(repository, id), new byte[0]);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Upload upload = new Upload(driver, repository, id, started, 0);
        upload.tryLock();
        uploads.put(key(repository, id), upload);
        return upload;
    }

    /**
     * The upload with that id, locked for this request; close it when the request is done.
     * Unknown ids (also malformed ones, which can never exist) are {@code BLOB_UPLOAD_UNKNOWN}.
     */
    public Upload openUpload(RepositoryName repository, String id) {
        if (!UPLOAD_ID.matcher(id).matches()) {
            throw unknownUpload(id);
        }
        Upload upload = uploads.computeIfAbsent(key(repository, id), k -> loadUpload(repository, id));
        if (upload == null) {
            throw unknownUpload(id);
        }
        if (!upload.lock(UPLOAD_LOCK_WAIT)) {
            throw ErrorCode.BLOB_UPLOAD_INVALID.error("upload " + id + " is busy with another request; retry")
                    .withStatus(416);
        }
        try {
            if (driver.stat(RegistryLayout.uploadData(repository, id)).isEmpty()) {
                uploads.remove(key(repository, id));
                throw unknownUpload(id);
            }
        } catch (IOException e) {
            upload.close();
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            upload.close();
            throw e;
        }
        return upload;
    }

    private Upload loadUpload(RepositoryName repository, String id) {
        try {
            Optional<StorageDriver.FileInfo> data = driver.stat(RegistryLayout.uploadData(repository, id));
            if (data.isEmpty()) {
                return null;
            }
            Instant started = Instant.EPOCH;
            try {
                started = Instant.parse(new String(driver.getContent(RegistryLayout.uploadStartedAt(repository, id)),
                        StandardCharsets.US_ASCII).strip());
            } catch (IOException | java.time.format.DateTimeParseException e) {
                // distribution tolerates a missing startedat too; the upload is still usable
            }
            return new Upload(driver, repository, id, started, data.get().size());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Finishes an upload: checks its bytes against {@code expected} and moves them into the blob store
     * in one rename, so a blob is either whole or absent. On a mismatch the upload is discarded.
     */
    public void completeUpload(Upload upload, Digest expected) {
        try {
            Digest actual = upload.digest(expected.algorithm());
            if (!actual.equals(expected)) {
                cancelUpload(upload);
                throw ErrorCode.DIGEST_INVALID.error("uploaded content has digest " + actual + ", not " + expected
                        + "; the upload was discarded, push the blob again", Map.of("digest", expected.toString()));
            }
            String data = RegistryLayout.blobData(expected);
            try (ReachabilityGuard.Held held = guard.enter()) {
                if (!touched(data, now())) {
                    driver.move(RegistryLayout.uploadData(upload.repository, upload.id), data);
                    driver.touch(data, now());
                }
                driver.putContent(RegistryLayout.layerLink(upload.repository, expected),
                        RegistryLayout.linkContent(expected));
            }
            removeUpload(upload);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public void cancelUpload(Upload upload) {
        try {
            removeUpload(upload);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void removeUpload(Upload upload) throws IOException {
        upload.flush();
        uploads.remove(key(upload.repository, upload.id));
        driver.delete(RegistryLayout.uploadDir(upload.repository, upload.id));
    }

    private static RuntimeException unknownUpload(String id) {
        return ErrorCode.BLOB_UPLOAD_UNKNOWN.error("upload " + (id.length() > 64 ? id.substring(0, 64) + "..." : id)
                + " is unknown: it finished, was cancelled or never started; start a new upload");
    }

    private static String key(RepositoryName repository, String id) {
        return repository.value() + "@" + id;
    }

    /** Forgets hash states of uploads idle for longer than {@code idleNanos} (their files stay). */
    public void forgetIdleUploads(long idleNanos) {
        long now = System.nanoTime();
        uploads.values().removeIf(u -> now - u.lastUsedNanos > idleNanos && u.tryLock());
    }

    // ---- manifests and tags --------------------------------------------------------------------

    /** Resolves a tag or digest reference in {@code repository}. */
    public Optional<StoredManifest> manifest(RepositoryName repository, String reference) {
        try {
            Optional<Digest> digest = resolve(repository, reference);
            if (digest.isEmpty()) {
                return Optional.empty();
            }
            return readManifest(digest.get());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Optional<Digest> resolve(RepositoryName repository, String reference) throws IOException {
        if (reference.indexOf(':') >= 0) {
            Digest digest = parseDigest(reference);
            return driver.stat(RegistryLayout.revisionLink(repository, digest)).isPresent()
                    ? Optional.of(digest) : Optional.empty();
        }
        Tag tag = parseTag(reference);
        try {
            return Optional.of(RegistryLayout.parseLink(driver.getContent(RegistryLayout.tagCurrentLink(repository, tag))));
        } catch (java.nio.file.NoSuchFileException e) {
            return Optional.empty();
        }
    }

    private Optional<StoredManifest> readManifest(Digest digest) throws IOException {
        StoredManifest cached = manifestCache.get(digest);
        if (cached != null) {
            return Optional.of(cached);
        }
        byte[] content;
        try {
            content = driver.getContent(RegistryLayout.blobData(digest));
        } catch (java.nio.file.NoSuchFileException e) {
            return Optional.empty();
        }
        String mediaType;
        try {
            mediaType = Manifest.parse(content, Optional.empty()).mediaType();
        } catch (FormatException e) {
            // Stored by another registry without validation: serve it as what it most likely is.
            mediaType = dev.skiff.formats.MediaTypes.OCI_MANIFEST;
        }
        StoredManifest manifest = new StoredManifest(digest, mediaType, content);
        manifestCache.put(manifest);
        return Optional.of(manifest);
    }

    /** What a manifest PUT produced. */
    public record PutResult(Digest digest, Optional<Digest> subject) {
    }

    /**
     * Stores a manifest under a tag or digest reference. Every blob and child manifest it references
     * must already be in the repository, so a pulled manifest never points at nothing.
     */
    public PutResult putManifest(RepositoryName repository, String reference, byte[] content, Optional<String> contentType) {
        Optional<Tag> tag = Optional.empty();
        Digest digest;
        if (reference.indexOf(':') >= 0) {
            Digest claimed = parseDigest(reference);
            digest = Digest.compute(claimed.algorithm(), content);
            if (!digest.equals(claimed)) {
                throw ErrorCode.DIGEST_INVALID.error("manifest content has digest " + digest + ", not " + claimed,
                        Map.of("digest", claimed.toString()));
            }
        } else {
            tag = Optional.of(parseTag(reference));
            digest = Digest.sha256(content);
        }
        Manifest manifest;
        try {
            manifest = Manifest.parse(content, contentType);
        } catch (FormatException e) {
            throw ErrorCode.MANIFEST_INVALID.error(e.getMessage());
        }
        try (ReachabilityGuard.Held held = guard.enter()) {
            // Under the collection lock, and in this order (see GarbageCollector): touch what the manifest
            // needs, then write the manifest and the links that make it reachable.
            FileTime now = now();
            boolean index = manifest instanceof Manifest.Index;
            for (Descriptor ref : manifest.references()) {
                if (!ref.urls().isEmpty()) {
                    continue; // foreign layers live elsewhere by design
                }
                String link = index ? RegistryLayout.revisionLink(repository, ref.digest())
                        : RegistryLayout.layerLink(repository, ref.digest());
                if (driver.stat(link).isEmpty() || !touched(RegistryLayout.blobData(ref.digest()), now)) {
                    throw ErrorCode.MANIFEST_BLOB_UNKNOWN.error((index ? "manifest " : "blob ")
                            + ref.digest() + " is not in repository " + repository + "; push it first",
                            Map.of("digest", ref.digest().toString()));
                }
                if (index) {
                    // an untagged child is only kept by its revision link's age until this index is written
                    driver.putContent(link, RegistryLayout.linkContent(ref.digest()));
                }
            }
            manifest.subject().ifPresent(subject -> touched(RegistryLayout.blobData(subject.digest()), now));
            String data = RegistryLayout.blobData(digest);
            if (!touched(data, now)) {
                driver.putContent(data, content);
            }
            driver.putContent(RegistryLayout.revisionLink(repository, digest), RegistryLayout.linkContent(digest));
            if (tag.isPresent()) {
                driver.putContent(RegistryLayout.tagIndexLink(repository, tag.get(), digest), RegistryLayout.linkContent(digest));
                driver.putContent(RegistryLayout.tagCurrentLink(repository, tag.get()), RegistryLayout.linkContent(digest));
            }
            if (manifest.subject().isPresent()) {
                driver.putContent(RegistryLayout.referrerLink(repository, manifest.subject().get().digest(), digest),
                        RegistryLayout.linkContent(digest));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new PutResult(digest, manifest.subject().map(Descriptor::digest));
    }

    /** Deletes a manifest by digest, with every tag that points at it. */
    public void deleteManifest(RepositoryName repository, Digest digest) {
        try {
            if (driver.stat(RegistryLayout.revisionLink(repository, digest)).isEmpty()) {
                throw ErrorCode.MANIFEST_UNKNOWN.error("manifest " + digest + " is not in repository " + repository,
                        Map.of("digest", digest.toString()));
            }
            for (String tagName : driver.list(RegistryLayout.tagsDir(repository))) {
                if (!Tag.isValid(tagName)) {
                    continue;
                }
                Tag tag = Tag.parse(tagName);
                try {
                    if (RegistryLayout.parseLink(driver.getContent(RegistryLayout.tagCurrentLink(repository, tag))).equals(digest)) {
                        driver.delete(RegistryLayout.tagDir(repository, tag));
                    }
                } catch (java.nio.file.NoSuchFileException | FormatException e) {
                    // a tag without a readable current link points at nothing
                }
            }
            readManifest(digest).ifPresent(m -> {
                try {
                    Manifest.parse(m.content(), Optional.empty()).subject().ifPresent(s -> {
                        try {
                            String link = RegistryLayout.referrerLink(repository, s.digest(), digest);
                            driver.delete(link.substring(0, link.length() - "/link".length()));
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    });
                } catch (FormatException e) {
                    // not ours to index
                }
            });
            driver.delete(RegistryLayout.revisionDir(repository, digest));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Deletes a tag; the manifest it pointed at stays, reachable by digest. */
    public void deleteTag(RepositoryName repository, Tag tag) {
        try {
            if (driver.stat(RegistryLayout.tagCurrentLink(repository, tag)).isEmpty()) {
                throw ErrorCode.MANIFEST_UNKNOWN.error("tag " + tag + " is not in repository " + repository,
                        Map.of("tag", tag.value()));
            }
            driver.delete(RegistryLayout.tagDir(repository, tag));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The repository's tags, sorted; {@code NAME_UNKNOWN} when the repository does not exist. */
    public List<String> tags(RepositoryName repository) {
        try {
            if (driver.stat(RegistryLayout.repository(repository)).isEmpty()) {
                throw ErrorCode.NAME_UNKNOWN.error("repository " + repository + " is not known to this registry",
                        Map.of("name", repository.value()));
            }
            List<String> tags = new ArrayList<>();
            for (String name : driver.list(RegistryLayout.tagsDir(repository))) {
                if (Tag.isValid(name) && driver.stat(RegistryLayout.tagCurrentLink(repository, Tag.parse(name))).isPresent()) {
                    tags.add(name);
                }
            }
            Collections.sort(tags);
            return tags;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public boolean repositoryExists(RepositoryName repository) {
        try {
            return driver.stat(RegistryLayout.repository(repository)).isPresent();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every repository, sorted by name: folders under {@code repositories/} with distribution's markers. */
    public List<RepositoryName> repositories() {
        List<RepositoryName> names = new ArrayList<>();
        try {
            collect(RegistryLayout.REPOSITORIES, "", names, 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Collections.sort(names);
        return names;
    }

    private void collect(String path, String prefix, List<RepositoryName> out, int depth) throws IOException {
        if (depth > 32) {
            return;
        }
        List<String> children = driver.list(path);
        if (!prefix.isEmpty() && (children.contains("_manifests") || children.contains("_layers"))
                && RepositoryName.isValid(prefix)) {
            out.add(RepositoryName.parse(prefix));
        }
        for (String child : children) {
            if (!child.startsWith("_")) {
                collect(path + "/" + child, prefix.isEmpty() ? child : prefix + "/" + child, out, depth + 1);
            }
        }
    }

    // ---- referrers -----------------------------------------------------------------------------

    /** Descriptors of the manifests in {@code repository} whose subject is {@code subject}. */
    public List<Descriptor> referrers(RepositoryName repository, Digest subject, Optional<String> artifactType) {
        List<Descriptor> result = new ArrayList<>();
        try {
            String dir = RegistryLayout.referrersDir(repository, subject);
            for (String algorithm : driver.list(dir)) {
                for (String hex : driver.list(dir + "/" + algorithm)) {
                    if (!Digest.isValid(algorithm + ":" + hex)) {
                        continue;
                    }
                    Digest digest = Digest.parse(algorithm + ":" + hex);
                    if (driver.stat(RegistryLayout.revisionLink(repository, digest)).isEmpty()) {
                        continue;
                    }
                    Optional<StoredManifest> stored = readManifest(digest);
                    if (stored.isEmpty()) {
                        continue;
                    }
                    Manifest m;
                    try {
                        m = Manifest.parse(stored.get().content(), Optional.empty());
                    } catch (FormatException e) {
                        continue;
                    }
                    String type = m.artifactType().orElse(m instanceof Manifest.Image image ? image.config().mediaType() : "");
                    if (artifactType.isPresent() && !artifactType.get().equals(type)) {
                        continue;
                    }
                    result.add(new Descriptor(m.mediaType(), digest, stored.get().content().length, Optional.empty(),
                            type.isEmpty() ? Optional.empty() : Optional.of(type), m.annotations(), List.of()));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        result.sort((a, b) -> a.digest().compareTo(b.digest()));
        return result;
    }

    // ---- helpers -------------------------------------------------------------------------------

    /** Touches a file; false when it is gone. */
    private boolean touched(String path, FileTime time) {
        try {
            driver.touch(path, time);
            return true;
        } catch (java.nio.file.NoSuchFileException e) {
            return false;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private FileTime now() {
        return FileTime.from(clock.instant());
    }

    static Digest parseDigest(String text) {
        try {
            return Digest.parse(text);
        } catch (FormatException e) {
            throw ErrorCode.DIGEST_INVALID.error(e.getMessage(), Map.of("digest", text.length() > 200 ? text.substring(0, 200) : text));
        }
    }

    static Tag parseTag(String text) {
        try {
            return Tag.parse(text);
        } catch (FormatException e) {
            throw ErrorCode.TAG_INVALID.error(e.getMessage());
        }
    }

    /** Manifests by digest are immutable, so caching their bytes is always safe; bounded by total size. */
    private static final class ManifestCache {
        private final int maxBytes;
        private final LinkedHashMap<Digest, StoredManifest> entries = new LinkedHashMap<>(256, 0.75f, true);
        private int bytes;

        ManifestCache(int maxBytes) {
            this.maxBytes = maxBytes;
        }

        synchronized StoredManifest get(Digest digest) {
            return entries.get(digest);
        }

        synchronized void put(StoredManifest manifest) {
            if (manifest.content().length > maxBytes / 16 || entries.containsKey(manifest.digest())) {
                return;
            }
            entries.put(manifest.digest(), manifest);
            bytes += manifest.content().length;
            var it = entries.values().iterator();
            while (bytes > maxBytes && it.hasNext()) {
                bytes -= it.next().content().length;
                it.remove();
            }
        }
    }
}
