package dev.skiff.it.support;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fixtures are what they claim, checked by reading them back independently of how they were written. */
class TestImagesTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void configDiffIdsAreTheDigestsOfTheUncompressedLayers() throws IOException {
        OciLayout layout = OciLayout.create(tmp);
        BuiltImage image = TestImages.busyboxMultiLayer(layout, 1);

        JsonNode manifest = JSON.readTree(layout.blob(image.manifestDigest()));
        JsonNode config = JSON.readTree(layout.blob(manifest.path("config").path("digest").asText()));
        List<String> diffIds = new ArrayList<>();
        for (JsonNode layer : manifest.path("layers")) {
            byte[] compressed = layout.blob(layer.path("digest").asText());
            assertThat(compressed).hasSize(layer.path("size").asInt());
            diffIds.add(Digests.sha256(new GZIPInputStream(new ByteArrayInputStream(compressed)).readAllBytes()));
        }
        List<String> configured = new ArrayList<>();
        config.path("rootfs").path("diff_ids").forEach(d -> configured.add(d.asText()));
        assertThat(configured).containsExactlyElementsOf(diffIds).hasSize(5);
        assertThat(layout.blobDigests()).containsExactlyInAnyOrderElementsOf(image.allBlobs());
    }

    @Test
    void busyboxLayerHoldsTheExecutableAndItsShellLink() throws IOException {
        Layer layer = TestImages.busyboxLayer();

        Map<String, TarArchiveEntry> entries = new HashMap<>();
        try (TarArchiveInputStream tar = new TarArchiveInputStream(new GZIPInputStream(
                new ByteArrayInputStream(layer.compressed())))) {
            for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
                entries.put(e.getName(), e);
            }
        }
        assertThat(entries.get("bin/busybox").getMode() & 0777).isEqualTo(0755);
        assertThat(entries.get("bin/busybox").getSize()).isGreaterThan(500_000);
        assertThat(entries.get("bin/sh").isSymbolicLink()).isTrue();
        assertThat(entries.get("bin/sh").getLinkName()).isEqualTo("busybox");
    }

    @Test
    void indexNamesBothPlatformsAndSeedsGiveDistinctImages() throws IOException {
        OciLayout layout = OciLayout.create(tmp);
        BuiltIndex index = TestImages.multiArch(layout, 7);

        JsonNode json = JSON.readTree(index.index());
        List<String> platforms = new ArrayList<>();
        json.path("manifests").forEach(m -> platforms.add(
                m.path("platform").path("os").asText() + "/" + m.path("platform").path("architecture").asText()));
        assertThat(platforms).containsExactly("linux/amd64", "linux/arm64");
        assertThat(TestImages.small(layout, 8, Platform.LINUX_AMD64).manifestDigest())
                .isNotEqualTo(TestImages.small(layout, 9, Platform.LINUX_AMD64).manifestDigest())
                .isEqualTo(TestImages.small(OciLayout.create(tmp.resolve("again")), 8, Platform.LINUX_AMD64).manifestDigest());
    }
}
