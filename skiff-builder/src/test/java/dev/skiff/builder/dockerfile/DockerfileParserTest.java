package dev.skiff.builder.dockerfile;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.io.StringReader;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Behaviour the golden files do not pin down, and one test per kind of refused input. */
class DockerfileParserTest {

    @Test
    void directivesAreReadAtTheTopOnlyAndTheEscapeDirectiveChangesContinuations() {
        Dockerfile parsed = DockerfileParser.parse(
                "# syntax=docker/dockerfile:1\n#Escape = `\n# check=skip=all\nFROM a\nRUN echo \\\nRUN b `\n c\n# escape=\\\n");

        assertThat(parsed.escapeToken()).isEqualTo('`');
        assertThat(parsed.directives()).containsExactly(
                new Dockerfile.Directive("syntax", "docker/dockerfile:1", 1),
                new Dockerfile.Directive("escape", "`", 2),
                new Dockerfile.Directive("check", "skip=all", 3));
        assertThat(parsed.directive("syntax")).contains("docker/dockerfile:1");
        assertThat(parsed.dump()).isEqualTo("(from \"a\")\n(run \"echo \\\\\")\n(run \"b  c\")");
    }

    @Test
    void commentsAboveAnInstructionAreKeptWithoutDirectives() {
        Dockerfile parsed = DockerfileParser.parse("# syntax=x\n# about a\nFROM a\n\n#\n# about b\n# more\nARG b\n");

        assertThat(parsed.instructions()).extracting(Instruction::comments)
                .containsExactly(List.of("about a"), List.of("about b", "more"));
    }

    @Test
    void aBomCrlfAndAMissingFinalNewlineAreAccepted() {
        Dockerfile parsed = DockerfileParser.parse("\uFEFFFROM a\r\nRUN x \\\r\n  y\r\nCMD z");

        assertThat(parsed.dump()).isEqualTo("(from \"a\")\n(run \"x   y\")\n(cmd \"z\")");
        assertThat(parsed.endLine()).isEqualTo(4);
    }

    @Test
    void emptyContinuationLinesAreSkippedWithAWarning() {
        Dockerfile parsed = DockerfileParser.parse("FROM a\nRUN a \\\n\n   \n  b\n");

        assertThat(parsed.dump()).isEqualTo("(from \"a\")\n(run \"a   b\")");
        assertThat(parsed.warnings()).singleElement().satisfies(w -> {
            assertThat(w.line()).isEqualTo(5);
            assertThat(w.message()).startsWith("Empty continuation line found in: RUN a   b");
        });
    }

    @Test
    void argumentsKeepTheirShapeForLaterStages() {
        Dockerfile parsed = DockerfileParser.parse("""
                FROM --platform=$BUILDPLATFORM golang:1 AS build
                COPY --from=build --chown="a b" ["/src dir", "/dst"]
                CMD ["sh", "-c", "echo \\u00e9\\t"]
                ENV A=1 B="two words"
                ONBUILD COPY --from=x . /
                FROBNICATE now
                """);
        List<Instruction> in = parsed.instructions();

        assertThat(in.get(0).flags()).containsExactly("--platform=$BUILDPLATFORM");
        assertThat(in.get(0).values()).containsExactly("golang:1", "AS", "build");
        assertThat(in.get(1).flags()).containsExactly("--from=build", "--chown=a b");
        assertThat(in.get(1).jsonForm()).isTrue();
        assertThat(in.get(1).values()).containsExactly("/src dir", "/dst");
        assertThat(in.get(2).values()).containsExactly("sh", "-c", "echo é\t");
        assertThat(in.get(3).values()).containsExactly("A", "1", "=", "B", "\"two words\"", "=");
        assertThat(in.get(4).arguments()).singleElement().isInstanceOfSatisfying(Argument.Nested.class,
                n -> assertThat(n.instruction().flags()).containsExactly("--from=x"));
        assertThat(in.get(4).dump()).isEqualTo("onbuild (copy [\"--from=x\"] \".\" \"/\")");
        assertThat(in.get(5).dump()).isEqualTo("frobnicate \"\"");
    }

    @Test
    void keywordsAreLowerCasedCharacterByCharacterAsInGo() {
        // Go maps U+0130 to a plain i; Java's String.toLowerCase would add a combining dot.
        assertThat(DockerfileParser.parse("ENTRYPO\u0130NT x\n").dump()).isEqualTo("(entrypoint \"x\")");
    }

    @Test
    void readsFromAReader() throws IOException {
        assertThat(DockerfileParser.parse(new StringReader("FROM a\n")).dump()).isEqualTo("(from \"a\")");
    }

    @Test
    void quotesLikeGo() {
        assertThat(GoText.quote("a\"b\\c'd")).isEqualTo("\"a\\\"b\\\\c'd\"");
        assertThat(GoText.quote("\u0007\b\f\n\r\t\u000b\u0000\u007f")).isEqualTo("\"\\a\\b\\f\\n\\r\\t\\v\\x00\\x7f\"");
        assertThat(GoText.quote("é♥☃ \u00a0\u200b\uD83D\uDE00\uDB40\uDC01")).isEqualTo("\"é♥☃ \\u00a0\\u200b\uD83D\uDE00\\U000e0001\"");
    }

    // One test per kind of bad input; each message names the line and says what to write instead.

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '~', value = {
            "~~                                      | line 1: file with no instructions",
            "# escape=`\\n\\n# only comments\\n     | lines 1-3: file with no instructions",
            "# escape=`\\n# escape=\\\\\\nFROM a    | line 2: only one escape parser directive can be used",
            "# escape=x\\nFROM a                    | line 1: invalid escape token 'x' does not match ` or \\",
            "FROM a\\nENV PATH                      | line 2: ENV must have two arguments",
            "FROM a\\nLABEL \\\\\\n a=b c           | lines 2-3: Syntax error - can't find = in \"c\"",
            "FROM a\\nCMD [\"a\", 1]                | line 2: when using JSON array syntax, arrays must be comprised of strings only",
            "FROM a\\nCOPY [\"a\", [\"b\"]]         | line 2: when using JSON array syntax",
            "FROM a\\nONBUILD ENV X                 | line 2: ENV must have two arguments",
            "FROM a\\nRUN <<EOF\\nbody\\n           | lines 2-3: unterminated heredoc",
    })
    void refusesWithTheLineAndAHint(String escaped, String expectedStart) {
        String text = escaped.replace("\\n", "\n").replace("\\\\", "\\");

        assertThatThrownBy(() -> DockerfileParser.parse(text))
                .isInstanceOf(DockerfileSyntaxException.class)
                .hasMessageStartingWith(expectedStart);
    }

    @Test
    void textAfterAJsonArrayMakesItPlainText() {
        // As in Go: the whole rest must be one JSON value, else it is split as words.
        assertThat(DockerfileParser.parse("COPY [\"a\", [\"b\"]] /x\n").dump())
                .isEqualTo("(copy \"[\\\"a\\\",\" \"[\\\"b\\\"]]\" \"/x\")");
    }

    @Test
    void refusedArgumentsSuggestAFix() {
        assertThatThrownBy(() -> DockerfileParser.parse("FROM a\nENV PATH\n"))
                .hasMessage("line 2: ENV must have two arguments; write ENV name=value (or the legacy ENV name value)");
        assertThatThrownBy(() -> DockerfileParser.parse("# escape=x\nFROM a\n"))
                .hasMessage("line 1: invalid escape token 'x' does not match ` or \\;"
                        + " write # escape=\\ (the default) or # escape=`");
    }
}
