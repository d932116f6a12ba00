package dev.skiff.it.daemon;

import dev.skiff.it.registry.SkiffRegistryProcess;
import dev.skiff.it.registry.Skopeo;
import dev.skiff.it.support.BuiltImage;
import dev.skiff.it.support.BuiltIndex;
import dev.skiff.it.support.CommandResult;
import dev.skiff.it.support.ExternalCommand;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** The real docker CLI pulls from a real {@code skiff registry} (token auth) through a real {@code skiff daemon}. */
class PullTest {
    @TempDir
    Path tmp;

    ServerProcess startDaemon(Path socket) {
        return DaemonHarness.start(tmp, socket);
    }

    CommandResult docker(Path socket, String... args) {
        return DaemonHarness.docker(tmp, socket, args);
    }

    @Test
    void dockerPullsImagesAndIndexesFromARegistryWithTokenAuth() throws Exception {
        Path htpasswd = tmp.resolve("htpasswd");
        SkiffRegistryProcess.addUser(htpasswd, "alice", "alice-pw");
        OciLayout layout = OciLayout.create(tmp.resolve("layout"));
        BuiltImage multi = TestImages.busyboxMultiLayer(layout, 41);
        layout.tag("multi", multi);
        BuiltIndex index = TestImages.multiArch(layout, 42);
        layout.tag("index", index);
        Path socket = tmp.resolve("skiff.sock");
        try (SkiffRegistryProcess registry = SkiffRegistryProcess.serving(tmp.resolve("registry")).htpasswd(htpasswd).start();
             ServerProcess daemon = startDaemon(socket)) {
            Skopeo skopeo = new Skopeo(tmp.resolve("skopeo"));
            skopeo.copy(layout.reference("multi"), registry.ref("alice/multi:1"), Skopeo.destCreds("alice", "alice-pw")).assertSuccess();
            skopeo.copy(layout.reference("index"), registry.ref("alice/index:1"), "--all", Skopeo.destCreds("alice", "alice-pw")).assertSuccess();
            String addr = registry.address();
            // docker sends what its config holds as X-Registry-Auth; anonymous pulls get a token too
            Files.createDirectories(tmp.resolve("docker-config"));
            Files.writeString(tmp.resolve("docker-config/config.json"), "{\"auths\":{\"" + addr + "\":{\"auth\":\""
                    + Base64.getEncoder().encodeToString("alice:alice-pw".getBytes(StandardCharsets.UTF_8)) + "\"}}}");

            CommandResult pull = docker(socket, "pull", addr + "/alice/multi:1");
            pull.assertSuccess();
            String out = pull.stdout();
            assertThat(out).as(daemon.describe()).contains("1: Pulling from alice/multi")
                    .contains("Digest: " + multi.manifestDigest())
                    .contains("Status: Downloaded newer image for " + addr + "/alice/multi:1");
            for (String layer : multi.layerDigests()) {
                assertThat(out).contains(layer.substring(7, 19) + ": Pull complete");
            }

            assertThat(docker(socket, "images").assertSuccess().stdout())
                    .containsPattern(java.util.regex.Pattern.quote(addr + "/alice/multi") + "\\s+1\\s+" + multi.configDigest().substring(7, 19));
            assertThat(docker(socket, "image", "inspect", "-f", "{{len .RootFS.Layers}} {{json .RepoDigests}} {{.Architecture}}",
                    addr + "/alice/multi:1").assertSuccess().stdout().strip())
                    .isEqualTo(multi.layerDigests().size() + " [\"" + addr + "/alice/multi@" + multi.manifestDigest() + "\"] amd64");

            assertThat(docker(socket, "pull", addr + "/alice/multi:1").assertSuccess().stdout())
                    .contains("Status: Image is up to date for " + addr + "/alice/multi:1")
                    .doesNotContain("Pull complete");

            CommandResult missing = docker(socket, "pull", addr + "/alice/multi:nope");
            assertThat(missing.exitCode()).isNotZero();
            assertThat(missing.stderr()).contains("Error response from daemon: manifest for " + addr
                    + "/alice/multi:nope not found: manifest unknown");

            BuiltImage amd64 = index.images().stream().filter(i -> i.platform().architecture().equals("amd64")).findFirst().orElseThrow();
            String indexPull = docker(socket, "pull", addr + "/alice/index:1").assertSuccess().stdout();
            assertThat(indexPull).contains("Digest: " + index.indexDigest())
                    .contains(amd64.layerDigests().getFirst().substring(7, 19) + ": Already exists") // busybox, shared with multi
                    .contains("Status: Downloaded newer image for " + addr + "/alice/index:1");
            assertThat(docker(socket, "image", "inspect", "-f", "{{.Id}} {{.Architecture}} {{len .RootFS.Layers}}",
                    addr + "/alice/index:1").assertSuccess().stdout().strip())
                    .isEqualTo(amd64.configDigest() + " amd64 " + amd64.layerDigests().size());

            CommandResult skiff = SkiffCli.run(Duration.ofSeconds(60), "-H", "unix://" + socket, "pull", addr + "/alice/multi:1");
            assertThat(skiff.assertSuccess().stdout()).contains("1: Pulling from alice/multi")
                    .contains("Status: Image is up to date for " + addr + "/alice/multi:1")
                    .endsWith(addr + "/alice/multi:1\n");
            CommandResult skiffMissing = SkiffCli.run(Duration.ofSeconds(60), "-H", "unix://" + socket, "image", "pull", addr + "/alice/none");
            assertThat(skiffMissing.exitCode()).isEqualTo(1);
            assertThat(skiffMissing.stderr()).contains("manifest for " + addr + "/alice/none:latest not found: manifest unknown");
        }
    }
}
