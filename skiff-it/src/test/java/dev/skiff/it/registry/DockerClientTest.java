package dev.skiff.it.registry;

import dev.skiff.it.support.CommandResult;
import dev.skiff.it.support.ExternalCommand;
import dev.skiff.it.support.RequiredTool;
import dev.skiff.it.support.ServerProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The tutorial's "share the application" steps with the real Docker engine (Debian's docker.io) as
 * the registry client: {@code docker login}, {@code tag}, {@code push}, {@code rmi}, {@code pull}.
 * The engine runs privately: its own data root, socket and containerd namespace, no bridge and no
 * iptables changes, stopped by PID afterwards.
 */
class DockerClientTest {
    @TempDir
    Path tmp;

    ServerProcess dockerd;
    Path socket;
    Path dataRoot;

    @BeforeEach
    void startDockerd() throws Exception {
        Path dir = tmp.resolve("dockerd");
        Files.createDirectories(dir);
        socket = dir.resolve("docker.sock");
        dataRoot = dir.resolve("data");
        dockerd = ServerProcess.start("dockerd", List.of(RequiredTool.DOCKERD.command(),
                "--data-root", dataRoot.toString(), "--exec-root", dir.resolve("exec").toString(),
                "-H", "unix://" + socket, "--pidfile", dir.resolve("dockerd.pid").toString(),
                "--bridge=none", "--iptables=false", "--ip-masq=false",
                "--containerd-namespace", "skiff-it", "--containerd-plugins-namespace", "skiff-it-plugins"), null);
        Instant deadline = Instant.now().plusSeconds(60);
        while (!docker("version").succeeded()) {
            if (Instant.now().isAfter(deadline) || !dockerd.isAlive()) {
                throw new AssertionError("dockerd did not start\n" + dockerd.describe());
            }
            Thread.sleep(250);
        }
    }

    @AfterEach
    void stopDockerd() throws Exception {
        if (dockerd != null) {
            dockerd.stop(Duration.ofSeconds(30));
            assertThat(Files.readString(Path.of("/proc/mounts"))).as("dockerd left mounts behind").doesNotContain(dataRoot.toString());
        }
    }

    CommandResult docker(String... args) {
        return dockerWithStdin(null, args);
    }

    CommandResult dockerWithStdin(String stdin, String... args) {
        List<String> command = new java.util.ArrayList<>(List.of(RequiredTool.DOCKER.command(), "-H", "unix://" + socket));
        command.addAll(List.of(args));
        ExternalCommand c = ExternalCommand.of(command).timeout(Duration.ofMinutes(2)).env("DOCKER_CONFIG", tmp.resolve("docker-config").toString());
        return (stdin == null ? c : c.stdin(stdin)).run();
    }

    @Test
    void dockerLogsInPushesAndPullsAndIsRefusedWhereItShouldBe() throws Exception {
        Path htpasswd = tmp.resolve("htpasswd");
        SkiffRegistryProcess.addUser(htpasswd, "alice", "alice-pw");
        SkiffRegistryProcess.addUser(htpasswd, "bob", "bob-pw");
        Path rootfs = tmp.resolve("rootfs/bin");
        Files.createDirectories(rootfs);
        Files.copy(RequiredTool.BUSYBOX.path(), rootfs.resolve("busybox"));
        Files.createSymbolicLink(rootfs.resolve("sh"), Path.of("busybox"));
        Path tar = tmp.resolve("rootfs.tar");
        ExternalCommand.of("tar", "-C", tmp.resolve("rootfs").toString(), "-cf", tar.toString(), ".").run().assertSuccess();
        docker("import", "-c", "CMD [\"sh\"]", tar.toString(), "busybox:local").assertSuccess();

        try (SkiffRegistryProcess registry = SkiffRegistryProcess.serving(tmp.resolve("root")).htpasswd(htpasswd).start()) {
            String image = registry.address() + "/alice/getting-started";
            CommandResult badLogin = dockerWithStdin("wrong\n", "login", "-u", "alice", "--password-stdin", registry.address());
            assertThat(badLogin.exitCode()).isNotZero();
            assertThat(badLogin.stderr()).contains("unauthorized");

            assertThat(dockerWithStdin("alice-pw\n", "login", "-u", "alice", "--password-stdin", registry.address())
                    .assertSuccess().stdout()).contains("Login Succeeded");
            docker("tag", "busybox:local", image).assertSuccess();
            CommandResult push = docker("push", image).assertSuccess();
            assertThat(push.stdout()).contains("Pushed").containsPattern("latest: digest: sha256:[0-9a-f]{64} size: \\d+");
            String digest = push.stdout().replaceAll("(?s).*latest: digest: (sha256:[0-9a-f]{64}).*", "$1");

            docker("rmi", image, "busybox:local").assertSuccess();
            CommandResult pull = docker("pull", image).assertSuccess();
            assertThat(pull.stdout()).contains("Digest: " + digest).contains("Downloaded newer image");
            assertThat(docker("image", "inspect", "-f", "{{json .Config.Cmd}}", image).assertSuccess().stdout().strip())
                    .isEqualTo("[\"sh\"]");

            dockerWithStdin("bob-pw\n", "login", "-u", "bob", "--password-stdin", registry.address()).assertSuccess();
            docker("tag", image, image + ":bob").assertSuccess();
            CommandResult denied = docker("push", image + ":bob");
            assertThat(denied.exitCode()).isNotZero();
            assertThat(denied.output()).contains("denied");
        }
    }
}
