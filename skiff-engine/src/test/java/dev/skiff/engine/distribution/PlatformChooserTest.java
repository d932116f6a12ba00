package dev.skiff.engine.distribution;

import dev.skiff.formats.Descriptor;
import dev.skiff.formats.Digest;
import dev.skiff.formats.Manifest;
import dev.skiff.formats.MediaTypes;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PlatformChooserTest {

    static Descriptor entry(String digestSeed, Optional<Descriptor.Platform> platform) {
        return new Descriptor(MediaTypes.OCI_MANIFEST, Digest.sha256(digestSeed.getBytes()), 100, platform,
                Optional.empty(), Map.of(), List.of());
    }

    static Optional<Descriptor.Platform> p(String os, String arch) {
        return Optional.of(new Descriptor.Platform(os, arch, Optional.empty()));
    }

    static Manifest.Index index(Descriptor... entries) {
        return new Manifest.Index(MediaTypes.OCI_INDEX, List.of(entries), Optional.empty(), Optional.empty(), Map.of());
    }

    @Test
    void picksLinuxOnThisArchitecture() {
        Descriptor amd64 = entry("amd64", p("linux", "amd64"));
        Descriptor arm64 = entry("arm64", p("linux", "arm64"));
        Manifest.Index idx = index(arm64, entry("win", p("windows", "amd64")), amd64);
        assertThat(PlatformChooser.choose(idx, "linux", "amd64", "x/y:1")).isEqualTo(amd64);
        assertThat(PlatformChooser.choose(idx, "linux", "arm64", "x/y:1")).isEqualTo(arm64);
    }

    @Test
    void entriesWithoutAPlatformAreNeverChosen() {
        Descriptor attestation = entry("att", Optional.empty());
        Descriptor amd64 = entry("amd64", p("linux", "amd64"));
        assertThat(PlatformChooser.choose(index(attestation, amd64), "linux", "amd64", "x")).isEqualTo(amd64);
    }

    @Test
    void noMatchNamesTheAvailablePlatforms() {
        Manifest.Index idx = index(entry("arm64", p("linux", "arm64")), entry("s390x", p("linux", "s390x")));
        assertThatThrownBy(() -> PlatformChooser.choose(idx, "linux", "amd64", "127.0.0.1:5000/alice/multi:1"))
                .isInstanceOf(DistributionException.class)
                .hasMessageContaining("no matching manifest for linux/amd64")
                .hasMessageContaining("127.0.0.1:5000/alice/multi:1")
                .hasMessageContaining("linux/arm64, linux/s390x");
    }

    @Test
    void hostArchitectureUsesGoNames() {
        assertThat(PlatformChooser.hostArchitecture()).isIn("amd64", "arm64", "arm", "ppc64le", "s390x", "riscv64", "386");
    }
}
