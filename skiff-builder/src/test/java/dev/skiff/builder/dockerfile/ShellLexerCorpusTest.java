package dev.skiff.builder.dockerfile;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** BuildKit's shell/envVarTest and shell/wordsTest, read as its lex_test.go reads them (Linux rows). */
class ShellLexerCorpusTest {
    private static final ShellLexer LEXER = ShellLexer.withEscape('\\');
    private static final ShellLexer.Environment ENV_VAR_TEST_ENV = ShellLexer.Environment.of(
            Map.of("PWD", "/home", "SHELL", "bash", "KOREAN", "한국어", "NULL", ""));

    static Stream<Arguments> envVarCases() {
        List<Arguments> cases = new ArrayList<>();
        List<String> lines = Corpus.lines("shell/envVarTest");
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.startsWith("#") || line.isBlank()) {
                continue;
            }
            String[] columns = line.split("\\|", -1);
            if (columns.length != 3) {
                throw new IllegalStateException("envVarTest line " + (i + 1) + " has not 3 columns: " + line);
            }
            String platform = columns[0].strip();
            if (platform.equals("W")) {
                continue; // Windows: case-insensitive names
            }
            cases.add(Arguments.of(i + 1, columns[1].strip(), columns[2].strip()));
        }
        return cases.stream();
    }

    @Test
    void envVarTestHasTheDocumentedLinuxRows() {
        assertThat(envVarCases()).hasSize(228);
    }

    @ParameterizedTest(name = "line {0}: {1}")
    @MethodSource("envVarCases")
    void expandsOneWord(int line, String input, String expected) {
        if (expected.equals("error")) {
            assertThatThrownBy(() -> LEXER.processWord(input, ENV_VAR_TEST_ENV))
                    .isInstanceOf(DockerfileException.class)
                    .hasMessageStartingWith("failed to process " + GoText.quote(input) + ": ");
        } else {
            assertThat(LEXER.processWord(input, ENV_VAR_TEST_ENV)).isEqualTo(expected);
        }
    }

    static Stream<Arguments> wordsCases() {
        List<Arguments> cases = new ArrayList<>();
        Map<String, String> env = new HashMap<>();
        List<String> lines = Corpus.lines("shell/wordsTest");
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.startsWith("#")) {
                continue;
            }
            if (line.startsWith("ENV ")) {
                String[] kv = line.substring(4).stripLeading().split("=", 2);
                env.put(kv[0], kv[1]);
                continue;
            }
            String[] columns = line.split("\\|", -1);
            if (columns.length != 2) {
                throw new IllegalStateException("wordsTest line " + (i + 1) + " has not 2 columns: " + line);
            }
            String expected = columns[1].stripLeading();
            cases.add(Arguments.of(i + 1, columns[0].strip(), expected, Map.copyOf(env)));
        }
        return cases.stream();
    }

    @Test
    void wordsTestHasTheDocumentedRows() {
        assertThat(wordsCases()).hasSize(24);
    }

    @ParameterizedTest(name = "line {0}: {1}")
    @MethodSource("wordsCases")
    void expandsAndSplitsWords(int line, String input, String expected, Map<String, String> env) {
        ShellLexer.Environment environment = ShellLexer.Environment.of(env);
        if (expected.equals("error")) {
            assertThatThrownBy(() -> LEXER.processWords(input, environment)).isInstanceOf(DockerfileException.class);
        } else {
            assertThat(LEXER.processWords(input, environment)).isEqualTo(Arrays.asList(expected.split(",", -1)));
        }
    }
}
