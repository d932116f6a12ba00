package dev.skiff.it.containers;

import dev.skiff.it.support.CommandResult;
import dev.skiff.it.support.ExternalCommand;
import dev.skiff.it.support.RequiredTool;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Volumes and the container file routes (cp, export, commit, container prune) driven by the real
 * docker CLI against a real skiff daemon (runc, conmon, overlayfs).
 */
class ContainerFilesTest {
    @TempDir
    static Path tmp;
    static ContainerDaemon daemon;

    @BeforeAll
    static void start() throws Exception {
        daemon = ContainerDaemon.start(tmp);
        Path root = tmp.resolve("rootfs");
        Path bin = root.resolve("bin");
        Files.createDirectories(bin);
        Files.copy(RequiredTool.BUSYBOX.path(), bin.resolve("busybox"));
        for (String applet : List.of("sh", "echo", "sleep", "cat", "true", "ls", "rm")) {
            Files.createSymbolicLink(bin.resolve(applet), Path.of("busybox"));
        }
        Files.createDirectories(root.resolve("www"));
        Files.writeString(root.resolve("www/index.html"), "hello from skiff\n");
        Files.createDirectories(root.resolve("etc"));
        Files.writeString(root.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n");
        Files.createDirectories(root.resolve("vol"));
        Files.writeString(root.resolve("vol/seed"), "from the image\n");
        Files.createDirectories(root.resolve("tmp"));
        Path tar = tmp.resolve("rootfs.tar");
        ExternalCommand.of("tar", "-C", root.toString(), "-cf", tar.toString(), ".").run().assertSuccess();
        daemon.skiff("import", "-c", "CMD [\"sh\"]", "-c", "ENV PATH=/bin", tar.toString(), "busybox:files").assertSuccess();
        daemon.skiff("import", "-c", "CMD [\"sh\"]", "-c", "ENV PATH=/bin", "-c", "VOLUME /vol", tar.toString(), "busybox:vol").assertSuccess();
    }

    @AfterAll
    static void stop() {
        if (daemon != null) {
            daemon.close();
        }
    }

    static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    CommandResult docker(String... args) {
        return daemon.docker(args);
    }

    @Test
    void namedVolumeKeepsDataAndIsRefusedWhileUsed() {
        String vol = unique("data");
        CommandResult created = docker("volume", "create", "--label", "team=skiff", vol).assertSuccess();
        assertThat(created.stdout().strip()).isEqualTo(vol);
        assertThat(docker("volume", "inspect", "-f", "{{.Driver}} {{.Scope}} {{.Labels}} {{.Mountpoint}}", vol).assertSuccess().stdout())
                .startsWith("local local map[team:skiff] ").contains("/volumes/" + vol + "/_data");

        docker("run", "--rm", "-v", vol + ":/data", "busybox:files", "sh", "-c", "echo kept > /data/f").assertSuccess();
        assertThat(docker("run", "--rm", "-v", vol + ":/data:ro", "busybox:files", "cat", "/data/f").assertSuccess().stdout()).isEqualTo("kept\n");

        String c = unique("user");
        docker("create", "--name", c, "-v", vol + ":/data", "busybox:files", "true").assertSuccess();
        assertThat(docker("inspect", "-f", "{{range .Mounts}}{{.Type}} {{.Name}} {{.Destination}} {{.Driver}} {{.RW}}{{end}}", c).assertSuccess().stdout().strip())
                .isEqualTo("volume " + vol + " /data local true");
        assertThat(docker("ps", "-a", "--filter", "name=" + c, "--format", "{{.Mounts}}").assertSuccess().stdout().strip()).isEqualTo(vol);
        CommandResult refused = docker("volume", "rm", vol).assertFailure();
        assertThat(refused.stderr()).contains("remove " + vol + ": volume is in use - [");
        assertThat(docker("volume", "ls", "-q", "--filter", "dangling=false").assertSuccess().stdout()).contains(vol);
        assertThat(docker("volume", "ls", "-q", "--filter", "label=team=skiff").assertSuccess().stdout().strip()).isEqualTo(vol);

        docker("rm", c).assertSuccess();
        docker("volume", "rm", vol).assertSuccess();
        assertThat(docker("volume", "ls", "-q").assertSuccess().stdout()).doesNotContain(vol);
        assertThat(docker("volume", "inspect", vol).assertFailure().stderr()).contains("no such volume");
    }

    @Test
    void imageVolumeIsAnonymousCopiedUpAndGoesWithRmV() {
        String c = unique("anon");
        docker("create", "--name", c, "busybox:vol", "cat", "/vol/seed").assertSuccess();
        String name = docker("inspect", "-f", "{{range .Mounts}}{{.Name}}{{end}}", c).assertSuccess().stdout().strip();
        assertThat(name).matches("[0-9a-f]{64}");
        assertThat(docker("start", "-a", c).assertSuccess().stdout()).isEqualTo("from the image\n");
        assertThat(docker("volume", "ls", "-q").assertSuccess().stdout()).contains(name);
        docker("rm", "-v", c).assertSuccess();
        assertThat(docker("volume", "ls", "-q").assertSuccess().stdout()).doesNotContain(name);

        // --rm takes the container's anonymous volumes along, as dockerd's auto-removal does
        List<String> before = docker("volume", "ls", "-q").assertSuccess().stdout().lines().toList();
        assertThat(docker("run", "--rm", "busybox:vol", "cat", "/vol/seed").assertSuccess().stdout()).isEqualTo("from the image\n");
        assertThat(docker("volume", "ls", "-q").assertSuccess().stdout().lines().toList()).containsExactlyInAnyOrderElementsOf(before);
    }

    @Test
    void skiffCliSpeaksTheSameRoutes() throws Exception {
        String vol = unique("skv");
        daemon.skiff("volume", "create", vol).assertSuccess();
        assertThat(daemon.skiff("volume", "ls").assertSuccess().stdout()).contains(vol);
        assertThat(daemon.skiff("volume", "inspect", vol).assertSuccess().stdout()).contains("\"Mountpoint\"").contains(vol);
        String c = unique("skc");
        daemon.skiff("create", "--name", c, "-v", vol + ":/data", "busybox:files", "cat", "/data/in.txt").assertSuccess();
        assertThat(daemon.skiff("volume", "rm", vol).assertFailure().output()).contains("volume is in use");
        Path in = tmp.resolve("skiff-in-" + c);
        Files.writeString(in, "via skiff cp\n");
        daemon.skiff("cp", in.toString(), c + ":/data/in.txt").assertSuccess(); // lands in the volume
        assertThat(Files.readString(Path.of(docker("volume", "inspect", "--format", "{{.Mountpoint}}", vol).assertSuccess().stdout().strip(), "in.txt")))
                .isEqualTo("via skiff cp\n");
        assertThat(daemon.skiff("start", "-a", c).assertSuccess().stdout()).isEqualTo("via skiff cp\n");
        Path out = tmp.resolve("skiff-out-" + c);
        daemon.skiff("cp", c + ":/www/index.html", out.toString()).assertSuccess();
        assertThat(Files.readString(out)).isEqualTo("hello from skiff\n");
        Path export = tmp.resolve("skiff-" + c + ".tar");
        daemon.skiff("export", "-o", export.toString(), c).assertSuccess();
        assertThat(ExternalCommand.of("tar", "-tf", export.toString()).run().assertSuccess().stdout()).contains("www/index.html");
        String image = "skiff-committed-" + UUID.randomUUID().toString().substring(0, 8);
        daemon.skiff("commit", c, image).assertSuccess();
        daemon.skiff("rmi", image).assertSuccess();
        assertThat(daemon.skiff("container", "prune", "-f").assertSuccess().stdout()).contains("Total reclaimed space");
        assertThat(docker("ps", "-a", "--format", "{{.Names}}").assertSuccess().stdout()).doesNotContain(c);
        daemon.skiff("volume", "rm", vol).assertSuccess();
    }

    @Test
    void pruneRemovesUnusedVolumesOnly() {
        String unused = unique("unused");
        String used = unique("used");
        String c = unique("keeper");
        docker("volume", "create", unused).assertSuccess();
        docker("create", "--name", c, "-v", used + ":/d", "busybox:files", "true").assertSuccess();
        CommandResult prune = docker("volume", "prune", "-f").assertSuccess();
        assertThat(prune.stdout()).contains(unused).doesNotContain(used).contains("Total reclaimed space");
        assertThat(docker("volume", "ls", "-q").assertSuccess().stdout()).contains(used).doesNotContain(unused);
        docker("rm", c).assertSuccess();
        docker("volume", "rm", used).assertSuccess();
    }

    @Test
    void cpBothWaysWithDirectories() throws Exception {
        String c = unique("cp");
        docker("create", "--name", c, "busybox:files", "sh", "-c", "cat /tmp/in.txt /tmp/tree/a/b.txt").assertSuccess();
        Path in = tmp.resolve("in-" + c + ".txt");
        Files.writeString(in, "into the container\n");
        Path tree = tmp.resolve("tree-" + c);
        Files.createDirectories(tree.resolve("a"));
        Files.writeString(tree.resolve("a/b.txt"), "deep\n");
        docker("cp", in.toString(), c + ":/tmp/in.txt").assertSuccess();
        docker("cp", tree.toString(), c + ":/tmp/tree").assertSuccess();
        assertThat(docker("start", "-a", c).assertSuccess().stdout()).isEqualTo("into the container\ndeep\n");

        Path back = tmp.resolve("back-" + c);
        docker("cp", c + ":/tmp/tree", back.toString()).assertSuccess();
        assertThat(Files.readString(back.resolve("a/b.txt"))).isEqualTo("deep\n");
        Path contents = tmp.resolve("contents-" + c);
        Files.createDirectories(contents);
        docker("cp", c + ":/tmp/tree/.", contents.toString()).assertSuccess(); // the directory's contents only
        assertThat(Files.readString(contents.resolve("a/b.txt"))).isEqualTo("deep\n");
        docker("cp", tree.toString(), c + ":/www/").assertSuccess(); // into an existing directory
        Path nested = tmp.resolve("nested-" + c);
        docker("cp", c + ":/www/" + tree.getFileName() + "/a/b.txt", nested.toString()).assertSuccess();
        assertThat(Files.readString(nested)).isEqualTo("deep\n");
        Path file = tmp.resolve("file-" + c);
        docker("cp", c + ":/www/index.html", file.toString()).assertSuccess();
        assertThat(Files.readString(file)).isEqualTo("hello from skiff\n");
        assertThat(docker("cp", c + ":/no/such", tmp.resolve("x").toString()).assertFailure().stderr())
                .contains("Could not find the file /no/such in container " + c);
        docker("rm", c).assertSuccess();
    }

    @Test
    void cpIntoARunningContainer() throws Exception {
        String c = unique("cprun");
        docker("run", "-d", "--name", c, "busybox:files", "sleep", "60").assertSuccess();
        Path in = tmp.resolve("run-" + c);
        Files.writeString(in, "while running\n");
        docker("cp", in.toString(), c + ":/tmp/r.txt").assertSuccess();
        Path out = tmp.resolve("run-back-" + c);
        docker("cp", c + ":/tmp/r.txt", out.toString()).assertSuccess();
        assertThat(Files.readString(out)).isEqualTo("while running\n");
        // the files docker bind-mounts into every container are the container's, not the image's
        String id = docker("inspect", "-f", "{{.Id}}", c).assertSuccess().stdout().strip();
        Path hostname = tmp.resolve("hostname-" + c);
        docker("cp", c + ":/etc/hostname", hostname.toString()).assertSuccess();
        assertThat(Files.readString(hostname).strip()).isEqualTo(id.substring(0, 12));
        // frozen only while copying: it runs on, and nobody saw it paused
        assertThat(docker("inspect", "-f", "{{.State.Status}}", c).assertSuccess().stdout().strip()).isEqualTo("running");
        assertThat(ExternalCommand.of("runc", "--root", tmp.resolve("exec/runc").toString(), "state", id).run().stdout()).contains("\"running\"");
        docker("rm", "-f", c).assertSuccess();
    }

    @Test
    void symlinksCannotReachTheHost() throws Exception {
        Path secretDir = tmp.resolve("host-secret-" + UUID.randomUUID().toString().substring(0, 6));
        Files.createDirectories(secretDir);
        Files.writeString(secretDir.resolve("s.txt"), "host secret\n");
        String c = unique("esc");
        docker("create", "--name", c, "busybox:files", "true").assertSuccess();
        Path link = tmp.resolve("esc-link");
        Files.createSymbolicLink(link, secretDir);
        docker("cp", link.toString(), c + ":/").assertSuccess(); // a link is copied as a link
        Path dotdot = tmp.resolve("esc-dotdot");
        Files.createSymbolicLink(dotdot, Path.of("../../../../../../.." + secretDir));
        docker("cp", dotdot.toString(), c + ":/").assertSuccess();

        // reading through the links finds the container's (empty) tree, never the host's file
        assertThat(docker("cp", c + ":/esc-link/s.txt", tmp.resolve("stolen1").toString()).assertFailure().stderr())
                .contains("Could not find the file");
        assertThat(docker("cp", c + ":/esc-dotdot/s.txt", tmp.resolve("stolen2").toString()).assertFailure().stderr())
                .contains("Could not find the file");
        assertThat(tmp.resolve("stolen1")).doesNotExist();
        // .. in the path stops at the container's root
        CommandResult passwd = docker("cp", c + ":/../../../../etc/passwd", "-").assertSuccess();
        assertThat(passwd.stdout()).contains("root:x:0:0:root:/root:/bin/sh");

        // writing through them lands inside the container's root
        Path in = tmp.resolve("pwned.txt");
        Files.writeString(in, "pwned\n");
        docker("cp", in.toString(), c + ":/esc-link/"); // refused or contained: either way the host is untouched
        assertThat(secretDir.resolve("pwned.txt")).doesNotExist();
        // a tar whose own link points out is contained the same way
        Path evilTar = tmp.resolve("evil.tar");
        Path evilDir = tmp.resolve("evil-src");
        Files.createDirectories(evilDir);
        Files.createSymbolicLink(evilDir.resolve("out"), secretDir);
        Files.createDirectories(tmp.resolve("evil-src2/out"));
        Files.writeString(tmp.resolve("evil-src2/out/planted.txt"), "planted\n");
        ExternalCommand.of("tar", "-C", evilDir.toString(), "-cf", evilTar.toString(), "out").run().assertSuccess();
        ExternalCommand.of("tar", "-C", tmp.resolve("evil-src2").toString(), "-rf", evilTar.toString(), "out/planted.txt").run().assertSuccess();
        ExternalCommand.of("sh", "-c", RequiredTool.DOCKER.command() + " -H unix://" + daemon.socket() + " cp - " + c + ":/tmp < " + evilTar)
                .env("DOCKER_CONFIG", tmp.resolve("docker-config").toString()).run();
        assertThat(secretDir.resolve("planted.txt")).doesNotExist();
        docker("rm", c).assertSuccess();
    }

    @Test
    void exportHasImageFilesAndChanges() throws Exception {
        String c = unique("exp");
        docker("run", "--name", c, "busybox:files", "sh", "-c", "echo changed > /tmp/changed").assertSuccess();
        Path out = tmp.resolve(c + ".tar");
        docker("export", "-o", out.toString(), c).assertSuccess();
        String listing = ExternalCommand.of("tar", "-tf", out.toString()).run().assertSuccess().stdout();
        assertThat(listing.lines().toList()).contains("bin/busybox", "www/index.html", "tmp/changed");
        docker("rm", c).assertSuccess();
    }

    @Test
    void commitKeepsChangesAndDeletions() {
        String c = unique("commit");
        String image = "committed-" + UUID.randomUUID().toString().substring(0, 8);
        docker("run", "--name", c, "busybox:files", "sh", "-c", "echo new > /new; rm /www/index.html; rm -rf /vol; mkdir /vol; echo fresh > /vol/fresh").assertSuccess();
        CommandResult commit = docker("commit", "-m", "a change", "-c", "ENV COMMITTED=yes", c, image + ":v1").assertSuccess();
        assertThat(commit.stdout().strip()).startsWith("sha256:");
        CommandResult run = docker("run", "--rm", image + ":v1", "sh", "-c", "cat /new; ls /www; echo $COMMITTED; test -e /www/index.html || echo gone; ls /vol");
        // the whiteout keeps index.html deleted; the opaque /vol hides the image's seed
        assertThat(run.assertSuccess().stdout()).isEqualTo("new\nyes\ngone\nfresh\n");
        assertThat(docker("image", "inspect", "-f", "{{.Comment}} {{len .RootFS.Layers}}", image + ":v1").assertSuccess().stdout().strip())
                .isEqualTo("a change 2");
        docker("rm", c).assertSuccess();
        docker("rmi", image + ":v1").assertSuccess();
    }

    @Test
    void containerPruneRemovesStoppedOnes() {
        String label = "prune=" + UUID.randomUUID().toString().substring(0, 8);
        String stopped = unique("stopped");
        String running = unique("running");
        docker("run", "--name", stopped, "--label", label, "busybox:files", "true").assertSuccess();
        docker("run", "-d", "--name", running, "--label", label, "busybox:files", "sleep", "60").assertSuccess();
        String stoppedId = docker("inspect", "-f", "{{.Id}}", stopped).assertSuccess().stdout().strip();
        CommandResult prune = docker("container", "prune", "-f", "--filter", "label=" + label).assertSuccess();
        assertThat(prune.stdout()).contains("Deleted Containers:").contains(stoppedId).contains("Total reclaimed space");
        assertThat(docker("ps", "-aq", "--no-trunc").assertSuccess().stdout()).doesNotContain(stoppedId);
        assertThat(docker("inspect", "-f", "{{.State.Running}}", running).assertSuccess().stdout().strip()).isEqualTo("true");
        docker("rm", "-f", running).assertSuccess();
    }
}
