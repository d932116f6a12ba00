package dev.skiff.builder.dockerfile;

import java.util.List;
import java.util.Objects;

/**
 * One instruction of a Dockerfile, after joining continuation lines and splitting off flags,
 * before any variable is expanded.
 *
 * @param keyword   the instruction word as written ({@code FROM}, {@code from}, or an unknown word)
 * @param flags     the leading {@code --name=value} words, quotes and escapes removed
 * @param arguments the arguments, shaped per instruction (see {@link DockerfileParser})
 * @param jsonForm  whether the arguments were written as a JSON array ({@code CMD ["a", "b"]})
 * @param heredocs  here-documents whose bodies followed this instruction, in order
 * @param original  the instruction's joined text (continuations removed, comments skipped)
 * @param startLine first physical line, from 1
 * @param endLine   last physical line consumed, including heredoc bodies
 * @param comments  the comment lines right above the instruction, without their {@code #}
 */
public record Instruction(
        String keyword,
        List<String> flags,
        List<Argument> arguments,
        boolean jsonForm,
        List<Heredoc> heredocs,
        String original,
        int startLine,
        int endLine,
        List<String> comments) {

    public Instruction {
        Objects.requireNonNull(keyword, "keyword");
        Objects.requireNonNull(original, "original");
        flags = List.copyOf(flags);
        arguments = List.copyOf(arguments);
        heredocs = List.copyOf(heredocs);
        comments = List.copyOf(comments);
    }

    /** The keyword in lower case, as instructions are matched ({@code run}, {@code copy}, ...). */
    public String command() {
        return GoText.toLower(keyword);
    }

    /**
     * The argument values, for instructions whose arguments are all text (every one but
     * {@code ONBUILD}, whose wrapped instruction appears here as its dump).
     */
    public List<String> values() {
        return arguments.stream()
                .map(a -> a instanceof Argument.Text t ? t.value() : a.dump())
                .toList();
    }

    Instruction withHeredocs(List<Heredoc> docs, int lastLine) {
        return new Instruction(keyword, flags, arguments, jsonForm, docs, original, startLine, lastLine, comments);
    }

    Instruction at(int first, int last) {
        return new Instruction(keyword, flags, arguments, jsonForm, heredocs, original, first, last, comments);
    }

    /**
     * BuildKit's {@code Node.Dump} of this instruction, without the surrounding parentheses:
     * {@code run ["--mount=type=cache"] "echo hi"}.
     */
    public String dump() {
        StringBuilder out = new StringBuilder(command());
        if (!flags.isEmpty()) {
            out.append(' ').append(GoText.quoteList(flags));
        }
        for (Argument argument : arguments) {
            out.append(' ').append(argument.dump());
        }
        return GoText.trimSpace(out.toString());
    }
}
