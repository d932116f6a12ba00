package dev.skiff.it.registry;

import static dev.skiff.it.registry.Pulled.assertImageIdentical;
import static dev.skiff.it.registry.Pulled.assertIndexIdentical;
import static dev.skiff.it.registry.Pulled.assertRawManifest;
import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.it.support.BuiltImage;
import dev.skiff.it.support.BuiltIndex;
import dev.skiff.it.support.OciLayout;
import dev.skiff.it.support.TestImages;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Skiff and CNCF distribution 2.8 (Debian's docker-registry) must read each other's storage:
 * a root written by one is served by the other, with identical manifests and blobs.
 */
class DistributionInteropTest {

    @TempDir
    static Path fixtures;
    static OciLayout layout;
    static BuiltImage image;
    static BuiltIndex index;

    @TempDir
    Path tmp;

    @BeforeAll
    static void buildImages() {
        layout = OciLayout.create(fixtures.resolve("layout"));
        image = TestImages.busyboxMultiLayer(layout, 11);
        index = TestImages.multiArch(layout, 12);
        layout.tag("image", image).tag("index", index);
    }

    /** The fixtures themselves are sound: distribution accepts them and gives them back unchanged. */
    @Test
    void fixturesRoundTripThroughDistributionAlone() {
        Skopeo skopeo = new Skopeo(tmp.resolve("skopeo"));
        try (DistributionRegistryProcess distribution = DistributionRegistryProcess.start(tmp.resolve("root"), tmp)) {
            skopeo.copy(layout.reference("image"), distribution.ref("test/image:1")).assertSuccess();
            skopeo.copy(layout.reference("index"), distribution.ref("test/index:1"), "--all").assertSuccess();

            assertRawManifest(skopeo, distribution.ref("test/image:1"), image.manifest());
            assertRawManifest(skopeo, distribution.ref("test/index:1"), index.index());
            assertImageIdentical(skopeo, distribution.ref("test/image:1"), image, tmp.resolve("pulled-image"));
            assertIndexIdentical(skopeo, distribution.ref("test/index:1"), index, tmp.resolve("pulled-index"));
        }
    }

    @Test
    void skiffServesWhatDistributionWrote() {
        Skopeo skopeo = new Skopeo(tmp.resolve("skopeo"));
        Path root = tmp.resolve("root");
        try (DistributionRegistryProcess distribution = DistributionRegistryProcess.start(root, tmp)) {
            skopeo.copy(layout.reference("image"), distribution.ref("alice/image:1")).assertSuccess();
            skopeo.copy(layout.reference("image"), distribution.ref("alice/image:2")).assertSuccess();
            skopeo.copy(layout.reference("index"), distribution.ref("library/index:v1"), "--all").assertSuccess();
            distribution.stop();
        }

        try (SkiffRegistryProcess skiff = SkiffRegistryProcess.serving(root).start()) {
            assertRawManifest(skopeo, skiff.ref("alice/image:1"), image.manifest());
            assertRawManifest(skopeo, skiff.ref("alice/image@" + image.manifestDigest()), image.manifest());
            assertRawManifest(skopeo, skiff.ref("library/index:v1"), index.index());
            assertThat(skopeo.tags(skiff.ref("alice/image"))).containsExactly("1", "2");
            assertImageIdentical(skopeo, skiff.ref("alice/image:2"), image, tmp.resolve("pulled-image"));
            assertIndexIdentical(skopeo, skiff.ref("library/index:v1"), index, tmp.resolve("pulled-index"));
        }
    }

    @Test
    void distributionServesWhatSkiffWrote() {
        Skopeo skopeo = new Skopeo(tmp.resolve("skopeo"));
        Path root = tmp.resolve("root");
        Path htpasswd = Pulled.apacheHtpasswd(tmp.resolve("htpasswd"), "alice", "alice-pw");
        try (SkiffRegistryProcess skiff = SkiffRegistryProcess.serving(root).htpasswd(htpasswd).start()) {
            String creds = Skopeo.destCreds("alice", "alice-pw");
            skopeo.copy(layout.reference("image"), skiff.ref("alice/image:1"), creds).assertSuccess();
            skopeo.copy(layout.reference("image"), skiff.ref("alice/image:2"), creds).assertSuccess();
            skopeo.copy(layout.reference("index"), skiff.ref("alice/index:v1"), "--all", creds).assertSuccess();
            assertThat(skiff.stop()).as("skiff registry's exit code after SIGTERM\n%s", skiff.describe()).isZero();
        }

        try (DistributionRegistryProcess distribution = DistributionRegistryProcess.start(root, tmp)) {
            assertRawManifest(skopeo, distribution.ref("alice/image:1"), image.manifest());
            assertRawManifest(skopeo, distribution.ref("alice/index:v1"), index.index());
            // distribution 2.8 lists tags in directory order, unsorted: only the set is its contract.
            assertThat(skopeo.tags(distribution.ref("alice/image"))).containsExactlyInAnyOrder("1", "2");
            assertImageIdentical(skopeo, distribution.ref("alice/image:1"), image, tmp.resolve("pulled-image"));
            assertIndexIdentical(skopeo, distribution.ref("alice/index:v1"), index, tmp.resolve("pulled-index"));
        }
    }
}
