package dev.skiff.formats;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ManifestTest {
    static final String D1 = "sha256:" + "1".repeat(64);
    static final String D2 = "sha256:" + "2".repeat(64);
    static final String D3 = "sha256:" + "3".repeat(64);

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void parsesDockerSchema2WithConfigAndLayers() {
        String json = """
                {"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json",
                 "config":{"mediaType":"application/vnd.docker.container.image.v1+json","size":7,"digest":"%s"},
                 "layers":[{"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","size":9,"digest":"%s"}]}
                """.formatted(D1, D2);
        Manifest m = Manifest.parse(bytes(json), Optional.of(MediaTypes.DOCKER_MANIFEST));
        assertThat(m).isInstanceOf(Manifest.Image.class);
        assertThat(m.mediaType()).isEqualTo(MediaTypes.DOCKER_MANIFEST);
        assertThat(m.references()).extracting(d -> d.digest().toString()).containsExactly(D1, D2);
    }

    @Test
    void infersTheTypeOfAnOciDocumentWithoutMediaType() {
        String index = """
                {"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","size":1,"digest":"%s",
                  "platform":{"os":"linux","architecture":"arm64","variant":"v8"}}],
                 "subject":{"mediaType":"application/vnd.oci.image.manifest.v1+json","size":3,"digest":"%s"}}
                """.formatted(D1, D3);
        Manifest m = Manifest.parse(bytes(index), Optional.empty());
        assertThat(m).isInstanceOf(Manifest.Index.class);
        assertThat(m.mediaType()).isEqualTo(MediaTypes.OCI_INDEX);
        assertThat(m.subject()).map(d -> d.digest().toString()).contains(D3);
        assertThat(m.references().getFirst().platform()).map(Object::toString).contains("linux/arm64/v8");
    }

    @Test
    void refusesAMediaTypeThatContradictsContentType() {
        String json = """
                {"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}""";
        assertThatThrownBy(() -> Manifest.parse(bytes(json), Optional.of(MediaTypes.OCI_MANIFEST)))
                .isInstanceOf(FormatException.class).hasMessageContaining("does not match Content-Type");
    }

    @Test
    void refusesBrokenDocumentsWithAReason() {
        assertThatThrownBy(() -> Manifest.parse(bytes("{"), Optional.empty())).hasMessageContaining("not valid JSON");
        assertThatThrownBy(() -> Manifest.parse(bytes("[]"), Optional.empty())).hasMessageContaining("JSON object");
        assertThatThrownBy(() -> Manifest.parse(bytes("{\"schemaVersion\":1}"), Optional.empty())).hasMessageContaining("schema 1");
        assertThatThrownBy(() -> Manifest.parse(bytes("{\"schemaVersion\":2}"), Optional.of(MediaTypes.OCI_MANIFEST)))
                .hasMessageContaining("config");
        assertThatThrownBy(() -> Manifest.parse(bytes("""
                {"schemaVersion":2,"config":{"mediaType":"x","size":-1,"digest":"%s"},"layers":[]}""".formatted(D1)),
                Optional.empty())).hasMessageContaining("size");
        assertThatThrownBy(() -> Manifest.parse(bytes("""
                {"schemaVersion":2,"config":{"mediaType":"x","size":1,"digest":"sha256:nothex"},"layers":[]}"""),
                Optional.empty())).hasMessageContaining("config");
        assertThatThrownBy(() -> Manifest.parse(bytes("{\"schemaVersion\":2} trailing"), Optional.empty()))
                .hasMessageContaining("not valid JSON");
    }
}
