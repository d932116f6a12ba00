package dev.skiff.it.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skiff.it.support.ExternalCommand;
import dev.skiff.it.support.RequiredTool;
import dev.skiff.it.support.ServerProcess;
import dev.skiff.it.support.TestImages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The daemon unpacks what it imports into {@code <data-root>/snapshots}, removes the snapshot with
 * the image, and after a kill -9 its next start removes half-unpacked layers and layers no image has.
 */
class SnapshotsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void importUnpacksTheLayerAndRmiRemovesIt() throws Exception {
        Path socket = tmp.resolve("skiff.sock");
        Path tar = tmp.resolve("busybox.tar");
        Files.write(tar, TestImages.busyboxLayer().tar());
        Path snapshots = tmp.resolve("data/snapshots");
        try (ServerProcess daemon = DaemonHarness.start(tmp, socket)) {
            DaemonHarness.skiff(socket, "import", tar.toString(), "busybox:snap").assertSuccess();
            String layers = DaemonHarness.skiff(socket, "image", "inspect", "-f", "{{json .RootFS.Layers}}", "busybox:snap")
                    .assertSuccess().stdout().strip();
            String diffId = JSON.readTree(layers).get(0).asText();

            assertThat(numbered(snapshots)).containsExactly("1");
            Path fs = snapshots.resolve("1/fs");
            JsonNode meta = JSON.readTree(snapshots.resolve("1/snapshot.json").toFile());
            assertThat(meta.get("chainId").asText()).isEqualTo(diffId); // a bottom layer's chain ID is its diff_id
            // its size as dockerd counts it: busybox's bytes and its two links' targets ("busybox", 7 each)
            long size = Files.size(RequiredTool.BUSYBOX.path().toRealPath()) + 7 + 7;
            assertThat(meta.get("size").asLong()).isEqualTo(size);
            assertThat(DaemonHarness.skiff(socket, "image", "inspect", "-f", "{{.Size}}", "busybox:snap").assertSuccess().stdout())
                    .isEqualTo(size + "\n");
            assertThat(Files.mismatch(fs.resolve("bin/busybox"), RequiredTool.BUSYBOX.path().toRealPath())).isEqualTo(-1);
            assertThat(Files.getAttribute(fs.resolve("bin/busybox"), "unix:mode")).isEqualTo(0100755);
            assertThat(Files.readSymbolicLink(fs.resolve("bin/sh"))).isEqualTo(Path.of("busybox"));
            // the unpacked busybox runs: the snapshot is a usable root file system
            ExternalCommand.of(fs.resolve("bin/busybox").toString(), "true").run().assertSuccess();

            // a second name for the image keeps the snapshot; the last one removes it
            DaemonHarness.skiff(socket, "tag", "busybox:snap", "busybox:other").assertSuccess();
            DaemonHarness.skiff(socket, "rmi", "busybox:snap").assertSuccess();
            assertThat(numbered(snapshots)).containsExactly("1");
            DaemonHarness.skiff(socket, "rmi", "busybox:other").assertSuccess();
            assertThat(numbered(snapshots)).isEmpty();
            assertThat(daemon.isAlive()).isTrue();
        }
    }

    @Test
    void afterKill9TheNextStartRemovesHalfUnpackedAndOrphanedSnapshots() throws Exception {
        Path socket = tmp.resolve("skiff.sock");
        Path tar = tmp.resolve("busybox.tar");
        Files.write(tar, TestImages.busyboxLayer().tar());
        Path snapshots = tmp.resolve("data/snapshots");
        String orphanId;
        try (ServerProcess daemon = DaemonHarness.start(tmp, socket)) {
            DaemonHarness.skiff(socket, "import", tar.toString(), "busybox:kept").assertSuccess();
            Path other = tmp.resolve("other.tar");
            ExternalCommand.of("tar", "-C", tmp.toString(), "-cf", other.toString(), "busybox.tar").run().assertSuccess();
            orphanId = DaemonHarness.skiff(socket, "import", other.toString()).assertSuccess().stdout().strip();
            assertThat(numbered(snapshots)).containsExactly("1", "2");

            ExternalCommand.of("kill", "-9", Long.toString(daemon.pid())).run().assertSuccess();
            assertThat(daemon.awaitExit(Duration.ofSeconds(30))).isTrue();
        }
        // what a kill midway would leave: an unpack in progress, and a layer unpacked for an image never recorded
        Files.createDirectories(snapshots.resolve("tmp-2f6e1c/fs/usr/lib"));
        Files.writeString(snapshots.resolve("tmp-2f6e1c/fs/usr/lib/libhalf.so"), "half");
        Files.delete(tmp.resolve("data/images/by-id/" + orphanId.substring("sha256:".length()) + ".json"));

        try (ServerProcess daemon = DaemonHarness.start(tmp, socket)) {
            try (Stream<Path> entries = Files.list(snapshots)) {
                assertThat(entries.map(p -> p.getFileName().toString())).containsExactly("1");
            }
            assertThat(Files.isRegularFile(snapshots.resolve("1/fs/bin/busybox"), LinkOption.NOFOLLOW_LINKS)).isTrue();
            DaemonHarness.skiff(socket, "rmi", "busybox:kept").assertSuccess();
            assertThat(numbered(snapshots)).isEmpty();
        }
    }

    @Test
    void aDataRootFromBeforeSizesWereKeptShowsTheUnpackedSizesAfterTheNextStart() throws Exception {
        Path socket = tmp.resolve("skiff.sock");
        Path tar = tmp.resolve("busybox.tar");
        Files.write(tar, TestImages.busyboxLayer().tar());
        Path snapshots = tmp.resolve("data/snapshots");
        long size = Files.size(RequiredTool.BUSYBOX.path().toRealPath()) + 7 + 7;
        String id;
        try (ServerProcess daemon = DaemonHarness.start(tmp, socket)) {
            id = DaemonHarness.skiff(socket, "import", tar.toString(), "busybox:old").assertSuccess().stdout().strip();
        }
        // what an older skiff wrote: no size in the snapshot's metadata, the tar sizes alone in the image's record
        Path meta = snapshots.resolve("1/snapshot.json");
        ObjectNode snapshot = (ObjectNode) JSON.readTree(meta.toFile());
        snapshot.remove("size");
        Files.write(meta, JSON.writeValueAsBytes(snapshot));
        Path record = tmp.resolve("data/images/by-id/" + id.substring("sha256:".length()) + ".json");
        ObjectNode image = (ObjectNode) JSON.readTree(record.toFile());
        ((ObjectNode) image.get("layers").get(0)).remove("unpacked_size");
        image.put("size", Files.size(tar));
        Files.write(record, JSON.writeValueAsBytes(image));

        try (ServerProcess daemon = DaemonHarness.start(tmp, socket)) {
            assertThat(DaemonHarness.docker(tmp, socket, "image", "inspect", "-f", "{{.Size}}", "busybox:old").assertSuccess().stdout())
                    .isEqualTo(size + "\n");
            assertThat(DaemonHarness.docker(tmp, socket, "history", "-H=false", "--format", "{{.Size}}", "busybox:old").assertSuccess().stdout())
                    .isEqualTo(size + "\n");
            // measured once: both files have it now
            assertThat(JSON.readTree(meta.toFile()).path("size").asLong()).isEqualTo(size);
            assertThat(JSON.readTree(record.toFile()).path("layers").get(0).path("unpacked_size").asLong()).isEqualTo(size);
        }
    }

    private static List<String> numbered(Path snapshots) throws Exception {
        try (Stream<Path> entries = Files.list(snapshots)) {
            return entries.map(p -> p.getFileName().toString()).filter(n -> n.matches("[0-9]+")).sorted().toList();
        }
    }
}
