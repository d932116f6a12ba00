package dev.skiff.engine.containers;

/** What {@code POST /containers/{id}/wait?condition=} waits for. */
public enum WaitCondition {
    /** Returns at once when the container does not run, else at its exit (docker's default). */
    NOT_RUNNING,
    /** The next exit, even when the container has not started yet ({@code docker run} uses it). */
    NEXT_EXIT,
    /** The container's removal ({@code docker run --rm}). */
    REMOVED;

    /** Docker's word ({@code next-exit}); empty means {@link #NOT_RUNNING}. */
    public static WaitCondition parse(String word) {
        return switch (word) {
            case "", "not-running" -> NOT_RUNNING;
            case "next-exit" -> NEXT_EXIT;
            case "removed" -> REMOVED;
            default -> throw new ContainerException.InvalidArgument("invalid condition: \"" + word + "\"");
        };
    }
}
