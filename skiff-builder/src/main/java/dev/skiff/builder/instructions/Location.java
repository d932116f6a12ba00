package dev.skiff.builder.instructions;

import dev.skiff.builder.dockerfile.Instruction;

import java.util.Objects;

/**
 * Where an instruction came from: its lines, from 1, and its text as written (continuations
 * joined, trimmed), which BuildKit uses for build history and progress names.
 */
public record Location(int startLine, int endLine, String text) {
    public Location {
        Objects.requireNonNull(text, "text");
    }

    static Location of(Instruction instruction) {
        return new Location(instruction.startLine(), instruction.endLine(), instruction.original().strip());
    }
}
