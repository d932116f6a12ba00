package dev.skiff.it.daemon;

import dev.skiff.it.support.CommandResult;
import dev.skiff.it.support.ExternalCommand;
import dev.skiff.it.support.RequiredTool;
import dev.skiff.it.support.ServerProcess;
import dev.skiff.it.support.SkiffCli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code docker save} / {@code docker load} against a real {@code skiff daemon}, and interchange with dockerd. */
class ArchiveTest {
    @TempDir
    Path tmp;

    ServerProcess startDaemon(Path socket) {
        return DaemonHarness.start(tmp, socket);
    }

    CommandResult docker(Path socket, String... args) {
        return DaemonHarness.docker(tmp, socket, args);
    }

    CommandResult skiff(Path socket, String... args) {
        return DaemonHarness.skiff(socket, args);
    }

    Path busyboxTar() throws Exception {
        Path bin = tmp.resolve("rootfs/bin");
        Files.createDirectories(bin);
        Files.copy(RequiredTool.BUSYBOX.path(), bin.resolve("busybox"));
        Files.createSymbolicLink(bin.resolve("sh"), Path.of("busybox"));
        Path tar = tmp.resolve("rootfs.tar");
        ExternalCommand.of("tar", "-C", tmp.resolve("rootfs").toString(), "-cf", tar.toString(), ".").run().assertSuccess();
        return tar;
    }

    String imageId(Path socket, String image) {
        return docker(socket, "image", "inspect", "-f", "{{.Id}}", image).assertSuccess().stdout().strip();
    }

    @Test
    void dockerSavesRemovesAndLoadsTheSameImage() throws Exception {
        Path socket = tmp.resolve("skiff.sock");
        Path rootfs = busyboxTar();
        try (ServerProcess daemon = startDaemon(socket)) {
            String id = docker(socket, "import", "-c", "CMD [\"sh\"]", rootfs.toString(), "busybox:local").assertSuccess().stdout().strip();
            Path archive = tmp.resolve("x.tar");
            docker(socket, "save", "-o", archive.toString(), "busybox:local").assertSuccess();
            String listing = ExternalCommand.of("tar", "-tf", archive.toString()).run().assertSuccess().stdout();
            assertThat(listing).contains("manifest.json").contains("repositories").contains(id.substring(7) + ".json")
                    .containsPattern("[0-9a-f]{64}/layer.tar");

            docker(socket, "rmi", "busybox:local").assertSuccess();
            assertThat(docker(socket, "image", "inspect", "busybox:local").exitCode()).isNotZero();

            assertThat(docker(socket, "load", "-i", archive.toString()).assertSuccess().stdout())
                    .contains("Loaded image: busybox:local");
            assertThat(imageId(socket, "busybox:local")).isEqualTo(id);
            assertThat(docker(socket, "image", "inspect", "-f", "{{json .Config.Cmd}} {{len .RootFS.Layers}}", "busybox:local")
                    .assertSuccess().stdout().strip()).isEqualTo("[\"sh\"] 1");

            // the single-image route gives the same bytes
            Path single = tmp.resolve("single.tar");
            ExternalCommand.of("curl", "-sf", "--unix-socket", socket.toString(), "-o", single.toString(),
                    "http://localhost/v1.41/images/busybox:local/get").run().assertSuccess();
            assertThat(Files.readAllBytes(single)).isEqualTo(Files.readAllBytes(archive));

            CommandResult missing = docker(socket, "save", "-o", tmp.resolve("y.tar").toString(), "nothing:1");
            assertThat(missing.exitCode()).isNotZero();
            assertThat(missing.stderr()).contains("No such image: nothing:1");
            Files.writeString(tmp.resolve("bad.tar"), "not a tar archive at all".repeat(100));
            CommandResult bad = docker(socket, "load", "-i", tmp.resolve("bad.tar").toString());
            assertThat(bad.exitCode()).isNotZero();
            assertThat(bad.stderr()).contains("docker save");
        }
    }

    @Test
    void skiffSavesAndLoadsWithDockersOutput() throws Exception {
        Path socket = tmp.resolve("skiff.sock");
        Path rootfs = busyboxTar();
        try (ServerProcess daemon = startDaemon(socket)) {
            String id = skiff(socket, "import", rootfs.toString(), "busybox:local").assertSuccess().stdout().strip();
            String untagged = skiff(socket, "import", "-m", "other", rootfs.toString()).assertSuccess().stdout().strip();
            Path archive = tmp.resolve("x.tar");
            skiff(socket, "save", "-o", archive.toString(), "busybox:local", untagged.substring(7, 19)).assertSuccess();
            skiff(socket, "rmi", "busybox:local").assertSuccess();
            skiff(socket, "rmi", untagged).assertSuccess();

            assertThat(skiff(socket, "load", "-i", archive.toString()).assertSuccess().stdout())
                    .isEqualTo("Loaded image: busybox:local\nLoaded image ID: " + untagged + "\n");
            assertThat(imageId(socket, "busybox:local")).isEqualTo(id);
            assertThat(imageId(socket, untagged)).isEqualTo(untagged);
            // docker's CLI reads the same archive the same way
            Path viaDocker = tmp.resolve("docker.tar");
            docker(socket, "save", "-o", viaDocker.toString(), "busybox:local", untagged.substring(7, 19)).assertSuccess();
            assertThat(Files.readAllBytes(viaDocker)).isEqualTo(Files.readAllBytes(archive));
            assertThat(skiff(socket, "image", "load", "-q", "-i", viaDocker.toString()).assertSuccess().stdout())
                    .contains("Loaded image: busybox:local");

            CommandResult missing = skiff(socket, "save", "-o", tmp.resolve("y.tar").toString(), "nothing:1");
            assertThat(missing.exitCode()).isEqualTo(1);
            assertThat(missing.stderr().strip()).isEqualTo("Error response from daemon: No such image: nothing:1");
            assertThat(tmp.resolve("y.tar")).doesNotExist();
        }
    }

    @Test
    void archivesMoveBetweenDockerdAndSkiffWithTheSameImageId() throws Exception {
        Path rootfs = busyboxTar();
        Path dir = tmp.resolve("dockerd");
        Files.createDirectories(dir);
        Path dockerSocket = dir.resolve("docker.sock");
        Path skiffSocket = tmp.resolve("skiff.sock");
        try (ServerProcess dockerd = ServerProcess.start("dockerd", List.of(RequiredTool.DOCKERD.command(),
                "--data-root", dir.resolve("data").toString(), "--exec-root", dir.resolve("exec").toString(),
                "-H", "unix://" + dockerSocket, "--pidfile", dir.resolve("dockerd.pid").toString(),
                "--bridge=none", "--iptables=false", "--ip-masq=false",
                "--containerd-namespace", "skiff-it", "--containerd-plugins-namespace", "skiff-it-plugins"), null);
             ServerProcess daemon = startDaemon(skiffSocket)) {
            Instant deadline = Instant.now().plusSeconds(60);
            while (!docker(dockerSocket, "version").succeeded()) {
                if (Instant.now().isAfter(deadline) || !dockerd.isAlive()) {
                    throw new AssertionError("dockerd did not start\n" + dockerd.describe());
                }
                Thread.sleep(250);
            }
            // dockerd -> skiff
            String fromDocker = docker(dockerSocket, "import", "-c", "CMD [\"sh\"]", rootfs.toString(), "made:bydocker")
                    .assertSuccess().stdout().strip();
            Path a = tmp.resolve("from-dockerd.tar");
            docker(dockerSocket, "save", "-o", a.toString(), "made:bydocker").assertSuccess();
            assertThat(skiff(skiffSocket, "load", "-i", a.toString()).assertSuccess().stdout()).isEqualTo("Loaded image: made:bydocker\n");
            assertThat(imageId(skiffSocket, "made:bydocker")).isEqualTo(fromDocker);

            // skiff -> dockerd
            String fromSkiff = skiff(skiffSocket, "import", "-c", "ENV A=b", rootfs.toString(), "made:byskiff").assertSuccess().stdout().strip();
            Path b = tmp.resolve("from-skiff.tar");
            skiff(skiffSocket, "save", "-o", b.toString(), "made:byskiff").assertSuccess();
            assertThat(docker(dockerSocket, "load", "-i", b.toString()).assertSuccess().stdout()).contains("Loaded image: made:byskiff");
            assertThat(imageId(dockerSocket, "made:byskiff")).isEqualTo(fromSkiff);
            assertThat(docker(dockerSocket, "image", "inspect", "-f", "{{.Config.Env}}", "made:byskiff").assertSuccess().stdout())
                    .contains("A=b");
            dockerd.stop(Duration.ofSeconds(30));
        }
    }
}
