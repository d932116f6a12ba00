package dev.skiff.builder.instructions;

import dev.skiff.builder.dockerfile.DockerfileException;

/**
 * An instruction that parsed as text but cannot be built: an unknown keyword or flag, a wrong
 * number of arguments, a bad duration or mount, a variable that cannot be expanded. As for
 * syntax errors, the message starts with the line (or lines) at fault, so a caller that knows the
 * file name only prefixes it.
 */
public final class InstructionException extends DockerfileException {
    private final int startLine;
    private final int endLine;
    private final String problem;

    public InstructionException(Location location, String problem) {
        super(where(location.startLine(), location.endLine()) + ": " + problem);
        this.startLine = location.startLine();
        this.endLine = Math.max(location.startLine(), location.endLine());
        this.problem = problem;
    }

    /** First line of the instruction at fault, from 1. */
    public int startLine() {
        return startLine;
    }

    /** Last line of the instruction at fault. */
    public int endLine() {
        return endLine;
    }

    /** The message without its line prefix. */
    public String problem() {
        return problem;
    }

    private static String where(int startLine, int endLine) {
        return endLine > startLine ? "lines " + startLine + "-" + endLine : "line " + startLine;
    }
}
