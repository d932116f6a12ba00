package dev.skiff.daemon.events;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.TimeUnit;

/**
 * The daemon's events: a bounded ring of recent ones (what {@code --since} can replay) and live
 * subscribers. Publishing never blocks: each subscriber has its own bounded queue, and one that falls
 * that far behind is cut off (it learns so from {@link Subscription#overflowed()}) instead of holding
 * up the store that publishes.
 */
public final class EventBus {
    /** dockerd keeps the last 256 events for replay; a few more cost nothing. */
    static final int HISTORY = 1024;
    static final int QUEUE = 1024;

    private final Clock clock;
    private final int historyLimit;
    private final int queueLimit;
    private final ArrayDeque<Event> history = new ArrayDeque<>();
    private final Set<Subscription> subscribers = new CopyOnWriteArraySet<>();
    private Instant last = Instant.EPOCH;

    public EventBus() {
        this(Clock.systemUTC(), HISTORY, QUEUE);
    }

    EventBus(Clock clock, int historyLimit, int queueLimit) {
        this.clock = clock;
        this.historyLimit = historyLimit;
        this.queueLimit = queueLimit;
    }

    /** Records an event now; times strictly increase so that replay order is publication order. */
    public Event publish(String type, String action, String actorId, Map<String, String> attributes) {
        Event event;
        synchronized (this) {
            Instant now = clock.instant();
            if (!now.isAfter(last)) {
                now = last.plusNanos(1);
            }
            last = now;
            event = new Event(type, action, actorId, attributes, now);
            history.addLast(event);
            if (history.size() > historyLimit) {
                history.removeFirst();
            }
            for (Subscription s : subscribers) {
                if (!s.queue.offer(event)) {
                    s.overflowed = true;
                    subscribers.remove(s);
                }
            }
        }
        return event;
    }

    /** The recent events and, from then on, live ones: nothing is missed or seen twice between the two. */
    public synchronized Subscription subscribe() {
        Subscription s = new Subscription(new ArrayList<>(history), new ArrayBlockingQueue<>(queueLimit));
        subscribers.add(s);
        return s;
    }

    public int listeners() {
        return subscribers.size();
    }

    /** One reader of the bus; close it when done. */
    public final class Subscription implements AutoCloseable {
        private final List<Event> past;
        private final BlockingQueue<Event> queue;
        private volatile boolean overflowed;

        private Subscription(List<Event> past, BlockingQueue<Event> queue) {
            this.past = List.copyOf(past);
            this.queue = queue;
        }

        /** What happened before the subscription, oldest first. */
        public List<Event> past() {
            return past;
        }

        /** The next live event, or null when none came within the timeout. */
        public Event next(long timeout, TimeUnit unit) throws InterruptedException {
            return queue.poll(timeout, unit);
        }

        /** True when this reader fell so far behind that events were dropped for it. */
        public boolean overflowed() {
            return overflowed && queue.isEmpty();
        }

        @Override
        public void close() {
            subscribers.remove(this);
        }
    }
}
