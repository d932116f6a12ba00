package dev.skiff.builder.dockerfile;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A here-document attached to a {@code RUN}, {@code COPY} or {@code ADD} instruction.
 *
 * @param name           the delimiter word, with its quotes removed
 * @param fileDescriptor the number written before {@code <<} ({@code 3<<EOF}), 0 when none
 * @param expand         false when any part of the delimiter was quoted: then {@code $VAR} in the
 *                       body is left as it is, as in a shell
 * @param chomp          {@code <<-}: leading tabs of each body line are dropped (see {@link #chompedContent()})
 * @param content        the body lines as written, each with its line ending, without the delimiter line
 */
public record Heredoc(String name, long fileDescriptor, boolean expand, boolean chomp, String content) {
    private static final Pattern LEADING_TABS = Pattern.compile("^\t+", Pattern.MULTILINE | Pattern.UNIX_LINES);

    public Heredoc {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(content, "content");
    }

    /**
     * Reads a here-document mark as it appears among an instruction's arguments ({@code <<EOF},
     * {@code <<-"EOF"}, {@code 3<<EOF}), without a body; empty when {@code word} is not one. This is
     * how {@code COPY <<EOF /dest} tells an inline source from a path.
     */
    public static java.util.Optional<Heredoc> fromMark(String word) {
        return java.util.Optional.ofNullable(DockerfileParser.parseHeredoc(word));
    }

    Heredoc withContent(String body) {
        return new Heredoc(name, fileDescriptor, expand, chomp, body);
    }

    /** The body as a shell gives it to the command: without leading tabs when {@link #chomp()}. */
    public String chompedContent() {
        // UNIX_LINES: as in Go, a line starts only after \n (not after \r or U+2028).
        return chomp ? LEADING_TABS.matcher(content).replaceAll("") : content;
    }
}
