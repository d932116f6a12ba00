package dev.skiff.engine.snapshots;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skiff.engine.AtomicFiles;
import dev.skiff.engine.content.BlobNotFoundException;
import dev.skiff.engine.content.BlobReader;
import dev.skiff.formats.Digest;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Unpacked layers for overlayfs, keyed by chain ID. On disk, under {@code <dataRoot>/snapshots/}:
 * <pre>
 * &lt;n&gt;/fs              the layer's files: an overlay lower dir
 * &lt;n&gt;/snapshot.json   chain ID, parent chain ID, diff_id, blob, size (as dockerd counts it)
 * tmp-&lt;uuid&gt;/          a layer being unpacked, or a snapshot being removed
 * </pre>
 * Short numeric names keep a deep image's overlay mount options under the page-size limit.
 * A layer is unpacked into a {@code tmp-} directory, its diff_id checked, its metadata written,
 * the file system synced, and only then renamed to its number: a snapshot is whole or absent.
 * Removal renames to {@code tmp-} first. {@link #open} deletes every {@code tmp-} directory and
 * every numbered one without readable metadata, so a crash (kill -9, power loss) at any instant
 * leaves nothing the next start does not clean.
 * <p>
 * Two pulls that share a layer unpack it once: the second waits for the first's result.
 * <p>
 * Each snapshot's {@link Snapshot#size} is measured once, when it is unpacked ({@link DiffSize}),
 * and kept in its metadata; {@link #open} measures and records it for snapshots written before
 * sizes were kept.
 * <p>
 * What comes next builds on {@link #lowerDirs}: a container mounts {@code overlay} with those dirs
 * as {@code lowerdir} plus an upper and work dir of its own; a build diffs that upper dir into a
 * new layer. Like containerd's snapshotters, this class describes mounts and never mounts.
 */
public final class Snapshotter {
    private static final System.Logger LOG = System.getLogger(Snapshotter.class.getName());
    static final String TEMP_PREFIX = "tmp-";
    static final String METADATA = "snapshot.json";
    private static final Pattern NUMBER = Pattern.compile("[1-9][0-9]{0,9}");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int SCHEMA_VERSION = 1;
    /** Enough to keep two cores and a disk busy; more would only make each layer take longer. */
    static final int PARALLEL_UNPACKS = 3;

    private final Path dir;
    private final BlobReader blobs;
    private final boolean devicesAllowed;
    private final ReentrantLock lock = new ReentrantLock();
    private final Map<Digest, Stored> committed = new HashMap<>();
    private final Map<Digest, CompletableFuture<Snapshot>> inFlight = new HashMap<>();
    private long next = 1;

    private record Stored(int number, Snapshot snapshot) {
    }

    /** The metadata file's JSON. {@code size} is absent in snapshots written before sizes were kept. */
    @com.fasterxml.jackson.annotation.JsonIgnoreProperties(ignoreUnknown = true)
    record SnapshotJson(int schemaVersion, String chainId, String parent, String diffId, String blob, Long size) {
    }

    private Snapshotter(Path dir, BlobReader blobs, boolean devicesAllowed) {
        this.dir = dir;
        this.blobs = blobs;
        this.devicesAllowed = devicesAllowed;
    }

    /**
     * Opens (creating when needed) the snapshots under {@code <dataRoot>/snapshots}, removing what a
     * crash left half done. Device nodes in layers are made when the daemon runs as root.
     */
    public static Snapshotter open(Path dataRoot, BlobReader blobs) {
        return open(dataRoot, blobs, LinuxCalls.isRoot());
    }

    static Snapshotter open(Path dataRoot, BlobReader blobs, boolean devicesAllowed) {
        Snapshotter s = new Snapshotter(dataRoot.resolve("snapshots"), blobs, devicesAllowed);
        s.recover();
        return s;
    }

    // ---- reading

    public Optional<Snapshot> get(Digest chainId) {
        lock.lock();
        try {
            return Optional.ofNullable(committed.get(chainId)).map(Stored::snapshot);
        } finally {
            lock.unlock();
        }
    }

    /** Every snapshot, in the order they were made. */
    public List<Snapshot> list() {
        lock.lock();
        try {
            return committed.values().stream().sorted(Comparator.comparingInt(Stored::number))
                    .map(Stored::snapshot).toList();
        } finally {
            lock.unlock();
        }
    }

    /**
     * The overlay {@code lowerdir} list for an image: its layers' directories, top first.
     *
     * @param chainIds the image's chain IDs, bottom first
     * @throws SnapshotException when a layer has no snapshot; {@link #ensure} makes them
     */
    public List<Path> lowerDirs(List<Digest> chainIds) {
        List<Path> dirs = new ArrayList<>(chainIds.size());
        for (Digest c : chainIds.reversed()) {
            dirs.add(get(c).orElseThrow(() -> new SnapshotException("layer " + c + " has no snapshot; "
                    + "pull or load its image again")).fs());
        }
        return dirs;
    }

    // ---- changing

    /**
     * Makes sure each layer of an image has its snapshot. Missing ones are unpacked concurrently
     * (a layer's directory does not depend on its parent's; only its chain ID does), at most
     * {@link #PARALLEL_UNPACKS} at a time. A layer another thread is unpacking is waited for, not
     * unpacked again.
     *
     * @param layers an image's layers, bottom first
     * @return their snapshots, bottom first
     * @throws SnapshotException for the lowest layer that is unsafe or damaged, or that the disk
     *                           refuses; nothing of a failed layer is left behind
     */
    public List<Snapshot> ensure(List<LayerBlob> layers) {
        List<Digest> chain = chainIds(layers.stream().map(LayerBlob::diffId).toList());
        List<Snapshot> out = new ArrayList<>(layers.size());
        List<Integer> missing = new ArrayList<>();
        lock.lock();
        try {
            for (int i = 0; i < layers.size(); i++) {
                Stored s = committed.get(chain.get(i));
                out.add(s == null ? null : s.snapshot());
                if (s == null) {
                    missing.add(i);
                }
            }
        } finally {
            lock.unlock();
        }
        if (missing.size() == 1) {
            int i = missing.getFirst();
            out.set(i, ensureOne(chain.get(i), i == 0 ? Optional.empty() : Optional.of(chain.get(i - 1)), layers.get(i)));
        } else if (!missing.isEmpty()) {
            Semaphore slots = new Semaphore(PARALLEL_UNPACKS);
            Map<Integer, Future<Snapshot>> futures = new HashMap<>();
            try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int i : missing) {
                    Optional<Digest> parent = i == 0 ? Optional.empty() : Optional.of(chain.get(i - 1));
                    futures.put(i, pool.submit(() -> {
                        slots.acquire();
                        try {
                            return ensureOne(chain.get(i), parent, layers.get(i));
                        } finally {
                            slots.release();
                        }
                    }));
                }
                for (int i : missing) {
                    out.set(i, futures.get(i).get());
                }
            } catch (ExecutionException e) {
                if (e.getCause() instanceof SnapshotException se) {
                    throw se;
                }
                throw new SnapshotException("unpacking failed: " + e.getCause(), e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SnapshotException("unpacking was interrupted", e);
            }
        }
        return List.copyOf(out);
    }

    /** What a layer's tar held, measured while it was unpacked from a stream. */
    public record StreamedLayer(Snapshot snapshot, Digest diffId, long tarSize) {
    }

    /**
     * Unpacks the top layer of {@code diffIds} (bottom first) from {@code raw}, its blob's bytes (gzip
     * or plain tar) as a download delivers them, so a pulled layer is decompressed and unpacked once,
     * while it arrives, instead of being read back from the content store afterwards. Reads the tar
     * to its end; the caller reads whatever of {@code raw} follows and closes it. The tar's digest must
     * be the layer's diff_id, or nothing is kept.
     *
     * @param blob the blob's digest, recorded in the snapshot's metadata
     * @return empty when the layer is unpacked already or another thread is unpacking it: the caller
     *         then reads {@code raw} itself
     * @throws SnapshotException when the layer is unsafe or damaged, or the disk refuses it
     */
    public Optional<StreamedLayer> unpackFrom(List<Digest> diffIds, Digest blob, InputStream raw) {
        List<Digest> chain = chainIds(diffIds);
        Digest chainId = chain.getLast();
        Optional<Digest> parent = chain.size() < 2 ? Optional.empty() : Optional.of(chain.get(chain.size() - 2));
        Digest diffId = diffIds.getLast();
        InputStream unclosed = new java.io.FilterInputStream(raw) {
            @Override
            public void close() {
                // the caller's stream: it reads the rest and closes it
            }
        };
        return claimAndUnpack(chainId, parent, new LayerBlob(blob, diffId), () -> unclosed, false)
                .map(a -> new StreamedLayer(a.snapshot(), diffId, a.tarSize()));
    }

    /** This snapshotter as the image store's unpacker: {@link #ensure} for recorded layers, {@link #unpackFrom} for downloads. */
    public dev.skiff.engine.images.LayerUnpacker asUnpacker() {
        return new dev.skiff.engine.images.LayerUnpacker() {
            @Override
            public List<OptionalLong> unpack(List<dev.skiff.engine.images.Layer> layers) {
                return ensure(layers.stream().map(l -> new LayerBlob(l.blob().digest(), l.diffId())).toList())
                        .stream().map(s -> OptionalLong.of(s.size())).toList();
            }

            @Override
            public List<OptionalLong> unpackedSizes(List<dev.skiff.engine.images.Layer> layers) {
                return chainIds(layers.stream().map(dev.skiff.engine.images.Layer::diffId).toList()).stream()
                        .map(c -> get(c).map(s -> OptionalLong.of(s.size())).orElse(OptionalLong.empty())).toList();
            }

            @Override
            public Optional<Streamed> unpackFrom(List<Digest> diffIds, Digest blob, InputStream raw) {
                return Snapshotter.this.unpackFrom(diffIds, blob, raw).map(l -> new Streamed(l.diffId(), l.tarSize()));
            }
        };
    }

    /** Removes a snapshot; removing one that is not there does nothing. @return whether it was there */
    public boolean remove(Digest chainId) {
        return !removeUnused(List.of(chainId), Set::of).isEmpty();
    }

    /**
     * Removes every snapshot not in {@code chainIds}: the daemon calls it at start with its images'
     * chain IDs, for layers unpacked by a pull that died before its image was recorded.
     */
    public void retainOnly(Set<Digest> chainIds) {
        List<Digest> all;
        lock.lock();
        try {
            all = List.copyOf(committed.keySet());
        } finally {
            lock.unlock();
        }
        removeUnused(all, () -> chainIds);
    }

    /**
     * Removes those of {@code candidates} that {@code inUse} does not name. {@code inUse} is asked
     * while no {@link #ensure} can look a snapshot up, so a caller that records an image and then
     * calls {@link #ensure} for it never loses a layer to a removal racing with it: either the
     * removal sees the image, or the ensure sees the removal and unpacks the layer again.
     *
     * @return the chain IDs removed
     */
    public List<Digest> removeUnused(Collection<Digest> candidates, Supplier<Set<Digest>> inUse) {
        List<Path> doomed = new ArrayList<>();
        List<Digest> removed = new ArrayList<>();
        lock.lock();
        try {
            Set<Digest> keep = inUse.get();
            for (Digest chainId : candidates) {
                Stored s = committed.get(chainId);
                if (s == null || keep.contains(chainId)) {
                    continue;
                }
                Path from = dir.resolve(Integer.toString(s.number()));
                Path to = dir.resolve(TEMP_PREFIX + "removed-" + s.number() + "-" + UUID.randomUUID());
                try {
                    Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
                } catch (IOException e) {
                    throw new SnapshotException("cannot remove the snapshot of layer " + chainId + " in " + from
                            + ": " + e.getMessage() + "; check the data root's permissions", e);
                }
                committed.remove(chainId);
                doomed.add(to);
                removed.add(chainId);
            }
            if (!doomed.isEmpty()) {
                AtomicFiles.syncDirectory(dir);
            }
        } catch (IOException e) {
            throw new SnapshotException("cannot sync " + dir + ": " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
        doomed.forEach(Snapshotter::deleteQuietly); // if this fails, the next start finishes it
        return removed;
    }

    // ---- internals

    private Snapshot ensureOne(Digest chainId, Optional<Digest> parent, LayerBlob layer) {
        return claimAndUnpack(chainId, parent, layer, () -> blobs.open(layer.blob()), true).orElseThrow().snapshot();
    }

    /** Where a layer's bytes (gzip or plain tar) come from: the content store, or a download as it arrives. */
    @FunctionalInterface
    private interface Source {
        InputStream open() throws IOException;
    }

    private record Applied(Snapshot snapshot, long tarSize) {
    }

    /** A tar's digest and size, as read while unpacking it. */
    private record TarRead(Digest diffId, long size) {
    }

    /**
     * The layer unpacked once: by this thread when nobody has it, else (when {@code wait}) the result
     * of the thread unpacking it; without {@code wait}, empty when it is there or under way already.
     */
    private Optional<Applied> claimAndUnpack(Digest chainId, Optional<Digest> parent, LayerBlob layer, Source source, boolean wait) {
        CompletableFuture<Snapshot> mine = null;
        CompletableFuture<Snapshot> theirs;
        lock.lock();
        try {
            Stored s = committed.get(chainId);
            if (s != null) {
                return wait ? Optional.of(new Applied(s.snapshot(), -1)) : Optional.empty();
            }
            theirs = inFlight.get(chainId);
            if (theirs == null) {
                mine = new CompletableFuture<>();
                inFlight.put(chainId, mine);
            } else if (!wait) {
                return Optional.empty();
            }
        } finally {
            lock.unlock();
        }
        if (mine == null) {
            try {
                return Optional.of(new Applied(theirs.join(), -1));
            } catch (CompletionException e) {
                throw new SnapshotException(e.getCause().getMessage(), e.getCause());
            }
        }
        try {
            Unpacked u = unpack(chainId, parent, layer, source);
            lock.lock();
            try {
                committed.put(chainId, u.stored());
                inFlight.remove(chainId);
            } finally {
                lock.unlock();
            }
            mine.complete(u.stored().snapshot());
            return Optional.of(new Applied(u.stored().snapshot(), u.tarSize()));
        } catch (RuntimeException e) {
            lock.lock();
            try {
                inFlight.remove(chainId);
            } finally {
                lock.unlock();
            }
            mine.completeExceptionally(e);
            throw e;
        }
    }

    private record Unpacked(Stored stored, long tarSize) {
    }

    private Unpacked unpack(Digest chainId, Optional<Digest> parent, LayerBlob layer, Source source) {
        Path temp = dir.resolve(TEMP_PREFIX + UUID.randomUUID());
        try {
            Files.createDirectory(temp);
            Path fs = temp.resolve("fs");
            Files.createDirectory(fs);
            LinuxCalls.chmod(fs, 0755);
            TarRead read = apply(source, fs.toRealPath());
            Digest diffId = read.diffId();
            if (!diffId.equals(layer.diffId())) {
                throw new SnapshotException("layer " + layer.blob() + " uncompresses to " + diffId + ", not to its diff_id "
                        + layer.diffId() + "; the image is damaged: remove it and pull or load it again");
            }
            long size = DiffSize.of(fs);
            SnapshotJson meta = new SnapshotJson(SCHEMA_VERSION, chainId.toString(),
                    parent.map(Digest::toString).orElse(null), layer.diffId().toString(), layer.blob().toString(), size);
            AtomicFiles.write(temp.resolve(METADATA), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(meta));
            LinuxCalls.syncfs(temp);
            lock.lock();
            try {
                int number = Math.toIntExact(next++);
                Path target = dir.resolve(Integer.toString(number));
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
                AtomicFiles.syncDirectory(dir);
                return new Unpacked(new Stored(number, new Snapshot(chainId, parent, layer.diffId(), target.resolve("fs"), size)), read.size());
            } finally {
                lock.unlock();
            }
        } catch (SnapshotException e) {
            deleteQuietly(temp);
            throw new SnapshotException("cannot unpack layer " + layer.diffId() + ": " + e.getMessage(), e);
        } catch (BlobNotFoundException e) {
            deleteQuietly(temp);
            throw new SnapshotException("cannot unpack layer " + layer.diffId() + ": its blob " + layer.blob()
                    + " is not in the content store; pull or load the image again", e);
        } catch (IOException | RuntimeException e) {
            deleteQuietly(temp);
            throw new SnapshotException("cannot unpack layer " + layer.diffId() + " into " + dir + ": " + e.getMessage()
                    + "; check the data root's free space and permissions", e);
        }
    }

    /** Applies the layer's tar to {@code fs}; returns the digest and size of the whole uncompressed tar. */
    private TarRead apply(Source source, Path fs) throws IOException {
        try (InputStream raw = source.open()) {
            BufferedInputStream buffered = new BufferedInputStream(raw, 1 << 16);
            buffered.mark(4);
            byte[] magic = buffered.readNBytes(4);
            buffered.reset();
            InputStream tarBytes;
            if (magic.length >= 2 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b) {
                tarBytes = new GZIPInputStream(buffered, 1 << 16);
            } else if (magic.length == 4 && (magic[0] & 0xff) == 0x28 && (magic[1] & 0xff) == 0xb5
                    && (magic[2] & 0xff) == 0x2f && (magic[3] & 0xff) == 0xfd) {
                throw new SnapshotException("it is zstd-compressed, which skiff cannot unpack yet; use a "
                        + "gzip-compressed variant of the image");
            } else {
                tarBytes = buffered;
            }
            MessageDigest sha256 = Digest.Algorithm.SHA256.newMessageDigest();
            CountingInputStream counted = new CountingInputStream(tarBytes);
            DigestInputStream hashed = new DigestInputStream(counted, sha256);
            try {
                RecentTarBytes recent = new RecentTarBytes(hashed);
                TarArchiveInputStream tar = new TarArchiveInputStream(recent, StandardCharsets.UTF_8.name());
                new LayerApplier(fs, devicesAllowed).apply(tar, recent);
                hashed.transferTo(OutputStream.nullOutputStream()); // the end-of-archive blocks count too
            } catch (ZipException | java.io.EOFException e) {
                throw new SnapshotException("it is not a valid gzip stream or tar (" + e.getMessage() + ")", e);
            } catch (IllegalArgumentException e) {
                throw new SnapshotException("it is not a valid tar (" + e.getMessage() + ")", e);
            }
            return new TarRead(Digest.of(Digest.Algorithm.SHA256, sha256.digest()), counted.count);
        }
    }

    private static final class CountingInputStream extends java.io.FilterInputStream {
        long count;

        CountingInputStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b >= 0) {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            if (n > 0) {
                count += n;
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long skipped = in.skip(n);
            count += skipped;
            return skipped;
        }
    }

    private void recover() {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new SnapshotException("cannot create " + dir + ": " + e.getMessage()
                    + "; check that the data root exists and is writable", e);
        }
        AtomicFiles.removeTemporaries(dir);
        List<Path> entries = new ArrayList<>();
        try (DirectoryStream<Path> children = Files.newDirectoryStream(dir)) {
            children.forEach(entries::add);
        } catch (IOException e) {
            throw new SnapshotException("cannot list " + dir + ": " + e.getMessage(), e);
        }
        entries.sort(Comparator.comparing(p -> p.getFileName().toString()));
        long highest = 0;
        for (Path p : entries) {
            String name = p.getFileName().toString();
            if (name.startsWith(TEMP_PREFIX)) {
                LOG.log(System.Logger.Level.INFO, "removing " + p + ", left by an unpack or removal that did not finish");
                deleteQuietly(p);
            } else if (NUMBER.matcher(name).matches()) {
                int number = Integer.parseInt(name);
                highest = Math.max(highest, number);
                removeMetadataTemporaries(p);
                Optional<Snapshot> s = readMetadata(p);
                if (s.isEmpty() || committed.containsKey(s.get().chainId())) {
                    LOG.log(System.Logger.Level.WARNING, "removing snapshot " + p + ": "
                            + (s.isEmpty() ? "its metadata is missing or unreadable" : "it duplicates another"));
                    deleteQuietly(p);
                } else {
                    committed.put(s.get().chainId(), new Stored(number, s.get()));
                }
            } else {
                LOG.log(System.Logger.Level.WARNING, "ignoring " + p + ": not a snapshot");
            }
        }
        next = highest + 1;
    }

    /** What a crash while {@link #recordSize} rewrote the metadata left. */
    private static void removeMetadataTemporaries(Path snapshotDir) {
        if (Files.isDirectory(snapshotDir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            try {
                AtomicFiles.removeTemporaries(snapshotDir);
            } catch (java.io.UncheckedIOException e) {
                LOG.log(System.Logger.Level.WARNING, e.getMessage() + ": " + e.getCause().getMessage());
            }
        }
    }

    private static Optional<Snapshot> readMetadata(Path snapshotDir) {
        SnapshotJson m;
        Snapshot s;
        Path fs = snapshotDir.resolve("fs");
        try {
            m = JSON.readValue(snapshotDir.resolve(METADATA).toFile(), SnapshotJson.class);
            if (!Files.isDirectory(fs)) {
                return Optional.empty();
            }
            long size = measured(m) ? m.size() : DiffSize.of(fs);
            s = new Snapshot(Digest.parse(m.chainId()), Optional.ofNullable(m.parent()).map(Digest::parse),
                    Digest.parse(m.diffId()), fs, size);
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
        if (!measured(m)) {
            recordSize(snapshotDir, m, s.size());
        }
        return Optional.of(s);
    }

    /** Whether the metadata has a size; one that cannot be right is measured again. */
    private static boolean measured(SnapshotJson m) {
        return m.size() != null && m.size() >= 0;
    }

    /**
     * Adds the size to the metadata of a snapshot written before sizes were kept, so it is measured
     * once. When that cannot be written, the size is measured again at the next start.
     */
    private static void recordSize(Path snapshotDir, SnapshotJson m, long size) {
        SnapshotJson sized = new SnapshotJson(m.schemaVersion(), m.chainId(), m.parent(), m.diffId(), m.blob(), size);
        try {
            AtomicFiles.write(snapshotDir.resolve(METADATA), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(sized));
            LOG.log(System.Logger.Level.INFO, "recorded the size of snapshot " + snapshotDir + ", written before sizes were kept");
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot record the size of snapshot " + snapshotDir + " (measured again at "
                    + "the next start): " + e.getMessage());
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            if (Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                LayerApplier.removeTree(p);
            }
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot delete " + p + " (the next start tries again): " + e.getMessage());
        }
    }

    /** image-spec config.md: ChainID(L0) = DiffID(L0); ChainID(Ln) = sha256(ChainID(Ln-1) + " " + DiffID(Ln)). */
    public static List<Digest> chainIds(List<Digest> diffIds) {
        List<Digest> chain = new ArrayList<>(diffIds.size());
        Digest previous = null;
        for (Digest diffId : diffIds) {
            previous = previous == null ? diffId
                    : Digest.sha256((previous + " " + diffId).getBytes(StandardCharsets.US_ASCII));
            chain.add(previous);
        }
        return List.copyOf(chain);
    }
}
