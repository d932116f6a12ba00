package dev.skiff.it.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The process contract of {@code skiff registry serve}: the address line, the challenge, a clean SIGTERM. */
class SkiffRegistryLifecycleTest {

    @TempDir
    Path tmp;

    @Test
    void versionCheckChallengesWithTheTokenRealm() throws Exception {
        Path htpasswd = Pulled.apacheHtpasswd(tmp.resolve("htpasswd"), "alice", "alice-pw");
        try (SkiffRegistryProcess registry = SkiffRegistryProcess.serving(tmp.resolve("root")).htpasswd(htpasswd).start()) {
            HttpResponse<String> response = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create("http://" + registry.address() + "/v2/"))
                            .timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());

            // docker login only checks a password when /v2/ challenges; a 200 would accept any password.
            assertThat(response.statusCode()).as("GET /v2/ without a token; body %s", response.body()).isEqualTo(401);
            assertThat(response.headers().firstValue("WWW-Authenticate")).get().asString()
                    .startsWith("Bearer ")
                    .contains("realm=\"http://" + registry.address() + "/token\"");
            assertThat(response.headers().firstValue("Docker-Distribution-API-Version")).contains("registry/2.0");
        }
    }

    @Test
    void sigtermStopsTheRegistryWithExitCodeZeroAndFreesThePort() throws IOException {
        SkiffRegistryProcess registry = SkiffRegistryProcess.serving(tmp.resolve("root")).start();
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", registry.port()), 5_000);
        }

        int exitCode = registry.stop();

        assertThat(exitCode).as("exit code after SIGTERM\n%s", registry.describe()).isZero();
        assertThat(registry.process().output()).as("no stack trace on a clean stop").doesNotContain("Exception");
        assertThatThrownBy(() -> {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", registry.port()), 2_000);
            }
        }).isInstanceOf(ConnectException.class);
    }

    @Test
    void logsOneLinePerRequest() throws Exception {
        try (SkiffRegistryProcess registry = SkiffRegistryProcess.serving(tmp.resolve("root")).start()) {
            HttpClient client = HttpClient.newHttpClient();
            for (String path : new String[] {"/v2/", "/v2/alice/logged/tags/list", "/v2/_catalog"}) {
                client.send(HttpRequest.newBuilder(URI.create("http://" + registry.address() + path)).build(),
                        HttpResponse.BodyHandlers.discarding());
            }
            registry.stop();

            List<String> stdout = registry.process().output().lines().filter(l -> !l.startsWith("[stderr]")).toList();
            for (String path : new String[] {"/v2/alice/logged/tags/list", "/v2/_catalog"}) {
                assertThat(stdout).as("stdout lines naming %s\n%s", path, registry.describe())
                        .filteredOn(line -> line.contains(path)).hasSize(1);
            }
        }
    }
}
