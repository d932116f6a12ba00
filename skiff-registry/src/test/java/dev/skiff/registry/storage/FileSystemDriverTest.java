package dev.skiff.registry.storage;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

class FileSystemDriverTest extends StorageDriverContract {
    @TempDir
    Path root;

    @Override
    StorageDriver driver() {
        return new FileSystemDriver(root);
    }

    @Test
    void writesTheVeryPathsDistributionUses() throws Exception {
        new FileSystemDriver(root).putContent("/docker/registry/v2/repositories/alice/app/_layers/sha256/ab/link", "sha256:ab".getBytes());
        assertThat(root.resolve("docker/registry/v2/repositories/alice/app/_layers/sha256/ab/link")).hasContent("sha256:ab");
    }

    @Test
    void leavesNoTemporaryFilesBehind() throws Exception {
        FileSystemDriver d = new FileSystemDriver(root);
        for (int i = 0; i < 20; i++) {
            d.putContent("/x/link", new byte[] {(byte) i});
        }
        try (Stream<Path> files = Files.list(root.resolve("x"))) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("link");
        }
    }
}
