package dev.skiff.registry.gc;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(60)
class CollectionLockTest {
    /** Long enough that a lock that does not block would have been taken. */
    private static final long BLOCKED_MILLIS = 300;

    @TempDir
    Path root;

    /** Takes {@code acquire} on a new thread and holds it until {@code release} counts down. */
    private static CompletableFuture<Void> holdOnAnotherThread(LockAction acquire, CountDownLatch release) {
        CompletableFuture<Void> acquired = new CompletableFuture<>();
        Thread.ofPlatform().start(() -> {
            try (CollectionLock.Hold _ = acquire.take()) {
                acquired.complete(null);
                release.await();
            } catch (Exception e) {
                acquired.completeExceptionally(e);
            }
        });
        return acquired;
    }

    interface LockAction {
        CollectionLock.Hold take() throws IOException;
    }

    @Test
    void sharedHoldersDoNotBlockEachOther() throws Exception {
        CollectionLock lock = CollectionLock.forFileSystem(root);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Void> first = holdOnAnotherThread(lock::shared, release);
        CompletableFuture<Void> second = holdOnAnotherThread(lock::shared, release);
        first.get(5, TimeUnit.SECONDS);
        second.get(5, TimeUnit.SECONDS);
        release.countDown();
    }

    @Test
    void sharedBlocksExclusiveUntilReleased() throws Exception {
        CollectionLock lock = CollectionLock.forFileSystem(root);
        CountDownLatch releaseShared = new CountDownLatch(1);
        holdOnAnotherThread(lock::shared, releaseShared).get(5, TimeUnit.SECONDS);

        CountDownLatch releaseExclusive = new CountDownLatch(1);
        CompletableFuture<Void> exclusive = holdOnAnotherThread(lock::exclusive, releaseExclusive);
        Thread.sleep(BLOCKED_MILLIS);
        assertThat(exclusive).isNotDone();

        releaseShared.countDown();
        exclusive.get(5, TimeUnit.SECONDS);
        releaseExclusive.countDown();
    }

    @Test
    void exclusiveBlocksSharedUntilReleased() throws Exception {
        CollectionLock lock = CollectionLock.forFileSystem(root);
        CountDownLatch releaseExclusive = new CountDownLatch(1);
        holdOnAnotherThread(lock::exclusive, releaseExclusive).get(5, TimeUnit.SECONDS);

        CountDownLatch releaseShared = new CountDownLatch(1);
        CompletableFuture<Void> shared = holdOnAnotherThread(lock::shared, releaseShared);
        CompletableFuture<Void> secondExclusive = holdOnAnotherThread(lock::exclusive, releaseShared);
        Thread.sleep(BLOCKED_MILLIS);
        assertThat(shared).isNotDone();
        assertThat(secondExclusive).isNotDone();

        releaseExclusive.countDown();
        CompletableFuture.anyOf(shared, secondExclusive).get(5, TimeUnit.SECONDS);
        releaseShared.countDown();
        CompletableFuture.allOf(shared, secondExclusive).get(5, TimeUnit.SECONDS);
    }

    @Test
    void inProcessLockBlocksTheSameWay() throws Exception {
        CollectionLock lock = CollectionLock.inProcess();
        CountDownLatch releaseShared = new CountDownLatch(1);
        holdOnAnotherThread(lock::shared, releaseShared).get(5, TimeUnit.SECONDS);
        CountDownLatch releaseExclusive = new CountDownLatch(1);
        CompletableFuture<Void> exclusive = holdOnAnotherThread(lock::exclusive, releaseExclusive);
        Thread.sleep(BLOCKED_MILLIS);
        assertThat(exclusive).isNotDone();
        releaseShared.countDown();
        exclusive.get(5, TimeUnit.SECONDS);
        releaseExclusive.countDown();
    }

    @Test
    @SuppressWarnings("try") // closes a hold twice on purpose
    void refusesWhatWouldDeadlock() throws IOException {
        CollectionLock lock = CollectionLock.forFileSystem(root);
        try (CollectionLock.Hold _ = lock.shared(); CollectionLock.Hold _ = lock.shared()) {
            assertThatThrownBy(lock::exclusive).isInstanceOf(IllegalStateException.class);
        }
        try (CollectionLock.Hold _ = lock.exclusive()) {
            assertThatThrownBy(lock::shared).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(lock::exclusive).isInstanceOf(IllegalStateException.class);
        }
        try (CollectionLock.Hold exclusive = lock.exclusive()) {
            exclusive.close(); // closing twice must not unlock someone else's hold
        }
    }

    @Test
    void oneInstancePerRoot() throws IOException {
        assertThat(CollectionLock.forFileSystem(root)).isSameAs(CollectionLock.forFileSystem(root.resolve(".")));
    }

    @Test
    void anotherProcessHoldingSharedBlocksOurExclusive() throws Exception {
        CollectionLock lock = CollectionLock.forFileSystem(root);
        try (OtherProcess other = OtherProcess.start(root, "shared")) {
            other.awaitLine("held");
            CountDownLatch release = new CountDownLatch(1);
            CompletableFuture<Void> exclusive = holdOnAnotherThread(lock::exclusive, release);
            Thread.sleep(BLOCKED_MILLIS);
            assertThat(exclusive).isNotDone();

            other.release();
            exclusive.get(10, TimeUnit.SECONDS);
            release.countDown();
        }
    }

    @Test
    void ourExclusiveBlocksAnotherProcessAndOurSharedDoesNot() throws Exception {
        CollectionLock lock = CollectionLock.forFileSystem(root);
        try (CollectionLock.Hold _ = lock.shared(); OtherProcess other = OtherProcess.start(root, "shared")) {
            other.awaitLine("held");
            other.release();
            other.awaitLine("released");
        }
        CollectionLock.Hold exclusive = lock.exclusive();
        try (OtherProcess other = OtherProcess.start(root, "shared")) {
            try {
                other.awaitLine("waiting");
                Thread.sleep(BLOCKED_MILLIS);
                assertThat(other.ready()).as("the other process got the lock while we held it exclusively").isFalse();
            } finally {
                exclusive.close();
            }
            other.awaitLine("held");
        }
    }

    /** A second JVM on the same classpath running {@link LockHolderMain}. */
    private record OtherProcess(Process process, BufferedReader out, OutputStream in) implements AutoCloseable {
        static OtherProcess start(Path root, String mode) throws IOException {
            String java = ProcessHandle.current().info().command().orElse("java");
            Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                    LockHolderMain.class.getName(), root.toString(), mode)
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            return new OtherProcess(p, new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)),
                    p.getOutputStream());
        }

        void awaitLine(String expected) throws IOException {
            String line;
            do {
                line = out.readLine();
                if (line == null) {
                    throw new IOException("the other process ended before printing " + expected);
                }
            } while (!line.equals(expected));
        }

        boolean ready() throws IOException {
            return out.ready();
        }

        void release() throws IOException {
            in.write("release\n".getBytes(StandardCharsets.UTF_8));
            in.flush();
        }

        @Override
        public void close() throws IOException {
            in.close();
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }
}
