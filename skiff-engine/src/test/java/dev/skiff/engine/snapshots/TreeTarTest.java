package dev.skiff.engine.snapshots;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** An overlay upper dir becomes OCI whiteouts; a plain tree round-trips. */
class TreeTarTest {
    @TempDir
    Path tmp;

    @Test
    void overlayWhiteoutsAndOpaqueDirsBecomeOciEntries() throws Exception {
        Assumptions.assumeTrue(LinuxCalls.isRoot(), "whiteouts (mknod) and trusted.* xattrs need root");
        Path upper = tmp.resolve("upper");
        Files.createDirectories(upper.resolve("d"));
        Files.writeString(upper.resolve("d/kept"), "k");
        LinuxCalls.mknod(upper.resolve("gone"), LinuxCalls.S_IFCHR, 0, 0, 0);
        LinuxCalls.lsetxattr(upper.resolve("d"), LayerApplier.OPAQUE_XATTR, "y".getBytes(StandardCharsets.UTF_8));

        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        TarArchiveOutputStream tar = TreeTar.output(bytes);
        TreeTar.write(upper, "", tar, TreeTar.Mode.OVERLAY_DIFF, p -> false);
        tar.finish();
        assertThat(names(bytes.toByteArray())).containsExactly("d/", "d/.wh..wh..opq", "d/kept", ".wh.gone");

        // and back: the applier turns them into overlay whiteouts again
        Path again = tmp.resolve("again");
        Files.createDirectories(again);
        TreeTar.extract(new ByteArrayInputStream(bytes.toByteArray()), again);
        assertThat((Integer) Files.getAttribute(again.resolve("gone"), "unix:mode", java.nio.file.LinkOption.NOFOLLOW_LINKS) & 0170000)
                .isEqualTo(LinuxCalls.S_IFCHR);
        assertThat(LinuxCalls.lgetxattr(again.resolve("d"), LayerApplier.OPAQUE_XATTR)).hasValueSatisfying(v -> assertThat(v).containsExactly('y'));
    }

    @Test
    void plainTreeKeepsLinksAsLinks() throws Exception {
        Path src = tmp.resolve("src");
        Files.createDirectories(src.resolve("a"));
        Files.writeString(src.resolve("a/f"), "x");
        Files.createSymbolicLink(src.resolve("a/l"), Path.of("/no/such/target"));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        TarArchiveOutputStream tar = TreeTar.output(bytes);
        TreeTar.write(src.resolve("a"), "a", tar, TreeTar.Mode.PLAIN, p -> false);
        tar.finish();
        assertThat(names(bytes.toByteArray())).containsExactly("a/", "a/f", "a/l");
        try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            in.getNextEntry();
            in.getNextEntry();
            TarArchiveEntry link = in.getNextEntry();
            assertThat(link.isSymbolicLink()).isTrue();
            assertThat(link.getLinkName()).isEqualTo("/no/such/target");
        }
    }

    private static List<String> names(byte[] tar) throws Exception {
        List<String> out = new ArrayList<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(tar))) {
            for (TarArchiveEntry e; (e = in.getNextEntry()) != null; ) {
                out.add(e.getName());
            }
        }
        return out;
    }
}
