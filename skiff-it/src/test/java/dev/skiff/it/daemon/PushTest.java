package dev.skiff.it.daemon;

import dev.skiff.it.registry.SkiffRegistryProcess;
import dev.skiff.it.registry.Skopeo;
import dev.skiff.it.support.BuiltImage;
import dev.skiff.it.support.CommandResult;
import dev.skiff.it.support.ExternalCommand;
import dev.skiff.it.support.FreePort;
import dev.skiff.it.support.OciLayout;
import dev.skiff.it.support.RequiredTool;
import dev.skiff.it.support.ServerProcess;
import dev.skiff.it.support.SkiffCli;
import dev.skiff.it.support.TestImages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** docker push and skiff push through a real {@code skiff daemon} to a real {@code skiff registry}. */
class PushTest {
    private static final Pattern DONE = Pattern.compile("(?m)^(\\S+): digest: (sha256:[0-9a-f]{64}) size: (\\d+)$");

    @TempDir
    Path tmp;

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

    String inspect(Path socket, String format, String image) {
        return docker(socket, "image", "inspect", "-f", format, image).assertSuccess().stdout().strip();
    }

    com.fasterxml.jackson.databind.JsonNode registryConfig(Path socket) throws Exception {
        String json = docker(socket, "info", "--format", "{{json .RegistryConfig}}").assertSuccess().stdout();
        return new com.fasterxml.jackson.databind.ObjectMapper().readTree(json);
    }

    static String digestLine(String out, String tag) {
        Matcher m = DONE.matcher(out);
        while (m.find()) {
            if (m.group(1).equals(tag)) {
                return m.group(2);
            }
        }
        throw new AssertionError("no \"" + tag + ": digest: ...\" line in\n" + out);
    }

    static String digestSize(String out) {
        Matcher m = DONE.matcher(out);
        if (!m.find()) {
            throw new AssertionError("no digest line in\n" + out);
        }
        return m.group(3);
    }

    static String sha256(byte[] bytes) throws Exception {
        return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    @Test
    void dockerPushesSkipsWhatTheRegistryHasMountsAndPullsBackTheSameImage() throws Exception {
        Path htpasswd = tmp.resolve("htpasswd");
        SkiffRegistryProcess.addUser(htpasswd, "alice", "alice-pw");
        OciLayout layout = OciLayout.create(tmp.resolve("layout"));
        BuiltImage multi = TestImages.busyboxMultiLayer(layout, 7);
        layout.tag("multi", multi);
        Path rootfs = busyboxTar();
        Path socket = tmp.resolve("skiff.sock");
        try (SkiffRegistryProcess registry = SkiffRegistryProcess.serving(tmp.resolve("registry")).htpasswd(htpasswd).start();
             ServerProcess daemon = DaemonHarness.start(tmp, socket)) {
            String addr = registry.address();
            Skopeo skopeo = new Skopeo(tmp.resolve("skopeo"));
            Files.createDirectories(tmp.resolve("docker-config"));
            Files.writeString(tmp.resolve("docker-config/config.json"), "{\"auths\":{\"" + addr + "\":{\"auth\":\""
                    + Base64.getEncoder().encodeToString("alice:alice-pw".getBytes(StandardCharsets.UTF_8)) + "\"}}}");

            // a fresh push: every layer goes up
            String id = docker(socket, "import", "-c", "CMD [\"sh\"]", rootfs.toString(), "busybox:local").assertSuccess().stdout().strip();
            String diffId = inspect(socket, "{{index .RootFS.Layers 0}}", "busybox:local");
            String app = addr + "/alice/app";
            docker(socket, "tag", "busybox:local", app + ":1").assertSuccess();
            CommandResult first = docker(socket, "push", app + ":1");
            assertThat(first.exitCode()).as(first.describe() + daemon.describe()).isZero();
            assertThat(first.stdout()).startsWith("The push refers to repository [" + app + "]\n")
                    .contains(diffId.substring(7, 19) + ": Preparing\n")
                    .contains(diffId.substring(7, 19) + ": Pushed\n");
            String digest = digestLine(first.stdout(), "1");
            byte[] manifest = skopeo.inspectRaw("docker://" + app + ":1", "--creds=alice:alice-pw").assertSuccess().stdout()
                    .getBytes(StandardCharsets.UTF_8);
            assertThat(sha256(manifest)).isEqualTo(digest);
            assertThat(first.stdout()).contains("1: digest: " + digest + " size: " + manifest.length + "\n");
            assertThat(inspect(socket, "{{json .RepoDigests}}", id)).contains(app + "@" + digest);

            // again: the registry has everything, nothing is sent, the digest is the same
            CommandResult again = docker(socket, "push", app + ":1").assertSuccess();
            assertThat(again.stdout()).contains(diffId.substring(7, 19) + ": Layer already exists\n").doesNotContain("Pushed");
            assertThat(digestLine(again.stdout(), "1")).isEqualTo(digest);

            // another repository of the same registry: the layer is mounted, not uploaded
            docker(socket, "tag", "busybox:local", addr + "/alice/other:1").assertSuccess();
            CommandResult mounted = docker(socket, "push", addr + "/alice/other:1").assertSuccess();
            assertThat(mounted.stdout()).contains(diffId.substring(7, 19) + ": Mounted from alice/app\n");
            assertThat(digestLine(mounted.stdout(), "1")).isEqualTo(digest);

            // all tags; the CLI's default tag
            docker(socket, "tag", "busybox:local", app + ":2").assertSuccess();
            docker(socket, "tag", "busybox:local", app).assertSuccess();
            CommandResult all = docker(socket, "push", "--all-tags", app).assertSuccess();
            assertThat(digestLine(all.stdout(), "1")).isEqualTo(digest);
            assertThat(digestLine(all.stdout(), "2")).isEqualTo(digest);
            assertThat(digestLine(all.stdout(), "latest")).isEqualTo(digest);

            // round trip: remove everything, pull back the same image and digest
            docker(socket, "rmi", "-f", id).assertSuccess();
            docker(socket, "pull", app + ":1").assertSuccess();
            assertThat(inspect(socket, "{{.Id}} {{json .RepoDigests}}", app + ":1")).isEqualTo(id + " [\"" + app + "@" + digest + "\"]");

            // an image pulled from one repository: its layers are mounted from there, its manifest kept
            skopeo.copy(layout.reference("multi"), registry.ref("alice/base:1"), Skopeo.destCreds("alice", "alice-pw")).assertSuccess();
            docker(socket, "pull", addr + "/alice/base:1").assertSuccess();
            docker(socket, "tag", addr + "/alice/base:1", addr + "/alice/copy:1").assertSuccess();
            CommandResult copy = docker(socket, "push", addr + "/alice/copy:1").assertSuccess();
            for (var layer : multi.layers()) {
                assertThat(copy.stdout()).contains(layer.diffId().substring(7, 19) + ": Mounted from alice/base\n");
            }
            assertThat(digestLine(copy.stdout(), "1")).isEqualTo(multi.manifestDigest());

            // bad input: another user's namespace, an image that is not there, no credentials
            docker(socket, "tag", app + ":1", addr + "/bob/app:1").assertSuccess();
            CommandResult denied = docker(socket, "push", addr + "/bob/app:1");
            assertThat(denied.exitCode()).isNotZero();
            assertThat(denied.stderr()).contains("denied");
            CommandResult missing = docker(socket, "push", addr + "/alice/nothing:1");
            assertThat(missing.exitCode()).isNotZero();
            assertThat(missing.stderr()).contains("An image does not exist locally with the tag: " + addr + "/alice/nothing");
            Files.writeString(tmp.resolve("docker-config/config.json"), "{}");
            CommandResult anonymous = docker(socket, "push", app + ":1");
            assertThat(anonymous.exitCode()).isNotZero();
            assertThat(anonymous.stderr()).contains("unauthorized");
        }
    }

    @Test
    void skiffPushesALoadedImageWithTheSameDigestsEveryTimeAndNamesARegistryThatIsDown() throws Exception {
        Path rootfs = busyboxTar();
        Path socket = tmp.resolve("skiff.sock");
        try (SkiffRegistryProcess registry = SkiffRegistryProcess.serving(tmp.resolve("registry")).start();
             ServerProcess daemon = DaemonHarness.start(tmp, socket)) {
            String addr = registry.address();
            skiff(socket, "import", rootfs.toString(), "made:here").assertSuccess();
            Path archive = tmp.resolve("made.tar");
            skiff(socket, "save", "-o", archive.toString(), "made:here").assertSuccess();
            skiff(socket, "rmi", "made:here").assertSuccess();

            skiff(socket, "load", "-i", archive.toString()).assertSuccess();
            skiff(socket, "tag", "made:here", addr + "/anyone/loaded:1").assertSuccess();
            CommandResult first = skiff(socket, "push", addr + "/anyone/loaded:1");
            assertThat(first.exitCode()).as(first.describe() + daemon.describe()).isZero();
            assertThat(first.stdout()).startsWith("The push refers to repository [" + addr + "/anyone/loaded]\n")
                    .contains(": Pushed\n").doesNotContain("Pushing");
            String digest = digestLine(first.stdout(), "1");
            String layer = inspect(socket, "{{index .RootFS.Layers 0}}", "made:here");

            // load the same archive again into an empty store: the same blobs, so nothing to send
            skiff(socket, "rmi", "-f", "made:here").assertSuccess();
            skiff(socket, "load", "-i", archive.toString()).assertSuccess();
            skiff(socket, "tag", "made:here", addr + "/anyone/loaded:2").assertSuccess();
            CommandResult second = skiff(socket, "push", addr + "/anyone/loaded:2").assertSuccess();
            assertThat(second.stdout()).contains(layer.substring(7, 19) + ": Layer already exists\n");
            assertThat(digestLine(second.stdout(), "2")).isEqualTo(digest);

            assertThat(skiff(socket, "push", "-q", addr + "/anyone/loaded:2").assertSuccess().stdout())
                    .isEqualTo(addr + "/anyone/loaded:2\n");
            skiff(socket, "tag", "made:here", addr + "/anyone/loaded").assertSuccess();
            assertThat(skiff(socket, "push", addr + "/anyone/loaded").assertSuccess().stdout()).startsWith("Using default tag: latest\n")
                    .endsWith("latest: digest: " + digest + " size: " + digestSize(first.stdout()) + "\n");
        }
        List<String> unreachable = List.of("127.0.0.1:" + FreePort.pick() + "/anyone/loaded:1");
        try (ServerProcess daemon = DaemonHarness.start(tmp.resolve("again"), socket)) {
            skiff(socket, "import", rootfs.toString(), unreachable.getFirst()).assertSuccess();
            CommandResult down = skiff(socket, "push", unreachable.getFirst());
            assertThat(down.exitCode()).isEqualTo(1);
            assertThat(down.stderr()).contains("cannot reach the registry at http://" + unreachable.getFirst().split("/")[0]);
            CommandResult missing = skiff(socket, "push", "127.0.0.1:1/none");
            assertThat(missing.exitCode()).isEqualTo(1);
            assertThat(missing.stderr()).contains("An image does not exist locally with the tag: 127.0.0.1:1/none");
            CommandResult both = skiff(socket, "push", "-a", "127.0.0.1:1/none:1");
            assertThat(both.stderr()).contains("tag can't be used with --all-tags/-a");
        }
    }

    @Test
    void aRegistryThatIsNotLoopbackIsReachedOverHttpsUnlessListedAsInsecure() throws Exception {
        // a name other than "localhost" that resolves to this machine's loopback address (a test that
        // does not find one says so and is skipped: traffic must stay on 127.0.0.0/8)
        String host = java.net.InetAddress.getLocalHost().getHostName();
        org.junit.jupiter.api.Assumptions.assumeTrue(!host.equals("localhost")
                && java.net.InetAddress.getByName(host).isLoopbackAddress(), "the host name " + host + " is not a loopback name");
        Path rootfs = busyboxTar();
        Path socket = tmp.resolve("skiff.sock");
        try (SkiffRegistryProcess registry = SkiffRegistryProcess.serving(tmp.resolve("registry")).start()) {
            String target = host + ":" + registry.address().split(":")[1];
            try (ServerProcess daemon = DaemonHarness.start(tmp.resolve("secure"), socket)) {
                skiff(socket, "import", rootfs.toString(), target + "/anyone/app:1").assertSuccess();
                CommandResult https = skiff(socket, "push", target + "/anyone/app:1");
                assertThat(https.exitCode()).isEqualTo(1);
                assertThat(https.stderr()).contains("cannot reach the registry at https://" + target);
                com.fasterxml.jackson.databind.JsonNode config = registryConfig(socket);
                assertThat(config.path("IndexConfigs").has(target)).as(config.toString()).isFalse();
                assertThat(config.path("IndexConfigs").path("docker.io").path("Secure").asBoolean(false)).as(config.toString()).isTrue();
            }
            try (ServerProcess daemon = DaemonHarness.start(tmp.resolve("insecure"), socket, "--insecure-registry", target)) {
                skiff(socket, "import", rootfs.toString(), target + "/anyone/app:1").assertSuccess();
                CommandResult http = skiff(socket, "push", target + "/anyone/app:1");
                assertThat(http.exitCode()).as(http.describe() + daemon.describe()).isZero();
                // docker info shows what dockerd shows for --insecure-registry
                com.fasterxml.jackson.databind.JsonNode config = registryConfig(socket);
                assertThat(config.path("InsecureRegistryCIDRs").toString()).isEqualTo("[\"::1/128\",\"127.0.0.0/8\"]");
                assertThat(config.path("IndexConfigs").path(target).toString()).as(config.toString())
                        .isEqualTo("{\"Mirrors\":[],\"Name\":\"" + target + "\",\"Official\":false,\"Secure\":false}");
                assertThat(config.path("IndexConfigs").path("docker.io").path("Secure").asBoolean(false)).isTrue();
                String digest = digestLine(http.stdout(), "1");
                skiff(socket, "rmi", "-f", target + "/anyone/app:1").assertSuccess();
                assertThat(skiff(socket, "pull", target + "/anyone/app:1").assertSuccess().stdout()).contains("Digest: " + digest);
            }
            CommandResult bad = SkiffCli.run(java.time.Duration.ofSeconds(30), "daemon", "--data-root", tmp.resolve("bad").toString(),
                    "-H", "unix://" + tmp.resolve("bad.sock"), "--insecure-registry", "http://" + target);
            assertThat(bad.exitCode()).isEqualTo(1);
            assertThat(bad.stderr()).contains("invalid --insecure-registry http://" + target);
        }
    }
}
