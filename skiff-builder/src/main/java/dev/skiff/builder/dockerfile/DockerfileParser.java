package dev.skiff.builder.dockerfile;

import java.io.IOException;
import java.io.Reader;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns Dockerfile text into {@link Instruction}s the way BuildKit's {@code parser} package does,
 * so that BuildKit's golden files are our contract: the same lines join, the same words split, the
 * same inputs are refused. It does no I/O beyond reading the text it is given and expands no
 * variables; that happens later, per stage, with {@link ShellLexer}.
 *
 * <p>The text is read as lines (LF, with any CR before it dropped). At the top, parser directives
 * ({@code # syntax=}, {@code # escape=}, {@code # check=}) are read until the first line that is
 * not one. A line ending in the escape character continues on the next; comment and blank lines
 * inside a continuation are skipped. The first word is the keyword, leading {@code --flags} are
 * split off, and the rest is shaped per instruction (see {@code ArgumentParsers}). {@code RUN},
 * {@code COPY} and {@code ADD} in shell form may name here-documents ({@code <<EOF}) whose bodies
 * follow the instruction.
 *
 * <p>Where BuildKit reads bytes one at a time by accident (flags and the HEALTHCHECK type, so that
 * a non-ASCII character there comes out mangled), this parser reads characters.
 */
public final class DockerfileParser {
    private static final char DEFAULT_ESCAPE = '\\';
    private static final Set<String> KNOWN_DIRECTIVES = Set.of("syntax", "escape", "check");
    /** Go's {@code ^([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$}; Go's \s has no \v, its $ is the very end. */
    private static final Pattern DIRECTIVE =
            Pattern.compile("^([a-zA-Z][a-zA-Z0-9]*)[\\t\\n\\f\\r ]*=[\\t\\n\\f\\r ]*([^\\n]+?)[\\t\\n\\f\\r ]*\\z");
    private static final Pattern HEREDOC = Pattern.compile("^([0-9]*)<<(-?)[\\t\\n\\f\\r ]*([^<]*)\\z");
    private static final Set<String> HEREDOC_COMMANDS = Set.of("add", "copy", "run");

    private final List<String> lines;
    private int next;
    private int currentLine;
    private char escapeToken = DEFAULT_ESCAPE;
    private boolean directivesDone;
    private final Set<String> directivesSeen = new HashSet<>();
    private final List<Dockerfile.Directive> directives = new ArrayList<>();
    private final List<Dockerfile.Warning> warnings = new ArrayList<>();

    private DockerfileParser(String text) {
        this.lines = splitKeepingNewlines(text);
    }

    /**
     * Parses a whole Dockerfile.
     *
     * @throws DockerfileSyntaxException when the text has no instruction, a repeated or invalid
     *                                   directive, an unterminated here-document, or an instruction
     *                                   whose arguments cannot be read; the message names the lines
     */
    public static Dockerfile parse(String text) {
        return new DockerfileParser(text).parseAll();
    }

    /** Reads {@code reader} to its end and parses the text. The reader is not closed. */
    public static Dockerfile parse(Reader reader) throws IOException {
        StringBuilder text = new StringBuilder();
        char[] buf = new char[8192];
        for (int n; (n = reader.read(buf)) >= 0; ) {
            text.append(buf, 0, n);
        }
        return parse(text.toString());
    }

    private Dockerfile parseAll() {
        List<Instruction> instructions = new ArrayList<>();
        List<String> comments = new ArrayList<>();
        while (hasNextLine()) {
            String raw = nextLine();
            if (currentLine == 0 && raw.startsWith("\uFEFF")) {
                raw = raw.substring(1);
            }
            if (isComment(raw)) {
                // As BuildKit does: the text after the line's first character, trimmed.
                String comment = GoText.trimSpace(raw.substring(1));
                if (comment.isEmpty()) {
                    comments.clear();
                } else {
                    comments.add(comment);
                }
            }
            String text = processLine(raw, true, comments);
            currentLine++;
            int startLine = currentLine;

            Continued first = trimContinuation(text);
            if (first.complete() && first.text().isEmpty()) {
                continue;
            }
            StringBuilder joined = new StringBuilder(first.text());
            boolean complete = first.complete();
            boolean emptyContinuationLine = false;
            while (!complete && hasNextLine()) {
                String rawNext = nextLine();
                String textNext = processLine(rawNext, false, null);
                currentLine++;
                if (isComment(rawNext)) {
                    continue;
                }
                if (GoText.trimLeftSpace(trimNewline(textNext)).isEmpty()) {
                    emptyContinuationLine = true;
                    continue;
                }
                Continued more = trimContinuation(textNext);
                joined.append(more.text());
                complete = more.complete();
            }
            String line = joined.toString();
            if (emptyContinuationLine) {
                warnings.add(new Dockerfile.Warning("Empty continuation line found in: " + line
                        + " (empty continuation lines will become errors in a future release)", currentLine));
            }

            Instruction instruction;
            try {
                instruction = instructionFromLine(line, List.copyOf(comments));
            } catch (DockerfileException e) {
                throw new DockerfileSyntaxException(startLine, currentLine, e.getMessage());
            }
            List<Heredoc> heredocs = canContainHeredoc(instruction) && line.contains("<<")
                    ? readHeredocs(line, startLine)
                    : List.of();
            instructions.add(instruction.withHeredocs(heredocs, currentLine).at(startLine, currentLine));
            comments.clear();
        }
        if (instructions.isEmpty()) {
            throw new DockerfileSyntaxException(1, Math.max(1, currentLine),
                    "file with no instructions: a Dockerfile needs at least one instruction, such as FROM");
        }
        return new Dockerfile(instructions, directives, escapeToken, warnings);
    }

    private boolean hasNextLine() {
        return next < lines.size();
    }

    private String nextLine() {
        return lines.get(next++);
    }

    /** Lines as Go's scanner gives them: each with its LF, the last one without if the text has none. */
    private static List<String> splitKeepingNewlines(String text) {
        List<String> out = new ArrayList<>();
        int start = 0;
        while (start < text.length()) {
            int nl = text.indexOf('\n', start);
            int end = nl < 0 ? text.length() : nl + 1;
            out.add(text.substring(start, end));
            start = end;
        }
        return out;
    }

    /**
     * Drops the line ending (and, for the first line of an instruction, leading blanks), feeds
     * the line to the directive reader, and gives back the line, or "" for a comment.
     */
    private String processLine(String raw, boolean stripLeading, List<String> comments) {
        String token = trimNewline(raw);
        if (stripLeading) {
            token = GoText.trimLeftSpace(token);
        }
        if (possibleDirective(token) && comments != null && !comments.isEmpty()) {
            comments.removeLast();
        }
        return isComment(token) ? "" : token;
    }

    private boolean possibleDirective(String line) {
        if (directivesDone) {
            return false;
        }
        if (!line.startsWith("#")) {
            directivesDone = true;
            return false;
        }
        Matcher m = DIRECTIVE.matcher(GoText.trimLeftSpace(line.substring(1)));
        if (!m.matches()) {
            directivesDone = true;
            return false;
        }
        String name = m.group(1).toLowerCase(Locale.ROOT);
        if (!KNOWN_DIRECTIVES.contains(name)) {
            directivesDone = true;
            return false;
        }
        int line1 = currentLine + 1;
        if (!directivesSeen.add(name)) {
            throw new DockerfileSyntaxException(line1, line1,
                    "only one " + name + " parser directive can be used; remove the repeated one");
        }
        String value = m.group(2);
        if (name.equals("escape")) {
            if (!value.equals("`") && !value.equals("\\")) {
                throw new DockerfileSyntaxException(line1, line1, "invalid escape token '" + value
                        + "' does not match ` or \\; write # escape=\\ (the default) or # escape=`");
            }
            escapeToken = value.charAt(0);
        }
        directives.add(new Dockerfile.Directive(name, value, line1));
        return true;
    }

    private static String trimNewline(String s) {
        int end = s.length();
        while (end > 0 && (s.charAt(end - 1) == '\n' || s.charAt(end - 1) == '\r')) {
            end--;
        }
        return s.substring(0, end);
    }

    private static boolean isComment(String line) {
        return GoText.trimLeftSpace(line).startsWith("#");
    }

    private record Continued(String text, boolean complete) {
    }

    /**
     * A line continues when it ends in the escape character (blanks after it allowed) that is not
     * itself escaped, unless it stands alone. The character and the blanks are removed.
     */
    private Continued trimContinuation(String line) {
        int end = line.length();
        while (end > 0 && (line.charAt(end - 1) == ' ' || line.charAt(end - 1) == '\t')) {
            end--;
        }
        if (end == 0 || line.charAt(end - 1) != escapeToken) {
            return new Continued(line, true);
        }
        if (end == 1) {
            return new Continued("", false);
        }
        if (line.charAt(end - 2) == escapeToken) {
            return new Continued(line, true);
        }
        return new Continued(line.substring(0, end - 1), false);
    }

    /** Splits keyword, flags and arguments of one joined instruction line. */
    Instruction instructionFromLine(String line, List<String> comments) {
        List<String> parts = ArgumentParsers.splitBlanks(GoText.trimSpace(line), 2);
        String keyword = parts.getFirst();
        List<String> flags = List.of();
        String args = "";
        if (parts.size() == 2) {
            FlagSplit split = extractFlags(parts.get(1));
            flags = split.flags();
            args = GoText.trimSpace(split.rest());
        }
        ArgumentParsers.Parsed parsed = ArgumentParsers.parse(GoText.toLower(keyword), args, this);
        return new Instruction(keyword, flags, parsed.arguments(), parsed.json(), List.of(), line, 0, 0, comments);
    }

    char escapeToken() {
        return escapeToken;
    }

    private record FlagSplit(List<String> flags, String rest) {
    }

    /**
     * Takes the leading words that start with {@code --} as flags, with quotes removed and escapes
     * applied; a bare {@code --} ends them and is dropped.
     */
    private FlagSplit extractFlags(String line) {
        final int inSpaces = 0;
        final int inWord = 1;
        final int inQuote = 2;
        List<String> words = new ArrayList<>();
        int phase = inSpaces;
        StringBuilder word = new StringBuilder();
        int quote = 0;
        boolean blankOk = false;
        int len = line.length();
        for (int pos = 0; pos <= len; ) {
            int ch = pos < len ? line.codePointAt(pos) : -1;
            int width = ch < 0 ? 1 : Character.charCount(ch);
            if (phase == inSpaces) {
                if (pos == len) {
                    break;
                }
                if (GoText.isSpace(ch)) {
                    pos += width;
                    continue;
                }
                if (ch != '-' || pos + 1 == len || line.charAt(pos + 1) != '-') {
                    return new FlagSplit(words, line.substring(pos));
                }
                phase = inWord;
            }
            if (pos == len) {
                String w = word.toString();
                if (!w.equals("--") && (blankOk || !w.isEmpty())) {
                    words.add(w);
                }
                break;
            }
            if (phase == inWord) {
                if (GoText.isSpace(ch)) {
                    String w = word.toString();
                    phase = inSpaces;
                    if (w.equals("--")) {
                        return new FlagSplit(words, line.substring(pos));
                    }
                    if (blankOk || !w.isEmpty()) {
                        words.add(w);
                    }
                    word.setLength(0);
                    blankOk = false;
                    pos += width;
                    continue;
                }
                if (ch == '\'' || ch == '"') {
                    quote = ch;
                    blankOk = true;
                    phase = inQuote;
                    pos += width;
                    continue;
                }
                if (ch == escapeToken) {
                    if (pos + width == len) {
                        pos += width; // an escape at the very end is dropped
                        continue;
                    }
                    pos += width;
                    ch = line.codePointAt(pos);
                    width = Character.charCount(ch);
                }
                word.appendCodePoint(ch);
                pos += width;
                continue;
            }
            // inQuote
            if (ch == quote) {
                phase = inWord;
                pos += width;
                continue;
            }
            if (ch == escapeToken) {
                if (pos + width == len) {
                    phase = inWord;
                    pos += width;
                    continue;
                }
                pos += width;
                ch = line.codePointAt(pos);
                width = Character.charCount(ch);
            }
            word.appendCodePoint(ch);
            pos += width;
        }
        return new FlagSplit(words, "");
    }

    private static boolean canContainHeredoc(Instruction instruction) {
        Instruction target = instruction;
        if (target.command().equals("onbuild") && !target.arguments().isEmpty()
                && target.arguments().getFirst() instanceof Argument.Nested nested) {
            target = nested.instruction();
        }
        return HEREDOC_COMMANDS.contains(target.command()) && !target.jsonForm();
    }

    /** Finds the {@code <<WORD} marks in the line and reads each body from the lines that follow. */
    private List<Heredoc> readHeredocs(String line, int startLine) {
        List<Heredoc> found;
        try {
            found = heredocsFromLine(line);
        } catch (DockerfileException e) {
            throw new DockerfileSyntaxException(startLine, currentLine, e.getMessage());
        }
        List<Heredoc> bodies = new ArrayList<>(found.size());
        for (Heredoc heredoc : found) {
            StringBuilder content = new StringBuilder(heredoc.content());
            boolean terminated = false;
            while (hasNextLine()) {
                String raw = nextLine();
                currentLine++;
                String candidate = trimNewline(raw);
                if (heredoc.chomp()) {
                    candidate = candidate.replaceFirst("^\t+", "");
                }
                if (candidate.equals(heredoc.name())) {
                    terminated = true;
                    break;
                }
                content.append(raw);
            }
            if (!terminated) {
                throw new DockerfileSyntaxException(startLine, currentLine, "unterminated heredoc: no line "
                        + GoText.quote(heredoc.name()) + " ends the here-document; add one after its body");
            }
            bodies.add(heredoc.withContent(content.toString()));
        }
        return bodies;
    }

    static List<Heredoc> heredocsFromLine(String line) {
        ShellLexer lexer = ShellLexer.withEscape('\\').withRawQuotes(true).withRawEscapes(true).withSkipUnsetEnv(true);
        List<String> words;
        try {
            words = lexer.processWords(line, ShellLexer.Environment.empty());
        } catch (DockerfileException e) {
            // As BuildKit: a line the shell lexer cannot read has no heredocs.
            return List.of();
        }
        List<Heredoc> docs = new ArrayList<>();
        for (String word : words) {
            Heredoc doc = parseHeredoc(word);
            if (doc != null) {
                docs.add(doc);
            }
        }
        return docs;
    }

    /**
     * Reads one heredoc mark such as {@code <<EOF}, {@code <<-'EOF'} or {@code 3<<EOF}; null when
     * {@code word} is not one. The body is expanded later only if no part of the word was quoted.
     */
    static Heredoc parseHeredoc(String word) {
        Matcher m = HEREDOC.matcher(word);
        if (!m.matches()) {
            return null;
        }
        long fd = 0;
        if (!m.group(1).isEmpty()) {
            try {
                fd = Long.parseUnsignedLong(m.group(1));
            } catch (NumberFormatException e) {
                fd = -1; // Go's ParseUint gives the largest value on overflow
            }
        }
        boolean chomp = m.group(2).equals("-");
        String rest = m.group(3);
        if (rest.isEmpty()) {
            return null;
        }
        ShellLexer lexer = ShellLexer.withEscape('\\').withSkipUnsetEnv(true);
        List<String> words = lexer.processWords(rest, ShellLexer.Environment.empty());
        if (words.size() != 1) {
            return null;
        }
        List<String> raw = lexer.withRawQuotes(true).processWords(rest, ShellLexer.Environment.empty());
        if (raw.size() != words.size()) {
            throw new DockerfileException("internal lexing of heredoc produced inconsistent results: " + rest);
        }
        String name = words.getFirst();
        boolean expand = countQuotes(name) == countQuotes(raw.getFirst());
        return new Heredoc(name, fd, expand, chomp, "");
    }

    private static long countQuotes(String s) {
        return s.chars().filter(c -> c == '\'' || c == '"').count();
    }
}
