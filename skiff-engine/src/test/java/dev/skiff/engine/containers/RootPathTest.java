package dev.skiff.engine.containers;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** Container paths resolve inside the root whatever links and {@code ..} say. */
class RootPathTest {
    @TempDir
    Path tmp;

    @Test
    void linksAndDotDotStayInsideTheRoot() throws Exception {
        Path root = tmp.resolve("root");
        Path outside = tmp.resolve("outside");
        Files.createDirectories(root.resolve("etc"));
        Files.createDirectories(outside);
        Files.writeString(outside.resolve("secret"), "host");
        Files.createSymbolicLink(root.resolve("abs"), outside);                      // -> /tmp/.../outside
        Files.createSymbolicLink(root.resolve("rel"), Path.of("../../../../" + outside)); // climbs
        Files.createSymbolicLink(root.resolve("etc/up"), Path.of("../.."));

        assertThat(RootPath.resolve(root, "/abs/secret")).isEqualTo(root.resolve(outside.toString().substring(1)).resolve("secret"));
        assertThat(RootPath.resolve(root, "/rel/secret").toString()).startsWith(root + "/");
        assertThat(RootPath.resolve(root, "/../../../etc")).isEqualTo(root.resolve("etc"));
        assertThat(RootPath.resolve(root, "/etc/up/etc")).isEqualTo(root.resolve("etc"));
        assertThat(Files.exists(RootPath.resolve(root, "/abs/secret"))).isFalse();
    }

    @Test
    void theLastLinkIsKeptWhenAsked() throws Exception {
        Path root = tmp.resolve("root");
        Files.createDirectories(root.resolve("bin"));
        Files.createSymbolicLink(root.resolve("bin/sh"), Path.of("busybox"));
        assertThat(RootPath.resolve(root, "/bin/sh", false)).isEqualTo(root.resolve("bin/sh"));
        assertThat(RootPath.resolve(root, "/bin/sh", true)).isEqualTo(root.resolve("bin/busybox"));
    }

    @Test
    void linkLoopsEnd() throws Exception {
        Path root = tmp.resolve("root");
        Files.createDirectories(root);
        Files.createSymbolicLink(root.resolve("a"), Path.of("b"));
        Files.createSymbolicLink(root.resolve("b"), Path.of("a"));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> RootPath.resolve(root, "/a/x"))
                .hasMessageContaining("too many levels");
    }

    @Test
    void goFileModeBits() {
        assertThat(ContainerFiles.goMode(0040755)).isEqualTo((1L << 31) | 0755);
        assertThat(ContainerFiles.goMode(0120777)).isEqualTo((1L << 27) | 0777);
        assertThat(ContainerFiles.goMode(0104755)).isEqualTo((1L << 23) | 0755);
        assertThat(ContainerFiles.baseName("/tmp/d/")).isEqualTo("d");
    }
}
