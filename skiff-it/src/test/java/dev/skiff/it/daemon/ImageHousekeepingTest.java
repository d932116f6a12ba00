package dev.skiff.it.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skiff.it.support.CommandResult;
import dev.skiff.it.support.ExternalCommand;
import dev.skiff.it.support.Layer;
import dev.skiff.it.support.RequiredTool;
import dev.skiff.it.support.ServerProcess;
import dev.skiff.it.support.SkiffCli;
import dev.skiff.it.support.Tar;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** history, image prune, system df, image list filters, and version/info --format against a real {@code skiff daemon}. */
class ImageHousekeepingTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String LONG_CREATED_BY = "/bin/sh -c #(nop) ADD file:0123456789abcdef0123456789abcdef0123456789abcdef in / ";

    @TempDir
    Path tmp;

    CommandResult docker(Path socket, String... args) {
        List<String> command = new ArrayList<>(List.of(RequiredTool.DOCKER.command(), "-H", "unix://" + socket));
        command.addAll(List.of(args));
        return ExternalCommand.of(command).env("DOCKER_CONFIG", tmp.resolve("docker-config").toString()).env("TZ", "UTC")
                .timeout(Duration.ofMinutes(2)).run();
    }

    CommandResult skiff(Path socket, String stdin, String... args) {
        List<String> all = new ArrayList<>(List.of("-H", "unix://" + socket));
        all.addAll(List.of(args));
        ExternalCommand c = ExternalCommand.of(SkiffCli.command(all.toArray(String[]::new))).env("TZ", "UTC").timeout(Duration.ofMinutes(2));
        if (stdin != null) {
            c.stdin(stdin);
        }
        return c.run();
    }

    /**
     * A docker-save archive of a two-layer image whose history has an empty layer, a long command and a
     * comment. Its layers hold what dockerd's size rule tells apart: a file with hard links (counted
     * once), symbolic links (their target's length), empty files and directories (nothing), and, in
     * the top layer, a whiteout and an opaque directory (nothing).
     */
    Path historyArchive() throws Exception {
        Layer base = Layer.of(new Tar().directory("bin").file("bin/hello", "hello\n".getBytes(StandardCharsets.UTF_8), 0755)
                .hardlink("bin/hello2", "bin/hello").hardlink("bin/hello3", "bin/hello")
                .symlink("bin/sh", "hello").symlink("bin/abs", "/some/longer/target")
                .file("empty", new byte[0], 0644).directory("etc").directory("etc/empty.d")
                .file("etc/gone", "gone soon\n".getBytes(StandardCharsets.UTF_8), 0644)
                .directory("opt").file("opt/old", "old\n".getBytes(StandardCharsets.UTF_8), 0644));
        Layer top = Layer.of(new Tar().file("greeting", "hi there\n".getBytes(StandardCharsets.UTF_8), 0644)
                .directory("etc").file("etc/.wh.gone", new byte[0], 0644)
                .directory("opt").file("opt/.wh..wh..opq", new byte[0], 0644).file("opt/new", new byte[0], 0644)
                .symlink("greeting.link", "greeting"));
        String config = """
                {"architecture":"amd64","os":"linux","created":"2024-01-02T03:04:05Z","config":{"Cmd":["sh"],"Labels":{"tier":"test"}},\
                "rootfs":{"type":"layers","diff_ids":["%s","%s"]},"history":[\
                {"created":"2024-01-01T00:00:00Z","created_by":"%s"},\
                {"created":"2024-01-01T00:00:01Z","created_by":"/bin/sh -c #(nop)  CMD [\\"sh\\"]","empty_layer":true},\
                {"created":"2024-01-02T03:04:05Z","created_by":"RUN /bin/sh -c echo hi there > /greeting # buildkit","comment":"buildkit.dockerfile.v0"}]}"""
                .formatted(base.diffId(), top.diffId(), LONG_CREATED_BY);
        byte[] configBytes = config.getBytes(StandardCharsets.UTF_8);
        String configName = dev.skiff.it.support.Digests.sha256(configBytes).substring(7) + ".json";
        String manifest = "[{\"Config\":\"" + configName + "\",\"RepoTags\":[\"hist:1\"],\"Layers\":[\"base/layer.tar\",\"top/layer.tar\"]}]";
        byte[] archive = new Tar().file(configName, configBytes, 0644)
                .directory("base").file("base/layer.tar", base.tar(), 0644)
                .directory("top").file("top/layer.tar", top.tar(), 0644)
                .file("manifest.json", manifest.getBytes(StandardCharsets.UTF_8), 0644).toBytes();
        Path file = tmp.resolve("hist.tar");
        Files.write(file, archive);
        return file;
    }

    Path rootfsTar() throws Exception {
        Path file = tmp.resolve("rootfs.tar");
        Files.write(file, new Tar().file("a", "a file\n".getBytes(StandardCharsets.UTF_8), 0644).toBytes());
        return file;
    }

    @Test
    void historyAndSizesMatchDockerdForTheSameImageAndBothClientsPrintTheSame() throws Exception {
        Path archive = historyArchive();
        Path dir = tmp.resolve("dockerd");
        Files.createDirectories(dir);
        Path dockerSocket = dir.resolve("docker.sock");
        Path socket = tmp.resolve("skiff.sock");
        try (ServerProcess dockerd = ServerProcess.start("dockerd", List.of(RequiredTool.DOCKERD.command(),
                "--data-root", dir.resolve("data").toString(), "--exec-root", dir.resolve("exec").toString(),
                "-H", "unix://" + dockerSocket, "--pidfile", dir.resolve("dockerd.pid").toString(),
                "--bridge=none", "--iptables=false", "--ip-masq=false",
                "--containerd-namespace", "skiff-it-hist", "--containerd-plugins-namespace", "skiff-it-hist-plugins"), null);
             ServerProcess daemon = DaemonHarness.start(tmp, socket)) {
            Instant deadline = Instant.now().plusSeconds(60);
            while (!docker(dockerSocket, "version").succeeded()) {
                if (Instant.now().isAfter(deadline) || !dockerd.isAlive()) {
                    throw new AssertionError("dockerd did not start\n" + dockerd.describe());
                }
                Thread.sleep(250);
            }
            docker(dockerSocket, "load", "-i", archive.toString()).assertSuccess();
            docker(socket, "load", "-i", archive.toString()).assertSuccess();

            // every column is dockerd's, sizes too (a layer's size is what its unpacked files hold)
            for (String format : List.of("{{.ID}}|{{.CreatedSince}}|{{.CreatedBy}}|{{.Size}}|{{.Comment}}",
                    "table {{.ID}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}")) {
                for (List<String> flags : List.of(List.<String>of(), List.of("--no-trunc"), List.of("-H=false"))) {
                    List<String> args = new ArrayList<>(List.of("history", "--format", format));
                    args.addAll(flags);
                    args.add("hist:1");
                    String fromDockerd = docker(dockerSocket, args.toArray(String[]::new)).assertSuccess().stdout();
                    assertThat(docker(socket, args.toArray(String[]::new)).assertSuccess().stdout()).as(String.join(" ", args)).isEqualTo(fromDockerd);
                    assertThat(skiff(socket, null, args.toArray(String[]::new)).assertSuccess().stdout()).as(String.join(" ", args)).isEqualTo(fromDockerd);
                }
            }
            assertThat(docker(socket, "history", "-q", "hist:1").assertSuccess().stdout())
                    .isEqualTo(docker(dockerSocket, "history", "-q", "hist:1").assertSuccess().stdout());
            // 6 (bin/hello and its two hard links) + 5 + 19 (symbolic links) + 10 (etc/gone) + 4 (opt/old)
            // and 9 (greeting) + 8 (its link): the numbers dockerd printed
            assertThat(docker(dockerSocket, "history", "--format", "{{.Size}}", "-H=false", "hist:1").assertSuccess().stdout())
                    .isEqualTo("17\n0\n44\n");
            String dockerTable = docker(socket, "history", "hist:1").assertSuccess().stdout();
            assertThat(docker(dockerSocket, "history", "hist:1").assertSuccess().stdout()).isEqualTo(dockerTable);
            assertThat(dockerTable).startsWith("IMAGE          CREATED       CREATED BY                                      SIZE      COMMENT\n")
                    .contains("\n<missing>      2 years ago   /bin/sh -c #(nop)  CMD [\"sh\"]                   0B        \n")
                    .contains("/bin/sh -c #(nop) ADD file:0123456789abcdef0…");
            assertThat(skiff(socket, null, "history", "hist:1").assertSuccess().stdout()).isEqualTo(dockerTable);
            assertThat(skiff(socket, null, "image", "history", "--no-trunc", "hist:1").assertSuccess().stdout())
                    .isEqualTo(docker(socket, "history", "--no-trunc", "hist:1").assertSuccess().stdout());
            assertThat(skiff(socket, null, "history", "-H=false", "hist:1").assertSuccess().stdout())
                    .isEqualTo(docker(socket, "history", "-H=false", "hist:1").assertSuccess().stdout());
            assertThat(skiff(socket, null, "history", "--format", "{{json .}}", "hist:1").assertSuccess().stdout())
                    .isEqualTo(docker(socket, "history", "--format", "{{json .}}", "hist:1").assertSuccess().stdout());

            // images, image inspect and system df show dockerd's sizes too
            for (List<String> args : List.of(List.of("images", "hist:1"), List.of("images", "--format", "{{.Size}}", "hist:1"),
                    List.of("image", "inspect", "-f", "{{.Size}} {{.VirtualSize}}", "hist:1"), List.of("system", "df"))) {
                String[] a = args.toArray(String[]::new);
                String fromDockerd = docker(dockerSocket, a).assertSuccess().stdout();
                assertThat(docker(socket, a).assertSuccess().stdout()).as(String.join(" ", args)).isEqualTo(fromDockerd);
                assertThat(skiff(socket, null, a).assertSuccess().stdout()).as(String.join(" ", args)).isEqualTo(fromDockerd);
            }
            assertThat(docker(socket, "images", "--format", "{{.Size}}", "hist:1").assertSuccess().stdout()).isEqualTo("61B\n");
            assertThat(ages(docker(socket, "system", "df", "-v").assertSuccess().stdout()).lines().filter(l -> l.startsWith("hist ")).toList())
                    .isEqualTo(ages(docker(dockerSocket, "system", "df", "-v").assertSuccess().stdout()).lines().filter(l -> l.startsWith("hist ")).toList());

            // the API's fields, as dockerd's
            JsonNode api = JSON.readTree(ExternalCommand.of("curl", "-s", "--unix-socket", socket.toString(), "http://skiff/v1.41/images/hist:1/history")
                    .run().assertSuccess().stdout());
            assertThat(api).hasSize(3);
            assertThat(api.get(0).path("Tags").get(0).asText()).isEqualTo("hist:1");
            assertThat(api.get(0).path("Created").asLong()).isEqualTo(Instant.parse("2024-01-02T03:04:05Z").getEpochSecond());
            assertThat(api.get(0).path("Size").asLong()).isEqualTo(17);
            assertThat(api.get(1).path("Size").asLong()).isZero();
            assertThat(api.get(2).path("Size").asLong()).isEqualTo(44);
            assertThat(api.get(2).path("Id").asText()).isEqualTo("<missing>");
            assertThat(api.get(2).path("Tags").isNull()).isTrue();

            // a missing image, as dockerd says it
            CommandResult missing = skiff(socket, null, "history", "nope");
            assertThat(missing.exitCode()).isEqualTo(1);
            assertThat(missing.stderr()).isEqualTo("skiff: Error response from daemon: No such image: nope:latest\n");
            assertThat(docker(socket, "history", "nope").stderr()).isEqualTo(docker(dockerSocket, "history", "nope").stderr());
            dockerd.stop(Duration.ofSeconds(30));
        }
    }

    @Test
    void pruneRemovesDanglingOrAllUnusedImagesAfterConfirmation() throws Exception {
        Path rootfs = rootfsTar();
        Path socket = tmp.resolve("skiff.sock");
        try (ServerProcess daemon = DaemonHarness.start(tmp, socket)) {
            String tagged = docker(socket, "import", rootfs.toString(), "keep:1").assertSuccess().stdout().strip();
            Thread.sleep(1100); // distinct created times give distinct image IDs
            String dangling = docker(socket, "import", rootfs.toString()).assertSuccess().stdout().strip();
            Thread.sleep(1100);
            String labelled = docker(socket, "import", "-c", "LABEL keep=yes", rootfs.toString()).assertSuccess().stdout().strip();

            // list filters
            assertThat(docker(socket, "images", "-q", "--no-trunc", "--filter", "dangling=true").assertSuccess().stdout().lines().toList())
                    .containsExactlyInAnyOrder(dangling, labelled);
            assertThat(skiff(socket, null, "images", "-q", "--no-trunc", "--filter", "dangling=false").assertSuccess().stdout().lines().toList())
                    .containsExactly(tagged);
            assertThat(docker(socket, "images", "-q", "--no-trunc", "--filter", "label=keep=yes").assertSuccess().stdout().lines().toList())
                    .containsExactly(labelled);
            assertThat(docker(socket, "images", "-q", "--no-trunc", "--filter", "reference=ke*").assertSuccess().stdout().lines().toList())
                    .containsExactly(tagged);
            assertThat(docker(socket, "images", "-q", "--no-trunc", "--filter", "since=keep:1").assertSuccess().stdout().lines().toList())
                    .containsExactlyInAnyOrder(dangling, labelled);
            assertThat(docker(socket, "images", "-q", "--no-trunc", "--filter", "before=" + labelled).assertSuccess().stdout().lines().toList())
                    .containsExactlyInAnyOrder(dangling, tagged);
            assertThat(docker(socket, "images", "--filter", "foo=bar").stderr()).contains("Error response from daemon: Invalid filter 'foo'");
            assertThat(skiff(socket, null, "images", "--filter", "dangling=maybe").stderr())
                    .isEqualTo("skiff: Error response from daemon: Invalid filter 'dangling=[maybe]'\n");
            assertThat(skiff(socket, null, "images", "--filter", "since=nope").stderr())
                    .isEqualTo("skiff: Error response from daemon: No such image: nope:latest\n");

            // system df: both clients print the same table from the daemon's numbers
            String df = docker(socket, "system", "df").assertSuccess().stdout();
            assertThat(df).startsWith("TYPE            TOTAL     ACTIVE    SIZE      RECLAIMABLE\nImages          3         0 ")
                    .contains("(100%)").contains("Containers      0         0         0B        0B");
            assertThat(skiff(socket, null, "system", "df").assertSuccess().stdout()).isEqualTo(df);
            assertThat(skiff(socket, null, "system", "df", "--format", "{{json .}}").assertSuccess().stdout())
                    .isEqualTo(docker(socket, "system", "df", "--format", "{{json .}}").assertSuccess().stdout());
            assertThat(ages(skiff(socket, null, "system", "df", "-v").assertSuccess().stdout()))
                    .isEqualTo(ages(docker(socket, "system", "df", "-v").assertSuccess().stdout()));

            // no: nothing goes
            CommandResult declined = skiff(socket, "n\n", "image", "prune");
            assertThat(declined.assertSuccess().stdout()).isEqualTo("WARNING! This will remove all dangling images.\nAre you sure you want to continue? [y/N] ");
            assertThat(docker(socket, "images", "-q").assertSuccess().stdout().lines()).hasSize(3);

            // bad filters
            assertThat(skiff(socket, null, "image", "prune", "-f", "--filter", "x=y").stderr())
                    .isEqualTo("skiff: Error response from daemon: Invalid filter 'x'\n");
            assertThat(docker(socket, "image", "prune", "-f", "--filter", "until=bad").stderr())
                    .contains("Error response from daemon: failed to parse value as time or duration: \"bad\"");
            assertThat(skiff(socket, null, "image", "prune", "-f", "--filter", "label").stderr())
                    .contains("bad format of filter (expected name=value)");

            // label! keeps the labelled dangling image; the other dangling one goes, sharing its layer (0B back)
            CommandResult pruned = skiff(socket, "y\n", "image", "prune", "--filter", "label!=keep=yes");
            assertThat(pruned.assertSuccess().stdout()).isEqualTo("WARNING! This will remove all dangling images.\n"
                    + "Are you sure you want to continue? [y/N] Deleted Images:\ndeleted: " + dangling + "\n\nTotal reclaimed space: 0B\n");
            assertThat(docker(socket, "images", "-q", "--no-trunc").assertSuccess().stdout().lines().toList())
                    .containsExactlyInAnyOrder(tagged, labelled);

            // until in the past keeps everything
            assertThat(docker(socket, "image", "prune", "-a", "-f", "--filter", "until=2000-01-01").assertSuccess().stdout())
                    .isEqualTo("Total reclaimed space: 0B\n");

            // -a: every unused image, tags and layers with it, and the layer's size comes back: its one file's 7 bytes
            String all = docker(socket, "image", "prune", "-a", "-f").assertSuccess().stdout();
            assertThat(all).startsWith("Deleted Images:\n").contains("untagged: keep:1\n").contains("deleted: " + tagged + "\n")
                    .contains("deleted: " + labelled + "\n").endsWith("\nTotal reclaimed space: 7B\n");
            assertThat(docker(socket, "images", "-q").assertSuccess().stdout()).isEmpty();
            assertThat(skiff(socket, null, "image", "prune", "-f").assertSuccess().stdout()).isEqualTo("Total reclaimed space: 0B\n");
        }
    }

    @Test
    void versionAndInfoTakeGoTemplates() throws Exception {
        Path socket = tmp.resolve("skiff.sock");
        try (ServerProcess daemon = DaemonHarness.start(tmp, socket)) {
            docker(socket, "import", rootfsTar().toString(), "one:1").assertSuccess();
            assertThat(skiff(socket, null, "version", "--format", "{{.Server.Version}}").assertSuccess().stdout())
                    .isEqualTo(docker(socket, "version", "--format", "{{.Server.Version}}").assertSuccess().stdout());
            assertThat(skiff(socket, null, "version", "--format", "{{.Server.ApiVersion}} {{.Client.Os}}").assertSuccess().stdout())
                    .isEqualTo("1.41 linux\n");
            JsonNode version = JSON.readTree(skiff(socket, null, "version", "--format", "{{json .}}").assertSuccess().stdout());
            assertThat(version.path("Server").path("ApiVersion").asText()).isEqualTo("1.41");
            assertThat(version.path("Client").has("Version")).isTrue();

            assertThat(skiff(socket, null, "info", "--format", "{{.Images}} {{.Driver}}").assertSuccess().stdout())
                    .isEqualTo(docker(socket, "info", "--format", "{{.Images}} {{.Driver}}").assertSuccess().stdout())
                    .isEqualTo("1 overlayfs\n");
            JsonNode info = JSON.readTree(skiff(socket, null, "system", "info", "--format", "json").assertSuccess().stdout());
            assertThat(info.path("Images").asInt()).isEqualTo(1);
            String plain = skiff(socket, null, "info").assertSuccess().stdout();
            assertThat(plain).startsWith("Client:\n Version:").contains("\nServer:\n Containers: 0\n  Running: 0\n")
                    .contains(" Images: 1\n").contains(" Docker Root Dir: " + tmp.resolve("data"));

            CommandResult bad = skiff(socket, null, "version", "--format", "{{.Server.Version");
            assertThat(bad.exitCode()).isEqualTo(1);
            assertThat(bad.stderr()).startsWith("skiff: template parsing error:").hasLineCount(1);
            CommandResult unknownField = skiff(socket, null, "info", "--format", "{{.NoSuchField.X}}");
            assertThat(unknownField.stderr()).doesNotContain("\tat ");
        }
    }

    /** Ages tick between two commands: compare them by their form. */
    private static String ages(String table) {
        return table.replaceAll("\\d+ seconds ago|About a minute ago|Less than a second ago", "N seconds ago").replaceAll(" {2,}", "  ");
    }
}
