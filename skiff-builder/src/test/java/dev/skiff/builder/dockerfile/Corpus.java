package dev.skiff.builder.dockerfile;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** BuildKit's Dockerfile test data, copied byte for byte under src/test/resources/buildkit-testdata. */
final class Corpus {
    private Corpus() {
    }

    static Path root() {
        URL url = Corpus.class.getResource("/buildkit-testdata/README.md");
        if (url == null) {
            throw new IllegalStateException("buildkit-testdata is missing from the test class path");
        }
        try {
            return Path.of(url.toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The case folders under {@code parser/<folder>}, sorted by name. */
    static List<Path> cases(String folder) {
        try (Stream<Path> dirs = Files.list(root().resolve("parser").resolve(folder))) {
            return dirs.filter(Files::isDirectory).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<String> lines(String relative) {
        try {
            return Files.readAllLines(root().resolve(relative), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
