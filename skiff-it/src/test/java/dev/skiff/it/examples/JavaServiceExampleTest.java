package dev.skiff.it.examples;

import com.sun.net.httpserver.HttpServer;
import dev.skiff.it.daemon.DaemonHarness;
import dev.skiff.it.support.CommandResult;
import dev.skiff.it.support.ExternalCommand;
import dev.skiff.it.support.FreePort;
import dev.skiff.it.support.ServerProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * examples/java-service, built as a user would: its multi-stage Dockerfile with Maven in the build
 * stage (a cache mount for ~/.m2) and a slim JRE in the runtime stage. Offline: the two base images
 * are stand-ins made from this host's JDK 17 and Maven ({@code java-base-images.sh}), and Maven's
 * downloads come from this host's own Maven repository, served on the daemon's bridge as the
 * Dockerfile's {@code MAVEN_MIRROR}. A rebuild after a code change must download nothing: the cache
 * mount kept it all.
 */
class JavaServiceExampleTest {
    private static final Path EXAMPLE = Path.of("..", "examples", "java-service").toAbsolutePath().normalize();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

    @TempDir
    Path tmp;

    @Test
    void buildsWithMavenInOneStageRunsOnAJreInTheNextAndRebuildsFromTheCacheMount() throws Exception {
        Path images = Files.createDirectories(tmp.resolve("images"));
        Path script = Path.of(JavaServiceExampleTest.class.getResource("/examples/java-base-images.sh").toURI());
        ExternalCommand.of("bash", script.toString(), images.toString()).timeout(Duration.ofMinutes(3)).run().assertSuccess();
        Path app = tmp.resolve("java-service");
        ExternalCommand.of("cp", "-r", EXAMPLE.toString(), app.toString()).run().assertSuccess();
        Path socket = tmp.resolve("skiff.sock");
        try (ServerProcess daemon = DaemonHarness.start(tmp, socket)) {
            skiff(socket, "import", images.resolve("maven.tar").toString(), "skiff/maven:debian");
            skiff(socket, "import", images.resolve("jre.tar").toString(), "skiff/jre:debian");
            skiff(socket, "run", "--rm", "skiff/jre:debian", "sh", "-c", "exit 0"); // the first container sets the bridge up, with the host's address on it
            try (Mirror mirror = Mirror.serve(DaemonHarness.gateway(tmp))) {
                buildRunRebuild(socket, app, mirror);
            }
        }
    }

    private void buildRunRebuild(Path socket, Path app, Mirror mirror) throws Exception {
        {

            CommandResult built = skiff(socket, "build", "--build-arg", "MAVEN_MIRROR=" + mirror.url(), "-t", "java-service", app.toString());
            assertThat(built.stdout()).contains("Step 6/12 : RUN --mount=type=cache,target=/root/.m2 <<EOF", "Successfully tagged java-service:latest");
            int downloads = mirror.requests.get();
            assertThat(downloads).as("Maven's downloads through MAVEN_MIRROR").isGreaterThan(10);

            int port = FreePort.pick();
            skiff(socket, "run", "-d", "--name", "svc", "-p", "127.0.0.1:" + port + ":8080", "java-service");
            assertThat(waitFor("http://127.0.0.1:" + port + "/hello?name=Skiff")).isEqualTo("{\"greeting\":\"Hello, Skiff!\",\"count\":1}\n");
            assertThat(skiff(socket, "logs", "svc").stdout()).contains("java-service listening on port 8080 (Java 17)");
            assertThat(skiff(socket, "inspect", "-f", "{{.Config.User}}", "svc").stdout().strip()).isEqualTo("65534:65534");
            // the runtime stage has a JRE and the jar, no Maven and no compiler
            CommandResult maven = DaemonHarness.skiff(socket, "run", "--rm", "java-service", "ls", "/usr/share/maven", "/usr/lib/jvm/java-17/bin/javac");
            assertThat(maven.exitCode()).as(maven.describe()).isNotZero();
            assertThat(skiff(socket, "run", "--rm", "java-service", "ls", "/app").stdout()).isEqualTo("java-service.jar\n");

            // a code change: the Maven step runs again, and finds every plugin in its cache mount
            Path source = app.resolve("src/main/java/dev/skiff/examples/service/Service.java");
            Files.writeString(source, Files.readString(source).replace("\"Hello, \"", "\"Hi, \""));
            CommandResult rebuilt = skiff(socket, "build", "--build-arg", "MAVEN_MIRROR=" + mirror.url(), "-t", "java-service", app.toString());
            assertThat(rebuilt.stdout()).contains("Step 6/12").containsPattern("Step 6/12 : RUN[^\\n]*\\n ---> Running in");
            assertThat(mirror.requests.get()).as("downloads on the rebuild (the cache mount keeps ~/.m2)").isEqualTo(downloads);
            skiff(socket, "rm", "-f", "svc");
            int again = FreePort.pick();
            skiff(socket, "run", "-d", "--name", "svc2", "-p", "127.0.0.1:" + again + ":8080", "java-service");
            assertThat(waitFor("http://127.0.0.1:" + again + "/hello?name=again")).isEqualTo("{\"greeting\":\"Hi, again!\",\"count\":1}\n");
        }
    }

    private static CommandResult skiff(Path socket, String... args) {
        return DaemonHarness.skiff(socket, args).assertSuccess();
    }

    private static String waitFor(String url) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            try {
                HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return r.body();
                }
            } catch (IOException e) {
                // not listening yet
            }
            assertThat(System.nanoTime()).as("an answer from " + url + " within 60 s").isLessThan(deadline);
            Thread.sleep(200);
        }
    }

    /** This host's Maven repository (~/.m2/repository), read-only over HTTP on {@code address}, counting what it serves. */
    private record Mirror(HttpServer server, AtomicInteger requests) implements AutoCloseable {
        static Mirror serve(String address) throws IOException {
            Path repository = Path.of(System.getProperty("user.home"), ".m2", "repository").toRealPath();
            AtomicInteger served = new AtomicInteger();
            HttpServer server = HttpServer.create(new InetSocketAddress(address, 0), 0);
            server.createContext("/", exchange -> {
                try (exchange) {
                    Path file = repository.resolve(exchange.getRequestURI().getPath().substring(1)).normalize();
                    boolean get = List.of("GET", "HEAD").contains(exchange.getRequestMethod());
                    if (!get || !file.startsWith(repository) || !Files.isRegularFile(file)) {
                        exchange.sendResponseHeaders(get ? 404 : 405, -1);
                        return;
                    }
                    served.incrementAndGet();
                    exchange.sendResponseHeaders(200, exchange.getRequestMethod().equals("HEAD") ? -1 : Files.size(file));
                    if (exchange.getRequestMethod().equals("GET")) {
                        try (OutputStream out = exchange.getResponseBody()) {
                            Files.copy(file, out);
                        }
                    }
                }
            });
            server.start();
            return new Mirror(server, served);
        }

        String url() {
            return "http://" + server.getAddress().getAddress().getHostAddress() + ":" + server.getAddress().getPort();
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }
}
