package dev.skiff.builder.dockerfile;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** BuildKit's parser golden files: the contract for our parser. */
class DockerfileParserCorpusTest {

    static Stream<Arguments> positiveCases() {
        return Corpus.cases("testfiles").stream().map(dir -> Arguments.of(dir.getFileName().toString(), dir));
    }

    static Stream<Arguments> negativeCases() {
        return Corpus.cases("testfiles-negative").stream().map(dir -> Arguments.of(dir.getFileName().toString(), dir));
    }

    @Test
    void theCorpusIsComplete() {
        assertThat(Corpus.cases("testfiles")).hasSize(33);
        assertThat(Corpus.cases("testfiles-negative")).hasSize(4);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("positiveCases")
    void dumpsExactlyAsBuildKit(String name, Path dir) {
        Dockerfile parsed = DockerfileParser.parse(Corpus.read(dir.resolve("Dockerfile")));

        assertThat(parsed.dump() + "\n").isEqualTo(Corpus.read(dir.resolve("result")));
    }

    /** What BuildKit says for each refused file; ours says it too, after the line, with advice. */
    private static final Map<String, String> NEGATIVE_MESSAGES = Map.of(
            "empty_dockerfile", "file with no instructions",
            "only_comments", "file with no instructions",
            "env_no_value", "ENV must have two arguments",
            "shykes-nested-json", "arrays must be comprised of strings only");

    @ParameterizedTest(name = "{0}")
    @MethodSource("negativeCases")
    void refusesWithAMessageThatNamesTheLine(String name, Path dir) {
        String text = Corpus.read(dir.resolve("Dockerfile"));

        assertThatThrownBy(() -> DockerfileParser.parse(text))
                .isInstanceOf(DockerfileSyntaxException.class)
                .hasMessageStartingWith("line")
                .hasMessageMatching("(?s)lines? [0-9]+(-[0-9]+)?: .+")
                .hasMessageContaining(NEGATIVE_MESSAGES.get(name));
    }

    @Test
    void negativeCasesNameTheirLines() {
        Path negative = Corpus.root().resolve("parser/testfiles-negative");
        assertThatThrownBy(() -> DockerfileParser.parse(Corpus.read(negative.resolve("env_no_value/Dockerfile"))))
                .isInstanceOfSatisfying(DockerfileSyntaxException.class, e -> {
                    assertThat(e.startLine()).isEqualTo(3);
                    assertThat(e.endLine()).isEqualTo(3);
                    assertThat(e.getMessage()).startsWith("line 3: ENV must have two arguments");
                });
        assertThatThrownBy(() -> DockerfileParser.parse(Corpus.read(negative.resolve("shykes-nested-json/Dockerfile"))))
                .isInstanceOfSatisfying(DockerfileSyntaxException.class,
                        e -> assertThat(e.startLine()).isEqualTo(1));
    }

    @Test
    void lineNumbersSpanEachInstructionsPhysicalLines() {
        Dockerfile parsed = DockerfileParser.parse(Corpus.read(Corpus.root().resolve("parser/testfile-line/Dockerfile")));

        assertThat(parsed.startLine()).isEqualTo(5);
        assertThat(parsed.endLine()).isEqualTo(31);
        assertThat(parsed.instructions()).extracting(i -> List.of(i.startLine(), i.endLine()))
                .containsExactly(List.of(5, 5), List.of(11, 12), List.of(17, 31));
    }
}
