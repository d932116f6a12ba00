package dev.skiff.engine.content;

import dev.skiff.formats.Digest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ContentStoreTest {
    @TempDir
    Path root;

    private static final byte[] HELLO = "hello\n".getBytes(StandardCharsets.UTF_8);
    private static final Digest HELLO_DIGEST =
            Digest.parse("sha256:5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03");

    @Test
    void putReadListDelete() throws Exception {
        ContentStore store = ContentStore.open(root);
        assertThat(store.put(HELLO)).isEqualTo(HELLO_DIGEST);
        assertThat(store.size(HELLO_DIGEST)).contains(6L);
        assertThat(store.read(HELLO_DIGEST)).isEqualTo(HELLO);
        try (InputStream in = store.open(HELLO_DIGEST)) {
            assertThat(in.readAllBytes()).isEqualTo(HELLO);
        }
        assertThat(store.path(HELLO_DIGEST))
                .isEqualTo(root.resolve("content/blobs/sha256/" + HELLO_DIGEST.encoded()));
        assertThat(store.list()).containsExactly(HELLO_DIGEST);

        store.delete(HELLO_DIGEST);
        assertThat(store.size(HELLO_DIGEST)).isEmpty();
        assertThat(store.list()).isEmpty();
        assertThatThrownBy(() -> store.open(HELLO_DIGEST)).isInstanceOf(BlobNotFoundException.class)
                .hasMessageContaining(HELLO_DIGEST.toString());
        store.delete(HELLO_DIGEST); // absent: nothing to do
    }

    @Test
    void aDigestMismatchStoresNothingAndNamesBothDigests() throws Exception {
        ContentStore store = ContentStore.open(root);
        Digest wrong = Digest.sha256("something else".getBytes(StandardCharsets.UTF_8));
        try (ContentWriter w = store.writer()) {
            w.write(HELLO);
            assertThatThrownBy(() -> w.commit(Optional.of(wrong), Optional.empty()))
                    .isInstanceOf(ContentException.class)
                    .hasMessageContaining("expected " + wrong)
                    .hasMessageContaining("got " + HELLO_DIGEST);
        }
        assertThat(store.list()).isEmpty();
        assertThat(store.size(wrong)).isEmpty();
        assertThat(store.size(HELLO_DIGEST)).isEmpty();
        assertThat(ingestFiles()).isEmpty();
    }

    @Test
    void aSizeMismatchStoresNothing() throws Exception {
        ContentStore store = ContentStore.open(root);
        try (ContentWriter w = store.writer()) {
            w.write(HELLO);
            assertThatThrownBy(() -> w.commit(Optional.of(HELLO_DIGEST), Optional.of(7L)))
                    .isInstanceOf(ContentException.class)
                    .hasMessageContaining("expected 7 bytes").hasMessageContaining("got 6");
        }
        assertThat(store.list()).isEmpty();
        assertThat(ingestFiles()).isEmpty();
    }

    @Test
    void anAbortedOrUnclosedWriterLeavesNothing() throws Exception {
        ContentStore store = ContentStore.open(root);
        ContentWriter aborted = store.writer();
        aborted.write(HELLO);
        aborted.abort();
        try (ContentWriter w = store.writer()) {
            w.write(HELLO); // closed without commit
        }
        assertThat(store.list()).isEmpty();
        assertThat(ingestFiles()).isEmpty();
    }

    @Test
    void aWriterUntilCommitIsOnlyInIngestAndLeftoversGoAtOpen() throws Exception {
        ContentStore store = ContentStore.open(root);
        ContentWriter w = store.writer();
        w.write(HELLO);
        w.flush();
        assertThat(store.size(HELLO_DIGEST)).isEmpty();
        assertThat(ingestFiles()).hasSize(1);
        // As after kill -9: the writer is never committed nor aborted; the next open cleans up.
        ContentStore reopened = ContentStore.open(root);
        assertThat(ingestFiles()).isEmpty();
        assertThat(reopened.list()).isEmpty();
    }

    @Test
    void commitWithoutExpectationReturnsTheDigestAndASha512ExpectationIsVerified() throws Exception {
        ContentStore store = ContentStore.open(root);
        try (ContentWriter w = store.writer()) {
            w.write(HELLO);
            assertThat(w.commit(Optional.empty(), Optional.empty())).isEqualTo(HELLO_DIGEST);
        }
        Digest sha512 = Digest.compute(Digest.Algorithm.SHA512, HELLO);
        try (ContentWriter w = store.writer()) {
            w.write(HELLO);
            assertThat(w.commit(Optional.of(sha512), Optional.of(6L))).isEqualTo(sha512);
        }
        assertThat(store.read(sha512)).isEqualTo(HELLO);
        assertThat(store.list()).containsExactlyInAnyOrder(HELLO_DIGEST, sha512);
    }

    @Test
    void concurrentWritersOfTheSameContentAllSucceedWithOneBlob() throws Exception {
        ContentStore store = ContentStore.open(root);
        byte[] big = new byte[3 << 20];
        new Random(7).nextBytes(big);
        Digest expected = Digest.sha256(big);
        int writers = 8;
        CyclicBarrier start = new CyclicBarrier(writers);
        List<Future<Digest>> results = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(writers)) {
            for (int i = 0; i < writers; i++) {
                results.add(pool.submit(() -> {
                    try (ContentWriter w = store.writer()) {
                        start.await();
                        for (int off = 0; off < big.length; off += 8192) {
                            w.write(big, off, Math.min(8192, big.length - off));
                        }
                        return w.commit(Optional.of(expected), Optional.of((long) big.length));
                    }
                }));
            }
            for (Future<Digest> f : results) {
                assertThat(f.get()).isEqualTo(expected);
            }
        }
        assertThat(store.list()).containsExactly(expected);
        assertThat(store.read(expected)).isEqualTo(big);
        assertThat(ingestFiles()).isEmpty();
    }

    @Test
    void aCommittedWriterCannotBeWrittenTo() throws Exception {
        ContentStore store = ContentStore.open(root);
        ContentWriter w = store.writer();
        w.write(HELLO);
        w.commit(Optional.empty(), Optional.empty());
        assertThatThrownBy(() -> w.write(1)).isInstanceOf(java.io.IOException.class);
        assertThatThrownBy(() -> w.commit(Optional.empty(), Optional.empty()))
                .isInstanceOf(IllegalStateException.class);
        w.close();
        assertThat(store.read(HELLO_DIGEST)).isEqualTo(HELLO);
    }

    private List<Path> ingestFiles() throws Exception {
        try (var s = Files.list(root.resolve("content/ingest"))) {
            return s.toList();
        }
    }
}
