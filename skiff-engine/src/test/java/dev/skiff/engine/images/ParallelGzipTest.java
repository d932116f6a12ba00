package dev.skiff.engine.images;

import dev.skiff.formats.Digest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;

import static org.assertj.core.api.Assertions.assertThat;

class ParallelGzipTest {
    @TempDir
    Path tmp;

    /** Half random, half repetitive text, a few chunks and a ragged end: like a real layer tar. */
    static byte[] sample(int size, long seed) {
        byte[] b = new byte[size];
        Random r = new Random(seed);
        for (int i = 0; i < size; i++) {
            b[i] = (i / 4096) % 2 == 0 ? (byte) r.nextInt(256) : (byte) ("layer tar line " + (i % 97)).charAt(i % 14);
        }
        return b;
    }

    static byte[] gzip(byte[] input, int threads) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ParallelGzip.Result result = ParallelGzip.compress(new ByteArrayInputStream(input), out, threads);
        assertThat(result.compressedSize()).isEqualTo(out.size());
        assertThat(result.uncompressedSize()).isEqualTo(input.length);
        return out.toByteArray();
    }

    @Test
    void theSameInputGivesTheSameBytesWhateverTheNumberOfThreads() throws IOException {
        byte[] input = sample(5 * ParallelGzip.CHUNK + 12345, 1);
        byte[] one = gzip(input, 1);
        byte[] eight = gzip(input, 8);
        assertThat(Digest.sha256(eight)).isEqualTo(Digest.sha256(one));
        assertThat(gzip(input, 3)).isEqualTo(one);
        assertThat(one.length).isLessThan(input.length * 3 / 4);
    }

    @Test
    void differentInputGivesDifferentBytes() throws IOException {
        assertThat(gzip(sample(ParallelGzip.CHUNK + 1, 1), 2)).isNotEqualTo(gzip(sample(ParallelGzip.CHUNK + 1, 2), 2));
    }

    @Test
    void theJdkAndGunzipGiveBackTheInput() throws Exception {
        for (int size : new int[] {0, 1, 512, ParallelGzip.CHUNK, ParallelGzip.CHUNK + 1, 3 * ParallelGzip.CHUNK - 7}) {
            byte[] input = sample(size, size);
            byte[] gz = gzip(input, 4);
            try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gz))) {
                assertThat(in.readAllBytes()).as("size %d", size).isEqualTo(input);
            }
            Path file = tmp.resolve("layer-" + size + ".tar.gz");
            Files.write(file, gz);
            assertThat(run("gzip", "-t", file.toString())).as("gzip -t, size %d", size).isZero();
            assertThat(run("gunzip", "-k", file.toString())).isZero();
            assertThat(Files.readAllBytes(tmp.resolve("layer-" + size + ".tar"))).isEqualTo(input);
        }
    }

    @Test
    void theHeaderIsFixed() throws IOException {
        byte[] gz = gzip(sample(100, 3), 2);
        assertThat(java.util.Arrays.copyOf(gz, 10)).containsExactly(0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff);
    }

    private static int run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return p.exitValue();
    }
}
