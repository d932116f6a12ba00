package dev.skiff.registry.gc;

import dev.skiff.formats.Digest;
import dev.skiff.formats.RepositoryName;
import dev.skiff.registry.storage.RegistryLayout;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;

import static dev.skiff.registry.gc.TestRegistry.repo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GarbageCollectorTest {
    private static final RepositoryName APP = repo("alice/team/app");
    private static final RepositoryName BUSYBOX = repo("library/busybox");
    private static final RepositoryName MULTI = repo("bob/multi");

    @TempDir
    Path root;
    TestRegistry registry;
    Instant now;
    Instant longAgo;

    // the registry written by hand in setUp
    Digest appConfig, appLayer1, appLayer2, appManifest;
    Digest signatureConfig, signatureLayer, signature;
    Digest busyboxConfig, busyboxLayer, busyboxManifest;
    Digest amd64, arm64, multiIndex;
    Digest orphan, orphanLinked;

    @BeforeEach
    void setUp() throws IOException {
        now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        longAgo = now.minus(Duration.ofDays(2));
        registry = new TestRegistry(root);

        appConfig = registry.layer(APP, "app config");
        appLayer1 = registry.layer(APP, "app layer 1");
        appLayer2 = registry.layer(APP, "app layer 2");
        appManifest = registry.ociManifest(APP, appConfig, List.of(appLayer1, appLayer2), Optional.empty());
        registry.tag(APP, "1.0", appManifest);
        signatureConfig = registry.blob("{}"); // the OCI empty descriptor's content
        registry.link(APP, signatureConfig);
        signatureLayer = registry.layer(APP, "signature payload");
        signature = registry.ociManifest(APP, signatureConfig, List.of(signatureLayer), Optional.of(appManifest));

        busyboxConfig = registry.layer(BUSYBOX, "busybox config");
        busyboxLayer = registry.layer(BUSYBOX, "busybox layer");
        busyboxManifest = registry.dockerManifest(BUSYBOX, busyboxConfig, List.of(busyboxLayer));
        registry.tag(BUSYBOX, "latest", busyboxManifest);

        amd64 = registry.ociImage(MULTI, "amd64");
        arm64 = registry.ociImage(MULTI, "arm64");
        multiIndex = registry.index(MULTI, List.of(amd64, arm64));
        registry.tag(MULTI, "latest", multiIndex);

        orphan = registry.uniqueBlob("never referenced");
        orphanLinked = registry.layer(APP, "uploaded, manifest never pushed");
        registry.ageEverything(longAgo);
    }

    private GcReport collect(GcOptions options) throws IOException {
        return new GarbageCollector(registry.driver, CollectionLock.forFileSystem(root), options,
                InstantSource.fixed(now)).run();
    }

    private GcReport collect() throws IOException {
        return collect(GcOptions.defaults());
    }

    private List<Digest> everythingReferenced() {
        return List.of(appConfig, appLayer1, appLayer2, appManifest, signatureConfig, signatureLayer, signature,
                busyboxConfig, busyboxLayer, busyboxManifest, amd64, arm64, multiIndex);
    }

    @Test
    void deletesOnlyUnreferencedBlobsAndTheirLinks() throws IOException {
        long orphanBytes = registry.size(orphan) + registry.size(orphanLinked);

        GcReport report = collect();

        assertThat(report.deletedBlobs()).containsExactlyInAnyOrder(orphan, orphanLinked);
        assertThat(registry.exists(orphan)).isFalse();
        assertThat(registry.exists(orphanLinked)).isFalse();
        assertThat(registry.exists(RegistryLayout.blobDir(orphan))).isFalse();
        assertThat(registry.exists(RegistryLayout.layerLink(APP, orphanLinked))).isFalse();
        for (Digest kept : everythingReferenced()) {
            assertThat(registry.exists(kept)).as("blob %s", kept).isTrue();
        }
        assertThat(registry.exists(RegistryLayout.layerLink(APP, appLayer1))).isTrue();
        assertThat(report.repositories()).isEqualTo(3);
        // amd64 and arm64 each have a config and two layers
        assertThat(report.blobsMarked()).isEqualTo(everythingReferenced().size() + 6);
        assertThat(report.blobsDeleted()).isEqualTo(2);
        assertThat(report.bytesDeleted()).isEqualTo(orphanBytes);
        assertThat(report.layerLinksRemoved()).isEqualTo(1);
        assertThat(report.warnings()).isEmpty();
        assertThat(report.dryRun()).isFalse();

        assertThat(collect().deletedBlobs()).as("a second run finds nothing").isEmpty();
    }

    @Test
    void followsIndexChildrenThatAreOnlyBlobs() throws IOException {
        RepositoryName repo = repo("carol/only-index");
        Digest childLayer = registry.uniqueBlob("child layer");
        Digest childConfig = registry.uniqueBlob("child config");
        // the child is stored but not linked as a revision of the repository
        Digest child = registry.blob("{\"schemaVersion\":2,\"config\":" + registry.descriptor("c", childConfig)
                + ",\"layers\":[" + registry.descriptor("l", childLayer) + "]}");
        registry.index(repo, List.of(child));
        registry.ageEverything(longAgo);

        GcReport report = collect();

        assertThat(report.deletedBlobs()).containsExactlyInAnyOrder(orphan, orphanLinked);
        assertThat(registry.exists(childLayer)).isTrue();
        assertThat(registry.exists(childConfig)).isTrue();
    }

    @Test
    void keepsBlobsWrittenWithinTheGracePeriodOrDuringTheRun() throws IOException {
        Digest fresh = registry.uniqueBlob("uploaded half an hour ago");
        registry.touchBlob(fresh, now.minus(Duration.ofMinutes(30)));
        Digest touchedAfterStart = registry.uniqueBlob("referenced by a push while collecting");
        registry.touchBlob(touchedAfterStart, now.plusSeconds(1));
        Digest justOld = registry.uniqueBlob("uploaded two hours ago");
        registry.touchBlob(justOld, now.minus(Duration.ofHours(2)));

        GcReport report = collect();
        assertThat(report.deletedBlobs()).containsExactlyInAnyOrder(orphan, orphanLinked, justOld);
        assertThat(registry.exists(fresh)).isTrue();
        assertThat(registry.exists(touchedAfterStart)).isTrue();
        assertThat(report.blobsKeptRecent()).isEqualTo(2);

        GcReport noGrace = collect(GcOptions.defaults().withGracePeriod(Duration.ZERO));
        assertThat(noGrace.deletedBlobs()).containsExactly(fresh);
        assertThat(registry.exists(touchedAfterStart)).isTrue();
    }

    @Test
    void keepsUploadsInProgressAndRemovesAbandonedOnes() throws IOException {
        registry.upload(APP, "in-progress", "2000-01-01T00:00:00Z", now); // old start, still written to
        registry.upload(APP, "recent", now.minus(Duration.ofHours(1)).toString(), now.minus(Duration.ofHours(1)));
        registry.upload(BUSYBOX, "abandoned", longAgo.toString().replace("Z", "+00:00"), longAgo);
        registry.upload(MULTI, "abandoned-with-offset", "2000-01-01T02:00:00+02:00", longAgo);
        registry.upload(MULTI, "garbage-startedat", "yesterday-ish", longAgo);

        GcReport report = collect();

        assertThat(registry.exists(RegistryLayout.uploadDir(APP, "in-progress"))).isTrue();
        assertThat(registry.exists(RegistryLayout.uploadDir(APP, "recent"))).isTrue();
        assertThat(registry.exists(RegistryLayout.uploadDir(BUSYBOX, "abandoned"))).isFalse();
        assertThat(registry.exists(RegistryLayout.uploadDir(MULTI, "abandoned-with-offset"))).isFalse();
        assertThat(registry.exists(RegistryLayout.uploadDir(MULTI, "garbage-startedat"))).isFalse();
        assertThat(report.uploadsRemoved()).isEqualTo(3);
        assertThat(report.warnings()).singleElement().asString().contains("garbage-startedat");
    }

    @Test
    void uploadMaxAgeIsConfigurable() throws IOException {
        registry.upload(APP, "two-hours", now.minus(Duration.ofHours(2)).toString(), now.minus(Duration.ofHours(2)));
        assertThat(collect().uploadsRemoved()).isZero();
        assertThat(collect(GcOptions.defaults().withUploadMaxAge(Duration.ofHours(1))).uploadsRemoved()).isEqualTo(1);
        assertThat(registry.exists(RegistryLayout.uploadDir(APP, "two-hours"))).isFalse();
    }

    @Test
    void dryRunReportsButDeletesNothing() throws IOException {
        registry.upload(BUSYBOX, "abandoned", longAgo.toString(), longAgo);
        registry.driver.putContent(RegistryLayout.layerLink(BUSYBOX, orphan), RegistryLayout.linkContent(orphan));
        Digest untagged = registry.ociImage(APP, "untagged");
        registry.ageEverything(longAgo);
        List<String> before = registry.files();

        GcReport report = collect(GcOptions.defaults().withDryRun(true).withDeleteUntagged(true));

        assertThat(registry.files()).isEqualTo(before);
        assertThat(report.dryRun()).isTrue();
        assertThat(report.removedManifests()).containsExactly(APP + "@" + untagged);
        assertThat(report.deletedBlobs()).contains(orphan, orphanLinked, untagged).hasSize(6);
        assertThat(report.uploadsRemoved()).isEqualTo(1);
        assertThat(report.layerLinksRemoved()).isEqualTo(5); // orphanLinked, orphan in busybox, untagged's 3
        assertThat(report.describe())
                .contains("dry run: nothing was removed", "blob eligible for deletion: " + orphan,
                        "manifest eligible for deletion: alice/team/app@" + untagged);
    }

    @Test
    void deleteUntaggedRemovesUnreachableRevisionsAndTheirReferrers() throws IOException {
        // v1 was tagged "1.0" before appManifest; the tag's index still remembers it
        Digest v1Config = registry.layer(APP, "v1 config");
        Digest v1Layer = registry.layer(APP, "v1 layer");
        Digest v1 = registry.ociManifest(APP, v1Config, List.of(v1Layer, appLayer1), Optional.empty());
        registry.tag(APP, "1.0", v1);
        registry.tag(APP, "1.0", appManifest);
        Digest sbomLayer = registry.layer(APP, "sbom of v1");
        Digest v1Sbom = registry.ociManifest(APP, signatureConfig, List.of(sbomLayer), Optional.of(v1));
        Digest sbomSignature = registry.ociManifest(APP, signatureConfig, List.of(registry.layer(APP, "sig of sbom")),
                Optional.of(v1Sbom));
        // pushed by digest a minute ago: a push in progress, its tag may come next
        Digest recentUntagged = registry.ociImage(APP, "in flight");
        registry.ageEverything(longAgo);
        Instant aMinuteAgo = now.minus(Duration.ofMinutes(1));
        registry.driver.touch(RegistryLayout.revisionLink(APP, recentUntagged), java.nio.file.attribute.FileTime.from(aMinuteAgo));

        GcReport report = collect(GcOptions.defaults().withDeleteUntagged(true));

        assertThat(report.removedManifests()).containsExactlyInAnyOrder(
                APP + "@" + v1, APP + "@" + v1Sbom, APP + "@" + sbomSignature);
        for (Digest gone : List.of(v1, v1Sbom, sbomSignature)) {
            assertThat(registry.exists(RegistryLayout.revisionDir(APP, gone))).isFalse();
            assertThat(registry.exists(gone)).isFalse();
        }
        assertThat(registry.exists(RegistryLayout.tagIndexLink(APP, dev.skiff.formats.Tag.parse("1.0"), v1))).isFalse();
        assertThat(registry.exists(RegistryLayout.tagIndexLink(APP, dev.skiff.formats.Tag.parse("1.0"), appManifest))).isTrue();
        assertThat(registry.exists(RegistryLayout.referrerLink(APP, v1, v1Sbom))).isFalse();
        assertThat(registry.exists(RegistryLayout.referrerLink(APP, v1Sbom, sbomSignature))).isFalse();
        assertThat(registry.exists(v1Layer)).isFalse();
        assertThat(registry.exists(v1Config)).isFalse();
        assertThat(registry.exists(sbomLayer)).isFalse();
        assertThat(registry.exists(RegistryLayout.layerLink(APP, v1Layer))).isFalse();
        // shared with the tagged image
        assertThat(registry.exists(appLayer1)).isTrue();
        assertThat(registry.exists(signatureConfig)).isTrue();
        // the tagged image's referrer, the index's untagged children and the recent push stay
        assertThat(registry.exists(RegistryLayout.revisionLink(APP, signature))).isTrue();
        assertThat(registry.exists(RegistryLayout.referrerLink(APP, appManifest, signature))).isTrue();
        assertThat(registry.exists(RegistryLayout.revisionLink(MULTI, amd64))).isTrue();
        assertThat(registry.exists(RegistryLayout.revisionLink(MULTI, arm64))).isTrue();
        assertThat(registry.exists(RegistryLayout.revisionLink(APP, recentUntagged))).isTrue();
        for (Digest kept : everythingReferenced()) {
            assertThat(registry.exists(kept)).as("blob %s", kept).isTrue();
        }
    }

    @Test
    void withoutDeleteUntaggedEveryRevisionStays() throws IOException {
        Digest untagged = registry.ociImage(APP, "untagged");
        registry.ageEverything(longAgo);

        GcReport report = collect();

        assertThat(report.removedManifests()).isEmpty();
        assertThat(registry.exists(untagged)).isTrue();
        assertThat(registry.exists(RegistryLayout.revisionLink(APP, untagged))).isTrue();
    }

    @Test
    void corruptManifestIsKeptWithWhatItMentionsAndDoesNotStopTheRun() throws IOException {
        Digest mentioned = registry.layer(APP, "mentioned by a truncated manifest");
        Digest truncated = registry.putManifest(APP,
                "{\"schemaVersion\":2,\"layers\":[{\"digest\":\"" + mentioned + "\",\"size\":12");
        Digest binary = registry.putManifest(APP, "\u0000\u0001 not json at all");
        Digest notAnObject = registry.putManifest(APP, "[1,2,3]");
        Digest badDigest = registry.putManifest(APP, "{\"config\":{\"digest\":\"md5:abc\"},\"layers\":[{\"digest\":\""
                + appLayer2 + "\"}]}");
        registry.ageEverything(longAgo);

        GcReport report = collect(GcOptions.defaults().withDeleteUntagged(true).withDryRun(true));
        assertThat(report.warnings()).hasSize(4);

        report = collect();
        assertThat(report.deletedBlobs()).containsExactlyInAnyOrder(orphan, orphanLinked);
        for (Digest kept : List.of(mentioned, truncated, binary, notAnObject, badDigest)) {
            assertThat(registry.exists(kept)).isTrue();
        }
        assertThat(report.warnings()).hasSize(4).anySatisfy(w -> assertThat(w).contains(truncated.toString(), "not valid JSON"));
    }

    @Test
    void revisionWhoseBlobIsMissingIsAWarning() throws IOException {
        Digest missing = Digest.sha256("never stored".getBytes());
        registry.driver.putContent(RegistryLayout.revisionLink(APP, missing), RegistryLayout.linkContent(missing));
        registry.ageEverything(longAgo);

        GcReport report = collect();

        assertThat(report.deletedBlobs()).containsExactlyInAnyOrder(orphan, orphanLinked);
        assertThat(report.warnings()).singleElement().asString().contains("blob is missing");
    }

    @Test
    void removesLayerLinksToBlobsThatAreGone() throws IOException {
        Digest gone = Digest.sha256("deleted by someone else".getBytes());
        registry.link(BUSYBOX, gone);
        registry.ageEverything(longAgo);

        GcReport report = collect();

        assertThat(report.layerLinksRemoved()).isEqualTo(2);
        assertThat(registry.exists(RegistryLayout.layerLink(BUSYBOX, gone))).isFalse();
    }

    @Test
    void anUnreadableRepositoryStopsTheRunBeforeAnyDeletion() throws IOException {
        Files.createDirectories(root.resolve("docker/registry/v2/repositories/Alice/_manifests"));
        List<String> before = registry.files();

        assertThatThrownBy(this::collect).isInstanceOf(IOException.class).hasMessageContaining("repositories/Alice");
        assertThat(registry.files()).isEqualTo(before);
    }

    @Test
    void findsNestedRepositoriesBesideTheirParents() throws IOException {
        RepositoryName parent = repo("alice");
        Digest parentImage = registry.ociImage(parent, "parent");
        registry.ageEverything(longAgo);

        GcReport report = collect();

        assertThat(report.repositories()).isEqualTo(4);
        assertThat(registry.exists(parentImage)).isTrue();
        assertThat(report.deletedBlobs()).containsExactlyInAnyOrder(orphan, orphanLinked);
    }

    @Test
    void describeReadsLikeDistribution() throws IOException {
        GcReport report = collect();
        assertThat(report.describe()).contains("3 repositories scanned", "blob deleted: " + orphan);
        assertThat(report.toString()).contains("19 blobs marked").contains("2 blobs (");
    }
}
