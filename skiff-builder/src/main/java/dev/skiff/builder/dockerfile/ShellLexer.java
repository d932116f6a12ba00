package dev.skiff.builder.dockerfile;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Shell-like processing of one Dockerfile word, as BuildKit does it: quotes are removed,
 * escapes applied, and {@code $VAR} / {@code ${VAR}} expanded with the forms {@code ${VAR:-word}},
 * {@code ${VAR-word}}, {@code ${VAR:+word}}, {@code ${VAR+word}}, {@code ${VAR:?msg}},
 * {@code ${VAR?msg}}, {@code ${VAR#pat}}, {@code ${VAR##pat}}, {@code ${VAR%pat}},
 * {@code ${VAR%%pat}}, {@code ${VAR/pat/repl}} and {@code ${VAR//pat/repl}}. Nothing is executed:
 * command substitution and arithmetic are not part of it, and {@code `} is an ordinary character.
 *
 * <p>The switches mirror BuildKit's {@code Lex} fields. The parser uses the raw ones to find
 * heredoc delimiters; instructions use the defaults.
 *
 * @param escapeToken       {@code \} or {@code `}, as the {@code # escape=} directive sets it
 * @param rawQuotes         keep quote characters in the result
 * @param rawEscapes        keep escape characters in the result
 * @param skipProcessQuotes treat quote characters as ordinary characters
 * @param skipUnsetEnv      leave references to unset variables as they are written
 */
public record ShellLexer(
        char escapeToken, boolean rawQuotes, boolean rawEscapes, boolean skipProcessQuotes, boolean skipUnsetEnv) {

    /** Where variables come from. Names are case-sensitive, as on Linux. */
    @FunctionalInterface
    public interface Environment {
        Optional<String> get(String name);

        static Environment of(Map<String, String> variables) {
            Map<String, String> copy = Map.copyOf(variables);
            return name -> Optional.ofNullable(copy.get(name));
        }

        static Environment empty() {
            return name -> Optional.empty();
        }
    }

    public ShellLexer {
        if (escapeToken != '\\' && escapeToken != '`') {
            throw new IllegalArgumentException("escape token must be \\ or `, not " + escapeToken);
        }
    }

    /** Default processing with the given escape token. */
    public static ShellLexer withEscape(char escapeToken) {
        return new ShellLexer(escapeToken, false, false, false, false);
    }

    public ShellLexer withRawQuotes(boolean raw) {
        return new ShellLexer(escapeToken, raw, rawEscapes, skipProcessQuotes, skipUnsetEnv);
    }

    public ShellLexer withRawEscapes(boolean raw) {
        return new ShellLexer(escapeToken, rawQuotes, raw, skipProcessQuotes, skipUnsetEnv);
    }

    public ShellLexer withSkipProcessQuotes(boolean skip) {
        return new ShellLexer(escapeToken, rawQuotes, rawEscapes, skip, skipUnsetEnv);
    }

    public ShellLexer withSkipUnsetEnv(boolean skip) {
        return new ShellLexer(escapeToken, rawQuotes, rawEscapes, skipProcessQuotes, skip);
    }

    /**
     * Expands {@code word} into one string: whitespace, quoted or not, is kept as it is.
     *
     * @throws DockerfileException for an unterminated quote, a malformed {@code ${...}}, or a
     *                             {@code ${VAR?msg}} whose variable is unset
     */
    public String processWord(String word, Environment env) {
        return new Run(word, env).process().text();
    }

    /**
     * Expands {@code word} and splits the result into words at whitespace that is neither quoted
     * nor escaped, including whitespace that comes from an unquoted variable's value. No empty
     * words are produced.
     */
    public List<String> processWords(String word, Environment env) {
        return new Run(word, env).process().words();
    }

    private record Processed(String text, List<String> words) {
    }

    /** Signals a problem inside one run; turned into the user-facing exception at the top. */
    private static final class Failure extends Exception {
        Failure(String message) {
            super(message, null, false, false);
        }
    }

    private static final int EOF = -1;

    /** The state of processing one word: a code point cursor, like Go's text/scanner. */
    private final class Run {
        private final String source;
        private final int[] cps;
        private final Environment env;
        private int pos;
        private boolean rawEscapesNow = rawEscapes;

        Run(String source, Environment env) {
            this.source = source;
            this.cps = source.codePoints().toArray();
            this.env = env;
        }

        Processed process() {
            try {
                return processStopOn(EOF, rawEscapes);
            } catch (Failure f) {
                throw new DockerfileException("failed to process " + GoText.quote(source) + ": " + f.getMessage());
            }
        }

        private int peek() {
            return pos < cps.length ? cps[pos] : EOF;
        }

        private int next() {
            return pos < cps.length ? cps[pos++] : EOF;
        }

        private Processed processStopOn(int stopChar, boolean rawEscapesHere) throws Failure {
            boolean saved = rawEscapesNow;
            rawEscapesNow = rawEscapesHere;
            try {
                StringBuilder result = new StringBuilder();
                Words words = new Words();
                while (peek() != EOF) {
                    int ch = peek();
                    if (stopChar != EOF && ch == stopChar) {
                        next();
                        return new Processed(result.toString(), words.get());
                    }
                    String special = switch (ch) {
                        case '$' -> processDollar();
                        case '<' -> processPossibleHeredoc();
                        case '\'' -> skipProcessQuotes ? null : processSingleQuote();
                        case '"' -> skipProcessQuotes ? null : processDoubleQuote();
                        default -> null;
                    };
                    if (special != null) {
                        result.append(special);
                        if (ch == '$') {
                            words.addString(special);
                        } else {
                            words.addRawString(special);
                        }
                        continue;
                    }
                    ch = next();
                    if (ch == escapeToken) {
                        if (rawEscapesNow) {
                            words.addRawChar(ch);
                            result.appendCodePoint(ch);
                        }
                        // The escape token escapes the next character; alone at the end it is dropped.
                        ch = next();
                        if (ch == EOF) {
                            break;
                        }
                        words.addRawChar(ch);
                    } else {
                        words.addChar(ch);
                    }
                    result.appendCodePoint(ch);
                }
                if (stopChar != EOF) {
                    throw new Failure("unexpected end of statement while looking for matching "
                            + Character.toString(stopChar));
                }
                return new Processed(result.toString(), words.get());
            } finally {
                rawEscapesNow = saved;
            }
        }

        private String processSingleQuote() throws Failure {
            // Everything up to the next ' is literal; a ' cannot be escaped inside.
            StringBuilder result = new StringBuilder();
            int ch = next();
            if (rawQuotes) {
                result.appendCodePoint(ch);
            }
            while (true) {
                ch = next();
                if (ch == EOF) {
                    throw new Failure("unexpected end of statement while looking for matching single-quote");
                }
                if (ch == '\'') {
                    if (rawQuotes) {
                        result.appendCodePoint(ch);
                    }
                    return result.toString();
                }
                result.appendCodePoint(ch);
            }
        }

        private String processDoubleQuote() throws Failure {
            // Literal except $ expansions; the escape token escapes only " $ and itself.
            StringBuilder result = new StringBuilder();
            int ch = next();
            if (rawQuotes) {
                result.appendCodePoint(ch);
            }
            while (true) {
                int peeked = peek();
                if (peeked == EOF) {
                    throw new Failure("unexpected end of statement while looking for matching double-quote");
                }
                if (peeked == '"') {
                    ch = next();
                    if (rawQuotes) {
                        result.appendCodePoint(ch);
                    }
                    return result.toString();
                }
                if (peeked == '$') {
                    result.append(processDollar());
                    continue;
                }
                ch = next();
                if (ch == escapeToken) {
                    if (rawEscapesNow) {
                        result.appendCodePoint(ch);
                    }
                    int after = peek();
                    if (after == EOF) {
                        continue; // reported as an unterminated quote on the next round
                    }
                    if (after == '"' || after == '$' || after == escapeToken) {
                        ch = next();
                    }
                }
                result.appendCodePoint(ch);
            }
        }

        private String processDollar() throws Failure {
            next(); // the $
            if (peek() != '{') {
                String name = processName();
                if (name.isEmpty()) {
                    return "$";
                }
                Optional<String> value = env.get(name);
                if (value.isEmpty() && skipUnsetEnv) {
                    return "$" + name;
                }
                return value.orElse("");
            }
            next(); // the {
            switch (peek()) {
                case EOF -> throw new Failure("syntax error: missing '}'");
                case '{', '}', ':' -> throw new Failure("syntax error: bad substitution");
                default -> {
                }
            }
            String name = processName();
            int ch = next();
            if (ch == EOF) {
                // BuildKit says "unsupported modifier (\uFFFD)" here; the brace is what is missing.
                throw new Failure("syntax error: missing '}'");
            }
            String modifier = ch == EOF ? "\uFFFD" : Character.toString(ch);
            boolean nullIsUnset = false;
            if (ch == '}') {
                Optional<String> value = env.get(name);
                if (value.isEmpty() && skipUnsetEnv) {
                    return "${" + name + "}";
                }
                return value.orElse("");
            }
            if (ch == '/') {
                return substitute(name);
            }
            if (ch == ':') {
                nullIsUnset = true;
                ch = next();
                modifier += ch == EOF ? "\uFFFD" : Character.toString(ch);
            } else if (ch != '+' && ch != '-' && ch != '?' && ch != '#' && ch != '%') {
                throw new Failure("unsupported modifier (" + modifier + ") in substitution");
            }
            boolean patternModifier = ch == '#' || ch == '%';
            if (nullIsUnset && patternModifier) {
                throw new Failure("unsupported modifier (" + modifier + ") in substitution");
            }
            String word = untilClosingBrace(patternModifier);
            Optional<String> found = env.get(name);
            if (found.isEmpty() && skipUnsetEnv) {
                return "${" + name + modifier + word + "}";
            }
            boolean unset = found.isEmpty();
            String value = found.orElse("");
            boolean missing = unset || (nullIsUnset && value.isEmpty());
            return switch (ch) {
                case '-' -> missing ? word : value;
                case '+' -> missing ? "" : word;
                case '?' -> {
                    if (unset) {
                        throw new Failure(name + ": " + (word.isEmpty() ? "is not allowed to be unset" : word));
                    }
                    if (nullIsUnset && value.isEmpty()) {
                        throw new Failure(name + ": " + (word.isEmpty() ? "is not allowed to be empty" : word));
                    }
                    yield value;
                }
                case '#', '%' -> {
                    boolean greedy = !word.isEmpty() && word.codePointAt(0) == ch;
                    String pattern = greedy ? word.substring(1) : word;
                    yield ch == '%' ? trimSuffix(pattern, value, greedy) : trimPrefix(pattern, value, greedy);
                }
                default -> throw new Failure("unsupported modifier (" + modifier + ") in substitution");
            };
        }

        private String untilClosingBrace(boolean rawEscapesHere) throws Failure {
            try {
                return processStopOn('}', rawEscapesHere).text();
            } catch (Failure f) {
                if (peek() == EOF) {
                    throw new Failure("syntax error: missing '}'");
                }
                throw f;
            }
        }

        /** {@code ${name/pattern/replacement}} and {@code ${name//pattern/replacement}}. */
        private String substitute(String name) throws Failure {
            boolean replaceAll = peek() == '/';
            if (replaceAll) {
                next();
            }
            String pattern;
            try {
                pattern = processStopOn('/', true).text();
            } catch (Failure f) {
                if (peek() == EOF) {
                    throw new Failure("syntax error: missing '/' in ${}");
                }
                throw f;
            }
            String replacement = untilClosingBrace(true);
            Optional<String> found = env.get(name);
            if (found.isEmpty() && skipUnsetEnv) {
                return "${" + name + "/" + pattern + "/" + replacement + "}";
            }
            String value = found.orElse("");
            Pattern re = shellPatternToRegex(pattern, true, false);
            Matcher m = re.matcher(value);
            if (replaceAll) {
                return replaceAllGoStyle(m, value, replacement);
            }
            if (m.find()) {
                return value.substring(0, m.start()) + replacement + value.substring(m.end());
            }
            return value;
        }

        private String processName() {
            // A name is letters, digits and _; digits alone make a positional parameter, and one of
            // the special parameter characters makes a name by itself.
            StringBuilder name = new StringBuilder();
            while (peek() != EOF) {
                int ch = peek();
                if (name.isEmpty() && Character.isDigit(ch)) {
                    while (peek() != EOF && Character.isDigit(peek())) {
                        name.appendCodePoint(next());
                    }
                    return name.toString();
                }
                if (name.isEmpty() && isSpecialParameter(ch)) {
                    return Character.toString(next());
                }
                if (!Character.isLetter(ch) && !Character.isDigit(ch) && ch != '_') {
                    break;
                }
                name.appendCodePoint(next());
            }
            return name.toString();
        }

        private String processPossibleHeredoc() {
            next();
            if (peek() != '<') {
                return "<";
            }
            next();
            // Blanks between << and the delimiter belong to the same word.
            StringBuilder result = new StringBuilder("<<");
            while (peek() == '\t' || peek() == '\r' || peek() == ' ') {
                result.appendCodePoint(next());
            }
            return result.toString();
        }
    }

    private static boolean isSpecialParameter(int ch) {
        return switch (ch) {
            case '@', '*', '#', '?', '-', '$', '!', '0' -> true;
            default -> false;
        };
    }

    /** Collects words: unquoted whitespace ends a word, quoted or escaped text never does. */
    private static final class Words {
        private final List<String> words = new ArrayList<>();
        private final StringBuilder buf = new StringBuilder();
        private boolean inWord;

        void addChar(int ch) {
            if (GoText.isSpace(ch)) {
                if (inWord && !buf.isEmpty()) {
                    words.add(buf.toString());
                    buf.setLength(0);
                    inWord = false;
                }
            } else {
                addRawChar(ch);
            }
        }

        void addRawChar(int ch) {
            buf.appendCodePoint(ch);
            inWord = true;
        }

        void addString(String s) {
            s.codePoints().forEach(this::addChar);
        }

        void addRawString(String s) {
            buf.append(s);
            inWord = true;
        }

        List<String> get() {
            if (!buf.isEmpty()) {
                words.add(buf.toString());
                buf.setLength(0);
                inWord = false;
            }
            return List.copyOf(words);
        }
    }

    /**
     * A shell wildcard pattern ({@code ?} one character, {@code *} any run, {@code \} escapes) as a
     * regular expression; bracket expressions are not supported, as in BuildKit.
     */
    static Pattern shellPatternToRegex(String pattern, boolean greedy, boolean anchored) throws Failure {
        int[] cps = pattern.codePoints().toArray();
        StringBuilder out = new StringBuilder();
        if (anchored) {
            out.append('^');
        }
        String star = greedy ? ".*" : ".*?";
        for (int i = 0; i < cps.length; i++) {
            int tok = cps[i];
            switch (tok) {
                case '*' -> out.append(star);
                case '?' -> out.append('.');
                case '\\' -> {
                    int after = i + 1 < cps.length ? cps[i + 1] : EOF;
                    if (after == '}' || after == '/') {
                        continue; // escaped only to get through ${...}; not part of the pattern
                    }
                    if (after != '*' && after != '?' && after != '\\') {
                        throw new Failure("invalid pattern (" + pattern + ") in substitution: invalid escape '\\"
                                + (after == EOF ? "\uFFFD" : Character.toString(after)) + "'");
                    }
                    out.append('\\').appendCodePoint(after);
                    i++;
                }
                case '[', ']', '{', '}', '.', '+', '(', ')', '|', '^', '$' -> out.append('\\').appendCodePoint(tok);
                default -> out.appendCodePoint(tok);
            }
        }
        try {
            // UNIX_LINES: like Go's, '.' stops only at \n.
            return Pattern.compile(out.toString(), Pattern.UNIX_LINES);
        } catch (PatternSyntaxException e) {
            throw new Failure("invalid pattern (" + pattern + ") in substitution: " + e.getDescription());
        }
    }

    private static String trimPrefix(String pattern, String value, boolean greedy) throws Failure {
        Matcher m = shellPatternToRegex(pattern, greedy, true).matcher(value);
        return m.find() ? value.substring(m.end()) : value;
    }

    private static String trimSuffix(String pattern, String value, boolean greedy) throws Failure {
        // A regex cannot find the shortest match that ends at the end, so both sides are reversed
        // and the suffix becomes a prefix (an escape stays in front of the character it escapes).
        String trimmed = trimPrefix(reversePattern(pattern), reverse(value), greedy);
        return reverse(trimmed);
    }

    private static String reversePattern(String pattern) {
        int[] in = pattern.codePoints().toArray();
        int[] out = new int[in.length];
        int last = in.length - 1;
        for (int i = 0; i <= last; ) {
            int outIdx = last - i;
            if (in[i] == '\\' && i != last) {
                out[outIdx - 1] = in[i];
                out[outIdx] = in[i + 1];
                i += 2;
            } else {
                out[outIdx] = in[i];
                i++;
            }
        }
        return new String(out, 0, out.length);
    }

    private static String reverse(String s) {
        int[] cps = s.codePoints().toArray();
        for (int i = 0, j = cps.length - 1; i < j; i++, j--) {
            int t = cps[i];
            cps[i] = cps[j];
            cps[j] = t;
        }
        return new String(cps, 0, cps.length);
    }

    /**
     * Go's {@code Regexp.ReplaceAllString}: {@code $0} or {@code ${0}} is the match, {@code $$} a
     * dollar, other well-formed {@code $name} references (the pattern has no groups) are empty,
     * and a {@code $} that starts no reference stays as it is.
     */
    private static String replaceAllGoStyle(Matcher m, String value, String template) {
        StringBuilder out = new StringBuilder();
        int last = 0;
        int searchFrom = 0;
        int lastMatchEnd = -1;
        while (searchFrom <= value.length() && m.find(searchFrom)) {
            int start = m.start();
            int end = m.end();
            // Go skips an empty match right after the previous match.
            if (start == end && start == lastMatchEnd) {
                if (start >= value.length()) {
                    break;
                }
                searchFrom = value.offsetByCodePoints(start, 1);
                continue;
            }
            out.append(value, last, start);
            expandTemplate(out, template, value.substring(start, end));
            last = end;
            lastMatchEnd = end;
            if (end == start) {
                if (end >= value.length()) {
                    break;
                }
                searchFrom = value.offsetByCodePoints(end, 1);
            } else {
                searchFrom = end;
            }
        }
        out.append(value, last, value.length());
        return out.toString();
    }

    private static void expandTemplate(StringBuilder out, String template, String match) {
        int i = 0;
        while (i < template.length()) {
            char c = template.charAt(i);
            if (c != '$' || i + 1 >= template.length()) {
                out.append(c);
                i++;
                continue;
            }
            if (template.charAt(i + 1) == '$') {
                out.append('$');
                i += 2;
                continue;
            }
            int nameStart;
            int nameEnd;
            int after;
            if (template.charAt(i + 1) == '{') {
                nameStart = i + 2;
                nameEnd = nameStart;
                while (nameEnd < template.length() && isNameChar(template.codePointAt(nameEnd))) {
                    nameEnd += Character.charCount(template.codePointAt(nameEnd));
                }
                if (nameEnd == nameStart || nameEnd >= template.length() || template.charAt(nameEnd) != '}') {
                    out.append('$');
                    i++;
                    continue;
                }
                after = nameEnd + 1;
            } else {
                nameStart = i + 1;
                nameEnd = nameStart;
                while (nameEnd < template.length() && isNameChar(template.codePointAt(nameEnd))) {
                    nameEnd += Character.charCount(template.codePointAt(nameEnd));
                }
                if (nameEnd == nameStart) {
                    out.append('$');
                    i++;
                    continue;
                }
                after = nameEnd;
            }
            if (template.substring(nameStart, nameEnd).equals("0")) {
                out.append(match);
            }
            i = after;
        }
    }

    private static boolean isNameChar(int cp) {
        return cp == '_' || Character.isLetter(cp) || Character.isDigit(cp);
    }
}
