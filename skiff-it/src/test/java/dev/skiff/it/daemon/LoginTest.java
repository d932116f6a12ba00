package dev.skiff.it.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skiff.it.registry.DistributionRegistryProcess;
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
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code docker login} / {@code skiff login} through a real {@code skiff daemon} against a real
 * {@code skiff registry} with accounts (token auth), the credentials file they leave, and pulls
 * that use it.
 */
class LoginTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    /** The skiff CLI with its own config folder ({@code SKIFF_CONFIG}) and standard input. */
    CommandResult skiff(Path socket, String stdin, String... args) {
        List<String> all = new ArrayList<>(List.of("-H", "unix://" + socket));
        all.addAll(List.of(args));
        ExternalCommand c = ExternalCommand.of(SkiffCli.command(all.toArray(String[]::new)))
                .env("SKIFF_CONFIG", tmp.resolve("skiff-config").toString()).timeout(Duration.ofMinutes(2));
        if (stdin != null) {
            c.stdin(stdin);
        }
        return c.run();
    }

    CommandResult docker(Path socket, String stdin, String... args) {
        List<String> command = new ArrayList<>(List.of(RequiredTool.DOCKER.command(), "-H", "unix://" + socket));
        command.addAll(List.of(args));
        ExternalCommand c = ExternalCommand.of(command).env("DOCKER_CONFIG", tmp.resolve("docker-config").toString())
                .timeout(Duration.ofMinutes(2));
        if (stdin != null) {
            c.stdin(stdin);
        }
        return c.run();
    }

    @Test
    void dockerAndSkiffLogInThroughTheDaemonAndSkiffPullsWithTheStoredCredentials() throws Exception {
        Path htpasswd = tmp.resolve("htpasswd");
        SkiffRegistryProcess.addUser(htpasswd, "alice", "alice-pw");
        OciLayout layout = OciLayout.create(tmp.resolve("layout"));
        BuiltImage image = TestImages.busyboxMultiLayer(layout, 7);
        layout.tag("app", image);
        Path socket = tmp.resolve("skiff.sock");
        try (SkiffRegistryProcess registry = SkiffRegistryProcess.serving(tmp.resolve("registry")).htpasswd(htpasswd)
                .noAnonymousPull().start();
             ServerProcess daemon = DaemonHarness.start(tmp, socket)) {
            String addr = registry.address();
            new Skopeo(tmp.resolve("skopeo")).copy(layout.reference("app"), registry.ref("alice/app:1"),
                    Skopeo.destCreds("alice", "alice-pw")).assertSuccess();

            // the real docker CLI: a wrong password is refused with dockerd's message, the right one stored
            CommandResult wrong = docker(socket, "not-the-password\n", "login", "-u", "alice", "--password-stdin", addr);
            assertThat(wrong.exitCode()).as(daemon.describe()).isNotZero();
            assertThat(wrong.stderr()).contains("Error response from daemon: Get \"http://" + addr
                    + "/v2/\": unauthorized: invalid username or password");
            CommandResult right = docker(socket, "alice-pw\n", "login", "-u", "alice", "--password-stdin", addr);
            assertThat(right.assertSuccess().stdout()).contains("Login Succeeded");
            assertThat(JSON.readTree(tmp.resolve("docker-config/config.json").toFile()).path("auths").path(addr).path("auth").asText())
                    .isEqualTo(base64("alice:alice-pw"));

            // skiff: without credentials the private repository can't be pulled
            CommandResult anonymous = skiff(socket, null, "pull", addr + "/alice/app:1");
            assertThat(anonymous.exitCode()).isEqualTo(1);
            assertThat(anonymous.stderr()).doesNotContain("Exception").doesNotContain("\tat ");

            // an unknown key in the config survives logins and logouts
            Path config = tmp.resolve("skiff-config/config.json");
            Files.createDirectories(config.getParent());
            Files.writeString(config, "{\"psFormat\":\"table {{.ID}}\",\"auths\":{\"other.example:5000\":{\"auth\":\""
                    + base64("bob:bob-pw") + "\"}}}");

            CommandResult skiffWrong = skiff(socket, "nope\n", "login", "-u", "alice", "--password-stdin", addr);
            assertThat(skiffWrong.exitCode()).isEqualTo(1);
            assertThat(skiffWrong.stderr()).contains("Error response from daemon: Get \"http://" + addr
                    + "/v2/\": unauthorized: invalid username or password");
            assertThat(JSON.readTree(config.toFile()).path("auths").has(addr)).isFalse();

            CommandResult skiffRight = skiff(socket, "alice-pw\n", "login", "-u", "alice", "--password-stdin", addr);
            assertThat(skiffRight.assertSuccess().stdout()).isEqualTo("Login Succeeded\n");
            JsonNode stored = JSON.readTree(config.toFile());
            assertThat(stored.path("auths").path(addr).path("auth").asText()).isEqualTo(base64("alice:alice-pw"));
            assertThat(stored.path("auths").path("other.example:5000").path("auth").asText()).isEqualTo(base64("bob:bob-pw"));
            assertThat(stored.path("psFormat").asText()).isEqualTo("table {{.ID}}");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(config))).isEqualTo("rw-------");
            try (var leftovers = Files.list(config.getParent())) {
                assertThat(leftovers.map(p -> p.getFileName().toString()).toList()).containsExactly("config.json");
            }

            // now skiff pull sends the credentials (X-Registry-Auth) and the private repository comes
            CommandResult pull = skiff(socket, null, "pull", addr + "/alice/app:1");
            assertThat(pull.assertSuccess().stdout()).contains("Status: Downloaded newer image for " + addr + "/alice/app:1");
            assertThat(docker(socket, null, "image", "inspect", "-f", "{{.Id}}", addr + "/alice/app:1").assertSuccess().stdout().strip())
                    .isEqualTo(image.configDigest());

            // -p works too, with docker's warning
            CommandResult withFlag = skiff(socket, null, "login", "-u", "alice", "-p", "alice-pw", addr);
            assertThat(withFlag.assertSuccess().stdout()).isEqualTo("Login Succeeded\n");
            assertThat(withFlag.stderr()).contains("WARNING! Using --password via the CLI is insecure. Use --password-stdin.");

            // logout forgets only that server
            CommandResult logout = skiff(socket, null, "logout", addr);
            assertThat(logout.assertSuccess().stdout()).isEqualTo("Removing login credentials for " + addr + "\n");
            stored = JSON.readTree(config.toFile());
            assertThat(stored.path("auths").has(addr)).isFalse();
            assertThat(stored.path("auths").has("other.example:5000")).isTrue();
            assertThat(stored.path("psFormat").asText()).isEqualTo("table {{.ID}}");
            assertThat(skiff(socket, null, "pull", addr + "/alice/app:2").exitCode()).isEqualTo(1);
            assertThat(docker(socket, null, "logout", addr).assertSuccess().stdout()).contains("Removing login credentials for " + addr);
        }
    }

    @Test
    void basicAuthRegistriesAreCheckedWithBasicCredentials() throws Exception {
        Path htpasswd = tmp.resolve("htpasswd");
        SkiffRegistryProcess.addUser(htpasswd, "alice", "alice-pw"); // bcrypt, which distribution reads too
        Path socket = tmp.resolve("skiff.sock");
        try (DistributionRegistryProcess registry = DistributionRegistryProcess.startWithHtpasswd(tmp.resolve("distribution"),
                tmp.resolve("distribution-work"), htpasswd);
             ServerProcess daemon = DaemonHarness.start(tmp, socket)) {
            String addr = registry.address();
            CommandResult wrong = docker(socket, "wrong-password\n", "login", "-u", "alice", "--password-stdin", addr);
            assertThat(wrong.exitCode()).as(daemon.describe()).isNotZero();
            // dockerd's words, as in docker-traces/registry-login.md
            assertThat(wrong.stderr()).contains("Error response from daemon: login attempt to http://" + addr
                    + "/v2/ failed with status: 401 Unauthorized");
            assertThat(docker(socket, "alice-pw\n", "login", "-u", "alice", "--password-stdin", addr).assertSuccess().stdout())
                    .contains("Login Succeeded");
            assertThat(skiff(socket, "alice-pw\n", "login", "-u", "alice", "--password-stdin", "http://" + addr + "/v2/")
                    .assertSuccess().stdout()).isEqualTo("Login Succeeded\n");
            assertThat(JSON.readTree(tmp.resolve("skiff-config/config.json").toFile()).path("auths").path(addr).path("auth").asText())
                    .isEqualTo(base64("alice:alice-pw"));
            assertThat(skiff(socket, null, "logout", addr).assertSuccess().stdout()).isEqualTo("Removing login credentials for " + addr + "\n");

            // on a terminal (script(1) gives it one) skiff asks, and does not echo the password; the
            // typing waits 6 s, so a JVM slow to start on a loaded machine has its prompt out first
            String command = String.join(" ", SkiffCli.command("-H", "unix://" + socket, "login", addr).stream()
                    .map(a -> "'" + a.replace("'", "'\\''") + "'").toList());
            CommandResult interactive = ExternalCommand.of("bash", "-c", "(sleep 6; printf 'alice\\n'; sleep 6; printf 'alice-pw\\n'; sleep 4)"
                    + " | script -qec \"$SKIFF_LOGIN\" /dev/null").env("SKIFF_LOGIN", command)
                    .env("SKIFF_CONFIG", tmp.resolve("skiff-config").toString()).timeout(Duration.ofMinutes(1)).run();
            assertThat(interactive.assertSuccess().stdout()).contains("Username: alice").contains("Password: ")
                    .contains("Login Succeeded").doesNotContain("alice-pw");
            assertThat(JSON.readTree(tmp.resolve("skiff-config/config.json").toFile()).path("auths").path(addr).path("auth").asText())
                    .isEqualTo(base64("alice:alice-pw"));
        }
    }

    @Test
    void badLoginsAreOneClearLine() throws Exception {
        Path htpasswd = tmp.resolve("htpasswd");
        SkiffRegistryProcess.addUser(htpasswd, "alice", "alice-pw");
        Path socket = tmp.resolve("skiff.sock");
        int closedPort = FreePort.pick();
        try (SkiffRegistryProcess registry = SkiffRegistryProcess.serving(tmp.resolve("registry")).htpasswd(htpasswd).start();
             ServerProcess daemon = DaemonHarness.start(tmp, socket)) {
            String addr = registry.address();
            // no terminal and no username: refused before anything is sent
            CommandResult noTty = skiff(socket, null, "login", addr);
            assertThat(noTty.exitCode()).isEqualTo(1);
            assertThat(noTty.stderr()).isEqualTo("skiff: Error: Cannot perform an interactive login from a non TTY device\n");

            CommandResult noUser = skiff(socket, "pw\n", "login", "--password-stdin", addr);
            assertThat(noUser.exitCode()).isEqualTo(1);
            assertThat(noUser.stderr()).contains("Must provide --username with --password-stdin");

            CommandResult both = skiff(socket, "pw\n", "login", "-u", "alice", "-p", "x", "--password-stdin", addr);
            assertThat(both.exitCode()).isEqualTo(1);
            assertThat(both.stderr()).contains("--password and --password-stdin are mutually exclusive");

            CommandResult emptyPassword = skiff(socket, "\n", "login", "-u", "alice", "--password-stdin", addr);
            assertThat(emptyPassword.exitCode()).isEqualTo(1);
            assertThat(emptyPassword.stderr()).contains("Error: Non-null Password Required");

            // a registry that is not there: named, with what to check
            String down = "127.0.0.1:" + closedPort;
            CommandResult unreachable = skiff(socket, "pw\n", "login", "-u", "alice", "--password-stdin", down);
            assertThat(unreachable.exitCode()).isEqualTo(1);
            assertThat(unreachable.stderr()).startsWith("skiff: Error response from daemon: Get \"http://" + down + "/v2/\": ")
                    .contains("connection refused").doesNotContain("\tat ").hasLineCount(1);
            CommandResult dockerUnreachable = docker(socket, "pw\n", "login", "-u", "alice", "--password-stdin", down);
            assertThat(dockerUnreachable.exitCode()).isNotZero();
            assertThat(dockerUnreachable.stderr()).contains("Error response from daemon: Get \"http://" + down + "/v2/\"");
            assertThat(Files.exists(tmp.resolve("skiff-config/config.json"))).isFalse();

            // the API itself: a body that is not JSON is a 400, not a 500
            CommandResult curl = ExternalCommand.of("curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--unix-socket", socket.toString(),
                    "-X", "POST", "-H", "Content-Type: application/json", "-d", "{not json", "http://skiff/v1.41/auth").run();
            assertThat(curl.assertSuccess().stdout()).isEqualTo("400");
            assertThat(daemon.isAlive()).isTrue();
        }
    }

    private static String base64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }
}
