package dev.skiff.it.registry;

import static dev.skiff.it.registry.Pulled.assertImageIdentical;
import static dev.skiff.it.registry.Pulled.blobData;
import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.it.support.BuiltImage;
import dev.skiff.it.support.BuiltIndex;
import dev.skiff.it.support.CommandResult;
import dev.skiff.it.support.Digests;
import dev.skiff.it.support.OciLayout;
import dev.skiff.it.support.Platform;
import dev.skiff.it.support.TestImages;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Random;
import java.util.stream.Stream;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code skiff registry gc} on a root with garbage: a stray blob nobody references and the blobs of
 * a deleted image. The root is prepared with distribution 2.8 (push, delete), so the test depends on
 * nothing of skiff but gc and serve.
 */
class SkiffRegistryGcTest {

    @TempDir
    Path tmp;
    Path root;
    Skopeo skopeo;
    BuiltImage kept;
    BuiltIndex keptIndex;
    BuiltImage deleted;
    String stray;

    @BeforeEach
    void prepareRootWithGarbage() throws IOException {
        root = tmp.resolve("root");
        skopeo = new Skopeo(tmp.resolve("skopeo"));
        OciLayout layout = OciLayout.create(tmp.resolve("layout"));
        kept = TestImages.small(layout, 51, Platform.LINUX_AMD64);
        keptIndex = TestImages.multiArch(layout, 52);
        deleted = TestImages.small(layout, 53, Platform.LINUX_AMD64);
        layout.tag("kept", kept).tag("index", keptIndex).tag("deleted", deleted);

        try (DistributionRegistryProcess distribution = DistributionRegistryProcess.start(root, tmp)) {
            skopeo.copy(layout.reference("kept"), distribution.ref("alice/app:kept")).assertSuccess();
            skopeo.copy(layout.reference("index"), distribution.ref("alice/multi:1"), "--all").assertSuccess();
            skopeo.copy(layout.reference("deleted"), distribution.ref("alice/app:deleted")).assertSuccess();
            skopeo.delete(distribution.ref("alice/app:deleted")).assertSuccess();
        }

        byte[] strayBytes = new byte[10_000];
        new Random(54).nextBytes(strayBytes);
        stray = Digests.sha256(strayBytes);
        Path strayData = blobData(root, stray);
        Files.createDirectories(strayData.getParent());
        Files.write(strayData, strayBytes);
        ageEverythingUnder(root, Duration.ofDays(2));
    }

    /**
     * Skiff's gc is safe while the registry serves, so it keeps anything modified within a grace
     * period (a push in flight may not have linked its blobs yet). The garbage here stands for
     * garbage that has lain around for days, so its files are dated back, as they would be.
     */
    private static void ageEverythingUnder(Path root, Duration age) throws IOException {
        FileTime then = FileTime.from(Instant.now().minus(age));
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.toList()) {
                Files.setLastModifiedTime(path, then);
            }
        }
    }

    @Test
    void dryRunReportsUnreferencedBlobsAndDeletesNothing() {
        TreeSet<String> before = Pulled.filesUnder(root);

        CommandResult gc = SkiffRegistryProcess.gc(root, true).assertSuccess();

        assertThat(gc.output()).as(gc.describe()).contains(Digests.hex(stray));
        for (String digest : deleted.allBlobs()) {
            assertThat(gc.output()).as("dry run should name %s of the deleted image\n%s", digest, gc.describe())
                    .contains(Digests.hex(digest));
        }
        // Deletes nothing; taking gc's cross-process lock may leave a lock file, which is no loss.
        assertThat(Pulled.filesUnder(root)).as("files under the root after gc --dry-run").containsAll(before);
    }

    @Test
    void gcDeletesUnreferencedBlobsAndKeepsEverythingStillNeeded() {
        SkiffRegistryProcess.gc(root, false).assertSuccess();

        assertThat(blobData(root, stray)).doesNotExist();
        for (String digest : deleted.allBlobs()) {
            assertThat(blobData(root, digest)).as("blob %s of the deleted image", digest).doesNotExist();
        }
        for (String digest : kept.allBlobs()) {
            assertThat(blobData(root, digest)).as("blob %s of the kept image", digest).exists();
        }
        for (String digest : keptIndex.allBlobs()) {
            assertThat(blobData(root, digest)).as("blob %s of the kept index (or one of its manifests)", digest).exists();
        }

        try (SkiffRegistryProcess registry = SkiffRegistryProcess.serving(root).start()) {
            assertImageIdentical(skopeo, registry.ref("alice/app:kept"), kept, tmp.resolve("pulled"));
            Pulled.assertIndexIdentical(skopeo, registry.ref("alice/multi:1"), keptIndex, tmp.resolve("pulled-index"));
            CommandResult gone = skopeo.inspectRaw(registry.ref("alice/app@" + deleted.manifestDigest())).assertFailure();
            assertThat(gone.stderr()).as(gone.describe()).containsIgnoringCase("manifest unknown");
        }
    }
}
