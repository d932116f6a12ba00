package dev.skiff.builder.dockerfile;

import java.util.ArrayList;
import java.util.List;

/**
 * Shapes the text after an instruction's keyword and flags into arguments, one rule per
 * instruction, as BuildKit's line parsers do. Nothing is expanded or unquoted here except JSON.
 *
 * <table>
 *   <caption>Rules</caption>
 *   <tr><td>FROM, EXPOSE</td><td>split on ASCII blanks</td></tr>
 *   <tr><td>ADD, COPY, VOLUME</td><td>a JSON string array, else split on ASCII blanks</td></tr>
 *   <tr><td>RUN, CMD, ENTRYPOINT, SHELL</td><td>a JSON string array, else the whole text</td></tr>
 *   <tr><td>HEALTHCHECK</td><td>the first word, then the rest as for CMD</td></tr>
 *   <tr><td>ENV, LABEL</td><td>key, value, separator triples ({@code =}, or "" for {@code KEY value})</td></tr>
 *   <tr><td>ARG</td><td>quote-aware words as written</td></tr>
 *   <tr><td>MAINTAINER, USER, WORKDIR, STOPSIGNAL</td><td>the whole text</td></tr>
 *   <tr><td>ONBUILD</td><td>the instruction it wraps</td></tr>
 *   <tr><td>anything else</td><td>one empty argument (refused later, by the instruction step)</td></tr>
 * </table>
 */
final class ArgumentParsers {
    private ArgumentParsers() {
    }

    record Parsed(List<Argument> arguments, boolean json) {
        static final Parsed NONE = new Parsed(List.of(), false);

        static Parsed texts(List<String> values) {
            return new Parsed(values.stream().<Argument>map(Argument.Text::new).toList(), false);
        }
    }

    static Parsed parse(String command, String rest, DockerfileParser parser) {
        return switch (command) {
            case "from", "expose" -> whitespaceDelimited(rest);
            case "add", "copy", "volume" -> maybeJsonToList(rest);
            case "run", "cmd", "entrypoint", "shell" -> maybeJson(rest);
            case "healthcheck" -> healthcheck(rest);
            case "env" -> nameValues(rest, "ENV", parser.escapeToken());
            case "label" -> nameValues(rest, "LABEL", parser.escapeToken());
            case "arg" -> Parsed.texts(words(rest, parser.escapeToken()));
            case "maintainer", "user", "workdir", "stopsignal" ->
                    rest.isEmpty() ? Parsed.NONE : Parsed.texts(List.of(rest));
            case "onbuild" -> rest.isEmpty()
                    ? Parsed.NONE
                    : new Parsed(List.of(new Argument.Nested(parser.instructionFromLine(rest, List.of()))), false);
            default -> Parsed.texts(List.of(""));
        };
    }

    private static Parsed whitespaceDelimited(String rest) {
        return rest.isEmpty() ? Parsed.NONE : Parsed.texts(splitBlanks(rest, -1));
    }

    private static Parsed maybeJson(String rest) {
        if (rest.isEmpty()) {
            return Parsed.NONE;
        }
        return switch (json(rest)) {
            case JsonArgs.Result.Strings s -> new Parsed(Parsed.texts(s.values()).arguments(), true);
            case JsonArgs.Result.NotAllStrings n -> throw notAllStrings();
            case JsonArgs.Result.NotJson n -> Parsed.texts(List.of(rest));
        };
    }

    private static Parsed maybeJsonToList(String rest) {
        return switch (json(rest)) {
            case JsonArgs.Result.Strings s -> new Parsed(Parsed.texts(s.values()).arguments(), true);
            case JsonArgs.Result.NotAllStrings n -> throw notAllStrings();
            case JsonArgs.Result.NotJson n -> whitespaceDelimited(rest);
        };
    }

    private static JsonArgs.Result json(String rest) {
        String text = GoText.trimLeftSpace(rest);
        return text.startsWith("[") ? JsonArgs.read(text) : new JsonArgs.Result.NotJson();
    }

    private static DockerfileException notAllStrings() {
        return new DockerfileException("when using JSON array syntax, arrays must be comprised of strings only;"
                + " quote every element, as in [\"sleep\", \"10\"]");
    }

    private static Parsed healthcheck(String rest) {
        int sep = 0;
        while (sep < rest.length() && !GoText.isSpace(rest.charAt(sep))) {
            sep++;
        }
        int next = sep;
        while (next < rest.length() && GoText.isSpace(rest.charAt(next))) {
            next++;
        }
        if (sep == 0) {
            return Parsed.NONE;
        }
        Parsed command = maybeJson(rest.substring(next));
        List<Argument> arguments = new ArrayList<>();
        arguments.add(new Argument.Text(rest.substring(0, sep)));
        arguments.addAll(command.arguments());
        return new Parsed(arguments, command.json());
    }

    /** ENV and LABEL: {@code KEY value...} (legacy) or {@code k=v k2="x y"}, values kept raw. */
    private static Parsed nameValues(String rest, String instruction, char escapeToken) {
        List<String> words = words(rest, escapeToken);
        if (words.isEmpty()) {
            return Parsed.NONE;
        }
        if (!words.getFirst().contains("=")) {
            List<String> parts = splitBlanks(rest, 2);
            if (parts.size() < 2) {
                throw new DockerfileException(instruction + " must have two arguments; write "
                        + instruction + " name=value (or the legacy " + instruction + " name value)");
            }
            return Parsed.texts(List.of(parts.get(0), parts.get(1), ""));
        }
        List<String> values = new ArrayList<>();
        for (String word : words) {
            int eq = word.indexOf('=');
            if (eq < 0) {
                throw new DockerfileException("Syntax error - can't find = in " + GoText.quote(word)
                        + ". Must be of the form: name=value");
            }
            values.add(word.substring(0, eq));
            values.add(word.substring(eq + 1));
            values.add("=");
        }
        return Parsed.texts(values);
    }

    /**
     * Splits on Unicode whitespace outside single or double quotes. Quotes and escape characters
     * stay in the words; inside single quotes the escape character is literal, and an escape
     * character at the very end is dropped.
     */
    static List<String> words(String rest, char escapeToken) {
        final int inSpaces = 0;
        final int inWord = 1;
        final int inQuote = 2;
        List<String> words = new ArrayList<>();
        int phase = inSpaces;
        int quote = 0;
        boolean blankOk = false;
        StringBuilder word = new StringBuilder();
        int len = rest.length();
        int width = 0;
        int ch = 0;
        for (int pos = 0; pos <= len; pos += width) {
            if (pos != len) {
                ch = rest.codePointAt(pos);
                width = Character.charCount(ch);
            }
            if (phase == inSpaces) {
                if (pos == len) {
                    break;
                }
                if (GoText.isSpace(ch)) {
                    continue;
                }
                phase = inWord;
            }
            if (pos == len) {
                if (blankOk || !word.isEmpty()) {
                    words.add(word.toString());
                }
                break;
            }
            if (phase == inWord) {
                if (GoText.isSpace(ch)) {
                    phase = inSpaces;
                    if (blankOk || !word.isEmpty()) {
                        words.add(word.toString());
                    }
                    word.setLength(0);
                    blankOk = false;
                    continue;
                }
                if (ch == '\'' || ch == '"') {
                    quote = ch;
                    blankOk = true;
                    phase = inQuote;
                }
                if (ch == escapeToken) {
                    if (pos + width == len) {
                        continue;
                    }
                    word.appendCodePoint(ch);
                    pos += width;
                    ch = rest.codePointAt(pos);
                    width = Character.charCount(ch);
                }
                word.appendCodePoint(ch);
                continue;
            }
            // inQuote
            if (ch == quote) {
                phase = inWord;
            }
            if (ch == escapeToken && quote != '\'') {
                if (pos + width == len) {
                    phase = inWord;
                    continue;
                }
                pos += width;
                word.appendCodePoint(ch);
                ch = rest.codePointAt(pos);
                width = Character.charCount(ch);
            }
            word.appendCodePoint(ch);
        }
        return words;
    }

    /**
     * Go's {@code regexp.MustCompile("[\t\v\f\r ]+").Split(s, limit)}, including its empty first
     * or last piece when {@code s} starts or ends with blanks, and {@code [""]} for "".
     */
    static List<String> splitBlanks(String s, int limit) {
        List<String> out = new ArrayList<>();
        if (s.isEmpty()) {
            out.add("");
            return out;
        }
        int beg = 0;
        int end = 0;
        int i = 0;
        while (i < s.length()) {
            if (!GoText.isAsciiBlank(s.charAt(i))) {
                i++;
                continue;
            }
            int matchStart = i;
            while (i < s.length() && GoText.isAsciiBlank(s.charAt(i))) {
                i++;
            }
            if (limit > 0 && out.size() == limit - 1) {
                break;
            }
            end = matchStart;
            out.add(s.substring(beg, end));
            beg = i;
        }
        if (end != s.length()) {
            out.add(s.substring(beg));
        }
        return out;
    }
}
