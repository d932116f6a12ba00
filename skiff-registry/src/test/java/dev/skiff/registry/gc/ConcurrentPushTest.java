package dev.skiff.registry.gc;

import dev.skiff.formats.Digest;
import dev.skiff.formats.RepositoryName;
import dev.skiff.formats.Tag;
import dev.skiff.registry.storage.RegistryLayout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static dev.skiff.registry.gc.TestRegistry.repo;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Pushes that race a collection, following the store layer's protocol, must never leave a
 * manifest whose blobs are gone. The collector runs with no grace period so that only the lock
 * and the re-check under it protect the pushes.
 */
@Timeout(120)
class ConcurrentPushTest {
    private static final RepositoryName REPO = repo("race/app");
    private static final Duration TIME_BUDGET = Duration.ofSeconds(8);
    private static final int ROUNDS = 40;
    private static final int ORPHANS = 150;

    @TempDir
    Path temp;

    @Test
    void pushesDuringCollectionNeverLoseBlobs() throws Exception {
        race(false);
    }

    @Test
    void pushesDuringCollectionOfUntaggedManifestsNeverLoseBlobs() throws Exception {
        race(true);
    }

    private void race(boolean deleteUntagged) throws Exception {
        Instant deadline = Instant.now().plus(TIME_BUDGET);
        int pushed = 0;
        int refused = 0;
        long deleted = 0;
        for (int round = 0; round < ROUNDS && Instant.now().isBefore(deadline); round++) {
            TestRegistry registry = new TestRegistry(temp.resolve("round-" + round));
            List<Digest> old = new ArrayList<>();
            List<Digest> untagged = new ArrayList<>();
            for (int i = 0; i < ORPHANS; i++) {
                old.add(registry.layer(REPO, "orphan"));
            }
            for (int i = 0; i < 10; i++) {
                Digest image = registry.ociImage(REPO, "old untagged");
                untagged.add(image);
            }
            registry.tag(REPO, "stable", registry.ociImage(REPO, "stable"));
            registry.ageEverything(Instant.now().minus(Duration.ofDays(1)));

            CollectionLock lock = CollectionLock.forFileSystem(registry.driver.root());
            Pusher pusher = new Pusher(registry, lock, old, untagged, new Random(round));
            AtomicBoolean collecting = new AtomicBoolean(true);
            CompletableFuture<Void> pushing = CompletableFuture.runAsync(() -> pusher.pushWhile(collecting),
                    task -> Thread.ofPlatform().name("pusher").start(task));
            GcReport report;
            try {
                report = new GarbageCollector(registry.driver, lock,
                        GcOptions.defaults().withGracePeriod(Duration.ZERO).withBatchSize(3)
                                .withDeleteUntagged(deleteUntagged),
                        InstantSource.system()).run();
            } finally {
                collecting.set(false);
            }
            pushing.get(30, TimeUnit.SECONDS);

            assertEveryManifestIsWhole(registry);
            pushed += pusher.pushed;
            refused += pusher.refused;
            deleted += report.blobsDeleted();
        }
        System.out.printf("race (deleteUntagged=%s): %d pushes, %d refused as blob unknown, %d blobs deleted%n",
                deleteUntagged, pushed, refused, deleted);
        assertThat(pushed).as("pushes that succeeded while collecting").isPositive();
        assertThat(deleted).as("blobs deleted while pushing").isPositive();
    }

    private static void assertEveryManifestIsWhole(TestRegistry registry) throws IOException {
        var revisions = registry.driver.list(RegistryLayout.revisionsDir(REPO) + "/sha256");
        for (String hex : revisions) {
            Digest manifest = Digest.parse("sha256:" + hex);
            if (!registry.exists(RegistryLayout.revisionLink(REPO, manifest))) {
                continue;
            }
            assertThat(registry.exists(manifest)).as("blob of linked manifest %s", manifest).isTrue();
            References refs = References.parse(registry.driver.getContent(RegistryLayout.blobData(manifest)), w -> { });
            for (Digest blob : refs.blobs()) {
                assertThat(registry.exists(blob)).as("blob %s of linked manifest %s", blob, manifest).isTrue();
            }
        }
        for (String tag : registry.driver.list(RegistryLayout.tagsDir(REPO))) {
            Digest target = RegistryLayout.parseLink(registry.driver.getContent(
                    RegistryLayout.tagCurrentLink(REPO, Tag.parse(tag))));
            assertThat(registry.exists(RegistryLayout.revisionLink(REPO, target))).as("revision of tag %s", tag).isTrue();
        }
    }

    /**
     * Does what the store layer does, in the order it must: a blob upload commits and links under
     * the shared lock and touches the blob; a manifest PUT, under the shared lock, touches every blob
     * it references (failing as BLOB_UNKNOWN when one is gone), then writes the manifest blob, the
     * revision link and the tag.
     */
    private static final class Pusher {
        private final TestRegistry registry;
        private final CollectionLock lock;
        private final List<Digest> oldBlobs;
        private final List<Digest> oldUntagged;
        private final Random random;
        int pushed;
        int refused;
        private int counter;

        Pusher(TestRegistry registry, CollectionLock lock, List<Digest> oldBlobs, List<Digest> oldUntagged,
               Random random) {
            this.registry = registry;
            this.lock = lock;
            this.oldBlobs = oldBlobs;
            this.oldUntagged = oldUntagged;
            this.random = random;
        }

        void pushWhile(AtomicBoolean collecting) {
            try {
                while (collecting.get()) {
                    boolean ok = switch (random.nextInt(3)) {
                        case 0 -> pushNewImageReusing(oldBlobs.get(random.nextInt(oldBlobs.size())));
                        case 1 -> retag(oldUntagged.get(random.nextInt(oldUntagged.size())));
                        default -> pushNewImageReusing(uploadBlob());
                    };
                    if (ok) {
                        pushed++;
                    } else {
                        refused++;
                    }
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        private Digest uploadBlob() throws IOException {
            byte[] content = ("fresh " + counter++ + " " + System.nanoTime()).getBytes(StandardCharsets.UTF_8);
            Digest d = Digest.sha256(content);
            try (CollectionLock.Hold _ = lock.shared()) {
                registry.driver.putContent(RegistryLayout.blobData(d), content);
                registry.driver.touch(RegistryLayout.blobData(d), now());
                registry.link(REPO, d);
            }
            return d;
        }

        /** A client that saw the blob exist (HEAD) and pushes a manifest using it. */
        private boolean pushNewImageReusing(Digest layer) throws IOException {
            Digest config = uploadBlob();
            String json = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                    + "\"config\":{\"digest\":\"" + config + "\",\"size\":1},\"layers\":[{\"digest\":\"" + layer
                    + "\",\"size\":1}],\"annotations\":{\"n\":\"" + counter++ + "\"}}";
            return putManifest(json, List.of(config, layer), Optional.of("t" + random.nextInt(5)));
        }

        /** A tag PUT of a manifest the registry already has, with the same content. */
        private boolean retag(Digest manifest) throws IOException {
            byte[] content;
            try {
                content = registry.driver.getContent(RegistryLayout.blobData(manifest));
            } catch (NoSuchFileException e) {
                return false;
            }
            References refs = References.parse(content, w -> { });
            return putManifest(new String(content, StandardCharsets.UTF_8), List.copyOf(refs.blobs()),
                    Optional.of("r" + random.nextInt(3)));
        }

        private boolean putManifest(String json, List<Digest> references, Optional<String> tag) throws IOException {
            try (CollectionLock.Hold _ = lock.shared()) {
                for (Digest blob : references) {
                    try {
                        registry.driver.touch(RegistryLayout.blobData(blob), now());
                    } catch (NoSuchFileException e) {
                        return false; // MANIFEST_BLOB_UNKNOWN: the client uploads the blob again
                    }
                }
                Digest manifest = registry.putManifest(REPO, json); // rewrites blob and revision link: both fresh
                if (tag.isPresent()) {
                    registry.tag(REPO, tag.get(), manifest);
                }
                return true;
            }
        }

        private static FileTime now() {
            return FileTime.from(Instant.now());
        }
    }
}
