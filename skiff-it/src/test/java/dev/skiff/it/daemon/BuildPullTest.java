package dev.skiff.it.daemon;

import dev.skiff.it.registry.SkiffRegistryProcess;
import dev.skiff.it.registry.Skopeo;
import dev.skiff.it.support.BuiltImage;
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

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A build whose FROM names an image that is not here pulls it, as dockerd's classic builder does, with
 * the credentials the client sends for that registry ({@code X-Registry-Config}); {@code --pull} pulls
 * even when the image is here. Against a registry that lets nobody pull without logging in.
 */
class BuildPullTest {
    @TempDir
    Path tmp;

    @Test
    void aFromOfAnImageThatIsNotHerePullsItWithTheClientsLoginAndPullAsksTheRegistryAgain() throws Exception {
        Path htpasswd = tmp.resolve("htpasswd");
        SkiffRegistryProcess.addUser(htpasswd, "alice", "alice-pw");
        OciLayout layout = OciLayout.create(tmp.resolve("layout"));
        BuiltImage base = TestImages.busyboxMultiLayer(layout, 51);
        layout.tag("base", base);
        Path socket = tmp.resolve("skiff.sock");
        try (SkiffRegistryProcess registry = SkiffRegistryProcess.serving(tmp.resolve("registry")).htpasswd(htpasswd).noAnonymousPull().start();
             ServerProcess daemon = DaemonHarness.start(tmp, socket)) {
            new Skopeo(tmp.resolve("skopeo")).copy(layout.reference("base"), registry.ref("alice/base:1"),
                    Skopeo.destCreds("alice", "alice-pw")).assertSuccess();
            String addr = registry.address();
            String image = addr + "/alice/base:1";
            Path app = Files.createDirectories(tmp.resolve("app"));
            Files.writeString(app.resolve("Dockerfile"), "FROM " + image + "\nCOPY hello.txt /hello.txt\nCMD [\"busybox\", \"cat\", \"/hello.txt\"]\n");
            Files.writeString(app.resolve("hello.txt"), "hello\n");
            Path loggedIn = config(tmp.resolve("logged-in"), addr);
            Path nobody = Files.createDirectories(tmp.resolve("nobody"));

            // without a login the registry refuses, and the build says so and tags nothing
            CommandResult refused = docker(socket, nobody, app, "build", "-t", "app", ".");
            assertThat(refused.exitCode()).as(refused.describe()).isNotZero();
            assertThat(refused.output()).contains("Step 1/3 : FROM " + image).containsIgnoringCase("unauthorized");
            assertThat(docker(socket, nobody, app, "image", "inspect", "app").exitCode()).isNotZero();

            CommandResult built = docker(socket, loggedIn, app, "build", "-t", "app", ".").assertSuccess();
            assertThat(built.stdout()).as(daemon.describe()).contains("Step 1/3 : FROM " + image + "\n", "1: Pulling from alice/base",
                    "Digest: " + base.manifestDigest(), "Status: Downloaded newer image for " + image, "Successfully tagged app:latest");
            assertThat(docker(socket, loggedIn, app, "image", "inspect", "-f", "{{len .RootFS.Layers}}", "app").assertSuccess().stdout().strip())
                    .isEqualTo(Integer.toString(base.layerDigests().size() + 1));
            assertThat(docker(socket, loggedIn, app, "run", "--rm", "app").assertSuccess().stdout()).isEqualTo("hello\n");

            // here now: no pull; with --pull the registry is asked again, and the steps still come from the cache
            assertThat(docker(socket, loggedIn, app, "build", "-t", "app", ".").assertSuccess().stdout()).doesNotContain("Pulling from");
            assertThat(docker(socket, loggedIn, app, "build", "--pull", "-t", "app", ".").assertSuccess().stdout())
                    .contains("Status: Image is up to date for " + image).contains("Using cache");

            // two stages from the same image (building at once), --pull: asked for once
            Path two = Files.createDirectories(tmp.resolve("two"));
            Files.writeString(two.resolve("Dockerfile"), "FROM " + image + " AS one\nRUN [\"busybox\", \"true\"]\nFROM " + image
                    + "\nCOPY --from=one /bin/busybox /copied\n");
            String twice = docker(socket, loggedIn, two, "build", "--pull", "-t", "two", ".").assertSuccess().stdout();
            assertThat(twice.split("Status: Image is up to date for " + java.util.regex.Pattern.quote(image), -1)).as(twice).hasSize(2);

            // skiff build sends the logins skiff login stored, and shows the pull as it goes
            docker(socket, loggedIn, app, "rmi", "app", image).assertSuccess();
            CommandResult skiff = ExternalCommand.of(SkiffCli.command("-H", "unix://" + socket, "build", "--progress=plain", "--pull", "-t", "app",
                    app.toString())).env("SKIFF_CONFIG", loggedIn.toString()).timeout(Duration.ofMinutes(2)).run().assertSuccess();
            assertThat(skiff.stdout()).contains("1: Pulling from alice/base", "Status: Downloaded newer image for " + image);

            // a FROM of a tag the registry lacks
            Files.writeString(app.resolve("Dockerfile"), "FROM " + addr + "/alice/base:nope\n");
            CommandResult missing = docker(socket, loggedIn, app, "build", "-t", "nope", ".");
            assertThat(missing.exitCode()).isNotZero();
            assertThat(missing.output()).contains("manifest for " + addr + "/alice/base:nope not found").doesNotContain("Exception");
            assertThat(docker(socket, loggedIn, app, "ps", "-aq").assertSuccess().stdout()).as("no container left").isBlank();
        }
    }

    /** A docker (and skiff) config folder with alice's login for {@code registry}. */
    private static Path config(Path dir, String registry) throws Exception {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("config.json"), "{\"auths\":{\"" + registry + "\":{\"auth\":\""
                + Base64.getEncoder().encodeToString("alice:alice-pw".getBytes(StandardCharsets.UTF_8)) + "\"}}}");
        return dir;
    }

    private static CommandResult docker(Path socket, Path config, Path dir, String... args) {
        List<String> command = new ArrayList<>(List.of(RequiredTool.DOCKER.command(), "-H", "unix://" + socket));
        command.addAll(List.of(args));
        return ExternalCommand.of(command).env("DOCKER_CONFIG", config.toString()).env("DOCKER_BUILDKIT", "0").directory(dir)
                .timeout(Duration.ofSeconds(120)).run();
    }
}
