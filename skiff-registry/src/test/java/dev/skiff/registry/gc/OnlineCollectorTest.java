package dev.skiff.registry.gc;

import dev.skiff.formats.Digest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

@Timeout(30)
class OnlineCollectorTest {
    @TempDir
    Path root;

    @Test
    void collectsOnScheduleUntilClosed() throws Exception {
        TestRegistry registry = new TestRegistry(root);
        Digest orphan = registry.uniqueBlob("orphan");
        registry.ageEverything(Instant.now().minus(Duration.ofDays(1)));
        GarbageCollector collector = new GarbageCollector(registry.driver, CollectionLock.forFileSystem(root),
                GcOptions.defaults(), InstantSource.system());
        LinkedBlockingQueue<GcReport> reports = new LinkedBlockingQueue<>();

        try (OnlineCollector _ = OnlineCollector.start(collector, Duration.ofMillis(50), reports::add)) {
            GcReport first = reports.poll(10, TimeUnit.SECONDS);
            assertThat(first).isNotNull();
            assertThat(first.deletedBlobs()).containsExactly(orphan);
            assertThat(reports.poll(10, TimeUnit.SECONDS)).as("a second scheduled run").isNotNull();
        }
        reports.clear();
        Thread.sleep(200);
        assertThat(reports).as("runs after close").isEmpty();
    }

    @Test
    void closeStopsARunThatWaitsForTheLock() throws Exception {
        TestRegistry registry = new TestRegistry(root);
        Digest orphan = registry.uniqueBlob("orphan");
        registry.ageEverything(Instant.now().minus(Duration.ofDays(1)));
        CollectionLock lock = CollectionLock.inProcess();
        GarbageCollector collector = new GarbageCollector(registry.driver, lock, GcOptions.defaults(),
                InstantSource.system());
        LinkedBlockingQueue<GcReport> reports = new LinkedBlockingQueue<>();
        CountDownLatch pushing = new CountDownLatch(1);
        CountDownLatch held = new CountDownLatch(1);
        // Own threads, not the common pool: on a two-core machine it has a single worker.
        Thread push = Thread.ofPlatform().start(() -> {
            try (CollectionLock.Hold _ = lock.shared()) {
                held.countDown();
                pushing.await();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        held.await();

        OnlineCollector online = OnlineCollector.start(collector, Duration.ofMillis(10), reports::add);
        Thread.sleep(300);
        Thread closing = Thread.ofPlatform().start(online::close);
        assertThat(closing.join(Duration.ofSeconds(5))).as("close() returned").isTrue();

        pushing.countDown();
        assertThat(push.join(Duration.ofSeconds(5))).isTrue();
        assertThat(reports).isEmpty();
        assertThat(registry.exists(orphan)).isTrue();
    }
}
