package dev.skiff.engine.distribution;

import dev.skiff.engine.content.ContentException;
import dev.skiff.engine.content.ContentStore;
import dev.skiff.engine.content.ContentWriter;
import dev.skiff.engine.images.Image;
import dev.skiff.engine.images.ImageConflictException;
import dev.skiff.engine.images.ImageImporter;
import dev.skiff.engine.images.ImageNotFoundException;
import dev.skiff.engine.images.ImageStore;
import dev.skiff.engine.images.Layer;
import dev.skiff.engine.images.ParallelGzip;
import dev.skiff.formats.Descriptor;
import dev.skiff.formats.Digest;
import dev.skiff.formats.FormatException;
import dev.skiff.formats.ImageReference;
import dev.skiff.formats.Manifest;
import dev.skiff.formats.MediaTypes;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.function.Consumer;

/**
 * {@code docker push}: sends an image's layers (up to five at once), its config and its manifest to a
 * registry, as dockerd does. A blob the repository already has is not sent ({@code HEAD} → 200); one
 * known to be in another repository of the same registry is mounted from there; others go up in one
 * streaming {@code PATCH} and a closing {@code PUT ?digest=}. Uncompressed layers are gzipped here,
 * deterministically and on every core, and the result remembered, so every push of a layer sends the
 * same digest. An image pushed with the layers it was pulled or loaded with keeps its manifest bytes,
 * hence its digest.
 */
public final class ImagePusher {
    static final int CONCURRENT_UPLOADS = 5;
    private static final long PROGRESS_STEP = 512 * 1024;
    /** How many times a broken-off upload is resumed before the push gives up. */
    static final int UPLOAD_RESUMES = 3;

    private final ContentStore content;
    private final ImageStore images;
    private final DistributionMetadata metadata;
    private final RegistryHosts hosts;
    private final HttpClient http;
    private final int gzipThreads;

    public ImagePusher(ContentStore content, ImageStore images, DistributionMetadata metadata, RegistryHosts hosts) {
        this(content, images, metadata, hosts, RegistryClient.newHttpClient(), ParallelGzip.defaultThreads());
    }

    ImagePusher(ContentStore content, ImageStore images, DistributionMetadata metadata, RegistryHosts hosts, HttpClient http,
                int gzipThreads) {
        this.content = content;
        this.images = images;
        this.metadata = metadata;
        this.hosts = hosts;
        this.http = http;
        this.gzipThreads = gzipThreads;
    }

    /** What one tag's push left in the registry. */
    public record Pushed(String tag, Digest digest, long size) {
    }

    /**
     * Pushes {@code reference}'s tag, or every local tag of its repository when it has none (docker's
     * {@code push --all-tags}).
     *
     * @throws DistributionException with docker's wording when there is nothing to push, the registry
     *                               cannot be reached, or it refuses
     */
    public List<Pushed> push(ImageReference reference, Optional<Credentials> credentials, Consumer<PushProgress> listener) {
        if (reference.digest().isPresent()) {
            throw new DistributionException("cannot push a digest reference (" + reference.familiarString()
                    + "); push a tag, or the repository with --all-tags");
        }
        Consumer<PushProgress> progress = serialized(listener);
        progress.accept(new PushProgress.Repository(reference.repository()));
        Map<String, Image> tagged = new LinkedHashMap<>();
        if (reference.tag().isPresent()) {
            tagged.put(reference.tag().get().value(), resolve(reference, reference.toString()));
        } else {
            for (String tag : localTags(reference)) {
                tagged.put(tag, resolve(reference, reference.repository() + ":" + tag));
            }
            if (tagged.isEmpty()) {
                throw notLocal(reference);
            }
        }
        List<Pushed> done = new ArrayList<>();
        for (Map.Entry<String, Image> e : tagged.entrySet()) {
            done.add(pushTag(reference, e.getKey(), e.getValue(), credentials, progress));
        }
        return done;
    }

    private Image resolve(ImageReference reference, String full) {
        try {
            return images.resolve(full);
        } catch (ImageNotFoundException e) {
            throw notLocal(reference);
        }
    }

    private static DistributionException notLocal(ImageReference reference) {
        return new DistributionException("An image does not exist locally with the tag: " + reference.familiarName(), true, null);
    }

    private TreeSet<String> localTags(ImageReference reference) {
        TreeSet<String> tags = new TreeSet<>();
        for (Image image : images.list()) {
            for (String t : image.repoTags()) {
                try {
                    ImageReference r = ImageReference.parse(t);
                    if (r.repository().equals(reference.repository())) {
                        r.tag().ifPresent(tag -> tags.add(tag.value()));
                    }
                } catch (FormatException ignored) {
                    // a name the store holds is valid; nothing to push under a broken one anyway
                }
            }
        }
        return tags;
    }

    private Pushed pushTag(ImageReference reference, String tag, Image image, Optional<Credentials> credentials,
                           Consumer<PushProgress> progress) {
        String host = reference.registryHost();
        String repository = reference.repositoryPath().toString();
        boolean docker = image.manifest().map(m -> m.mediaType().equals(MediaTypes.DOCKER_MANIFEST)).orElse(false)
                || image.manifest().isEmpty();

        // distinct layers, top first, as docker lists them
        Map<Digest, Layer> distinct = new LinkedHashMap<>();
        for (Layer l : image.layers().reversed()) {
            distinct.putIfAbsent(l.diffId(), l);
        }
        distinct.keySet().forEach(d -> progress.accept(new PushProgress.Preparing(d)));
        Map<Digest, Descriptor> blobs = new LinkedHashMap<>();
        for (Layer l : distinct.values()) {
            blobs.put(l.diffId(), pushable(l, docker));
        }

        Set<String> mountFrom = new LinkedHashSet<>();
        Map<Digest, String> mountSource = new LinkedHashMap<>();
        for (Descriptor blob : blobs.values()) {
            metadata.sources(blob.digest()).reversed().stream()
                    .filter(s -> s.registry().equals(host) && !s.repository().equals(repository))
                    .findFirst().ifPresent(s -> {
                        mountFrom.add(s.repository());
                        mountSource.put(blob.digest(), s.repository());
                    });
        }
        List<String> scopes = new ArrayList<>();
        scopes.add("repository:" + repository + ":pull,push");
        mountFrom.forEach(r -> scopes.add("repository:" + r + ":pull"));
        RegistryClient registry = new RegistryClient(http, hosts, host, repository, credentials, scopes);
        ping(registry, reference);

        Semaphore slots = new Semaphore(CONCURRENT_UPLOADS);
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> futures = new ArrayList<>();
            for (Map.Entry<Digest, Descriptor> e : blobs.entrySet()) {
                Digest diffId = e.getKey();
                Descriptor blob = e.getValue();
                boolean waiting = !slots.tryAcquire();
                if (waiting) {
                    progress.accept(new PushProgress.Waiting(diffId));
                }
                futures.add(pool.submit(() -> {
                    if (waiting) {
                        slots.acquireUninterruptibly();
                    }
                    try {
                        pushLayer(registry, host, reference, diffId, blob, Optional.ofNullable(mountSource.get(blob.digest())), progress);
                    } finally {
                        slots.release();
                    }
                    return null;
                }));
            }
            await(futures, pool, reference);
        }

        Descriptor config = Descriptor.of(docker ? MediaTypes.DOCKER_CONFIG : MediaTypes.OCI_CONFIG, image.id(),
                content.size(image.id()).orElseThrow(() -> new DistributionException("the config of " + reference.familiarName()
                        + " is missing from the content store; pull, load or build the image again")));
        if (!exists(registry, config.digest(), reference)) {
            upload(registry, config, Optional.empty(), reference, "config", progress);
        }
        metadata.addSource(config.digest(), host, repository);

        ManifestBytes manifest = manifest(image, config, image.layers().stream().map(l -> blobs.get(l.diffId())).toList(), docker);
        HttpResponse<InputStream> response = registry.send("PUT", registry.uri("/manifests/" + tag),
                Map.of("Content-Type", manifest.mediaType()), () -> HttpRequest.BodyPublishers.ofByteArray(manifest.bytes()));
        byte[] body = RegistryClient.readAll(response);
        if (response.statusCode() / 100 != 2) {
            throw failure(registry, response.statusCode(), body, "manifest of " + reference.familiarName() + ":" + tag);
        }
        Digest digest = Digest.sha256(manifest.bytes());
        try {
            images.addRepoDigest(image.id(), reference.repository() + "@" + digest);
        } catch (ImageConflictException e) {
            // the digest already names another local image: keep that, the push itself succeeded
        }
        Pushed pushed = new Pushed(tag, digest, manifest.bytes().length);
        progress.accept(new PushProgress.Done(tag, digest, manifest.bytes().length));
        return pushed;
    }

    private void ping(RegistryClient registry, ImageReference reference) {
        HttpResponse<InputStream> response = registry.send("GET", URI.create(registry.base() + "/v2/"), Map.of(),
                HttpRequest.BodyPublishers::noBody);
        byte[] body = RegistryClient.readAll(response);
        if (response.statusCode() == 401 || response.statusCode() == 403) {
            throw failure(registry, response.statusCode(), body, "registry");
        }
        if (response.statusCode() / 100 != 2) {
            throw new DistributionException("the registry " + registry.base() + " does not speak the distribution API "
                    + "(GET /v2/ answered HTTP " + response.statusCode() + "); check the name " + reference.familiarName());
        }
    }

    private static void await(List<Future<?>> futures, ExecutorService pool, ImageReference reference) {
        try {
            for (Future<?> f : futures) {
                f.get();
            }
        } catch (ExecutionException e) {
            pool.shutdownNow();
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new DistributionException("pushing " + reference.familiarName() + " failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            pool.shutdownNow();
            Thread.currentThread().interrupt();
            throw new DistributionException("the push of " + reference.familiarName() + " was interrupted", e);
        }
    }

    // ---- layers

    /** The blob to send for a layer: the stored one when compressed, else its deterministic gzip. */
    private Descriptor pushable(Layer layer, boolean docker) {
        String type = layer.blob().mediaType();
        boolean compressed = type.endsWith("gzip") || type.endsWith("zstd");
        Descriptor blob;
        if (!content.contains(layer.blob().digest())) {
            throw new DistributionException("layer " + layer.diffId() + " (blob " + layer.blob().digest()
                    + ") is missing from the content store; pull, load or build the image again before pushing it");
        }
        if (compressed) {
            blob = layer.blob();
        } else {
            blob = metadata.compressed(layer.diffId()).filter(d -> content.contains(d.digest()))
                    .orElseGet(() -> compress(layer));
        }
        return Descriptor.of(layerType(blob.mediaType(), docker), blob.digest(), blob.size());
    }

    /** The media type in the manifest's family: Docker's names in a Docker manifest, OCI's in an OCI one. */
    private static String layerType(String type, boolean docker) {
        boolean gzip = type.endsWith("gzip");
        boolean zstd = type.endsWith("zstd");
        if (type.contains("foreign") || (!gzip && !zstd)) {
            return type;
        }
        if (docker) {
            return gzip ? MediaTypes.DOCKER_LAYER_GZIP : type;
        }
        return gzip ? MediaTypes.OCI_LAYER_GZIP : MediaTypes.OCI_LAYER_ZSTD;
    }

    private Descriptor compress(Layer layer) {
        try (InputStream in = content.open(layer.blob().digest()); ContentWriter writer = content.writer()) {
            ParallelGzip.compress(in, writer, gzipThreads);
            Digest digest = writer.commit(Optional.empty(), Optional.empty());
            Descriptor blob = Descriptor.of(MediaTypes.DOCKER_LAYER_GZIP, digest, writer.size());
            metadata.recordCompressed(layer.diffId(), blob);
            return blob;
        } catch (IOException | UncheckedIOException | ContentException e) {
            throw new DistributionException("cannot compress layer " + layer.diffId() + " for the push: " + e.getMessage()
                    + "; check the data root's free space", e);
        }
    }

    private void pushLayer(RegistryClient registry, String host, ImageReference reference, Digest diffId, Descriptor blob,
                           Optional<String> mountFrom, Consumer<PushProgress> progress) {
        if (exists(registry, blob.digest(), reference)) {
            metadata.addSource(blob.digest(), host, registry.repository());
            progress.accept(new PushProgress.AlreadyExists(diffId));
            return;
        }
        Optional<URI> session = Optional.empty();
        if (mountFrom.isPresent()) {
            HttpResponse<InputStream> response = registry.send("POST", registry.uri("/blobs/uploads/?mount="
                    + encode(blob.digest().toString()) + "&from=" + encode(mountFrom.get())), Map.of(), HttpRequest.BodyPublishers::noBody);
            byte[] body = RegistryClient.readAll(response);
            if (response.statusCode() == 201) {
                metadata.addSource(blob.digest(), host, registry.repository());
                progress.accept(new PushProgress.Mounted(diffId, mountFrom.get()));
                return;
            }
            if (response.statusCode() != 202) {
                throw failure(registry, response.statusCode(), body, "layer " + PushProgress.shortId(diffId));
            }
            session = Optional.of(location(registry, response));
        }
        upload(registry, blob, session, reference, "layer " + PushProgress.shortId(diffId), progress, diffId);
        metadata.addSource(blob.digest(), host, registry.repository());
        progress.accept(new PushProgress.Pushed(diffId));
    }

    private boolean exists(RegistryClient registry, Digest digest, ImageReference reference) {
        HttpResponse<InputStream> response = registry.send("HEAD", registry.uri("/blobs/" + digest), Map.of(),
                HttpRequest.BodyPublishers::noBody);
        byte[] body = RegistryClient.readAll(response);
        return switch (response.statusCode()) {
            case 200 -> true;
            case 404 -> false;
            default -> throw failure(registry, response.statusCode(), body, "blob " + digest + " of " + reference.familiarName());
        };
    }

    private void upload(RegistryClient registry, Descriptor blob, Optional<URI> session, ImageReference reference, String what,
                        Consumer<PushProgress> progress) {
        upload(registry, blob, session, reference, what, progress, null);
    }

    /** POST (unless a session is open), one streaming PATCH of the whole blob, then PUT ?digest=. */
    private void upload(RegistryClient registry, Descriptor blob, Optional<URI> session, ImageReference reference, String what,
                        Consumer<PushProgress> progress, Digest reportAs) {
        URI location;
        if (session.isPresent()) {
            location = session.get();
        } else {
            HttpResponse<InputStream> started = registry.send("POST", registry.uri("/blobs/uploads/"), Map.of(),
                    HttpRequest.BodyPublishers::noBody);
            byte[] body = RegistryClient.readAll(started);
            if (started.statusCode() != 202) {
                throw failure(registry, started.statusCode(), body, what);
            }
            location = location(registry, started);
        }
        URI next = patch(registry, location, blob, what, progress, reportAs);
        URI put = URI.create(next + (next.getRawQuery() == null ? "?" : "&") + "digest=" + encode(blob.digest().toString()));
        HttpResponse<InputStream> committed = registry.send("PUT", put, Map.of(), HttpRequest.BodyPublishers::noBody);
        byte[] putBody = RegistryClient.readAll(committed);
        if (committed.statusCode() / 100 != 2) {
            throw failure(registry, committed.statusCode(), putBody, what);
        }
    }

    /**
     * The blob's bytes, in one streaming PATCH; answers where the upload goes on. When the connection
     * breaks off, the upload session is asked how much it kept ({@code GET} of its Location, answered
     * with {@code Range: 0-N}) and the rest is sent with a {@code Content-Range}, as the distribution
     * spec allows, a few times over; then the push fails naming the blob and the registry.
     */
    private URI patch(RegistryClient registry, URI location, Descriptor blob, String what, Consumer<PushProgress> progress,
                      Digest reportAs) {
        Resume at = new Resume(0, location);
        for (int attempt = 0; ; attempt++) {
            long from = at.offset();
            if (from == blob.size() && from > 0) {
                return at.location(); // it all arrived; only the answer was lost
            }
            Map<String, String> headers = new LinkedHashMap<>();
            headers.put("Content-Type", "application/octet-stream");
            boolean resumed = attempt > 0; // a resumed chunk says where it starts: the registry refuses it if that is wrong
            if (resumed) {
                headers.put("Content-Range", from + "-" + (blob.size() - 1));
            }
            try {
                HttpResponse<InputStream> patched = registry.send("PATCH", at.location(), headers, () -> {
                    HttpRequest.BodyPublisher body = HttpRequest.BodyPublishers.ofInputStream(() -> {
                        InputStream in = content.open(blob.digest());
                        try {
                            in.skipNBytes(from);
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                        return reportAs == null ? in : new ProgressInputStream(in, reportAs, from, blob.size(), progress);
                    });
                    return resumed ? HttpRequest.BodyPublishers.fromPublisher(body, blob.size() - from) : body;
                });
                byte[] body = RegistryClient.readAll(patched);
                if (patched.statusCode() / 100 != 2) {
                    throw failure(registry, patched.statusCode(), body, what);
                }
                return patched.headers().firstValue("Location").map(registry::location).orElse(at.location());
            } catch (DistributionException e) {
                if (!(e.getCause() instanceof IOException broken)) {
                    throw e;
                }
                String why = RegistryClient.describe(broken);
                if (attempt == UPLOAD_RESUMES) {
                    throw brokeOff(registry, what, why);
                }
                URI current = at.location();
                at = resume(registry, current).filter(r -> r.offset() <= blob.size())
                        .orElseThrow(() -> brokeOff(registry, what, why));
                System.getLogger(ImagePusher.class.getName()).log(System.Logger.Level.INFO, "the upload of " + what + " to "
                        + registry.base() + " broke off (" + why + "); resuming from byte " + at.offset());
            }
        }
    }

    private static DistributionException brokeOff(RegistryClient registry, String what, String why) {
        return new DistributionException("the upload of " + what + " to " + registry.base().replaceFirst("^https?://", "")
                + " broke off: " + why + "; check the network to the registry and push again");
    }

    /** Where a broken-off upload goes on: how many bytes the session holds, and its current Location. */
    private record Resume(long offset, URI location) {
    }

    /** The upload session's state, from its {@code Range: 0-N}; empty when the registry cannot say. */
    private static Optional<Resume> resume(RegistryClient registry, URI location) {
        try {
            HttpResponse<InputStream> status = registry.send("GET", location, Map.of(), HttpRequest.BodyPublishers::noBody);
            RegistryClient.readAll(status);
            if (status.statusCode() != 204 && status.statusCode() != 200) {
                return Optional.empty();
            }
            Optional<String> range = status.headers().firstValue("Range");
            if (range.isEmpty()) {
                return Optional.empty();
            }
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?:bytes=)?0-(\\d+)").matcher(range.get().strip());
            if (!m.matches()) {
                return Optional.empty();
            }
            long end = Long.parseLong(m.group(1));
            URI next = status.headers().firstValue("Location").map(registry::location).orElse(location);
            // "0-0" is what distribution says of an empty upload as well as of a one-byte one: start over
            return Optional.of(new Resume(end == 0 ? 0 : end + 1, next));
        } catch (DistributionException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static URI location(RegistryClient registry, HttpResponse<InputStream> response) {
        String location = response.headers().firstValue("Location").orElseThrow(() -> new DistributionException(
                "the registry " + registry.base() + " started an upload without telling where (no Location header)"));
        try {
            return registry.location(location);
        } catch (IllegalArgumentException e) {
            throw new DistributionException("the registry " + registry.base() + " sent an invalid upload Location: " + location, e);
        }
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    // ---- manifest

    private record ManifestBytes(String mediaType, byte[] bytes) {
    }

    /**
     * The stored manifest when it describes exactly what was pushed (so a pulled, loaded or imported
     * image keeps its digest); otherwise a new one in the same family.
     */
    private ManifestBytes manifest(Image image, Descriptor config, List<Descriptor> layers, boolean docker) {
        if (image.manifest().isPresent() && content.contains(image.manifest().get().digest())) {
            Descriptor stored = image.manifest().get();
            byte[] bytes = content.read(stored.digest());
            try {
                if (Manifest.parse(bytes, Optional.of(stored.mediaType())) instanceof Manifest.Image m
                        && m.config().digest().equals(config.digest())
                        && m.layers().stream().map(Descriptor::digest).toList().equals(layers.stream().map(Descriptor::digest).toList())) {
                    return new ManifestBytes(m.mediaType(), bytes);
                }
            } catch (FormatException ignored) {
                // not usable as it is: write a new one
            }
        }
        String type = docker ? MediaTypes.DOCKER_MANIFEST : MediaTypes.OCI_MANIFEST;
        return new ManifestBytes(type, ImageImporter.manifest(type, config, layers.toArray(Descriptor[]::new)));
    }

    // ---- errors

    /** The registry's own words, as docker shows them: {@code denied: requested access to the resource is denied}. */
    private static DistributionException failure(RegistryClient registry, int status, byte[] body, String what) {
        Optional<String> said = RegistryClient.ErrorBody.describe(body);
        if (status == 401) {
            return new DistributionException(said.orElse("unauthorized: authentication required")
                    + " (log in to " + registry.base().replaceFirst("^https?://", "") + " with docker login)");
        }
        if (status == 403) {
            return new DistributionException(said.orElse("denied: requested access to the resource is denied"));
        }
        return new DistributionException("the registry " + registry.base() + " refused the " + what + ": "
                + said.orElse("HTTP " + status));
    }

    private static Consumer<PushProgress> serialized(Consumer<PushProgress> listener) {
        Object lock = new Object();
        return p -> {
            synchronized (lock) {
                listener.accept(p);
            }
        };
    }

    /** Reports Pushing every {@link #PROGRESS_STEP} bytes and at the end. */
    private static final class ProgressInputStream extends java.io.FilterInputStream {
        private final Digest diffId;
        private final long total;
        private final Consumer<PushProgress> progress;
        private long count;
        private long reported;

        ProgressInputStream(InputStream in, Digest diffId, long from, long total, Consumer<PushProgress> progress) {
            super(in);
            this.count = from;
            this.reported = from;
            this.diffId = diffId;
            this.total = total;
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
                if (count - reported >= PROGRESS_STEP || count == total) {
                    reported = count;
                    progress.accept(new PushProgress.Pushing(diffId, count, total));
                }
            }
            return n;
        }
    }
}
