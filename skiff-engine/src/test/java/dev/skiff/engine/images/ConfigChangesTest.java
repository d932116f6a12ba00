package dev.skiff.engine.images;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConfigChangesTest {
    private static ImageConfig.ContainerConfig apply(String... changes) {
        return ConfigChanges.apply(ImageConfig.ContainerConfig.EMPTY, List.of(changes));
    }

    @Test
    void envReplacesAVariableInPlaceAndExpandsFromTheEnvironmentSoFar() {
        ImageConfig.ContainerConfig c = apply("ENV A=1 B=2", "ENV A=${B}0 C='$A literal'", "env D \"x\\\"y\"");
        assertThat(c.env()).containsExactly("A=20", "B=2", "C=$A literal", "D=x\"y");
    }

    @Test
    void continuationsAndCommentsWorkAsInADockerfile() {
        ImageConfig.ContainerConfig c = apply("# a comment", "LABEL a=1 \\", "  b=2", "", "cmd [\"a\", \"b\"]");
        assertThat(c.labels()).containsEntry("a", "1").containsEntry("b", "2");
        assertThat(c.cmd()).containsExactly("a", "b");
    }

    @Test
    void exposeExpandsRangesAndVolumeTakesWords() {
        ImageConfig.ContainerConfig c = apply("EXPOSE 8000-8002/udp 9000", "VOLUME /a /b", "VOLUME [\"/c\"]");
        assertThat(c.exposedPorts()).containsExactly("8000/udp", "8001/udp", "8002/udp", "9000/tcp");
        assertThat(c.volumes()).containsExactly("/a", "/b", "/c");
    }

    @Test
    void aCmdThatIsNotAJsonArrayIsShellForm() {
        assertThat(apply("CMD [not json").cmd()).containsExactly("/bin/sh", "-c", "[not json");
        assertThat(apply("CMD []").cmd()).isEmpty();
    }

    @Test
    void healthcheckForms() {
        assertThat(apply("HEALTHCHECK NONE").healthcheck()).hasValueSatisfying(h ->
                assertThat(h.test()).containsExactly("NONE"));
        assertThat(apply("HEALTHCHECK --timeout=1m30s --start-period=500ms CMD [\"/ok\"]").healthcheck())
                .hasValueSatisfying(h -> {
                    assertThat(h.test()).containsExactly("CMD", "/ok");
                    assertThat(h.timeout()).hasSeconds(90);
                    assertThat(h.startPeriod()).hasMillis(500);
                });
        assertThatThrownBy(() -> apply("HEALTHCHECK --interval=soon CMD true"))
                .isInstanceOf(InvalidChangeException.class).hasMessageContaining("soon");
    }

    @Test
    void malformedChangesSayWhatIsWrong() {
        assertThatThrownBy(() -> apply("ENV A=1 B")).hasMessageContaining("Must be of the form: name=value");
        assertThatThrownBy(() -> apply("ENV A")).hasMessageContaining("two arguments");
        assertThatThrownBy(() -> apply("USER")).hasMessageContaining("USER requires exactly one argument");
        assertThatThrownBy(() -> apply("COPY . /")).hasMessage("copy is not a valid change command");
        assertThatThrownBy(() -> apply("ONBUILD FROM x")).hasMessageContaining("FROM isn't allowed");
        assertThatThrownBy(() -> apply("EXPOSE 70000")).hasMessageContaining("70000");
    }
}
