package dev.skiff.it.registry;

import static dev.skiff.it.registry.Pulled.assertImageIdentical;
import static dev.skiff.it.registry.Pulled.assertIndexIdentical;
import static dev.skiff.it.registry.Pulled.assertRawManifest;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.it.support.BuiltImage;
import dev.skiff.it.support.BuiltIndex;
import dev.skiff.it.support.CommandResult;
import dev.skiff.it.support.OciLayout;
import dev.skiff.it.support.Platform;
import dev.skiff.it.support.TestImages;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a user does with skopeo against {@code skiff registry serve}: push, inspect, pull, list tags, delete. */
class SkiffRegistrySkopeoTest {

    @TempDir
    static Path shared;
    static OciLayout layout;
    static BuiltImage multiLayer;
    static BuiltImage other;
    static BuiltIndex index;
    static SkiffRegistryProcess registry;

    @TempDir
    Path tmp;
    Skopeo skopeo;

    static final String ALICE = Skopeo.destCreds("alice", "alice-pw");

    @BeforeAll
    static void startRegistry() {
        layout = OciLayout.create(shared.resolve("layout"));
        multiLayer = TestImages.busyboxMultiLayer(layout, 21);
        other = TestImages.small(layout, 22, Platform.LINUX_AMD64);
        index = TestImages.multiArch(layout, 23);
        layout.tag("multi", multiLayer).tag("other", other).tag("index", index);
        Path htpasswd = Pulled.apacheHtpasswd(shared.resolve("htpasswd"), "alice", "alice-pw");
        registry = SkiffRegistryProcess.serving(shared.resolve("root")).htpasswd(htpasswd).start();
    }

    @AfterAll
    static void stopRegistry() {
        if (registry != null) {
            registry.close();
        }
    }

    @org.junit.jupiter.api.BeforeEach
    void newSkopeo() {
        skopeo = new Skopeo(tmp.resolve("skopeo"));
    }

    @Test
    void pushedMultiLayerManifestComesBackByteIdentical() {
        push("multi", "alice/multi:1");

        assertRawManifest(skopeo, registry.ref("alice/multi:1"), multiLayer.manifest());
        assertRawManifest(skopeo, registry.ref("alice/multi@" + multiLayer.manifestDigest()), multiLayer.manifest());
    }

    @Test
    void inspectShowsDigestLayersAndPlatform() {
        push("multi", "alice/inspect:1");

        CommandResult inspect = skopeo.inspect(registry.ref("alice/inspect:1")).assertSuccess();
        JsonNode json = Skopeo.json(inspect);
        assertThat(json.path("Digest").asText()).as(inspect.describe()).isEqualTo(multiLayer.manifestDigest());
        List<String> layers = new ArrayList<>();
        json.path("Layers").forEach(l -> layers.add(l.asText()));
        assertThat(layers).as(inspect.describe()).containsExactlyElementsOf(multiLayer.layerDigests());
        assertThat(json.path("Architecture").asText()).isEqualTo("amd64");
        assertThat(json.path("Os").asText()).isEqualTo("linux");
        assertThat(json.path("Labels").path("dev.skiff.it.image").asText()).isEqualTo("busybox-multi-21");
    }

    @Test
    void pullIntoNewOciLayoutGivesTheSameBlobs() {
        push("multi", "alice/pull:1");

        assertImageIdentical(skopeo, registry.ref("alice/pull:1"), multiLayer, tmp.resolve("pulled"));
    }

    @Test
    void listTagsReturnsEveryTagSorted() {
        for (String tag : List.of("b", "10", "2", "latest", "a")) {
            push("multi", "alice/tags:" + tag);
        }

        assertThat(skopeo.tags(registry.ref("alice/tags"))).containsExactly("10", "2", "a", "b", "latest");
    }

    @Test
    void deleteRemovesTheManifestAndInspectThenReportsManifestUnknown() {
        push("multi", "alice/del:keep");
        push("other", "alice/del:gone");

        skopeo.delete(registry.ref("alice/del:gone"), Skopeo.creds("alice", "alice-pw")).assertSuccess();

        CommandResult byTag = skopeo.inspectRaw(registry.ref("alice/del:gone")).assertFailure();
        assertThat(byTag.stderr()).as(byTag.describe()).containsIgnoringCase("manifest unknown");
        CommandResult byDigest = skopeo.inspectRaw(registry.ref("alice/del@" + other.manifestDigest())).assertFailure();
        assertThat(byDigest.stderr()).as(byDigest.describe()).containsIgnoringCase("manifest unknown");
        assertRawManifest(skopeo, registry.ref("alice/del:keep"), multiLayer.manifest());
        assertThat(skopeo.tags(registry.ref("alice/del"))).containsExactly("keep");
    }

    @Test
    void deleteNeedsCredentials() {
        push("other", "alice/nodel:1");

        CommandResult anonymous = skopeo.delete(registry.ref("alice/nodel:1")).assertFailure();
        assertThat(anonymous.stderr()).as(anonymous.describe()).containsPattern("(?i)unauthori[sz]ed|authentication required|denied|401|403");
        assertRawManifest(skopeo, registry.ref("alice/nodel:1"), other.manifest());
    }

    @Test
    void imageIndexIsPushedWithAllPlatformsAndComesBackIdentical() {
        skopeo.copy(layout.reference("index"), registry.ref("alice/multiarch:1"), "--all", ALICE).assertSuccess();

        assertRawManifest(skopeo, registry.ref("alice/multiarch:1"), index.index());
        for (BuiltImage image : index.images()) {
            assertRawManifest(skopeo, registry.ref("alice/multiarch@" + image.manifestDigest()), image.manifest());
        }
        CommandResult raw = skopeo.inspectRaw(registry.ref("alice/multiarch:1")).assertSuccess();
        assertThat(raw.stdout()).contains("\"mediaType\":\"application/vnd.oci.image.index.v1+json\"")
                .contains("\"architecture\":\"arm64\"");
        assertIndexIdentical(skopeo, registry.ref("alice/multiarch:1"), index, tmp.resolve("pulled"));
    }

    @Test
    void copyWithMultiArchAllIsTheSameAsAll() {
        skopeo.copy(layout.reference("index"), registry.ref("alice/multiarch2:1"), "--multi-arch", "all", ALICE)
                .assertSuccess();

        CommandResult raw = skopeo.inspectRaw(registry.ref("alice/multiarch2:1")).assertSuccess();
        assertThat(raw.stdout().getBytes(StandardCharsets.UTF_8)).isEqualTo(index.index());
        BuiltImage arm64 = index.images().get(1);
        assertImageIdentical(skopeo, registry.ref("alice/multiarch2@" + arm64.manifestDigest()), arm64,
                tmp.resolve("pulled-arm64"));
    }

    @Test
    void copyBetweenRepositoriesLinksTheSameBlobsInDistributionsLayout() throws java.io.IOException {
        push("multi", "alice/src:1");

        skopeo.copy(registry.ref("alice/src:1"), registry.ref("alice/dst:1"), ALICE).assertSuccess();

        assertImageIdentical(skopeo, registry.ref("alice/dst:1"), multiLayer, tmp.resolve("pulled"));
        Path repositories = registry.root().resolve("docker/registry/v2/repositories");
        for (String repository : List.of("alice/src", "alice/dst")) {
            for (String digest : multiLayer.referencedBlobs()) {
                Path link = repositories.resolve(repository).resolve("_layers/sha256")
                        .resolve(digest.substring("sha256:".length())).resolve("link");
                assertThat(link).as("layer link of %s in %s", digest, repository).exists();
                assertThat(java.nio.file.Files.readString(link)).isEqualTo(digest);
                assertThat(Pulled.blobData(registry.root(), digest)).exists();
            }
            Path tag = repositories.resolve(repository).resolve("_manifests/tags/1/current/link");
            assertThat(tag).exists();
            assertThat(java.nio.file.Files.readString(tag)).isEqualTo(multiLayer.manifestDigest());
        }
    }

    private void push(String layoutTag, String repositoryAndTag) {
        skopeo.copy(layout.reference(layoutTag), registry.ref(repositoryAndTag), ALICE).assertSuccess();
    }
}
