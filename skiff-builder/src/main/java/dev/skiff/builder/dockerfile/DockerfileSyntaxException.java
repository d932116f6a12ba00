package dev.skiff.builder.dockerfile;

/**
 * A Dockerfile that cannot be parsed. The message starts with the line (or lines) at fault,
 * counted from 1 as an editor shows them, so a caller that knows the file name only prefixes it.
 */
public final class DockerfileSyntaxException extends DockerfileException {
    private final int startLine;
    private final int endLine;
    private final String problem;

    DockerfileSyntaxException(int startLine, int endLine, String problem) {
        super(where(startLine, endLine) + ": " + problem);
        this.startLine = startLine;
        this.endLine = Math.max(startLine, endLine);
        this.problem = problem;
    }

    /** First line of the instruction or directive at fault, from 1. */
    public int startLine() {
        return startLine;
    }

    /** Last line of the instruction at fault (equal to {@link #startLine()} for one line). */
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
