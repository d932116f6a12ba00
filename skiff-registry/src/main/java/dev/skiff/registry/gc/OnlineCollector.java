package dev.skiff.registry.gc;

import java.time.Duration;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * Runs a {@link GarbageCollector} every {@code interval} on a virtual thread while the registry
 * serves, one run at a time. The first run starts one interval after {@link #start}. A failed run
 * is logged and the schedule goes on: the next run starts from scratch.
 */
public final class OnlineCollector implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(OnlineCollector.class.getName());

    private final GarbageCollector collector;
    private final Duration interval;
    private final Consumer<GcReport> onReport;
    private final ReentrantLock guard = new ReentrantLock();
    private final Condition stopping = guard.newCondition();
    private boolean closed; // guarded by guard
    private final Thread thread;

    private OnlineCollector(GarbageCollector collector, Duration interval, Consumer<GcReport> onReport) {
        this.collector = collector;
        this.interval = interval;
        this.onReport = onReport;
        this.thread = Thread.ofVirtual().name("skiff-registry-gc").unstarted(this::loop);
    }

    /** Starts collecting every {@code interval}; each report goes to {@code onReport}. */
    public static OnlineCollector start(GarbageCollector collector, Duration interval, Consumer<GcReport> onReport) {
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("the collection interval must be positive");
        }
        OnlineCollector online = new OnlineCollector(collector, interval, onReport);
        online.thread.start();
        return online;
    }

    private void loop() {
        while (awaitNextRun()) {
            try {
                onReport.accept(collector.run());
            } catch (Exception e) {
                if (isClosed()) {
                    return; // the interrupt from close() ended the run
                }
                LOG.log(System.Logger.Level.ERROR, "garbage collection failed; retrying in " + interval, e);
            }
        }
    }

    private boolean isClosed() {
        guard.lock();
        try {
            return closed;
        } finally {
            guard.unlock();
        }
    }

    /** Waits for the interval; false once {@link #close()} was called. */
    private boolean awaitNextRun() {
        guard.lock();
        try {
            long nanos = interval.toNanos();
            while (!closed && nanos > 0) {
                nanos = stopping.awaitNanos(nanos);
            }
            return !closed;
        } catch (InterruptedException e) {
            return false;
        } finally {
            guard.unlock();
        }
    }

    /**
     * Stops the schedule and waits for a run in progress to stop. The run is interrupted; deletions
     * are not interruptible, so it stops while marking or between two batches of deletions, and
     * either way leaves a registry the next run can collect.
     */
    @Override
    public void close() {
        guard.lock();
        try {
            closed = true;
            stopping.signalAll();
        } finally {
            guard.unlock();
        }
        thread.interrupt();
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
