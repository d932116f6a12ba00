package dev.skiff.builder.instructions;

import dev.skiff.builder.dockerfile.DockerfileParser;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * BuildKit's parser test files typed as stages: the ones BuildKit's instruction step accepts, and
 * the ones it refuses (unknown COPY flags, a bare HEALTHCHECK, CMD before any FROM); plus the cases
 * of BuildKit's instructions/parse_test.go TestErrorCases.
 */
class InstructionsCorpusTest {

    private static String corpusFile(String name) throws IOException, URISyntaxException {
        Path root = Path.of(Objects.requireNonNull(
                InstructionsCorpusTest.class.getResource("/buildkit-testdata/parser/testfiles")).toURI());
        return Files.readString(root.resolve(name).resolve("Dockerfile"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "ADD-COPY-with-JSON            | 9",
            "args                          | 1",
            "brimstone-consuldock          | 4",
            "brimstone-docker-consul       | 8",
            "continue-at-eof               | 1",
            "continueIndent                | 9",
            "cpuguy83-nagios               | 39",
            "docker                        | 23",
            "env                           | 15",
            "escape                        | 2",
            "escape-after-comment          | 2",
            "escape-nonewline              | 2",
            "escape-with-syntax            | 0",
            "escapes                       | 5",
            "influxdb                      | 10",
            "kartar-entrypoint-oddities    | 6",
            "lk4d4-the-edge-case-generator | 28",
            "mail                          | 13",
            "multiple-volumes              | 1",
            "mumble                        | 3",
            "nginx                         | 10",
            "tf2                           | 19",
            "trailing-backslash            | 7",
            "weechat                       | 5",
            "znc                           | 4",
    })
    void acceptedFiles(String name, int commands) throws Exception {
        Stages stages = Stages.of(DockerfileParser.parse(corpusFile(name)));

        assertThat(stages.stages()).hasSize(1);
        assertThat(stages.stages().getFirst().commands()).hasSize(commands);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "flags                                  | line 3: unknown flag: --user",
            "health                                 | line 4: HEALTHCHECK requires at least one argument",
            "json                                   | line 1: no build stage in current context",
            "jeztah-invalid-json-single-quotes      | line 1: no build stage in current context",
    })
    void refusedFiles(String name, String messageStart) throws Exception {
        String text = corpusFile(name);

        assertThatThrownBy(() -> Stages.of(DockerfileParser.parse(text)))
                .isInstanceOf(InstructionException.class)
                .hasMessageStartingWith(messageStart);
    }

    @ParameterizedTest(name = "{1}")
    @CsvSource(delimiter = '|', quoteCharacter = '~', value = {
            "~COPY\t\n\t\tquux \\\n      bar~        | COPY requires at least two arguments",
            "ONBUILD FROM scratch                     | FROM isn't allowed as an ONBUILD trigger",
            "MAINTAINER --boo joe@example.com         | unknown flag: --boo",
            "ONBUILD ONBUILD RUN touch foobar         | Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed",
            "FOO bar                                  | unknown instruction: FOO",
            "foo bar                                  | unknown instruction: foo",
    })
    void buildKitErrorCases(String dockerfile, String expected) {
        assertThatThrownBy(() -> Stages.of(DockerfileParser.parse("FROM busybox\n" + dockerfile)))
                .isInstanceOf(InstructionException.class)
                .hasMessageContaining(expected);
    }
}
