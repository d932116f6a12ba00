package dev.skiff.it.registry;

import dev.skiff.it.support.ExternalCommand;
import dev.skiff.it.support.FreePort;
import dev.skiff.it.support.RequiredTool;
import dev.skiff.it.support.ServerProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * CNCF distribution 2.8 (Debian's {@code docker-registry}) as a real process: filesystem storage
 * under a given root, no auth (or htpasswd Basic auth), deletes enabled, on a free loopback port. The
 * reference that Skiff's on-disk layout must match.
 */
public final class DistributionRegistryProcess implements AutoCloseable {

    private final ServerProcess process;
    private final Path root;
    private final int port;

    private DistributionRegistryProcess(ServerProcess process, Path root, int port) {
        this.process = process;
        this.root = root;
        this.port = port;
    }

    /** Serves {@code root}; {@code workDir} receives the config.yml. Waits until {@code /v2/} answers 200. */
    static DistributionRegistryProcess start(Path root, Path workDir) {
        return start(root, workDir, java.util.Optional.empty());
    }

    /** As {@link #start(Path, Path)}, with Basic auth (realm {@code basic-realm}) against a bcrypt htpasswd file. */
    public static DistributionRegistryProcess startWithHtpasswd(Path root, Path workDir, Path htpasswd) {
        return start(root, workDir, java.util.Optional.of(htpasswd));
    }

    private static DistributionRegistryProcess start(Path root, Path workDir, java.util.Optional<Path> htpasswd) {
        String binary = RequiredTool.DOCKER_REGISTRY.command();
        int port = FreePort.pick();
        Path config = workDir.resolve("distribution-config-" + port + ".yml");
        try {
            Files.createDirectories(workDir);
            Files.writeString(config, """
                    version: 0.1
                    log:
                      level: info
                    storage:
                      filesystem:
                        rootdirectory: %s
                      delete:
                        enabled: true
                      maintenance:
                        uploadpurging:
                          enabled: false
                    http:
                      addr: 127.0.0.1:%d
                    """.formatted(root, port) + htpasswd.map(file -> """
                    auth:
                      htpasswd:
                        realm: basic-realm
                        path: %s
                    """.formatted(file)).orElse(""));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // Distribution reads REGISTRY_* variables as config overrides; none may leak in from the machine.
        ServerProcess process = ServerProcess.start("distribution", List.of(binary, "serve", config.toString()),
                ExternalCommand.of(binary).withoutEnvPrefix("REGISTRY_"));
        DistributionRegistryProcess registry = new DistributionRegistryProcess(process, root, port);
        try {
            registry.awaitReady(Duration.ofSeconds(30), htpasswd);
        } catch (RuntimeException | Error e) {
            registry.close();
            throw e;
        }
        return registry;
    }

    private void awaitReady(Duration timeout, java.util.Optional<Path> htpasswd) {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + address() + "/v2/"))
                .timeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError("docker-registry exited during startup\n" + process.describe());
            }
            try {
                HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200 || response.statusCode() == 401 && htpasswd.isPresent()) {
                    return;
                }
                last = "HTTP " + response.statusCode() + " " + response.body();
            } catch (IOException e) {
                last = e.toString();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
        throw new AssertionError("docker-registry did not answer GET /v2/ with 200 within " + timeout
                + " (last: " + last + ")\n" + process.describe());
    }

    public String address() {
        return "127.0.0.1:" + port;
    }

    String ref(String repositoryAndTag) {
        return "docker://" + address() + "/" + repositoryAndTag;
    }

    Path root() {
        return root;
    }

    String describe() {
        return process.describe();
    }

    int stop() {
        return process.stop(Duration.ofSeconds(15));
    }

    @Override
    public void close() {
        stop();
    }
}
