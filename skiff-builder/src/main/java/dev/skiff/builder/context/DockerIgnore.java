package dev.skiff.builder.context;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A {@code .dockerignore} file: which paths of the build context are left out.
 *
 * <p>Reading follows moby/patternmatcher's {@code ignorefile}: a line starting with {@code #} is a
 * comment, blank lines are skipped, surrounding blanks are trimmed, {@code !} makes an exception
 * (blanks after it trimmed too), and each pattern is cleaned as a path ({@code ./a}, {@code a/},
 * {@code a//b/../c} become {@code a}, {@code a}, {@code a/c}) with one leading {@code /} removed.
 *
 * <p>Matching follows {@code PatternMatcher.MatchesOrParentMatches}: patterns apply in order, the
 * last one that matches decides, and a pattern matches a path when it matches the path or any of
 * its parent directories. So after {@code docs} and {@code !docs/README.md}, {@code docs} and
 * {@code docs/a.txt} are excluded but {@code docs/README.md} is not. Since the directory itself is
 * excluded, a walker would never reach the exception; {@link #mustDescend} says when it has to look
 * inside an excluded directory anyway, as BuildKit's walker decides.
 */
public final class DockerIgnore {
    /** The file BuildKit reads from the context root when the Dockerfile has no own ignore file. */
    public static final String FILE_NAME = ".dockerignore";
    /** Characters that make a pattern more than a plain path, for {@link #mustDescend}. */
    private static final String PATTERN_CHARS = "*[]?^\\";

    private final List<String> patterns;
    private final List<IgnorePattern> compiled;
    private final boolean exceptions;
    private final boolean onlyPlainExceptions;

    private DockerIgnore(List<String> patterns, List<IgnorePattern> compiled) {
        this.patterns = List.copyOf(patterns);
        this.compiled = List.copyOf(compiled);
        this.exceptions = compiled.stream().anyMatch(IgnorePattern::exclusion);
        this.onlyPlainExceptions = compiled.stream().filter(IgnorePattern::exclusion)
                .noneMatch(p -> p.withoutTrailingGlob().chars().anyMatch(c -> PATTERN_CHARS.indexOf(c) >= 0));
    }

    /** Nothing ignored. */
    public static DockerIgnore empty() {
        return new DockerIgnore(List.of(), List.of());
    }

    /** One pattern as read from its line, {@code !} included for an exception. */
    public record Entry(int line, String pattern) {
    }

    /** The patterns of a {@code .dockerignore} text, cleaned, with their lines. */
    public static List<Entry> read(String text) {
        List<Entry> entries = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        for (int n = 0; n < lines.length; n++) {
            String line = lines[n];
            if (line.endsWith("\r")) {
                line = line.substring(0, line.length() - 1);
            }
            if (n == 0 && line.startsWith("\uFEFF")) {
                line = line.substring(1);
            }
            if (line.startsWith("#")) {
                continue;
            }
            String pattern = line.strip();
            if (pattern.isEmpty()) {
                continue;
            }
            boolean exception = pattern.charAt(0) == '!';
            if (exception) {
                pattern = pattern.substring(1).strip();
            }
            if (!pattern.isEmpty()) {
                pattern = GoPath.clean(pattern);
                if (pattern.length() > 1 && pattern.charAt(0) == '/') {
                    pattern = pattern.substring(1);
                }
            }
            entries.add(new Entry(n + 1, exception ? "!" + pattern : pattern));
        }
        return entries;
    }

    /**
     * Reads and compiles a {@code .dockerignore} text.
     *
     * @throws DockerIgnoreException for a lone {@code !} or a malformed pattern, naming its line
     */
    public static DockerIgnore parse(String text) {
        List<Entry> entries = read(text);
        List<String> patterns = new ArrayList<>();
        List<IgnorePattern> compiled = new ArrayList<>();
        for (Entry entry : entries) {
            String p = GoPath.clean(entry.pattern().strip());
            boolean exclusion = false;
            if (p.charAt(0) == '!') {
                if (p.length() == 1) {
                    throw new DockerIgnoreException("", entry.line(), "illegal exclusion pattern: \"!\";"
                            + " write the path to keep after the ! (as in !docs/README.md) or remove the line");
                }
                exclusion = true;
                p = p.substring(1);
            }
            try {
                compiled.add(IgnorePattern.compile(p, exclusion));
            } catch (IgnorePattern.BadPattern | java.util.regex.PatternSyntaxException e) {
                throw new DockerIgnoreException("", entry.line(), "syntax error in pattern " + p
                        + ": a [ needs a matching ], a range such as [a-z], and \\ needs a character after it");
            }
            patterns.add(entry.pattern());
        }
        return new DockerIgnore(patterns, compiled);
    }

    /**
     * Reads {@code <Dockerfile>.dockerignore} next to the Dockerfile if there is one, else
     * {@code .dockerignore} at the context root, else ignores nothing; BuildKit looks in that order.
     *
     * @throws IOException           when the file exists but cannot be read
     * @throws DockerIgnoreException when a pattern is malformed
     */
    public static DockerIgnore load(Path contextDir, Path dockerfile) throws IOException {
        Optional<Path> file = locate(contextDir, dockerfile);
        if (file.isEmpty()) {
            return empty();
        }
        String text = Files.readString(file.get(), StandardCharsets.UTF_8);
        try {
            return parse(text);
        } catch (DockerIgnoreException e) {
            throw e.in(file.get().toString());
        }
    }

    /** Which ignore file applies: the Dockerfile's own ({@code app.Dockerfile.dockerignore}), else the context's. */
    public static Optional<Path> locate(Path contextDir, Path dockerfile) {
        Path own = dockerfile.resolveSibling(dockerfile.getFileName() + FILE_NAME);
        if (Files.isRegularFile(own)) {
            return Optional.of(own);
        }
        Path shared = contextDir.resolve(FILE_NAME);
        return Files.isRegularFile(shared) ? Optional.of(shared) : Optional.empty();
    }

    /** The patterns as read, {@code !} marking exceptions. */
    public List<String> patterns() {
        return patterns;
    }

    /** Whether any pattern is an exception ({@code !...}). */
    public boolean hasExceptions() {
        return exceptions;
    }

    /**
     * Whether the context path is left out. The path is relative to the context root, with
     * {@code /} separators; it is cleaned first, and the root itself is never excluded.
     */
    public boolean excludes(String path) {
        String file = relative(path);
        if (file.equals(".")) {
            return false;
        }
        String parent = GoPath.dir(file);
        String[] parentDirs = parent.split("/");
        boolean matched = false;
        for (IgnorePattern pattern : compiled) {
            if (pattern.exclusion() != matched) {
                continue; // cannot change the outcome
            }
            boolean match = pattern.matches(file);
            if (!match && !parent.equals(".")) {
                StringBuilder prefix = new StringBuilder();
                for (String dir : parentDirs) {
                    if (!prefix.isEmpty()) {
                        prefix.append('/');
                    }
                    prefix.append(dir);
                    if (pattern.matches(prefix.toString())) {
                        match = true;
                        break;
                    }
                }
            }
            if (match) {
                matched = !pattern.exclusion();
            }
        }
        return matched;
    }

    /**
     * Whether a walker must look inside this directory although {@link #excludes} is true for it,
     * because an exception might keep something inside. BuildKit answers no when there are no
     * exceptions, yes when an exception is a pattern (it cannot tell), and otherwise yes only when an
     * exception's path lies under the directory.
     */
    public boolean mustDescend(String directory) {
        if (!excludes(directory)) {
            return true;
        }
        if (!exceptions) {
            return false;
        }
        if (!onlyPlainExceptions) {
            return true;
        }
        String dirSlash = relative(directory) + "/";
        return compiled.stream().filter(IgnorePattern::exclusion)
                .anyMatch(p -> (p.withoutTrailingGlob() + "/").startsWith(dirSlash));
    }

    private static String relative(String path) {
        String p = GoPath.clean(path);
        while (p.startsWith("/")) {
            p = p.length() == 1 ? "." : p.substring(1);
        }
        return p;
    }
}
