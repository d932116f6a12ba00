package dev.skiff.it.daemon;

import dev.skiff.it.registry.SkiffRegistryProcess;
import dev.skiff.it.registry.Skopeo;
import dev.skiff.it.support.BuiltImage;
import dev.skiff.it.support.CommandResult;
import dev.skiff.it.support.FlakyProxy;
import dev.skiff.it.support.OciLayout;
import dev.skiff.it.support.Platform;
import dev.skiff.it.support.ServerProcess;
import dev.skiff.it.support.TestImages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Pulls over a network that drops or stalls, and a daemon killed in the middle of one. */
class PullFaultsTest {
    private static final int LAYER = 3 * 1024 * 1024;

    @TempDir
    Path tmp;

    private BuiltImage pushBigImage(SkiffRegistryProcess registry, String repository) {
        OciLayout layout = OciLayout.create(tmp.resolve("layout"));
        BuiltImage image = layout.writeImage(Platform.LINUX_AMD64, TestImages.randomLayers(77, LAYER, LAYER), "big");
        layout.tag("big", image);
        new Skopeo(tmp.resolve("skopeo")).copy(layout.reference("big"), registry.ref(repository)).assertSuccess();
        return image;
    }

    @Test
    void aDownloadCutOffMidwayIsResumedWithARangedGet() throws Exception {
        Path socket = tmp.resolve("skiff.sock");
        try (SkiffRegistryProcess registry = SkiffRegistryProcess.serving(tmp.resolve("registry")).start();
             ServerProcess daemon = DaemonHarness.start(tmp, socket)) {
            BuiltImage image = pushBigImage(registry, "alice/big:1");
            // each layer's answer is reset once after 1 MiB; without resuming, the pull fails
            try (FlakyProxy proxy = FlakyProxy.cutting(registry.address(), 1024 * 1024, 2)) {
                String ref = proxy.address() + "/alice/big:1";
                CommandResult pull = DaemonHarness.skiff(socket, "pull", ref);
                assertThat(pull.exitCode()).as(pull + daemon.describe()).isZero();
                assertThat(proxy.faultsMade()).isEqualTo(2);
                assertThat(DaemonHarness.skiff(socket, "image", "inspect", "-f", "{{.Id}} {{len .RootFS.Layers}}", ref)
                        .assertSuccess().stdout().strip()).isEqualTo(image.configDigest() + " 2");
            }
            assertThat(registry.describe()).as("the registry answered ranged requests").containsPattern("\"GET /v2/alice/big/blobs/sha256:[0-9a-f]+\" 206 ");
        }
    }

    @Test
    void aDaemonKilledDuringAPullLeavesNothingHalfDoneAndThePullSucceedsAfterARestart() throws Exception {
        Path socket = tmp.resolve("skiff.sock");
        Path data = tmp.resolve("data");
        try (SkiffRegistryProcess registry = SkiffRegistryProcess.serving(tmp.resolve("registry")).start()) {
            BuiltImage image = pushBigImage(registry, "alice/big:1");
            try (FlakyProxy proxy = FlakyProxy.stalling(registry.address(), 1024 * 1024)) {
                String ref = proxy.address() + "/alice/big:1";
                try (ServerProcess daemon = DaemonHarness.start(tmp, socket)) {
                    CompletableFuture<CommandResult> pull = CompletableFuture.supplyAsync(() -> DaemonHarness.skiff(socket, "pull", ref));
                    assertThat(proxy.awaitFault(Duration.ofSeconds(60))).as(daemon.describe()).isTrue();
                    Thread.sleep(300); // the daemon is now writing the stalled layer into its ingest area
                    ProcessHandle.of(daemon.pid()).orElseThrow().destroyForcibly();
                    assertThat(daemon.awaitExit(Duration.ofSeconds(10))).isTrue();
                    assertThat(pull.get().exitCode()).isNotZero();
                }
                assertThat(files(data.resolve("content/ingest"))).as("a partial download was left").isNotEmpty();
                try (ServerProcess daemon = DaemonHarness.start(tmp, socket)) {
                    assertThat(files(data.resolve("content/ingest"))).as("the restart cleans the ingest area").isEmpty();
                    assertThat(DaemonHarness.skiff(socket, "images", "-q").assertSuccess().stdout()).isBlank();
                    // the same pull, straight from the registry this time
                    String direct = registry.address() + "/alice/big:1";
                    CommandResult again = DaemonHarness.skiff(socket, "pull", direct);
                    assertThat(again.exitCode()).as(again + daemon.describe()).isZero();
                    assertThat(DaemonHarness.skiff(socket, "image", "inspect", "-f", "{{.Id}}", direct).assertSuccess().stdout().strip())
                            .isEqualTo(image.configDigest());
                }
            }
        }
    }

    private static java.util.List<Path> files(Path dir) throws Exception {
        if (!Files.isDirectory(dir)) {
            return java.util.List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.toList();
        }
    }
}
