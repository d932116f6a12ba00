package dev.skiff.it.containers;

import dev.skiff.it.support.CommandResult;
import dev.skiff.it.support.RequiredTool;
import dev.skiff.it.support.Tar;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Health checks: the status moves from starting through unhealthy to healthy as the check's command
 * fails and then succeeds, and shows in {@code inspect} and {@code ps}; with skiff's
 * {@code --health-on-failure=restart} the daemon itself restarts a container that turns unhealthy.
 */
class HealthTest {
    @TempDir
    Path tmp;

    private void importBusybox(ContainerDaemon daemon) throws Exception {
        byte[] busybox = Files.readAllBytes(RequiredTool.BUSYBOX.path().toRealPath());
        Tar tar = new Tar().directory("bin").file("bin/busybox", busybox, 0755).directory("tmp");
        for (String applet : new String[] {"sh", "cat", "touch", "sleep", "rm"}) {
            tar.symlink("bin/" + applet, "busybox");
        }
        Path file = tmp.resolve("busybox.tar");
        Files.write(file, tar.toBytes());
        daemon.skiff("import", "-c", "ENV PATH=/bin", file.toString(), "health:1").assertSuccess();
    }

    @Test
    void theStatusFollowsTheCheckAndShowsInInspectAndPs() throws Exception {
        try (ContainerDaemon daemon = ContainerDaemon.start(tmp)) {
            importBusybox(daemon);
            String id = daemon.docker("run", "-d", "--health-cmd", "cat /tmp/ok", "--health-interval", "1s",
                    "--health-retries", "1", "health:1", "sh", "-c", "sleep 4; touch /tmp/ok; sleep 600").assertSuccess().stdout().strip();
            awaitValue(() -> health(daemon, id), "unhealthy");
            assertThat(daemon.docker("inspect", "-f", "{{(index .State.Health.Log 0).ExitCode}}", id).assertSuccess().stdout().strip())
                    .isNotEqualTo("0");
            awaitValue(() -> health(daemon, id), "healthy");
            assertThat(daemon.docker("ps", "--format", "{{.Status}}", "--filter", "id=" + id).assertSuccess().stdout())
                    .contains("(healthy)");
        }
    }

    @Test
    void anUnhealthyContainerIsRestartedByTheDaemonWithHealthOnFailureRestart() throws Exception {
        try (ContainerDaemon daemon = ContainerDaemon.start(tmp)) {
            importBusybox(daemon);
            String id = daemon.skiff("run", "-d", "--health-cmd", "cat /tmp/ok", "--health-interval", "1s",
                    "--health-retries", "2", "--health-on-failure=restart", "health:1", "sleep", "600")
                    .assertSuccess().stdout().strip();
            String firstStart = daemon.docker("inspect", "-f", "{{.State.StartedAt}}", id).assertSuccess().stdout().strip();
            awaitValue(() -> {
                String started = daemon.docker("inspect", "-f", "{{.State.StartedAt}}", id).stdout().strip();
                return started.equals(firstStart) ? "same start" : "restarted";
            }, "restarted");
            assertThat(daemon.docker("inspect", "-f", "{{.State.Running}}", id).assertSuccess().stdout().strip()).isEqualTo("true");
        }
    }

    private static String health(ContainerDaemon daemon, String id) {
        CommandResult r = daemon.docker("inspect", "-f", "{{if .State.Health}}{{.State.Health.Status}}{{end}}", id);
        return r.stdout().strip();
    }

    private static void awaitValue(Supplier<String> probe, String expected) throws InterruptedException {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        String last = "";
        while (Instant.now().isBefore(deadline)) {
            last = probe.get();
            if (last.equals(expected)) {
                return;
            }
            Thread.sleep(200);
        }
        assertThat(last).as("waited 30 s").isEqualTo(expected);
    }
}
