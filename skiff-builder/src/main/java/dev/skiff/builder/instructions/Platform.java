package dev.skiff.builder.instructions;

import dev.skiff.builder.dockerfile.DockerfileException;

import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * An OCI platform, {@code os/architecture[/variant]}, normalized as containerd's {@code platforms}
 * package does ({@code aarch64} is {@code arm64}, {@code x86_64} is {@code amd64}, {@code arm64/v8}
 * is plain {@code arm64}, {@code arm} is {@code arm/v7}).
 */
public record Platform(String os, String architecture, Optional<String> variant) {
    public Platform {
        Objects.requireNonNull(os, "os");
        Objects.requireNonNull(architecture, "architecture");
        variant = variant.filter(v -> !v.isEmpty());
    }

    public static Platform of(String os, String architecture) {
        return new Platform(os, architecture, Optional.empty());
    }

    /**
     * Reads {@code linux/amd64}, {@code linux/arm/v7}, or a bare architecture ({@code arm64}, taken
     * as Linux).
     *
     * @throws DockerfileException when the text is not a platform
     */
    public static Platform parse(String text) {
        String[] parts = text.split("/", -1);
        for (String part : parts) {
            if (!part.matches("[A-Za-z0-9_.-]+")) {
                throw new DockerfileException(GoStrings.quote(text)
                        + ": invalid platform; write os/arch[/variant], such as linux/amd64 or linux/arm64");
            }
        }
        return switch (parts.length) {
            case 1 -> {
                String arch = parts[0].toLowerCase(Locale.ROOT);
                if (arch.equals("linux") || arch.equals("windows") || arch.equals("darwin")) {
                    throw new DockerfileException(GoStrings.quote(text)
                            + ": an operating system alone is no platform; add the architecture, as in linux/amd64");
                }
                yield normalize("linux", arch, "");
            }
            case 2 -> normalize(parts[0], parts[1], "");
            case 3 -> normalize(parts[0], parts[1], parts[2]);
            default -> throw new DockerfileException(GoStrings.quote(text)
                    + ": invalid platform; write os/arch[/variant], such as linux/arm/v7");
        };
    }

    private static Platform normalize(String os, String arch, String variant) {
        String o = os.toLowerCase(Locale.ROOT);
        if (o.equals("macos")) {
            o = "darwin";
        }
        String a = arch.toLowerCase(Locale.ROOT);
        String v = variant.toLowerCase(Locale.ROOT);
        switch (a) {
            case "i386" -> a = "386";
            case "x86_64", "x86-64", "amd64" -> {
                a = "amd64";
                if (v.equals("v1")) {
                    v = "";
                }
            }
            case "aarch64", "arm64" -> {
                a = "arm64";
                if (v.equals("8") || v.equals("v8") || v.equals("v8.0")) {
                    v = "";
                }
            }
            case "armhf" -> {
                a = "arm";
                v = "v7";
            }
            case "armel" -> {
                a = "arm";
                v = "v6";
            }
            case "arm" -> {
                if (v.isEmpty() || v.equals("7")) {
                    v = "v7";
                } else if (v.equals("5") || v.equals("6") || v.equals("8")) {
                    v = "v" + v;
                }
            }
            default -> {
            }
        }
        return new Platform(o, a, Optional.of(v));
    }

    /** {@code os/arch[/variant]}, as BuildKit puts it in TARGETPLATFORM and BUILDPLATFORM. */
    public String format() {
        return os + "/" + architecture + variant.map(v -> "/" + v).orElse("");
    }

    @Override
    public String toString() {
        return format();
    }
}
