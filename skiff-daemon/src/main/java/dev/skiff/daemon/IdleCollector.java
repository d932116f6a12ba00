package dev.skiff.daemon;

import dev.skiff.http.Exchange;
import dev.skiff.http.ExchangeHandler;

import java.time.Duration;

/**
 * Gives memory back once the daemon has gone quiet after work: when no request has been running for
 * {@code quiet}, it asks for one full collection, which (with {@code -XX:MaxHeapFreeRatio} and
 * {@code -XX:-ShrinkHeapInSteps}, as the launcher starts the daemon) shrinks the heap to what is live.
 * A pull leaves hundreds of megabytes of garbage behind; an idle daemon should not keep it. What the
 * serial collector does on its own only happens when the heap fills, which an idle daemon never does.
 * "Quiet" means no request started or ended: a long-lived one (an events stream) does not keep the
 * daemon busy forever, and one collection during a long pull costs a few milliseconds.
 */
final class IdleCollector implements AutoCloseable {
    private final Duration quiet;
    private volatile long lastActivityNanos = System.nanoTime();
    private volatile boolean workSinceCollection;
    private final Thread watcher;

    IdleCollector(Duration quiet) {
        this.quiet = quiet;
        this.watcher = Thread.ofPlatform().daemon().name("idle-collector").start(this::watch);
    }

    /** {@code handler}, with its requests counted as work. */
    ExchangeHandler counting(ExchangeHandler handler) {
        return new ExchangeHandler() {
            @Override
            public void handle(Exchange ex) throws InterruptedException {
                workSinceCollection = true;
                lastActivityNanos = System.nanoTime();
                try {
                    handler.handle(ex);
                } finally {
                    lastActivityNanos = System.nanoTime();
                }
            }
        };
    }

    private void watch() {
        long pollMillis = Math.max(100, Math.min(1000, quiet.toMillis() / 4));
        try {
            while (true) {
                Thread.sleep(pollMillis);
                boolean quietNow = System.nanoTime() - lastActivityNanos >= quiet.toNanos();
                if (workSinceCollection && quietNow) {
                    workSinceCollection = false;
                    System.gc();
                }
            }
        } catch (InterruptedException e) {
            // closed
        }
    }

    @Override
    public void close() {
        watcher.interrupt();
    }
}
