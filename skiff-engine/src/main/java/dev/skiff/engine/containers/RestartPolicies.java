package dev.skiff.engine.containers;

import java.time.Duration;

/** {@code --restart}: whether an exited container starts again, and after how long. */
final class RestartPolicies {
    private static final Duration FIRST_DELAY = Duration.ofMillis(100);
    private static final Duration MAX_DELAY = Duration.ofMinutes(1);

    private RestartPolicies() {
    }

    /**
     * always and unless-stopped restart unless a user stopped the container; on-failure only after
     * a non-zero exit, at most MaximumRetryCount times when that is set.
     */
    static boolean shouldRestart(Container c, int exitCode, boolean stoppedByUser) {
        HostConfig.RestartPolicy p = c.hostConfig().restartPolicy();
        if (stoppedByUser) {
            return false;
        }
        return switch (p.name()) {
            case "always", "unless-stopped" -> true;
            case "on-failure" -> exitCode != 0 && (p.maximumRetryCount() <= 0 || c.restartCount() < p.maximumRetryCount());
            default -> false;
        };
    }

    /** Docker's back-off: 100 ms before the first restart, doubling each time, capped at a minute. */
    static Duration delay(int restartsSoFar) {
        Duration d = FIRST_DELAY.multipliedBy(1L << Math.min(restartsSoFar, 20));
        return d.compareTo(MAX_DELAY) > 0 ? MAX_DELAY : d;
    }
}
