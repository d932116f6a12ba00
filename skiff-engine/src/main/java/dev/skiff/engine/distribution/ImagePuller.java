package dev.skiff.engine.distribution;

import dev.skiff.engine.EngineException;
import dev.skiff.engine.content.ContentException;
import dev.skiff.engine.content.ContentStore;
import dev.skiff.engine.content.ContentWriter;
import dev.skiff.engine.images.Image;
import dev.skiff.engine.images.ImageConfig;
import dev.skiff.engine.images.ImageConfigCodec;
import dev.skiff.engine.images.ImageStore;
import dev.skiff.engine.images.Layer;
import dev.skiff.engine.images.LayerUnpacker;
import dev.skiff.formats.Descriptor;
import dev.skiff.formats.Digest;
import dev.skiff.formats.FormatException;
import dev.skiff.formats.ImageReference;
import dev.skiff.formats.Manifest;
import dev.skiff.formats.MediaTypes;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import java.util.zip.GZIPInputStream;

/**
 * {@code docker pull}: resolves a reference to a manifest (choosing this machine's platform from an
 * index), downloads the config and the layers concurrently into the content store, verifying every
 * digest and every layer's diff_id before a blob is committed, unpacks each layer (through the image
 * store's unpacker) as soon as it and the layers below it are in, then records, tags and digests the image.
 * Nothing is reported before the manifest is found, so a caller can still answer a missing image with
 * a plain error.
 */
public final class ImagePuller {
    static final List<String> MANIFEST_ACCEPT = List.of(MediaTypes.OCI_MANIFEST, MediaTypes.DOCKER_MANIFEST,
            MediaTypes.DOCKER_MANIFEST_LIST, MediaTypes.OCI_INDEX);
    private static final long PROGRESS_STEP = 512 * 1024;

    private final ContentStore content;
    private final ImageStore images;
    private final HttpClient http;
    private final String os;
    private final String architecture;
    private final Optional<DistributionMetadata> metadata;
    private final RegistryHosts hosts;

    public ImagePuller(ContentStore content, ImageStore images) {
        this(content, images, RegistryClient.newHttpClient(), "linux", PlatformChooser.hostArchitecture());
    }

    /** A puller that remembers where blobs came from (so a push can mount them) and knows the insecure registries. */
    public ImagePuller(ContentStore content, ImageStore images, DistributionMetadata metadata, RegistryHosts hosts) {
        this(content, images, RegistryClient.newHttpClient(), "linux", PlatformChooser.hostArchitecture(), Optional.of(metadata), hosts);
    }

    ImagePuller(ContentStore content, ImageStore images, HttpClient http, String os, String architecture) {
        this(content, images, http, os, architecture, Optional.empty(), RegistryHosts.DEFAULT);
    }

    ImagePuller(ContentStore content, ImageStore images, HttpClient http, String os, String architecture,
                Optional<DistributionMetadata> metadata, RegistryHosts hosts) {
        this.content = content;
        this.images = images;
        this.http = http;
        this.os = os;
        this.architecture = architecture;
        this.metadata = metadata;
        this.hosts = hosts;
    }

    /**
     * Pulls {@code ref} (tagged {@code latest} when it has neither tag nor digest).
     *
     * @throws DistributionException with {@link DistributionException#notFound()} when the registry has no such manifest
     */
    public Image pull(ImageReference reference, Optional<Credentials> credentials, Consumer<PullProgress> listener) {
        ImageReference ref = reference.withDefaultTag();
        Consumer<PullProgress> progress = serialized(listener);
        String name = ref.familiarString();
        String repository = ref.repositoryPath().toString();
        RegistryClient registry = new RegistryClient(http, hosts, ref.registryHost(), repository, credentials,
                List.of("repository:" + repository + ":pull"));
        String tagOrDigest = ref.digest().map(Digest::toString).orElseGet(() -> ref.tag().orElseThrow().toString());

        Fetched top = fetchManifest(registry, tagOrDigest, name, ref.digest());
        progress.accept(new PullProgress.Resolving(registry.repository(), ref.digest().isPresent() ? tagOrDigest : ref.tag().orElseThrow().toString()));
        Fetched chosen = top;
        if (top.manifest() instanceof Manifest.Index index) {
            Descriptor entry = PlatformChooser.choose(index, os, architecture, name);
            chosen = fetchManifest(registry, entry.digest().toString(), name, Optional.of(entry.digest()));
            if (!(chosen.manifest() instanceof Manifest.Image)) {
                throw new DistributionException("the " + entry.platform().orElseThrow() + " entry of " + name
                        + " is not an image manifest but " + chosen.manifest().mediaType());
            }
            store(top.bytes(), top.digest());
        }
        Manifest.Image manifest = (Manifest.Image) chosen.manifest();

        Digest configDigest = manifest.config().digest();
        if (!content.contains(configDigest)) {
            downloadSmall(registry, manifest.config(), name);
        }
        ImageConfig config;
        try {
            config = ImageConfigCodec.parse(content.read(configDigest));
        } catch (FormatException e) {
            throw new DistributionException("the config " + configDigest + " of " + name + " is not a valid image config: " + e.getMessage(), e);
        }
        if (!config.os().isEmpty() && !config.os().equals(os)) {
            throw new DistributionException("image " + name + " is for " + config.os() + "/" + config.architecture()
                    + ", which cannot run here; pull an image for " + os + "/" + architecture);
        }
        if (config.diffIds().size() != manifest.layers().size()) {
            throw new DistributionException("image " + name + " is inconsistent: its manifest has " + manifest.layers().size()
                    + " layers but its config " + config.diffIds().size() + " diff_ids");
        }
        for (Descriptor layer : manifest.layers()) {
            if (!isLayerMediaType(layer.mediaType())) {
                throw new DistributionException("image " + name + " has a layer " + layer.digest() + " of media type '" + layer.mediaType()
                        + "', which is not a filesystem layer skiff knows (an artifact, not an image?); nothing was stored");
            }
            if (layer.mediaType().endsWith("+zstd") || layer.mediaType().endsWith(".zstd")) {
                throw new DistributionException("image " + name + " has a zstd-compressed layer (" + layer.digest()
                        + "), which skiff cannot unpack yet; pull a gzip-compressed variant of the image");
            }
        }

        List<Layer> layers = downloadLayers(registry, manifest.layers(), config.diffIds(), name, progress);
        store(chosen.bytes(), chosen.digest());
        Image image = images.put(configDigest, Optional.of(Descriptor.of(manifest.mediaType(), chosen.digest(), chosen.bytes().length)), layers);

        boolean downloaded = true;
        if (ref.tag().isPresent() && ref.digest().isEmpty()) {
            String familiarTag = ref.familiarString();
            downloaded = !image.repoTags().contains(familiarTag);
            images.tag(image.id(), ref.toString());
        }
        String canonical = ref.repository() + "@" + top.digest();
        downloaded |= !image.repoDigests().contains(new ImageReference(ref.domain(), ref.path(), Optional.empty(), Optional.of(top.digest())).familiarString());
        images.addRepoDigest(image.id(), canonical);
        metadata.ifPresent(m -> {
            m.addSource(configDigest, ref.registryHost(), repository);
            layers.forEach(l -> m.addSource(l.blob().digest(), ref.registryHost(), repository));
        });
        progress.accept(new PullProgress.Digest(top.digest()));
        progress.accept(new PullProgress.Status(downloaded, ref.familiarString()));
        return images.byId(image.id()).orElse(image);
    }

    /** OCI and Docker layer types, distributable or not; their compression is told by the bytes. */
    static boolean isLayerMediaType(String mediaType) {
        return mediaType.startsWith("application/vnd.oci.image.layer.v1.tar")
                || mediaType.startsWith("application/vnd.oci.image.layer.nondistributable.v1.tar")
                || mediaType.startsWith("application/vnd.docker.image.rootfs.diff.tar")
                || mediaType.startsWith("application/vnd.docker.image.rootfs.foreign.diff.tar");
    }

    private static Consumer<PullProgress> serialized(Consumer<PullProgress> listener) {
        Object lock = new Object();
        return p -> {
            synchronized (lock) {
                listener.accept(p);
            }
        };
    }

    private record Fetched(byte[] bytes, Digest digest, Manifest manifest) {
    }

    private Fetched fetchManifest(RegistryClient registry, String reference, String name, Optional<Digest> expected) {
        HttpResponse<InputStream> response = registry.get("manifests", reference, MANIFEST_ACCEPT);
        byte[] body = RegistryClient.readAll(response);
        if (response.statusCode() == 404) {
            throw new DistributionException("manifest for " + name + " not found: "
                    + RegistryClient.ErrorBody.describe(body).orElse("manifest unknown"), true, null);
        }
        if (response.statusCode() / 100 != 2) {
            throw failure(response.statusCode(), body, "manifest " + reference + " of " + name);
        }
        Digest digest = expected.orElseGet(() -> response.headers().firstValue("Docker-Content-Digest")
                .filter(Digest::isValid).map(Digest::parse).orElseGet(() -> Digest.sha256(body)));
        if (!digest.matches(body)) {
            throw new DistributionException("the manifest of " + name + " does not match its digest " + digest
                    + "; the registry sent damaged content, pull again");
        }
        try {
            return new Fetched(body, digest, Manifest.parse(body, response.headers().firstValue("Content-Type")));
        } catch (FormatException e) {
            throw new DistributionException("the manifest of " + name + " cannot be used: " + e.getMessage(), e);
        }
    }

    private static DistributionException failure(int status, byte[] body, String what) {
        String detail = RegistryClient.ErrorBody.describe(body).orElse("HTTP " + status);
        if (status == 401 || status == 403) {
            return new DistributionException("pull access denied for " + what + ": " + detail
                    + "; the repository does not exist or may require 'docker login'");
        }
        return new DistributionException("the registry could not serve the " + what + ": " + detail);
    }

    private void store(byte[] bytes, Digest digest) {
        if (content.contains(digest)) {
            return;
        }
        try (ContentWriter w = content.writer(digest.algorithm())) {
            w.write(bytes);
            w.commit(Optional.of(digest), Optional.of((long) bytes.length));
        } catch (IOException e) {
            throw new DistributionException("cannot store blob " + digest + ": " + e.getMessage(), e);
        }
    }

    private void downloadSmall(RegistryClient registry, Descriptor blob, String name) {
        HttpResponse<InputStream> response = registry.get("blobs", blob.digest().toString(), List.of());
        if (response.statusCode() / 100 != 2) {
            throw failure(response.statusCode(), RegistryClient.readAll(response), "blob " + blob.digest() + " of " + name);
        }
        byte[] body = RegistryClient.readAll(response);
        try {
            store(body, blob.digest());
        } catch (ContentException e) {
            throw new DistributionException("image " + name + ": blob " + blob.digest() + " is damaged: " + e.getMessage(), e);
        }
    }

    private List<Layer> downloadLayers(RegistryClient registry, List<Descriptor> blobs, List<Digest> diffIds, String name,
                                       Consumer<PullProgress> progress) {
        List<Boolean> present = new ArrayList<>();
        for (Descriptor blob : blobs) {
            boolean have = content.contains(blob.digest());
            present.add(have);
            progress.accept(have ? new PullProgress.AlreadyExists(blob.digest()) : new PullProgress.LayerWaiting(blob.digest()));
        }
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Layer>> futures = new ArrayList<>();
            for (int i = 0; i < blobs.size(); i++) {
                Descriptor blob = blobs.get(i);
                Digest diffId = diffIds.get(i);
                boolean have = present.get(i);
                List<Digest> upToThis = diffIds.subList(0, i + 1);
                futures.add(pool.submit(() -> have ? existingLayer(blob, diffId, name) : downloadLayer(registry, blob, upToThis, name, progress)));
            }
            List<Layer> layers = new ArrayList<>();
            try {
                for (Future<Layer> f : futures) {
                    layers.add(f.get());
                    images.unpackLayers(layers); // this one while the layers above still download
                }
            } catch (RuntimeException e) {
                pool.shutdownNow();
                throw e;
            } catch (ExecutionException e) {
                pool.shutdownNow();
                if (e.getCause() instanceof RuntimeException r) {
                    throw r;
                }
                throw new DistributionException("pulling " + name + " failed: " + e.getCause(), e.getCause());
            } catch (InterruptedException e) {
                pool.shutdownNow();
                Thread.currentThread().interrupt();
                throw new DistributionException("the pull of " + name + " was interrupted", e);
            }
            return layers;
        }
    }

    /** A layer blob we already have: its diff_id is checked and its uncompressed size measured from the local copy. */
    private Layer existingLayer(Descriptor blob, Digest diffId, String name) {
        try (InputStream in = content.open(blob.digest())) {
            Uncompressed u = uncompress(in, blob, name);
            checkDiffId(u, diffId, blob, name);
            return new Layer(blob, diffId, u.size());
        } catch (IOException e) {
            throw new DistributionException("image " + name + ": the local copy of layer " + blob.digest() + " cannot be read: " + e.getMessage(), e);
        }
    }

    /**
     * Downloads a layer into the content store and, in the same pass, unpacks it into its snapshot:
     * the bytes are decompressed once, as they arrive. When the layer is unpacked already (or another
     * pull is unpacking it) the download is only hashed.
     */
    private Layer downloadLayer(RegistryClient registry, Descriptor blob, List<Digest> diffIds, String name, Consumer<PullProgress> progress) {
        Digest diffId = diffIds.getLast();
        HttpResponse<InputStream> response = registry.get("blobs", blob.digest().toString(), List.of());
        if (response.statusCode() / 100 != 2) {
            throw failure(response.statusCode(), RegistryClient.readAll(response), "blob " + blob.digest() + " of " + name);
        }
        try (InputStream body = new ResumingInputStream(response.body(), blob.size(), offset -> registry.blobFrom(blob.digest().toString(), offset));
             ContentWriter writer = content.writer(blob.digest().algorithm())) {
            DownloadStream download = new DownloadStream(new ProgressInputStream(body, blob, progress));
            RawTee tee = new RawTee(download, writer);
            Uncompressed u;
            Optional<LayerUnpacker.Streamed> streamed;
            try {
                streamed = images.unpackFrom(diffIds, blob.digest(), tee);
            } catch (EngineException e) {
                if (download.failure != null) {
                    throw download.failure; // the network's fault, not the layer's
                }
                throw new DistributionException("image " + name + ": layer " + blob.digest() + ": " + e.getMessage(), e);
            }
            if (streamed.isPresent()) {
                tee.transferTo(java.io.OutputStream.nullOutputStream()); // whatever follows the tar is part of the blob
                u = new Uncompressed(streamed.get().diffId(), streamed.get().size());
            } else {
                u = uncompress(tee, blob, name);
            }
            progress.accept(new PullProgress.Verifying(blob.digest()));
            checkDiffId(u, diffId, blob, name);
            try {
                writer.commit(Optional.of(blob.digest()), Optional.of(blob.size()));
            } catch (ContentException e) {
                throw new DistributionException("image " + name + ": layer " + blob.digest() + " is damaged: " + e.getMessage(), e);
            }
            progress.accept(new PullProgress.DownloadComplete(blob.digest()));
            progress.accept(new PullProgress.PullComplete(blob.digest()));
            return new Layer(blob, diffId, u.size());
        } catch (IOException e) {
            throw new DistributionException("image " + name + ": downloading layer " + blob.digest() + " failed: "
                    + RegistryClient.describe(e) + "; pull again", e);
        }
    }

    /** The download's bytes, remembering a read failure so it is not mistaken for a damaged layer. */
    private static final class DownloadStream extends java.io.FilterInputStream {
        IOException failure;

        DownloadStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            try {
                return in.read();
            } catch (IOException e) {
                failure = e;
                throw e;
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                return in.read(b, off, len);
            } catch (IOException e) {
                failure = e;
                throw e;
            }
        }
    }

    private static void checkDiffId(Uncompressed u, Digest diffId, Descriptor blob, String name) {
        if (!u.diffId().equals(diffId)) {
            throw new DistributionException("image " + name + ": layer " + blob.digest() + " uncompresses to " + u.diffId()
                    + ", not to the config's diff_id " + diffId + "; the image is damaged in the registry");
        }
    }

    private record Uncompressed(Digest diffId, long size) {
    }

    /**
     * Reads the whole blob once (a download goes on to the content writer through its tee); the
     * uncompressed tar is hashed and counted. A blob that is not gzip is taken to be a plain tar.
     */
    private static Uncompressed uncompress(InputStream in, Descriptor blob, String name) throws IOException {
        BufferedInputStream buffered = new BufferedInputStream(in, 1 << 16);
        buffered.mark(4);
        byte[] magic = buffered.readNBytes(4);
        buffered.reset();
        InputStream tar;
        if (magic.length >= 2 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b) {
            tar = new GZIPInputStream(buffered, 1 << 16);
        } else if (magic.length == 4 && (magic[0] & 0xff) == 0x28 && (magic[1] & 0xff) == 0xb5 && (magic[2] & 0xff) == 0x2f
                && (magic[3] & 0xff) == 0xfd) {
            throw new DistributionException("image " + name + ": layer " + blob.digest() + " is zstd-compressed, which skiff cannot unpack yet; "
                    + "pull a gzip-compressed variant of the image");
        } else {
            tar = buffered;
        }
        MessageDigest hash = Digest.Algorithm.SHA256.newMessageDigest();
        long size = 0;
        byte[] buf = new byte[1 << 16];
        try {
            for (int n; (n = tar.read(buf)) > 0; ) {
                hash.update(buf, 0, n);
                size += n;
            }
        } catch (java.util.zip.ZipException | java.io.EOFException e) {
            throw new DistributionException("image " + name + ": layer " + blob.digest() + " is not a valid gzip stream (" + e.getMessage()
                    + "); the image is damaged in the registry", e);
        }
        // whatever follows the gzip stream is part of the blob and of its digest
        buffered.transferTo(java.io.OutputStream.nullOutputStream());
        return new Uncompressed(Digest.of(Digest.Algorithm.SHA256, hash.digest()), size);
    }

    /** Copies every byte read to the raw sink. */
    private static final class RawTee extends java.io.FilterInputStream {
        private final java.io.OutputStream sink;

        RawTee(InputStream in, java.io.OutputStream sink) {
            super(in);
            this.sink = sink;
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b >= 0) {
                sink.write(b);
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            if (n > 0) {
                sink.write(b, off, n);
            }
            return n;
        }

        @Override
        public boolean markSupported() {
            return false;
        }
    }

    /** Reports Downloading every {@link #PROGRESS_STEP} bytes and at the end. */
    private static final class ProgressInputStream extends java.io.FilterInputStream {
        private final Descriptor blob;
        private final Consumer<PullProgress> progress;
        private long count;
        private long reported;
        private boolean done;

        ProgressInputStream(InputStream in, Descriptor blob, Consumer<PullProgress> progress) {
            super(in);
            this.blob = blob;
            this.progress = progress;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            if (n > 0) {
                count += n;
                if (count - reported >= PROGRESS_STEP || count == blob.size()) {
                    reported = count;
                    progress.accept(new PullProgress.Downloading(blob.digest(), count, blob.size()));
                }
            } else if (n < 0 && !done && count != reported) {
                done = true;
                reported = count;
                progress.accept(new PullProgress.Downloading(blob.digest(), count, blob.size()));
            }
            return n;
        }

        @Override
        public boolean markSupported() {
            return false;
        }
    }
}
