package dev.skiff.it.containers;

import dev.skiff.it.support.CommandResult;
import dev.skiff.it.support.ExternalCommand;
import dev.skiff.it.support.OnTerminal;
import dev.skiff.it.support.RequiredTool;
import dev.skiff.it.support.Tar;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The real docker CLI against skiff daemon where many containers meet: 50 {@code run -d} at once all
 * succeed and each gets its own address; {@code ps} lists 200 containers; and {@code run -it} under
 * a real terminal gives the container a TTY and its exit code back.
 */
class ManyContainersTest {
    @TempDir
    Path tmp;

    private void importBusybox(ContainerDaemon daemon) throws Exception {
        byte[] busybox = Files.readAllBytes(RequiredTool.BUSYBOX.path().toRealPath());
        Tar tar = new Tar().directory("bin").file("bin/busybox", busybox, 0755);
        for (String applet : new String[] {"sh", "sleep", "ip", "tty"}) {
            tar.symlink("bin/" + applet, "busybox");
        }
        Path file = tmp.resolve("busybox.tar");
        Files.write(file, tar.toBytes());
        daemon.skiff("import", "-c", "ENV PATH=/bin", file.toString(), "many:1").assertSuccess();
    }

    @Test
    void fiftyConcurrentRunsAllSucceedAndPsListsTwoHundred() throws Exception {
        try (ContainerDaemon daemon = ContainerDaemon.start(tmp)) {
            importBusybox(daemon);
            List<Future<CommandResult>> runs = new ArrayList<>();
            try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int i = 0; i < 50; i++) {
                    runs.add(pool.submit(() -> daemon.docker("run", "-d", "--label", "many=run", "many:1", "sleep", "600")));
                }
            }
            List<String> ids = new ArrayList<>();
            for (Future<CommandResult> run : runs) {
                ids.add(run.get().assertSuccess().stdout().strip());
            }
            assertThat(ids).doesNotHaveDuplicates().hasSize(50);
            String addresses = daemon.docker("inspect", "-f", "{{.NetworkSettings.IPAddress}}",
                    ids.toArray(String[]::new)[0]).assertSuccess().stdout();
            assertThat(addresses.strip()).startsWith(daemon.subnetPrefix() + ".");
            List<String> all = new ArrayList<>(List.of("inspect", "-f", "{{.State.Running}} {{.NetworkSettings.IPAddress}}"));
            all.addAll(ids);
            List<String> states = daemon.docker(all.toArray(String[]::new)).assertSuccess().stdout().lines().toList();
            assertThat(states).allSatisfy(s -> assertThat(s).startsWith("true " + daemon.subnetPrefix() + "."));
            assertThat(states.stream().map(s -> s.split(" ")[1]).distinct()).hasSize(50);

            for (int i = 0; i < 150; i++) {
                daemon.docker("create", "--label", "many=created", "many:1", "sleep", "600").assertSuccess();
            }
            assertThat(daemon.docker("ps", "-aq").assertSuccess().stdout().lines()).hasSize(200);
            assertThat(daemon.docker("ps", "-q", "--filter", "label=many=run").assertSuccess().stdout().lines()).hasSize(50);
            assertThat(daemon.skiff("ps", "-aq", "--filter", "status=created").assertSuccess().stdout().lines()).hasSize(150);
        }
    }

    @Test
    void runDashItGivesARealTerminalAndTheExitCode() throws Exception {
        try (ContainerDaemon daemon = ContainerDaemon.start(tmp)) {
            importBusybox(daemon);
            String docker = RequiredTool.DOCKER.command() + " -H unix://" + daemon.socket();
            CommandResult r = OnTerminal.of(docker + " run -it --rm many:1 sh -c 'tty; echo $TERM; exit 4'")
                    .env("DOCKER_CONFIG", tmp.resolve("docker-config").toString()).timeout(Duration.ofSeconds(60)).run();
            assertThat(r.exitCode()).as(r.describe()).isEqualTo(4);
            assertThat(r.stdout()).contains("/dev/pts/").contains("xterm");
            assertThat(daemon.docker("ps", "-aq").assertSuccess().stdout()).isEmpty();
        }
    }
}
