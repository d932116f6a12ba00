package dev.skiff.it.registry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.it.support.BuiltImage;
import dev.skiff.it.support.BuiltIndex;
import dev.skiff.it.support.CommandResult;
import dev.skiff.it.support.ExternalCommand;
import dev.skiff.it.support.OciLayout;
import dev.skiff.it.support.RequiredTool;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;

/** Checks on what a registry hands back: pulled with skopeo into a fresh OCI layout and compared byte for byte. */
final class Pulled {

    private Pulled() {
    }

    /** Pulls {@code ref} into {@code dest} and checks that manifest and blobs are exactly {@code expected}'s. */
    static void assertImageIdentical(Skopeo skopeo, String ref, BuiltImage expected, Path dest, String... options) {
        CommandResult pull = skopeo.copy(ref, "oci:" + dest + ":pulled", options).assertSuccess();
        OciLayout pulled = OciLayout.open(dest);
        assertThat(pulled.digestOf("pulled")).as("manifest digest after pulling %s\n%s", ref, pull.describe())
                .isEqualTo(expected.manifestDigest());
        assertThat(pulled.blob(expected.manifestDigest())).as("manifest bytes pulled from %s", ref)
                .isEqualTo(expected.manifest());
        assertThat(pulled.blobDigests()).as("blobs pulled from %s", ref)
                .containsExactlyInAnyOrderElementsOf(expected.allBlobs());
    }

    /** Pulls an image index with all its platforms and checks every manifest and blob. */
    static void assertIndexIdentical(Skopeo skopeo, String ref, BuiltIndex expected, Path dest, String... options) {
        String[] all = Stream.concat(Stream.of("--all"), Stream.of(options)).toArray(String[]::new);
        CommandResult pull = skopeo.copy(ref, "oci:" + dest + ":pulled", all).assertSuccess();
        OciLayout pulled = OciLayout.open(dest);
        assertThat(pulled.digestOf("pulled")).as("index digest after pulling %s\n%s", ref, pull.describe())
                .isEqualTo(expected.indexDigest());
        assertThat(pulled.blob(expected.indexDigest())).as("index bytes pulled from %s", ref).isEqualTo(expected.index());
        for (BuiltImage image : expected.images()) {
            assertThat(pulled.blob(image.manifestDigest())).as("%s manifest bytes", image.platform())
                    .isEqualTo(image.manifest());
        }
        assertThat(pulled.blobDigests()).as("blobs pulled from %s", ref)
                .containsExactlyInAnyOrderElementsOf(expected.allBlobs());
    }

    /** {@code skopeo inspect --raw} must return exactly these bytes. */
    static void assertRawManifest(Skopeo skopeo, String ref, byte[] expected, String... options) {
        CommandResult raw = skopeo.inspectRaw(ref, options).assertSuccess();
        assertThat(raw.stdout()).as("skopeo inspect --raw %s", ref).isEqualTo(new String(expected, StandardCharsets.UTF_8));
    }

    /** Every regular file under a registry root, relative, for "nothing changed" checks. */
    static TreeSet<String> filesUnder(Path root) {
        try (Stream<Path> files = Files.walk(root)) {
            TreeSet<String> names = new TreeSet<>();
            files.filter(Files::isRegularFile).forEach(f -> names.add(root.relativize(f).toString()));
            return names;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A blob's data file in CNCF distribution's layout. */
    static Path blobData(Path root, String digest) {
        String hex = digest.substring("sha256:".length());
        return root.resolve("docker/registry/v2/blobs/sha256").resolve(hex.substring(0, 2)).resolve(hex).resolve("data");
    }

    /** An htpasswd file written by Apache's own tool with bcrypt ({@code htpasswd -B}), from user/password pairs. */
    static Path apacheHtpasswd(Path file, String... userPasswordPairs) {
        for (int i = 0; i < userPasswordPairs.length; i += 2) {
            List<String> command = new ArrayList<>(List.of(RequiredTool.HTPASSWD.command(), "-B", "-b"));
            if (!Files.exists(file)) {
                command.add("-c");
            }
            command.addAll(List.of(file.toString(), userPasswordPairs[i], userPasswordPairs[i + 1]));
            ExternalCommand.of(command).run().assertSuccess();
        }
        return file;
    }
}
