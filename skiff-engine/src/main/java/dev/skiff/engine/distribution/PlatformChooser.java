package dev.skiff.engine.distribution;

import dev.skiff.formats.Descriptor;
import dev.skiff.formats.Manifest;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** Picks the entry of an index that this machine runs: linux and its architecture, as Go names it. */
final class PlatformChooser {
    private PlatformChooser() {
    }

    /** This JVM's architecture in Go's (and the OCI's) words. */
    static String hostArchitecture() {
        String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
        return switch (arch) {
            case "x86_64", "amd64" -> "amd64";
            case "aarch64", "arm64" -> "arm64";
            case "arm" -> "arm";
            case "ppc64le" -> "ppc64le";
            case "s390x" -> "s390x";
            case "riscv64" -> "riscv64";
            case "x86", "i386", "i686" -> "386";
            default -> arch;
        };
    }

    /**
     * The first image manifest for {@code os}/{@code architecture}; entries without a platform
     * (attestations, artifacts) are never chosen.
     *
     * @throws DistributionException naming the platforms the index has, when none fits
     */
    static Descriptor choose(Manifest.Index index, String os, String architecture, String imageName) {
        Optional<Descriptor> match = index.manifests().stream()
                .filter(d -> d.platform().isPresent())
                .filter(d -> d.platform().get().os().equals(os) && d.platform().get().architecture().equals(architecture))
                .findFirst();
        if (match.isPresent()) {
            return match.get();
        }
        List<String> available = index.manifests().stream().flatMap(d -> d.platform().stream())
                .map(Descriptor.Platform::toString).distinct().toList();
        throw new DistributionException("no matching manifest for " + os + "/" + architecture + " in the manifest list entries of "
                + imageName + (available.isEmpty() ? " (it names no platforms)" : "; it has " + String.join(", ", available))
                + "; pull an image built for " + os + "/" + architecture);
    }
}
