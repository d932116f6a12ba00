package dev.skiff.registry.http;

import dev.skiff.formats.Digest;
import dev.skiff.registry.Registry;
import dev.skiff.registry.RegistryOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

class ConcurrentPushTest {
    @TempDir
    Path root;

    @Test
    void thirtyTwoClientsPushTheSameLayersIntoDifferentRepositories() throws Exception {
        List<byte[]> layers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            byte[] b = new byte[200_000 + i];
            new Random(i).nextBytes(b);
            layers.add(b);
        }
        byte[] config = "{\"os\":\"linux\",\"architecture\":\"amd64\"}".getBytes(StandardCharsets.UTF_8);
        StringBuilder layerJson = new StringBuilder();
        for (byte[] l : layers) {
            layerJson.append(layerJson.isEmpty() ? "" : ",").append("{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"")
                    .append(Digest.sha256(l)).append("\",\"size\":").append(l.length).append('}');
        }
        byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":"
                + "\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + Digest.sha256(config) + "\",\"size\":" + config.length
                + "},\"layers\":[" + layerJson + "]}").getBytes(StandardCharsets.UTF_8);

        try (Registry registry = Registry.start(new RegistryOptions(new InetSocketAddress("127.0.0.1", 0), root, Optional.empty(),
                Set.of(), true, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty()));
             ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            String base = "http://127.0.0.1:" + registry.address().getPort();
            int clients = 32;
            CyclicBarrier start = new CyclicBarrier(clients);
            List<Future<Integer>> results = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                String repo = "team/app" + c;
                boolean chunked = c % 2 == 0;
                results.add(pool.submit(() -> {
                    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                    start.await();
                    for (byte[] blob : Stream.concat(layers.stream(), Stream.of(config)).toList()) {
                        Digest d = Digest.sha256(blob);
                        if (chunked) {
                            var post = http.send(HttpRequest.newBuilder(URI.create(base + "/v2/" + repo + "/blobs/uploads/"))
                                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding());
                            String location = post.headers().firstValue("Location").orElseThrow();
                            int half = blob.length / 2;
                            var patch = http.send(HttpRequest.newBuilder(URI.create(location)).header("Content-Range", "0-" + (half - 1))
                                    .method("PATCH", HttpRequest.BodyPublishers.ofByteArray(Arrays.copyOf(blob, half))).build(),
                                    HttpResponse.BodyHandlers.discarding());
                            assertThat(patch.statusCode()).isEqualTo(202);
                            var put = http.send(HttpRequest.newBuilder(URI.create(location + "?digest=" + d))
                                    .PUT(HttpRequest.BodyPublishers.ofByteArray(Arrays.copyOfRange(blob, half, blob.length))).build(),
                                    HttpResponse.BodyHandlers.ofString());
                            assertThat(put.statusCode()).as(put.body()).isEqualTo(201);
                        } else {
                            var post = http.send(HttpRequest.newBuilder(URI.create(base + "/v2/" + repo + "/blobs/uploads/?digest=" + d))
                                    .POST(HttpRequest.BodyPublishers.ofByteArray(blob)).build(), HttpResponse.BodyHandlers.ofString());
                            assertThat(post.statusCode()).as(post.body()).isEqualTo(201);
                        }
                    }
                    return http.send(HttpRequest.newBuilder(URI.create(base + "/v2/" + repo + "/manifests/latest"))
                            .header("Content-Type", "application/vnd.oci.image.manifest.v1+json")
                            .PUT(HttpRequest.BodyPublishers.ofByteArray(manifest)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
                }));
            }
            for (Future<Integer> r : results) {
                assertThat(r.get()).isEqualTo(201);
            }
        }
        try (Stream<Path> blobs = Files.walk(root.resolve("docker/registry/v2/blobs"))) {
            assertThat(blobs.filter(p -> p.getFileName().toString().equals("data")).count())
                    .as("3 layers + config + manifest, each stored once").isEqualTo(5);
        }
        try (Stream<Path> uploads = Files.walk(root.resolve("docker/registry/v2/repositories"))) {
            assertThat(uploads.filter(p -> p.toString().contains("/_uploads/") && Files.isRegularFile(p))).isEmpty();
        }
    }
}
