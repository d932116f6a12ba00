package dev.skiff.builder.dockerfile;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Here-documents: the corpus has none, so these cases are ours, following BuildKit's rules. */
class HeredocTest {

    private static Instruction only(String dockerfile) {
        List<Instruction> instructions = DockerfileParser.parse(dockerfile).instructions();
        assertThat(instructions).hasSize(1);
        return instructions.getFirst();
    }

    @Test
    void runTakesTheBodyUpToTheDelimiterAndTheDumpLeavesItOut() {
        Dockerfile parsed = DockerfileParser.parse("FROM alpine\nRUN <<EOF\necho hi\n# not a comment\n\nEOF\nUSER me\n");

        Instruction run = parsed.instructions().get(1);
        assertThat(run.heredocs()).containsExactly(new Heredoc("EOF", 0, true, false, "echo hi\n# not a comment\n\n"));
        assertThat(run.startLine()).isEqualTo(2);
        assertThat(run.endLine()).isEqualTo(6);
        assertThat(parsed.instructions().get(2).startLine()).isEqualTo(7);
        assertThat(parsed.dump()).isEqualTo("(from \"alpine\")\n(run \"<<EOF\")\n(user \"me\")");
    }

    @Test
    void copyReadsSeveralBodiesInTheOrderOfTheirMarks() {
        Instruction copy = only("COPY <<a.txt <<b.txt /dest/\nA\nb.txt\na.txt\nB\nb.txt\n");

        assertThat(copy.heredocs()).containsExactly(
                new Heredoc("a.txt", 0, true, false, "A\nb.txt\n"),
                new Heredoc("b.txt", 0, true, false, "B\n"));
        assertThat(copy.dump()).isEqualTo("copy \"<<a.txt\" \"<<b.txt\" \"/dest/\"");
        assertThat(copy.endLine()).isEqualTo(6);
    }

    @Test
    void dashStripsLeadingTabsFromTheDelimiterLineAndOnRequestFromTheBody() {
        Instruction run = only("RUN <<-EOT\n\techo $HOME\n\t\tnested\n\tEOT\n");

        Heredoc doc = run.heredocs().getFirst();
        assertThat(doc).isEqualTo(new Heredoc("EOT", 0, true, true, "\techo $HOME\n\t\tnested\n"));
        assertThat(doc.chompedContent()).isEqualTo("echo $HOME\nnested\n");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '~', value = {
            "RUN <<EOF                | EOF     | true  | 0",
            "RUN <<'EOF'              | EOF     | false | 0",
            "RUN <<\"EOF\" python3    | EOF     | false | 0",
            "RUN <<EO\"F\"            | EOF     | false | 0",
            "RUN <<eo\\'f             | eo'f    | true  | 0",
            "RUN <<'one two'          | one two | false | 0",
            "RUN <<  EOF  > /out      | EOF     | true  | 0",
            "RUN 3<<FD cat <&3        | FD      | true  | 3",
            "RUN <<$EOF               | $EOF    | true  | 0",
            "RUN --mount=type=cache,target=/c <<X | X | true | 0",
            "ONBUILD RUN <<EOF        | EOF     | true  | 0",
    })
    void theMarkGivesNameExpansionAndDescriptor(String line, String name, boolean expand, long fd) {
        Instruction instruction = only(line + "\necho body\n" + name + "\n");

        assertThat(instruction.heredocs()).containsExactly(new Heredoc(name, fd, expand, false, "echo body\n"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '~', value = {
            "RUN [\"<<EOF\"]              | (run \"<<EOF\")",
            "RUN \"<<EOF\"                | (run \"\\\"<<EOF\\\"\")",
            "RUN '<<EOF'                  | (run \"'<<EOF'\")",
            "USER <<EOF                   | (user \"<<EOF\")",
            "RUN echo a<<b                | (run \"echo a<<b\")",
            "RUN <<                       | (run \"<<\")",
            "RUN <<'EOF                   | (run \"<<'EOF\")",
    })
    void otherwiseTheLineHasNoHeredocAndTheNextLineIsAnInstruction(String line, String firstDump) {
        Dockerfile parsed = DockerfileParser.parse(line + "\nEOF\n");

        assertThat(parsed.instructions()).hasSize(2);
        assertThat(parsed.instructions().getFirst().heredocs()).isEmpty();
        assertThat(parsed.dump()).isEqualTo(firstDump + "\n(eof \"\")");
    }

    @Test
    void aContinuedLineMayCarryTheMarkAndTheBodyFollowsTheLastLine() {
        Instruction run = only("RUN cat <<EOF \\\n    > /etc/motd\nwelcome\nEOF\n");

        assertThat(run.heredocs()).containsExactly(new Heredoc("EOF", 0, true, false, "welcome\n"));
        assertThat(run.dump()).isEqualTo("run \"cat <<EOF     > /etc/motd\"");
        assertThat(List.of(run.startLine(), run.endLine())).containsExactly(1, 4);
    }

    @Test
    void crlfLinesEndTheBodyAndStayInIt() {
        Instruction run = only("RUN <<EOF\r\nhi\r\nEOF\r\n");

        assertThat(run.heredocs()).containsExactly(new Heredoc("EOF", 0, true, false, "hi\r\n"));
    }

    @Test
    void theDelimiterMayBeTheLastLineWithoutNewline() {
        assertThat(only("RUN <<EOF\nhi\nEOF").heredocs().getFirst().content()).isEqualTo("hi\n");
    }

    @Test
    void aMissingDelimiterIsRefusedWithTheLines() {
        assertThatThrownBy(() -> DockerfileParser.parse("FROM a\nRUN <<EOF\necho hi\n  EOF\n"))
                .isInstanceOfSatisfying(DockerfileSyntaxException.class, e -> {
                    assertThat(e.startLine()).isEqualTo(2);
                    assertThat(e.endLine()).isEqualTo(4);
                    assertThat(e.getMessage()).isEqualTo(
                            "lines 2-4: unterminated heredoc: no line \"EOF\" ends the here-document; add one after its body");
                });
    }

    @Test
    void aMarkIsOneWordAfterTheArrowsAndItsQuotesMustClose() {
        assertThat(DockerfileParser.parseHeredoc("<<EOF")).isEqualTo(new Heredoc("EOF", 0, true, false, ""));
        assertThat(DockerfileParser.parseHeredoc("<<EOF sh")).isNull();
        assertThat(DockerfileParser.parseHeredoc("<<<EOF")).isNull();
        assertThatThrownBy(() -> DockerfileParser.parseHeredoc("<<'EOF")).isInstanceOf(DockerfileException.class);
        assertThatThrownBy(() -> DockerfileParser.parseHeredoc("<<EOF\"")).isInstanceOf(DockerfileException.class);
    }
}
