package dev.skiff.cli;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** cp's archives: what goes to the daemon, and where what comes back lands (docker's naming rules). */
class ContainerCopyTest {
    @Test
    void packsATreeUnderItsNewNameAndUnpacksItRenamed(@TempDir Path tmp) throws Exception {
        Path src = Files.createDirectories(tmp.resolve("src/sub"));
        Files.writeString(src.resolve("f.txt"), "hello");
        Files.createSymbolicLink(src.resolve("link"), Path.of("f.txt"));
        Path tar = tmp.resolve("a.tar");
        ContainerCopy.pack(tmp.resolve("src"), "dest", tar, false);

        Path out = Files.createDirectories(tmp.resolve("out"));
        long bytes;
        try (InputStream in = Files.newInputStream(tar)) {
            bytes = ContainerCopy.extract(in, out, "dest", "renamed");
        }
        assertThat(bytes).isEqualTo(5);
        assertThat(Files.readString(out.resolve("renamed/sub/f.txt"))).isEqualTo("hello");
        assertThat(Files.readSymbolicLink(out.resolve("renamed/sub/link"))).isEqualTo(Path.of("f.txt"));

        Path into = Files.createDirectories(tmp.resolve("into"));
        try (InputStream in = Files.newInputStream(tar)) {
            ContainerCopy.extract(in, into, "dest", null);
        }
        assertThat(Files.readString(into.resolve("dest/sub/f.txt"))).isEqualTo("hello");
    }

    @Test
    void anEntryOutsideTheDestinationIsRefused(@TempDir Path tmp) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes)) {
            TarArchiveEntry e = new TarArchiveEntry("../escape.txt");
            byte[] data = "x".getBytes(StandardCharsets.UTF_8);
            e.setSize(data.length);
            tar.putArchiveEntry(e);
            tar.write(data);
            tar.closeArchiveEntry();
        }
        Path out = Files.createDirectories(tmp.resolve("out"));
        assertThatThrownBy(() -> ContainerCopy.extract(new ByteArrayInputStream(bytes.toByteArray()), out, "x", null))
                .isInstanceOf(Cli.UserError.class).hasMessageContaining("outside the destination");
        assertThat(tmp.resolve("escape.txt")).doesNotExist();
    }

    @Test
    void containerPathsAreNameColonPath() {
        assertThat(ContainerCopy.containerColon("web:/etc/hosts")).isEqualTo(3);
        assertThat(ContainerCopy.containerColon("/tmp/a:b")).isEqualTo(-1);
        assertThat(ContainerCopy.containerColon("./a:b")).isEqualTo(-1);
        assertThat(ContainerCopy.containerColon("file.txt")).isEqualTo(-1);
    }
}
