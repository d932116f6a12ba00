package dev.skiff.engine.images;

import dev.skiff.formats.Digest;
import dev.skiff.formats.FormatException;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ImageConfigCodecTest {
    /** The shape dockerd 20.10 writes (container_config, docker_version, every container.Config field). */
    private static final String DOCKER_CONFIG = """
            {"architecture":"arm64","variant":"v8","author":"alice","comment":"Imported from -",
             "config":{"Hostname":"","Domainname":"","User":"app","AttachStdin":false,"ExposedPorts":{"8080/tcp":{}},
               "Tty":false,"Env":["PATH=/usr/bin"],"Cmd":["serve"],"Healthcheck":{"Test":["CMD","true"],
               "Interval":5000000000,"Retries":2},"Image":"","Volumes":{"/data":{}},"WorkingDir":"/srv",
               "Entrypoint":null,"OnBuild":null,"Labels":{"a":"b"},"StopSignal":"SIGQUIT"},
             "container_config":{"Hostname":"","Cmd":null},
             "created":"2024-05-06T07:08:09.123456789+02:00","docker_version":"20.10.24",
             "history":[{"created":"2024-05-06T05:08:09.123456789Z","created_by":"/bin/sh -c #(nop) CMD","empty_layer":true},
                        {"comment":"Imported from -"}],
             "os":"linux","rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}
            """.formatted("ab".repeat(32));

    @Test
    void readsDockersConfigIgnoringWhatItDoesNotModel() {
        ImageConfig c = ImageConfigCodec.parse(DOCKER_CONFIG.getBytes(StandardCharsets.UTF_8));
        assertThat(c.architecture()).isEqualTo("arm64");
        assertThat(c.variant()).isEqualTo("v8");
        assertThat(c.author()).isEqualTo("alice");
        assertThat(c.created()).contains(Instant.parse("2024-05-06T05:08:09.123456789Z"));
        assertThat(c.config().user()).isEqualTo("app");
        assertThat(c.config().exposedPorts()).containsExactly("8080/tcp");
        assertThat(c.config().entrypoint()).isEmpty();
        assertThat(c.config().cmd()).containsExactly("serve");
        assertThat(c.config().volumes()).containsExactly("/data");
        assertThat(c.config().labels()).containsEntry("a", "b");
        assertThat(c.config().stopSignal()).isEqualTo("SIGQUIT");
        assertThat(c.config().healthcheck()).contains(new ImageConfig.HealthConfig(List.of("CMD", "true"),
                Duration.ofSeconds(5), Duration.ZERO, Duration.ZERO, Duration.ZERO, 2));
        assertThat(c.diffIds()).containsExactly(Digest.parse("sha256:" + "ab".repeat(32)));
        assertThat(c.history()).containsExactly(
                new ImageConfig.History(Optional.of(Instant.parse("2024-05-06T05:08:09.123456789Z")),
                        "/bin/sh -c #(nop) CMD", "", "", true),
                new ImageConfig.History(Optional.empty(), "", "", "Imported from -", false));
    }

    @Test
    void writesWhatItReadsAndTheSameConfigGivesTheSameBytes() {
        ImageConfig c = ImageConfigCodec.parse(DOCKER_CONFIG.getBytes(StandardCharsets.UTF_8));
        byte[] once = ImageConfigCodec.serialize(c);
        assertThat(ImageConfigCodec.parse(once)).isEqualTo(c);
        assertThat(ImageConfigCodec.serialize(ImageConfigCodec.parse(once))).isEqualTo(once);
        String json = new String(once, StandardCharsets.UTF_8);
        assertThat(json).doesNotContain("null").doesNotContain("Hostname").doesNotContain("container_config");
        assertThat(json).contains("\"created\":\"2024-05-06T05:08:09.123456789Z\"")
                .contains("\"empty_layer\":true")
                .contains("\"Healthcheck\":{\"Test\":[\"CMD\",\"true\"],\"Interval\":5000000000,\"Retries\":2}");
    }

    @Test
    void timesAreWrittenAsGoWritesThem() {
        assertThat(ImageConfigCodec.formatTime(Instant.parse("2025-03-01T12:00:00Z"))).isEqualTo("2025-03-01T12:00:00Z");
        assertThat(ImageConfigCodec.formatTime(Instant.parse("2025-03-01T12:00:00.100Z")))
                .isEqualTo("2025-03-01T12:00:00.1Z");
        assertThat(ImageConfigCodec.formatTime(Instant.parse("2025-03-01T12:00:00.000000001Z")))
                .isEqualTo("2025-03-01T12:00:00.000000001Z");
    }

    @Test
    void aBadConfigSaysWhichField() {
        assertThatThrownBy(() -> ImageConfigCodec.parse("{\"created\":\"yesterday\"}".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(FormatException.class).hasMessageContaining("created");
        assertThatThrownBy(() -> ImageConfigCodec.parse(
                "{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"md5:x\"]}}".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(FormatException.class).hasMessageContaining("diff_ids");
        assertThatThrownBy(() -> ImageConfigCodec.parse("[1]".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(FormatException.class);
    }
}
