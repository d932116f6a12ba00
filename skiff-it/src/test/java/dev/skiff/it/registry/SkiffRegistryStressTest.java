package dev.skiff.it.registry;

import dev.skiff.formats.Digest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Streams and crashes: what a registry must survive with real clients and a real process. */
class SkiffRegistryStressTest {
    static final long GIB = 1L << 30;

    @TempDir
    Path tmp;

    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @Test
    void aTwoGibBlobPushesAndPullsThroughAServerWithA256MibHeap() throws Exception {
        try (SkiffRegistryProcess registry = SkiffRegistryProcess.serving(tmp.resolve("root")).jvmOptions("-Xmx256m").start()) {
            String base = "http://" + registry.address();
            var post = http.send(HttpRequest.newBuilder(URI.create(base + "/v2/alice/big/blobs/uploads/"))
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding());
            assertThat(post.statusCode()).isEqualTo(202);
            String location = post.headers().firstValue("Location").orElseThrow();

            Generated source = new Generated(2 * GIB, 42, Long.MAX_VALUE, null, null);
            var patch = http.send(HttpRequest.newBuilder(URI.create(location)).timeout(Duration.ofMinutes(5))
                    .method("PATCH", HttpRequest.BodyPublishers.ofInputStream(() -> source)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(patch.statusCode()).as(patch.body() + "\n" + registry.describe()).isEqualTo(202);
            assertThat(patch.headers().firstValue("Range")).contains("0-" + (2 * GIB - 1));
            Digest digest = Digest.parse("sha256:" + source.hex());
            var put = http.send(HttpRequest.newBuilder(URI.create(location + "?digest=" + digest))
                    .PUT(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(put.statusCode()).as(put.body()).isEqualTo(201);

            var get = http.send(HttpRequest.newBuilder(URI.create(base + "/v2/alice/big/blobs/" + digest)).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            assertThat(get.statusCode()).isEqualTo(200);
            MessageDigest pulled = MessageDigest.getInstance("SHA-256");
            long total = 0;
            try (InputStream in = get.body()) {
                byte[] buffer = new byte[1 << 20];
                int n;
                while ((n = in.read(buffer)) > 0) {
                    pulled.update(buffer, 0, n);
                    total += n;
                }
            }
            assertThat(total).isEqualTo(2 * GIB);
            assertThat(HexFormat.of().formatHex(pulled.digest())).isEqualTo(digest.encoded());
            assertThat(registry.process().isAlive()).isTrue();
            long peakRssKib = peakRssKib(registry.process().pid());
            System.out.println("2 GiB push+pull with -Xmx256m: server peak RSS " + (peakRssKib >> 10) + " MiB");
            // Nothing of the 2 GiB is held in memory: the heap is capped, and the whole process stays small.
            assertThat(peakRssKib).isLessThan(512 * 1024);
        }
    }

    @Test
    void killNineDuringAnUploadLeavesNoPartialBlobAndTheRetrySucceeds() throws Exception {
        Path root = tmp.resolve("root");
        long size = 64L << 20;
        Digest digest;
        CountDownLatch halfway = new CountDownLatch(1);
        CountDownLatch killed = new CountDownLatch(1);
        try (SkiffRegistryProcess registry = SkiffRegistryProcess.serving(root).start()) {
            String base = "http://" + registry.address();
            String location = http.send(HttpRequest.newBuilder(URI.create(base + "/v2/alice/crash/blobs/uploads/"))
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding())
                    .headers().firstValue("Location").orElseThrow();
            Generated source = new Generated(size, 7, size / 2, halfway, killed);
            CompletableFuture<HttpResponse<String>> patch = http.sendAsync(HttpRequest.newBuilder(URI.create(location))
                    .method("PATCH", HttpRequest.BodyPublishers.ofInputStream(() -> source)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(halfway.await(60, TimeUnit.SECONDS)).isTrue();
            Thread.sleep(300); // let the first half reach the server's disk
            ProcessHandle server = ProcessHandle.of(registry.process().pid()).orElseThrow();
            server.destroyForcibly();
            server.onExit().get(30, TimeUnit.SECONDS);
            killed.countDown();
            assertThat(patch).failsWithin(Duration.ofSeconds(30));
            digest = Digest.parse("sha256:" + new Generated(size, 7, Long.MAX_VALUE, null, null).drainAndHash());
        }

        // The kill came mid-upload: part of the bytes are in the upload's own file...
        try (Stream<Path> files = Files.walk(root.resolve("docker/registry/v2"))) {
            assertThat(files.filter(p -> p.toString().contains("/_uploads/") && p.getFileName().toString().equals("data")))
                    .singleElement().satisfies(p -> assertThat(Files.size(p)).isPositive().isLessThan(size));
        }
        // ...and nothing half-written is visible: no blob data, no link into the repository.
        try (Stream<Path> files = Files.walk(root.resolve("docker/registry/v2"))) {
            assertThat(files.map(Path::toString)).noneMatch(p -> p.contains("/blobs/sha256/") || p.contains("/_layers/"));
        }

        try (SkiffRegistryProcess registry = SkiffRegistryProcess.serving(root).start()) {
            String base = "http://" + registry.address();
            var missing = http.send(HttpRequest.newBuilder(URI.create(base + "/v2/alice/crash/blobs/" + digest))
                    .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding());
            assertThat(missing.statusCode()).isEqualTo(404);
            // The client's retry: a fresh upload of the whole blob.
            Generated again = new Generated(size, 7, Long.MAX_VALUE, null, null);
            var retry = http.send(HttpRequest.newBuilder(URI.create(base + "/v2/alice/crash/blobs/uploads/?digest=" + digest))
                    .POST(HttpRequest.BodyPublishers.ofInputStream(() -> again)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(retry.statusCode()).as(retry.body() + "\n" + registry.describe()).isEqualTo(201);
            var head = http.send(HttpRequest.newBuilder(URI.create(base + "/v2/alice/crash/blobs/" + digest))
                    .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding());
            assertThat(head.headers().firstValue("Content-Length")).contains(Long.toString(size));
        }
    }

    static long peakRssKib(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        throw new AssertionError("no VmHWM for pid " + pid);
    }

    /**
     * {@code size} pseudo-random bytes made on the fly (nothing that big is held in memory), hashed as
     * they are read. After {@code pauseAt} bytes it signals {@code paused} and waits for {@code resume}.
     */
    static final class Generated extends InputStream {
        private final long size;
        private final SplittableRandom random;
        private final long pauseAt;
        private final CountDownLatch paused;
        private final CountDownLatch resume;
        private final MessageDigest sha256;
        private final byte[] block = new byte[1 << 16];
        private int blockPos = block.length;
        private long produced;

        Generated(long size, long seed, long pauseAt, CountDownLatch paused, CountDownLatch resume) throws Exception {
            this.size = size;
            this.random = new SplittableRandom(seed);
            this.pauseAt = pauseAt;
            this.paused = paused;
            this.resume = resume;
            this.sha256 = MessageDigest.getInstance("SHA-256");
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (produced >= size) {
                return -1;
            }
            if (produced >= pauseAt && paused != null) {
                paused.countDown();
                try {
                    resume.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                throw new java.io.UncheckedIOException(new IOException("the test stopped this stream"));
            }
            if (blockPos == block.length) {
                for (int i = 0; i < block.length; i += 8) {
                    long v = random.nextLong();
                    for (int j = 0; j < 8; j++) {
                        block[i + j] = (byte) (v >>> (8 * j));
                    }
                }
                blockPos = 0;
            }
            int n = (int) Math.min(Math.min(len, block.length - blockPos), Math.min(size - produced, pauseAt - produced));
            System.arraycopy(block, blockPos, b, off, n);
            sha256.update(block, blockPos, n);
            blockPos += n;
            produced += n;
            return n;
        }

        String hex() {
            assertThat(produced).isEqualTo(size);
            return HexFormat.of().formatHex(sha256.digest());
        }

        String drainAndHash() {
            byte[] sink = new byte[1 << 16];
            while (read(sink, 0, sink.length) > 0) {
                // hashing as it goes
            }
            return hex();
        }
    }
}
