package dev.skiff.engine.images;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * {@code docker import}'s options.
 *
 * @param reference    a full tag reference to give the image ({@code docker.io/library/busybox:latest})
 * @param changes      Dockerfile instructions to apply to the config ({@code -c}); see {@link ConfigChanges}
 * @param message      the history comment ({@code -m}); Docker's default is {@code Imported from -}
 * @param created      the image's creation time (Docker takes the current time)
 * @param os           the platform: {@code linux}
 * @param architecture {@code amd64}, {@code arm64}, ...
 */
public record ImportOptions(Optional<String> reference, List<String> changes, Optional<String> message,
                            Instant created, String os, String architecture) {
    public ImportOptions {
        changes = List.copyOf(changes);
        if (reference == null || message == null || created == null || os == null || architecture == null) {
            throw new IllegalArgumentException("import options must not be null; use Optional.empty() for none");
        }
    }

    /** Untagged, no changes, created now, for this machine's architecture. */
    public static ImportOptions defaults() {
        return new ImportOptions(Optional.empty(), List.of(), Optional.empty(), Instant.now(), "linux",
                hostArchitecture());
    }

    public ImportOptions withReference(String fullReference) {
        return new ImportOptions(Optional.of(fullReference), changes, message, created, os, architecture);
    }

    public ImportOptions withChanges(List<String> c) {
        return new ImportOptions(reference, c, message, created, os, architecture);
    }

    public ImportOptions withMessage(String m) {
        return new ImportOptions(reference, changes, Optional.of(m), created, os, architecture);
    }

    public ImportOptions withCreated(Instant t) {
        return new ImportOptions(reference, changes, message, t, os, architecture);
    }

    /** This JVM's architecture in Go's GOARCH words, which image platforms use. */
    public static String hostArchitecture() {
        return switch (System.getProperty("os.arch")) {
            case "amd64", "x86_64" -> "amd64";
            case "aarch64", "arm64" -> "arm64";
            case "arm" -> "arm";
            case "ppc64le" -> "ppc64le";
            case "s390x" -> "s390x";
            case "riscv64" -> "riscv64";
            case String other -> other;
        };
    }
}
