package dev.skiff.engine.containers;

import java.time.Instant;
import java.util.Set;

/**
 * Where a container is in its life, as docker's {@code State} shows it. The allowed transitions are
 * written down here, in {@link Status#next}, and nowhere else.
 *
 * @param pid        the container's init process on the host; 0 when it does not run
 * @param exitCode   the last run's exit code (or 126/127/128 for a start that failed)
 * @param startedAt  {@link #ZERO} before the first start
 * @param finishedAt {@link #ZERO} until the first exit
 * @param error      why the last start failed; empty otherwise
 */
public record ContainerState(Status status, int pid, int exitCode, Instant startedAt, Instant finishedAt, String error) {
    /** Go's zero time, which docker shows for "never". */
    public static final Instant ZERO = Instant.parse("0001-01-01T00:00:00Z");

    public enum Status {
        CREATED, RUNNING, PAUSED, EXITED, REMOVING;

        /** Docker's lower-case word for it ({@code running}). */
        public String word() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        static Status of(String word) {
            return valueOf(word.toUpperCase(java.util.Locale.ROOT));
        }

        boolean canMoveTo(Status next) {
            Set<Status> allowed = switch (this) {
                case CREATED, EXITED -> Set.of(RUNNING, EXITED, REMOVING);
                case RUNNING -> Set.of(PAUSED, EXITED, REMOVING);
                case PAUSED -> Set.of(RUNNING, EXITED, REMOVING);
                case REMOVING -> Set.of(EXITED);
            };
            return allowed.contains(next);
        }
    }

    static ContainerState created() {
        return new ContainerState(Status.CREATED, 0, 0, ZERO, ZERO, "");
    }

    public boolean running() {
        return status == Status.RUNNING || status == Status.PAUSED;
    }

    ContainerState started(int pid, Instant at) {
        return move(Status.RUNNING, pid, 0, at, finishedAt, "");
    }

    ContainerState exited(int code, Instant at) {
        return move(Status.EXITED, 0, code, startedAt, at, "");
    }

    /** A start that failed: the container stays where it was, with docker's exit code and the error. */
    ContainerState failedStart(int code, String why) {
        return new ContainerState(status, 0, code, startedAt, finishedAt, why);
    }

    ContainerState paused() {
        return move(Status.PAUSED, pid, exitCode, startedAt, finishedAt, error);
    }

    ContainerState unpaused() {
        return move(Status.RUNNING, pid, exitCode, startedAt, finishedAt, error);
    }

    private ContainerState move(Status next, int pid, int code, Instant started, Instant finished, String error) {
        if (!status.canMoveTo(next)) {
            throw new IllegalStateException("a container cannot go from " + status.word() + " to " + next.word());
        }
        return new ContainerState(next, pid, code, started, finished, error);
    }
}
