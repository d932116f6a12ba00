package dev.skiff.builder.dockerfile;

import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * A parsed Dockerfile: its instructions in source order, the parser directives from its top and
 * the warnings the parser raised. Never empty: a text without instructions does not parse.
 */
public record Dockerfile(
        List<Instruction> instructions, List<Directive> directives, char escapeToken, List<Warning> warnings) {

    public Dockerfile {
        instructions = List.copyOf(instructions);
        directives = List.copyOf(directives);
        warnings = List.copyOf(warnings);
        if (instructions.isEmpty()) {
            throw new IllegalArgumentException("a Dockerfile has at least one instruction");
        }
    }

    /** A parser directive ({@code # syntax=...}, {@code # escape=...}, {@code # check=...}). */
    public record Directive(String name, String value, int line) {
    }

    /** Something accepted now that may be refused later, such as an empty continuation line. */
    public record Warning(String message, int line) {
    }

    public int startLine() {
        return instructions.getFirst().startLine();
    }

    public int endLine() {
        return instructions.getLast().endLine();
    }

    /** The value of a directive, by its lower-case name. */
    public Optional<String> directive(String name) {
        return directives.stream().filter(d -> d.name().equals(name)).map(Directive::value).findFirst();
    }

    /**
     * BuildKit's {@code Node.Dump} of the whole file: one {@code (keyword [flags] "arg" ...)} per
     * instruction, joined by newlines, with no final newline. This is what the golden {@code result}
     * files of BuildKit's parser tests hold (plus a newline).
     */
    public String dump() {
        return instructions.stream().map(i -> "(" + i.dump() + ")").collect(Collectors.joining("\n"));
    }
}
