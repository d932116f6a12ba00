package dev.skiff.engine.images;

import dev.skiff.formats.Descriptor;
import dev.skiff.formats.Digest;
import dev.skiff.formats.FormatException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static dev.skiff.engine.images.Fixture.T0;
import static dev.skiff.engine.images.Fixture.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ImageStoreTest {
    @TempDir
    Path root;

    // ---- resolve and tag

    @Test
    void resolvesByNameFullIdBareIdAndUniquePrefix() throws Exception {
        Fixture f = new Fixture(root);
        Image image = f.importNth(0);
        f.images.tag(image.id(), "docker.io/library/busybox:latest");

        assertThat(f.images.resolve("busybox").id()).isEqualTo(image.id());
        assertThat(f.images.resolve("busybox:latest").id()).isEqualTo(image.id());
        assertThat(f.images.resolve("docker.io/library/busybox").id()).isEqualTo(image.id());
        assertThat(f.images.resolve(image.id().toString()).id()).isEqualTo(image.id());
        assertThat(f.images.resolve(image.id().encoded()).id()).isEqualTo(image.id());
        assertThat(f.images.resolve(image.shortId()).id()).isEqualTo(image.id());
        assertThat(f.images.resolve("sha256:" + image.id().encoded().substring(0, 5)).id()).isEqualTo(image.id());
        assertThat(f.images.resolve(image.id().encoded().substring(0, 1)).id()).isEqualTo(image.id());
        assertThat(f.images.byId(image.id())).map(Image::repoTags).contains(List.of("busybox:latest"));
    }

    @Test
    void aNameWinsOverAnIdPrefix() throws Exception {
        Fixture f = new Fixture(root);
        Image a = f.importNth(0);
        Image b = f.importNth(1);
        String prefixOfB = b.id().encoded().substring(0, 6);
        f.images.tag(a.id(), "docker.io/library/" + prefixOfB + ":latest");

        assertThat(f.images.resolve(prefixOfB).id()).isEqualTo(a.id());
        assertThat(f.images.resolve("sha256:" + prefixOfB).id()).isEqualTo(b.id());
    }

    @Test
    void anAmbiguousPrefixOrAnUnknownNameIsNoSuchImage() throws Exception {
        Fixture f = new Fixture(root);
        Map<Character, Image> byFirstHex = new HashMap<>();
        Character shared = null;
        for (int n = 0; shared == null; n++) { // 17 images share a first hex digit at the latest
            Image image = f.importNth(n);
            char first = image.id().encoded().charAt(0);
            if (byFirstHex.putIfAbsent(first, image) != null) {
                shared = first;
            }
        }
        String ambiguous = String.valueOf(shared);
        assertThatThrownBy(() -> f.images.resolve(ambiguous))
                .isInstanceOf(ImageNotFoundException.class).hasMessage("No such image: " + ambiguous + ":latest");
        assertThatThrownBy(() -> f.images.resolve("nothere"))
                .isInstanceOf(ImageNotFoundException.class).hasMessage("No such image: nothere:latest");
        assertThatThrownBy(() -> f.images.resolve("alice/app:2"))
                .isInstanceOf(ImageNotFoundException.class).hasMessage("No such image: alice/app:2");
        String unknownId = "0".repeat(64);
        assertThatThrownBy(() -> f.images.resolve(unknownId))
                .isInstanceOf(ImageNotFoundException.class).hasMessage("No such image: sha256:" + unknownId);
        assertThatThrownBy(() -> f.images.resolve("Busybox")).isInstanceOf(FormatException.class);
    }

    @Test
    void taggingMovesATagAndTellsTheListener() throws Exception {
        Fixture f = new Fixture(root);
        Image a = f.importNth(0);
        Image b = f.importNth(1);
        f.events.clear();
        f.images.tag(a.id(), "docker.io/alice/app:1");
        f.images.tag(a.id(), "localhost:5000/alice/app:1");
        f.images.tag(b.id(), "docker.io/alice/app:1");

        assertThat(f.images.byId(a.id()).orElseThrow().repoTags()).containsExactly("localhost:5000/alice/app:1");
        assertThat(f.images.byId(b.id()).orElseThrow().repoTags()).containsExactly("alice/app:1");
        assertThat(f.events).containsExactly(new ImageEvent.Tagged(a.id(), "docker.io/alice/app:1"),
                new ImageEvent.Tagged(a.id(), "localhost:5000/alice/app:1"),
                new ImageEvent.Tagged(b.id(), "docker.io/alice/app:1"));
        assertThatThrownBy(() -> f.images.tag(a.id(), "alice/app:1"))
                .isInstanceOf(FormatException.class).hasMessageContaining("docker.io/alice/app:1");
        assertThatThrownBy(() -> f.images.tag(new Digest(Digest.Algorithm.SHA256, "1".repeat(64)),
                "docker.io/alice/app:2")).isInstanceOf(ImageNotFoundException.class);
    }

    // ---- rmi

    @Test
    void removingOneOfTwoTagsOnlyUntags() throws Exception {
        Fixture f = new Fixture(root);
        Image image = f.importNth(0);
        f.images.tag(image.id(), "docker.io/library/busybox:latest");
        f.images.tag(image.id(), "docker.io/library/busybox:1.36");
        f.events.clear();

        RemoveResult result = f.images.remove("busybox", false);

        assertThat(result.lines()).containsExactly("Untagged: busybox:latest");
        assertThat(f.images.resolve("busybox:1.36").id()).isEqualTo(image.id());
        assertThat(f.content.contains(image.id())).isTrue();
        assertThat(f.events).containsExactly(new ImageEvent.Untagged(image.id(), "docker.io/library/busybox:latest"));
    }

    @Test
    void removingTheLastTagDeletesTheImageAndItsBlobs() throws Exception {
        Fixture f = new Fixture(root);
        Image image = f.importTar(Tars.rootfs("bin/sh"), options(T0).withReference("docker.io/library/busybox:1.36"));
        f.events.clear();

        RemoveResult result = f.images.remove("busybox:1.36", false);

        Digest chainId = image.config().diffIds().getFirst(); // one layer: its chain ID is its diff_id
        assertThat(result.lines()).containsExactly("Untagged: busybox:1.36", "Deleted: " + image.id(),
                "Deleted: " + chainId);
        assertThat(f.images.list()).isEmpty();
        assertThat(f.content.list()).isEmpty(); // config, manifest and layer are gone
        assertThat(f.events).containsExactly(new ImageEvent.Untagged(image.id(), "docker.io/library/busybox:1.36"),
                new ImageEvent.Deleted(image.id(), List.of(chainId)));
        assertThatThrownBy(() -> f.images.resolve("busybox:1.36")).isInstanceOf(ImageNotFoundException.class);
    }

    @Test
    void removingByIdWithNamesInSeveralRepositoriesNeedsForce() throws Exception {
        Fixture f = new Fixture(root);
        Image image = f.importNth(0);
        f.images.tag(image.id(), "docker.io/library/busybox:latest");
        f.images.tag(image.id(), "localhost:5000/tools/busybox:latest");
        f.events.clear();

        assertThatThrownBy(() -> f.images.remove(image.shortId(), false))
                .isInstanceOf(ImageConflictException.class)
                .hasMessage("conflict: unable to delete " + image.shortId()
                        + " (must be forced) - image is referenced in multiple repositories");
        assertThat(f.images.byId(image.id()).orElseThrow().repoTags()).hasSize(2);
        assertThat(f.events).isEmpty();

        RemoveResult forced = f.images.remove(image.shortId(), true);
        assertThat(forced.lines()).containsExactly("Untagged: busybox:latest",
                "Untagged: localhost:5000/tools/busybox:latest", "Deleted: " + image.id(),
                "Deleted: " + image.config().diffIds().getFirst());
        assertThat(f.images.list()).isEmpty();
        assertThat(f.content.list()).isEmpty();
    }

    @Test
    void removingByIdWithOneRepositoryUntagsAndDeletesWithoutForce() throws Exception {
        Fixture f = new Fixture(root);
        Image image = f.importNth(0);
        f.images.tag(image.id(), "docker.io/alice/app:1");
        f.images.addRepoDigest(image.id(), "docker.io/alice/app@" + image.manifest().orElseThrow().digest());

        RemoveResult result = f.images.remove(image.id().toString(), false);

        assertThat(result.lines()).containsExactly("Untagged: alice/app:1",
                "Untagged: alice/app@" + image.manifest().orElseThrow().digest(),
                "Deleted: " + image.id(), "Deleted: " + image.config().diffIds().getFirst());
    }

    @Test
    void removingTheLastTagOfARepositoryTakesItsDigestReferencesAlong() throws Exception {
        Fixture f = new Fixture(root);
        Image image = f.importNth(0);
        Digest manifest = image.manifest().orElseThrow().digest();
        f.images.tag(image.id(), "localhost:5600/alice/getting-started:latest");
        f.images.addRepoDigest(image.id(), "localhost:5600/alice/getting-started@" + manifest);
        f.images.tag(image.id(), "docker.io/library/getting-started:latest");
        assertThat(f.images.byId(image.id()).orElseThrow().repoDigests())
                .containsExactly("localhost:5600/alice/getting-started@" + manifest);

        // the trace engine-rmi.md: one repository's tag and digest go; another name keeps the image
        assertThat(f.images.remove("localhost:5600/alice/getting-started", false).lines()).containsExactly(
                "Untagged: localhost:5600/alice/getting-started:latest",
                "Untagged: localhost:5600/alice/getting-started@" + manifest);
        assertThat(f.images.byId(image.id()).orElseThrow().repoDigests()).isEmpty();
        RemoveResult last = f.images.remove("getting-started", false);
        assertThat(last.lines()).startsWith("Untagged: getting-started:latest", "Deleted: " + image.id());
        assertThat(last.deletedImage()).isTrue();
    }

    @Test
    void anUntaggedImageIsRemovedByIdAndARemovedNameIsNoSuchImage() throws Exception {
        Fixture f = new Fixture(root);
        Image image = f.importNth(0);
        assertThat(f.images.remove(image.shortId(), false).lines())
                .containsExactly("Deleted: " + image.id(), "Deleted: " + image.config().diffIds().getFirst());
        assertThatThrownBy(() -> f.images.remove(image.shortId(), false))
                .isInstanceOf(ImageNotFoundException.class);
    }

    @Test
    void layersSharedWithAnotherImageStayUntilTheLastImageGoes() throws Exception {
        Fixture f = new Fixture(root);
        Image a = f.importNth(0);
        Image b = f.importNth(1);
        Digest layer = a.layers().getFirst().blob().digest();
        assertThat(b.layers().getFirst().blob().digest()).isEqualTo(layer);

        assertThat(f.images.remove(a.id().toString(), false).lines()).containsExactly("Deleted: " + a.id());
        assertThat(f.content.contains(layer)).isTrue();
        assertThat(f.content.contains(a.id())).isFalse();
        assertThat(f.content.contains(a.manifest().orElseThrow().digest())).isFalse();
        assertThat(f.content.contains(b.id())).isTrue();

        f.images.remove(b.id().toString(), false);
        assertThat(f.content.list()).isEmpty();
    }

    @Test
    void putRefusesAnImageWhoseBlobsAreMissingOrWhoseLayersDoNotMatch() throws Exception {
        Fixture f = new Fixture(root);
        Image image = f.importNth(0);
        Layer layer = image.layers().getFirst();
        assertThatThrownBy(() -> f.images.put(image.id(), Optional.empty(), List.of()))
                .isInstanceOf(ImageStoreException.class).hasMessageContaining("diff_ids");
        Digest missing = Digest.sha256("absent".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> f.images.put(missing, Optional.empty(), List.of(layer)))
                .isInstanceOf(ImageStoreException.class).hasMessageContaining("config blob");
        f.images.remove(image.shortId(), false);
        byte[] config = ImageConfigCodec.serialize(image.config());
        Digest id = f.content.put(config);
        assertThatThrownBy(() -> f.images.put(id, Optional.empty(), List.of(layer)))
                .isInstanceOf(ImageStoreException.class).hasMessageContaining(layer.blob().digest().toString());
        assertThat(id).isEqualTo(image.id()); // the codec writes back the bytes it was given
    }

    // ---- persistence

    @Test
    void aNewStoreOnTheSameDataRootSeesTheSameImagesAndNames() throws Exception {
        Fixture f = new Fixture(root);
        Image a = f.importTar(Tars.rootfs("bin/sh"), options(T0).withReference("docker.io/library/busybox:latest")
                .withChanges(List.of("CMD [\"sh\"]")));
        Image b = f.importNth(1);
        f.images.tag(b.id(), "localhost:5000/alice/app:2");
        f.images.addRepoDigest(b.id(), "localhost:5000/alice/app@" + b.manifest().orElseThrow().digest());

        Fixture reopened = new Fixture(root);

        assertThat(reopened.images.list()).isEqualTo(f.images.list());
        Image a2 = reopened.images.resolve("busybox");
        assertThat(a2).isEqualTo(a);
        assertThat(a2.config().config().cmd()).containsExactly("sh");
        assertThat(reopened.images.resolve("localhost:5000/alice/app:2").repoDigests())
                .containsExactly("localhost:5000/alice/app@" + b.manifest().orElseThrow().digest());
        assertThat(Files.readString(root.resolve("images/references.json")))
                .contains("\"docker.io/library/busybox:latest\" : \"" + a.id() + "\"");
        assertThat(root.resolve("images/by-id/" + a.id().encoded() + ".json")).isRegularFile();
    }

    @Test
    void aCorruptNamesFileIsAClearErrorSayingWhatToDo() throws Exception {
        Fixture f = new Fixture(root);
        f.importTar(Tars.rootfs("bin/sh"), options(T0).withReference("docker.io/library/busybox:latest"));
        Path references = root.resolve("images/references.json");
        Files.writeString(references, "{\"schemaVersion\":1,\"references\":{\"docker.io/library/bu");

        assertThatThrownBy(() -> new Fixture(root))
                .isInstanceOf(ImageStoreException.class)
                .hasMessageContaining(references.toString())
                .hasMessageContaining("is corrupt")
                .hasMessageContaining("move it aside")
                .hasMessageNotContaining("com.fasterxml");

        // doing what the message says works: the image is still there, untagged
        Files.move(references, root.resolve("images/references.json.bad"));
        Fixture recovered = new Fixture(root);
        assertThat(recovered.images.list()).singleElement().satisfies(i -> assertThat(i.repoTags()).isEmpty());
    }

    @Test
    void anUnreadableImageRecordIsSkippedAndLeftoverTempFilesAreRemoved() throws Exception {
        Fixture f = new Fixture(root);
        Image a = f.importNth(0);
        Image b = f.importTar(Tars.rootfs("bin/sh"), options(T0.plusSeconds(1)).withReference("docker.io/library/b:1"));
        Files.writeString(root.resolve("images/by-id/" + a.id().encoded() + ".json"), "{ not json");
        Path leftover = root.resolve("images/.tmp-references.json-1234");
        Files.writeString(leftover, "half a file");

        Fixture reopened = new Fixture(root);

        assertThat(reopened.images.list()).extracting(Image::id).containsExactly(b.id());
        assertThat(reopened.images.resolve("b:1").id()).isEqualTo(b.id());
        assertThat(leftover).doesNotExist();
    }

    @Test
    void listIsNewestFirst() throws Exception {
        Fixture f = new Fixture(root);
        List<Digest> ids = new ArrayList<>();
        for (int n = 0; n < 3; n++) {
            ids.add(f.importNth(n).id());
        }
        assertThat(f.images.list()).extracting(Image::id).containsExactly(ids.get(2), ids.get(1), ids.get(0));
        assertThat(f.images.blobsInUse()).contains(ids.toArray(Digest[]::new));
    }

    @Test
    void aRepoDigestNeverMoves() throws Exception {
        Fixture f = new Fixture(root);
        Image a = f.importNth(0);
        Image b = f.importNth(1);
        String ref = "docker.io/alice/app@" + a.manifest().orElseThrow().digest();
        f.images.addRepoDigest(a.id(), ref);
        assertThatThrownBy(() -> f.images.addRepoDigest(b.id(), ref)).isInstanceOf(ImageConflictException.class);
        assertThatThrownBy(() -> f.images.tag(b.id(), ref)).isInstanceOf(FormatException.class);
        assertThat(f.images.resolve("alice/app@" + a.manifest().orElseThrow().digest()).id()).isEqualTo(a.id());
        Descriptor unused = a.manifest().orElseThrow();
        assertThat(unused.mediaType()).isEqualTo(dev.skiff.formats.MediaTypes.DOCKER_MANIFEST);
    }
}
