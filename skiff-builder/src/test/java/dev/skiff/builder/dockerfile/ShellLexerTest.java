package dev.skiff.builder.dockerfile;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Cases beyond BuildKit's data files: the other switches, replacement, and each kind of error. */
class ShellLexerTest {
    private static final ShellLexer.Environment ENV =
            ShellLexer.Environment.of(Map.of("P", "/usr/local/bin:/usr/bin", "E", "", "W", "a  b"));

    @Test
    void textBeforeAnExpansionWithAWordStaysInTheSameWord() {
        // BuildKit's Lex shares one words buffer between nested ${...:-...} runs and loses "x" here;
        // we keep it, as a shell does.
        assertThat(ShellLexer.withEscape('\\').processWords("x${UNSET:-y z}w", ENV)).containsExactly("xy", "zw");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '~', value = {
            "${P/usr/opt}          | /opt/local/bin:/usr/bin",
            "${P//usr/opt}         | /opt/local/bin:/opt/bin",
            "${P//\\/usr/}         | /local/bin:/bin",
            "${P//b?n/\\$0}        | /usr/local/\\bin:/usr/\\bin",
            "${P//:/$$}            | /usr/local/bin/usr/bin",
            "${P%%:*}              | /usr/local/bin",
            "${P#*/}               | usr/local/bin:/usr/bin",
            "${P##*/}              | bin",
            "${E:-def}             | def",
            "${E-def}              | ~~",
            "${E:+set}             | ~~",
            "${W+set}              | set",
    })
    void expandsTheShellForms(String word, String expected) {
        assertThat(ShellLexer.withEscape('\\').processWord(word, ENV)).isEqualTo(expected);
    }

    @Test
    void theBacktickCanBeTheEscape() {
        assertThat(ShellLexer.withEscape('`').processWord("a` b`$P\\c", ENV)).isEqualTo("a b$P\\c");
    }

    @Test
    void skipUnsetEnvAndRawQuotesLeaveTextAsWritten() {
        ShellLexer raw = ShellLexer.withEscape('\\').withSkipUnsetEnv(true).withRawQuotes(true);
        assertThat(raw.processWord("'$X' \"${Y:-z}\" $Z $E", ENV)).isEqualTo("'$X' \"${Y:-z}\" $Z ");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '~', value = {
            "'abc            | unexpected end of statement while looking for matching single-quote",
            "\"abc           | unexpected end of statement while looking for matching double-quote",
            "${P             | syntax error: missing '}'",
            "${P:-x          | syntax error: missing '}'",
            "${}             | syntax error: bad substitution",
            "${P:=x}         | unsupported modifier (:=) in substitution",
            "${P:#x}         | unsupported modifier (:#) in substitution",
            "${P/x           | syntax error: missing '/' in ${}",
            "${P#\\a}        | invalid pattern (\\a) in substitution: invalid escape '\\a'",
            "${E:?}          | E: is not allowed to be empty",
            "${U?need U}     | U: need U",
    })
    void refusesWithWhatIsWrong(String word, String problem) {
        assertThatThrownBy(() -> ShellLexer.withEscape('\\').processWord(word, ENV))
                .isInstanceOf(DockerfileException.class)
                .hasMessage("failed to process " + GoText.quote(word) + ": " + problem);
    }

    @Test
    void onlyBackslashAndBacktickAreEscapes() {
        assertThatThrownBy(() -> ShellLexer.withEscape('/')).isInstanceOf(IllegalArgumentException.class);
    }
}
