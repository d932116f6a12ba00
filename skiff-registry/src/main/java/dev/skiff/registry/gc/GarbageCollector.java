package dev.skiff.registry.gc;

import dev.skiff.formats.Digest;
import dev.skiff.formats.RepositoryName;
import dev.skiff.registry.gc.RegistryScanner.Blob;
import dev.skiff.registry.gc.RegistryScanner.Repository;
import dev.skiff.registry.storage.RegistryLayout;
import dev.skiff.registry.storage.StorageDriver;
import dev.skiff.registry.storage.StorageDriver.FileInfo;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.attribute.FileTime;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.InstantSource;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Mark-and-sweep garbage collection of a registry's storage while the registry keeps serving
 * pushes and pulls, from this process or another one on the same root.
 *
 * <h2>What stays</h2>
 * Every manifest revision of every repository stays (as with distribution's {@code garbage-collect}),
 * unless {@link GcOptions#deleteUntagged()} removes the revisions that no tag reaches. What a kept
 * manifest references is marked: the manifest blob, its config and layers, an index's child
 * manifests and what they reference, and a referrer's subject and what it references. A referrer
 * stays while its subject stays. Unmarked blobs are deleted, with the {@code _layers} links to them.
 *
 * <h2>Why a live registry loses nothing</h2>
 * Marking reads the storage without any lock, so a push can make a blob reachable after the mark
 * has passed its repository. Three rules close that window:
 * <ol>
 * <li>Writers touch. Whoever makes a blob reachable sets its data file's modification time to now:
 *     when a finished upload is committed into {@code blobs/}, and for every blob and child
 *     manifest a manifest PUT references; a manifest PUT also rewrites the revision link, and a
 *     cross-repository mount touches the blob it links. Touching a missing file fails, so the touch
 *     doubles as the writer's final "does it still exist" check.</li>
 * <li>Writers hold {@link CollectionLock#shared()} from the touch until the link that makes the
 *     blob reachable is written.</li>
 * <li>The collector deletes nothing that was modified after {@code start - gracePeriod}, where
 *     {@code start} is read before marking begins, and it checks that again, for each blob or
 *     revision, while it holds {@link CollectionLock#exclusive()} around the deletion.</li>
 * </ol>
 * A link that the mark did not see was written after the mark started. Its writer's shared hold
 * either ended before the collector's exclusive hold began, and then the touch is visible to the
 * re-check and the blob stays; or it began after, and then the blob is either still there (and the
 * touch protects it from later batches) or already gone, the touch fails and the writer reports
 * the blob unknown, as it would had the collection finished before the push. The grace period adds
 * protection for blobs uploaded but not yet referenced, and must cover clock skew between
 * processes and the filesystem's timestamp granularity.
 *
 * <p>Revisions removed by {@code deleteUntagged} follow the same rule (revision link and manifest
 * blob must both be older than the cutoff at the re-check) and are removed referencing manifests
 * first, so a revision that turns out to have been pushed again during the run spares what it
 * references. Blobs are marked only after the removals, from what actually stayed.
 *
 * <p>If anything that could hold a reference cannot be read, the run fails before deleting any blob:
 * an unseen reference is the one mistake a collector cannot undo. A manifest that is not valid JSON
 * is kept with every digest its text mentions, and reported as a warning.
 */
public final class GarbageCollector {
    private static final System.Logger LOG = System.getLogger(GarbageCollector.class.getName());
    /** Distribution refuses manifests over 4 MiB; anything much larger is a layer listed by mistake. */
    private static final long MAX_MANIFEST_BYTES = 16L << 20;

    private final StorageDriver driver;
    private final CollectionLock lock;
    private final GcOptions options;
    private final InstantSource clock;

    public GarbageCollector(StorageDriver driver, CollectionLock lock, GcOptions options, InstantSource clock) {
        this.driver = driver;
        this.lock = lock;
        this.options = options;
        this.clock = clock;
    }

    /**
     * Collects once. Throws when the registry cannot be read well enough to collect safely; nothing
     * that is still referenced has been removed then.
     */
    public GcReport run() throws IOException {
        return new Run().collect();
    }

    /** The state of one collection, so that {@link GarbageCollector} itself holds no mutable state. */
    private final class Run {
        private final Instant started = startedInTheFilesClock();
        private final Instant cutoff = started.minus(options.gracePeriod());
        private final List<String> warnings = new ArrayList<>();
        private final RegistryScanner scanner = new RegistryScanner(driver, this::warn);
        private final Map<Digest, References> manifests = new HashMap<>();
        private final Set<Digest> marked = new HashSet<>();
        private final Set<Digest> followed = new HashSet<>();
        private final List<String> removedManifests = new ArrayList<>();
        private final Set<Digest> deletedBlobs = new TreeSet<>();
        private long blobsMarked;
        private long bytesMarked;
        private long bytesDeleted;
        private long blobsKeptRecent;
        private int layerLinksRemoved;
        private int uploadsRemoved;

        GcReport collect() throws IOException {
            List<Repository> repositories = new ArrayList<>();
            for (RepositoryName name : scanner.repositories()) {
                repositories.add(scanner.scan(name));
            }
            for (Repository repository : repositories) {
                Set<Digest> removed = options.deleteUntagged() ? removeUntagged(repository) : Set.of();
                for (Digest revision : repository.revisions().keySet()) {
                    if (!removed.contains(revision)) {
                        mark(revision, repository.name());
                    }
                }
            }
            sweepBlobs(repositories);
            removeAbandonedUploads(repositories);
            return new GcReport(options.dryRun(), repositories.size(), blobsMarked, bytesMarked, deletedBlobs.size(),
                    bytesDeleted, blobsKeptRecent, removedManifests, layerLinksRemoved, uploadsRemoved,
                    List.copyOf(deletedBlobs), warnings);
        }

        // ---- deleteUntagged

        private Set<Digest> removeUntagged(Repository repository) throws IOException {
            RepositoryName name = repository.name();
            if (!repository.tagsReadable()) {
                return Set.of();
            }
            Map<Digest, References> graph = new HashMap<>();
            for (Digest revision : repository.revisions().keySet()) {
                graph.put(revision, references(revision, name, true));
            }
            Reachability reachability = new Reachability(repository.revisions().keySet(), graph::get);
            List<Digest> roots = new ArrayList<>(repository.tags().values());
            for (var revision : repository.revisions().entrySet()) {
                if (isRecent(revision.getValue()) || manifestBlobIsRecent(revision.getKey())) {
                    roots.add(revision.getKey());
                }
            }
            Set<Digest> candidates = new LinkedHashSet<>(repository.revisions().keySet());
            candidates.removeAll(reachability.closure(roots));
            Set<Digest> spared = new HashSet<>();
            Set<Digest> removed = new HashSet<>();
            for (List<Digest> batch : batches(reachability.parentsFirst(candidates))) {
                try (CollectionLock.Hold _ = holdForDeletion()) {
                    for (Digest revision : batch) {
                        if (spared.contains(revision)) {
                            continue;
                        }
                        Optional<FileInfo> link = driver.stat(RegistryLayout.revisionLink(name, revision));
                        if (link.isEmpty()) {
                            continue;
                        }
                        if (isRecent(link.get().modified()) || manifestBlobIsRecent(revision)) {
                            spared.addAll(reachability.closure(List.of(revision)));
                            continue;
                        }
                        if (removeRevision(repository, revision, graph.get(revision))) {
                            removed.add(revision);
                            removedManifests.add(name + "@" + revision);
                        }
                    }
                }
            }
            return removed;
        }

        /**
         * Index entries go first and the revision link last, so that a crash in between leaves a
         * revision that the next run finds and removes again, never an index entry nothing cleans.
         */
        private boolean removeRevision(Repository repository, Digest revision, References references) {
            if (options.dryRun()) {
                return true;
            }
            RepositoryName name = repository.name();
            try {
                for (var tag : repository.tags().keySet()) {
                    driver.delete(parent(RegistryLayout.tagIndexLink(name, tag, revision)));
                }
                if (references.subject().isPresent()) {
                    driver.delete(parent(RegistryLayout.referrerLink(name, references.subject().get(), revision)));
                }
                driver.delete(RegistryLayout.revisionDir(name, revision));
                return true;
            } catch (IOException e) {
                // Still linked, so it must be marked like any kept revision.
                warn(name + ": cannot remove untagged manifest " + revision + ": " + e.getMessage());
                return false;
            }
        }

        private boolean manifestBlobIsRecent(Digest manifest) throws IOException {
            return scanner.stat(manifest).map(blob -> isRecent(blob.modified())).orElse(false);
        }

        // ---- mark

        private void mark(Digest revision, RepositoryName repository) throws IOException {
            Deque<Digest> work = new ArrayDeque<>();
            work.push(revision);
            boolean isRevision = true;
            while (!work.isEmpty()) {
                Digest manifest = work.pop();
                marked.add(manifest);
                if (followed.add(manifest)) {
                    References references = references(manifest, repository, isRevision);
                    marked.addAll(references.blobs());
                    references.manifests().forEach(work::push);
                    references.subject().ifPresent(work::push);
                }
                isRevision = false;
            }
        }

        private References references(Digest manifest, RepositoryName repository, boolean isRevision)
                throws IOException {
            References known = manifests.get(manifest);
            if (known != null) {
                return known;
            }
            References references = readReferences(manifest, repository, isRevision);
            manifests.put(manifest, references);
            return references;
        }

        private References readReferences(Digest manifest, RepositoryName repository, boolean isRevision)
                throws IOException {
            Optional<FileInfo> info = driver.stat(RegistryLayout.blobData(manifest));
            if (info.isEmpty()) {
                if (isRevision) {
                    warn(repository + ": manifest " + manifest + " is linked but its blob is missing");
                }
                return References.NONE;
            }
            if (info.get().size() > MAX_MANIFEST_BYTES) {
                warn(repository + ": " + manifest + " is referenced as a manifest but is "
                        + GcReport.bytes(info.get().size()) + "; kept, not read");
                return References.NONE;
            }
            try {
                byte[] content = driver.getContent(RegistryLayout.blobData(manifest));
                return References.parse(content, problem -> warn(repository + ": manifest " + manifest + " " + problem));
            } catch (NoSuchFileException e) {
                return References.NONE; // deleted by another collector since the stat; nothing to follow
            }
        }

        // ---- sweep

        private void sweepBlobs(List<Repository> repositories) throws IOException {
            Map<Digest, List<RepositoryName>> linkedFrom = new HashMap<>();
            for (Repository repository : repositories) {
                for (Digest blob : repository.layerLinks().keySet()) {
                    linkedFrom.computeIfAbsent(blob, k -> new ArrayList<>()).add(repository.name());
                }
            }
            List<Blob> candidates = new ArrayList<>();
            Set<Digest> present = new HashSet<>();
            for (Blob blob : scanner.blobs()) {
                present.add(blob.digest());
                if (marked.contains(blob.digest())) {
                    blobsMarked++;
                    bytesMarked += blob.size();
                } else if (isRecent(blob.modified())) {
                    blobsKeptRecent++;
                } else {
                    candidates.add(blob);
                }
            }
            for (List<Blob> batch : batches(candidates)) {
                try (CollectionLock.Hold _ = holdForDeletion()) {
                    for (Blob candidate : batch) {
                        deleteBlob(candidate.digest(), linkedFrom.getOrDefault(candidate.digest(), List.of()));
                    }
                }
            }
            removeDanglingLayerLinks(repositories, present);
        }

        /** Called under the exclusive hold: what the writers did before it began is visible now. */
        private void deleteBlob(Digest digest, List<RepositoryName> linkedFrom) throws IOException {
            Optional<Blob> now = scanner.stat(digest);
            if (now.isEmpty() || marked.contains(digest)) {
                return;
            }
            if (isRecent(now.get().modified())) {
                blobsKeptRecent++;
                return;
            }
            if (!options.dryRun()) {
                try {
                    // Links first: a link to a missing blob is what a crash here may leave, and the
                    // next run removes those; a blob with no link is just garbage for the next run.
                    for (RepositoryName repository : linkedFrom) {
                        driver.delete(parent(RegistryLayout.layerLink(repository, digest)));
                    }
                    driver.delete(RegistryLayout.blobDir(digest));
                } catch (IOException e) {
                    warn("cannot delete blob " + digest + ": " + e.getMessage());
                    return;
                }
            }
            deletedBlobs.add(digest);
            bytesDeleted += now.get().size();
            layerLinksRemoved += linkedFrom.size();
        }

        /** Links left by a blob deleted outside this collector, or by a crash in the middle of one. */
        private void removeDanglingLayerLinks(List<Repository> repositories, Set<Digest> present) throws IOException {
            List<Map.Entry<RepositoryName, Digest>> dangling = new ArrayList<>();
            for (Repository repository : repositories) {
                for (var link : repository.layerLinks().entrySet()) {
                    if (!present.contains(link.getKey()) && !isRecent(link.getValue())) {
                        dangling.add(Map.entry(repository.name(), link.getKey()));
                    }
                }
            }
            for (var batch : batches(dangling)) {
                try (CollectionLock.Hold _ = holdForDeletion()) {
                    for (var link : batch) {
                        String path = RegistryLayout.layerLink(link.getKey(), link.getValue());
                        Optional<FileInfo> info = driver.stat(path);
                        if (info.isEmpty() || isRecent(info.get().modified())
                                || scanner.stat(link.getValue()).isPresent()) {
                            continue;
                        }
                        if (!options.dryRun()) {
                            driver.delete(parent(path));
                        }
                        layerLinksRemoved++;
                    }
                }
            }
        }

        // ---- uploads

        private void removeAbandonedUploads(List<Repository> repositories) throws IOException {
            Instant abandonedBefore = started.minus(options.uploadMaxAge());
            for (Repository repository : repositories) {
                for (String upload : repository.uploads()) {
                    Optional<Instant> lastActivity = lastActivity(repository.name(), upload);
                    if (lastActivity.isEmpty() || !lastActivity.get().isBefore(abandonedBefore)) {
                        continue;
                    }
                    if (!options.dryRun()) {
                        driver.delete(RegistryLayout.uploadDir(repository.name(), upload));
                    }
                    uploadsRemoved++;
                }
            }
        }

        /**
         * The later of when the upload started and when its data was last written: a slow upload
         * that is still receiving chunks is not abandoned however long ago it started.
         */
        private Optional<Instant> lastActivity(RepositoryName repository, String upload) throws IOException {
            List<Instant> times = new ArrayList<>();
            try {
                String startedAt = new String(driver.getContent(RegistryLayout.uploadStartedAt(repository, upload)),
                        StandardCharsets.UTF_8).strip();
                times.add(Instant.from(DateTimeFormatter.ISO_OFFSET_DATE_TIME.parse(startedAt)));
            } catch (NoSuchFileException e) {
                // a folder being created, or not distribution's: the modification times decide
            } catch (DateTimeException e) {
                warn(repository + ": upload " + upload + " has an unreadable startedat; judging it by its files' times");
            }
            driver.stat(RegistryLayout.uploadData(repository, upload)).ifPresent(data -> times.add(data.modified().toInstant()));
            if (times.isEmpty()) {
                driver.stat(RegistryLayout.uploadDir(repository, upload)).ifPresent(dir -> times.add(dir.modified().toInstant()));
            }
            return times.stream().max(Instant::compareTo);
        }

        // ---- helpers

        /**
         * When this run starts, in the clock that stamps files: the kernel stamps modification times
         * with a coarse clock that can be a few milliseconds behind the one {@code Instant.now()}
         * reads, so a file a push writes just after the run began could look older than the run and
         * lose its grace. The earlier of the two is taken, read off a file made for the purpose.
         */
        private Instant startedInTheFilesClock() {
            Instant now = clock.instant();
            try {
                java.nio.file.Path probe = java.nio.file.Files.createTempFile("skiff-gc-clock", ".tmp");
                try {
                    Instant stamped = java.nio.file.Files.getLastModifiedTime(probe).toInstant();
                    return stamped.isBefore(now) ? stamped : now;
                } finally {
                    java.nio.file.Files.deleteIfExists(probe);
                }
            } catch (IOException e) {
                return now.minusMillis(100); // more than a coarse clock's tick
            }
        }

        private boolean isRecent(FileTime modified) {
            return !modified.toInstant().isBefore(cutoff);
        }

        private CollectionLock.Hold holdForDeletion() throws IOException {
            return options.dryRun() ? () -> { } : lock.exclusive();
        }

        private <T> List<List<T>> batches(Collection<T> items) {
            List<T> all = List.copyOf(items);
            List<List<T>> batches = new ArrayList<>();
            for (int i = 0; i < all.size(); i += options.batchSize()) {
                batches.add(all.subList(i, Math.min(all.size(), i + options.batchSize())));
            }
            return batches;
        }

        private void warn(String message) {
            LOG.log(System.Logger.Level.WARNING, message);
            warnings.add(message);
        }
    }

    private static String parent(String path) {
        return path.substring(0, path.lastIndexOf('/'));
    }
}
