package dev.skiff.it.containers;

import dev.skiff.it.support.RequiredTool;
import dev.skiff.it.support.SkiffCli;
import dev.skiff.it.support.Tar;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Testcontainers, unchanged, against skiff daemon: it finds the daemon through {@code DOCKER_HOST}
 * (set for this module by the surefire configuration, Ryuk off), starts a {@code GenericContainer}
 * from a local image, waits for its port, and the test talks to the container through the mapped port.
 */
class TestcontainersTest {
    private static final Path SOCKET = Path.of(System.getenv().getOrDefault("DOCKER_HOST", "unix:///tmp/skiff-it-testcontainers/skiff.sock")
            .substring("unix://".length()));

    @TempDir
    Path tmp;

    @Test
    void aGenericContainerStartsAndAnswersOnItsMappedPort() throws Exception {
        Files.createDirectories(SOCKET.getParent());
        try (ContainerDaemon daemon = ContainerDaemon.start(tmp, SOCKET)) {
            byte[] busybox = Files.readAllBytes(RequiredTool.BUSYBOX.path().toRealPath());
            Path tar = tmp.resolve("httpd.tar");
            Files.write(tar, new Tar().directory("bin").file("bin/busybox", busybox, 0755).symlink("bin/sh", "busybox")
                    .directory("www").file("www/index.html", "hello from skiff\n".getBytes(StandardCharsets.UTF_8), 0644).toBytes());
            SkiffCli.run(Duration.ofSeconds(60), "-H", "unix://" + SOCKET, "import",
                    "-c", "CMD [\"/bin/busybox\", \"httpd\", \"-f\", \"-p\", \"8080\", \"-h\", \"/www\"]",
                    tar.toString(), "skiff-it/tc-httpd:1").assertSuccess();

            try (GenericContainer<?> httpd = new GenericContainer<>(DockerImageName.parse("skiff-it/tc-httpd:1"))
                    .withExposedPorts(8080)
                    .waitingFor(Wait.forHttp("/index.html").forStatusCode(200))
                    .withStartupTimeout(Duration.ofSeconds(60))) {
                httpd.start();
                URI uri = URI.create("http://" + httpd.getHost() + ":" + httpd.getMappedPort(8080) + "/index.html");
                try (HttpClient client = HttpClient.newHttpClient()) {
                    HttpResponse<String> response = client.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
                    assertThat(response.statusCode()).isEqualTo(200);
                    assertThat(response.body()).isEqualTo("hello from skiff\n");
                }
                assertThat(httpd.isRunning()).isTrue();
            }
            // stopped and removed by Testcontainers itself
            assertThat(SkiffCli.run(Duration.ofSeconds(30), "-H", "unix://" + SOCKET, "ps", "-aq").assertSuccess().stdout())
                    .as(daemon.process().describe()).isEmpty();
        }
    }
}
