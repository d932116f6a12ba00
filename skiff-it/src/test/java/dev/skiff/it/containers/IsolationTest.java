package dev.skiff.it.containers;

import dev.skiff.it.support.CommandResult;
import dev.skiff.it.support.ExternalCommand;
import dev.skiff.it.support.RequiredTool;
import dev.skiff.it.support.Tar;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What root in a container cannot do, through the real docker CLI against skiff daemon: change the
 * host's network (or even its own links), load kernel modules, mount, read masked files, see host
 * processes or files, or see another container's files.
 */
class IsolationTest {
    @TempDir
    Path tmp;

    @Test
    void rootInAContainerCannotReachTheHostOrOtherContainers() throws Exception {
        try (ContainerDaemon daemon = ContainerDaemon.start(tmp)) {
            byte[] busybox = Files.readAllBytes(RequiredTool.BUSYBOX.path().toRealPath());
            Tar tar = new Tar().directory("bin").file("bin/busybox", busybox, 0755).directory("tmp");
            for (String applet : new String[] {"sh", "ip", "insmod", "mount", "cat", "ls", "echo", "sleep", "wc"}) {
                tar.symlink("bin/" + applet, "busybox");
            }
            Path file = tmp.resolve("busybox.tar");
            Files.write(file, tar.toBytes());
            daemon.skiff("import", "-c", "ENV PATH=/bin", file.toString(), "iso:1").assertSuccess();
            Path module = Files.writeString(tmp.resolve("fake.ko"), "not a module");
            Path hostMarker = Files.writeString(tmp.resolve("host-secret"), "host only");

            // its own links: no CAP_NET_ADMIN, so not even a dummy link in its own namespace
            CommandResult link = daemon.docker("run", "--rm", "iso:1", "ip", "link", "add", "sk0dummy", "type", "dummy");
            assertThat(link.exitCode()).as(link.describe()).isNotZero();
            assertThat(link.stderr()).containsIgnoringCase("not permitted");
            assertThat(ExternalCommand.of("ip", "link", "show", "sk0dummy").run().exitCode()).isNotZero();
            // kernel modules: the module file is bind-mounted in, loading it is refused
            CommandResult insmod = daemon.docker("run", "--rm", "-v", module + ":/fake.ko:ro", "iso:1", "insmod", "/fake.ko");
            assertThat(insmod.exitCode()).as(insmod.describe()).isNotZero();
            assertThat(insmod.stderr()).containsIgnoringCase("not permitted");
            // mounts and masked files
            assertThat(daemon.docker("run", "--rm", "iso:1", "mount", "-t", "tmpfs", "none", "/tmp").exitCode()).isNotZero();
            assertThat(daemon.docker("run", "--rm", "iso:1", "sh", "-c", "cat /proc/kcore | wc -c").assertSuccess().stdout().strip())
                    .isEqualTo("0");
            // host processes and files: only its own pids, and no path to the host's tmp dir
            String pids = daemon.docker("run", "--rm", "iso:1", "sh", "-c", "ls -d /proc/[0-9]* | wc -l").assertSuccess().stdout().strip();
            assertThat(Integer.parseInt(pids)).isLessThan(5);
            assertThat(daemon.docker("run", "--rm", "iso:1", "cat", hostMarker.toString()).exitCode()).isNotZero();
            // another container's files
            String writer = daemon.docker("run", "-d", "iso:1", "sh", "-c", "echo mine > /tmp/private; sleep 600")
                    .assertSuccess().stdout().strip();
            assertThat(daemon.docker("exec", writer, "cat", "/tmp/private").assertSuccess().stdout()).isEqualTo("mine\n");
            assertThat(daemon.docker("run", "--rm", "iso:1", "cat", "/tmp/private").exitCode()).isNotZero();
        }
    }
}
